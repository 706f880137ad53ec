"""The Control Center reference implementation: a conformant Get Session Details server
(:mod:`.server`) and its variants (:mod:`.variants`), which the self-tests run the suite against.
The registry, the configuration, ``python -m pytest_sessionapi serve`` and the tests reach them
as ``api.reference.<name>``."""

from .server import API_KEY_ENV, EMBEDDED_ENV, EMBEDDED_TABLE, create_app
from .variants import VARIANTS

__all__ = ["API_KEY_ENV", "EMBEDDED_ENV", "EMBEDDED_TABLE", "VARIANTS", "create_app"]
