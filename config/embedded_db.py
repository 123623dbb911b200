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
    # pgserver logs from an atexit hook, after test runners have closed their output streams
    logging.getLogger("pgserver").setLevel(logging.WARNING)

    runtime_dir = base_dir / ".data" / "run"  # platformdirs (used by pgserver) wants a private one
    runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
    import pgserver  # imported lazily (production never loads it), after the runtime dir is set

    data_dir = Path(os.environ.get("EMBEDDED_PG_DIR", base_dir / ".data" / "pg"))
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    return server.get_uri()
