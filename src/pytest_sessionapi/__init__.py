"""pytest-sessionapi: conformance suites for vendor session REST APIs.

Importing this package is deliberately cheap: the pytest plugin (``pytest_sessionapi.plugin``)
loads pydantic, httpx, the reference servers and the vendor documents only when a test needs them.

PYTEST_DONT_REWRITE: this module holds no assertion, and ``sessionapi run`` imports it before it
starts pytest, which would otherwise warn that the plugin's package was imported too early to be
rewritten. Its submodules (the checks) are still rewritten.
"""

__version__ = "0.1.0"
