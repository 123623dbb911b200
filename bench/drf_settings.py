"""Settings of the best hand-tuned DRF variant (:mod:`bench.drf`): the project's, trimmed.

The same database (and its connection settings), models, signals and JWT signing key as the
API; its own URLs; and of the middleware only what such an API needs: the history's, which
tells a historical row who wrote it and through which door (``api``, from the path).
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.drf"
MIDDLEWARE = ["history.middleware.HistoryMiddleware"]
