"""pytest-sessionapi: conformance suites for vendor session REST APIs.

Importing this package is deliberately cheap: the pytest plugin (``pytest_sessionapi.plugin``)
loads pydantic, httpx, the reference servers and the vendor documents only when a test needs them.
"""

__version__ = "0.1.0"
