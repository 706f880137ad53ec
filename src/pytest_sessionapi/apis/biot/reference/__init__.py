"""The BioT reference implementation: the server (``server.py``) and its variants (``variants.py``)."""

from .server import EMBEDDED_ENV, EMBEDDED_TABLE, create_app
from .variants import VARIANTS

__all__ = ["EMBEDDED_ENV", "EMBEDDED_TABLE", "VARIANTS", "create_app"]
