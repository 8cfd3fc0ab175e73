"""api: the FastAPI layer over the stores, the scores and the analytics (versioned JSON, the
investigator UI, the committee report). It holds no business logic a CLI user could not also
reach.

``create_app(settings)`` builds the application; :func:`api.serve.run` serves it with uvicorn
(``riskgraph serve``); :mod:`api.keys` manages API keys (``riskgraph apikey``).
"""

from api.app import create_app
from api.config import ROLES, ApiConfig
from api.keys import ensure_demo_key

__all__ = ["ApiConfig", "ROLES", "create_app", "ensure_demo_key"]
