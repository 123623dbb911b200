"""Start (or reuse) the embedded PostgreSQL server used when DATABASE_URL is unset.

The server comes from the ``pgserver`` package, keeps its data in ``.data/pg`` (git-ignored)
and keeps running after the process exits, so later commands reuse it at once. It is a real
PostgreSQL 16, without contrib extensions: the schema never depends on any.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path


def embedded_database_url(base_dir: Path) -> str:
    import pgserver  # imported lazily: production never loads it

    # pgserver logs from an atexit hook, after test runners have closed their output streams
    logging.getLogger("pgserver").setLevel(logging.WARNING)

    os.environ.setdefault("XDG_RUNTIME_DIR", str(base_dir / ".data"))
    data_dir = Path(os.environ.get("EMBEDDED_PG_DIR", base_dir / ".data" / "pg"))
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    return server.get_uri()
