"""The UMTS reference implementation: a conformant vManage UMTS server (:mod:`.server`) and its
variants (:mod:`.variants`), which the self-tests run the suite against. The registry, the
configuration, ``python -m pytest_sessionapi serve`` and the tests reach them as
``api.reference.<name>``."""

from .server import EMBEDDED_ENV, EMBEDDED_TABLE, LOGIN_PAGE, create_app
from .variants import VARIANTS

__all__ = ["EMBEDDED_ENV", "EMBEDDED_TABLE", "LOGIN_PAGE", "VARIANTS", "create_app"]
