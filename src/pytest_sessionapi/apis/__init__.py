"""One package per vendor API; see :mod:`pytest_sessionapi.registry` for what each one holds."""
