"""Where attachments' bytes live: Django's default storage (the local ``.data/media`` folder, or an
S3-compatible bucket when ``AWS_STORAGE_BUCKET_NAME`` is set; see config/settings.py).

- :func:`store`: a file under a new random key (``records/<workspace id>/<32 hex>``): the name a
  member gave it is kept in the database only, never used as a path;
- :func:`open_for_download`: a file-like object read a chunk at a time (a bucket's object is
  streamed as it comes, never downloaded whole first);
- :func:`remove_after_commit`: files removed once the transaction that deleted their rows has
  committed (a rollback keeps them), and only those no row uses any more.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024


def new_key(workspace_id: str) -> str:
    return f"records/{workspace_id}/{secrets.token_hex(16)}"


def store(file, *, workspace_id: str, content_type: str) -> str:
    """Save ``file`` (read a chunk at a time; a temporary upload on disk is moved, not copied, by
    the local storage) under a new random key, and return the key."""
    file.content_type = content_type  # what a bucket records as the object's type
    return default_storage.save(new_key(workspace_id), file)


def _s3_object(key: str):
    """The bucket's object of ``key`` when the default storage is an S3 bucket, else None."""
    try:
        from storages.backends.s3 import S3Storage
        from storages.utils import clean_name
    except ImportError:  # pragma: no cover - django-storages is a dependency
        return None
    if not isinstance(default_storage, S3Storage):
        return None
    return default_storage.bucket.Object(default_storage._normalize_name(clean_name(key)))


def open_for_download(key: str):
    """The stored bytes of ``key`` as a file-like object to stream (``FileNotFoundError`` when gone)."""
    obj = _s3_object(key)
    if obj is None:
        return default_storage.open(key, "rb")
    from botocore.exceptions import ClientError

    try:
        return obj.get()["Body"]  # botocore's StreamingBody: read(n) pulls from the connection
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
            raise FileNotFoundError(key) from exc
        raise


def keys_in_use(workspace_id: str, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` some attachment row of any kind still refers to (one query)."""
    from records.models import attachment_models

    keys = list(keys)
    if not keys:
        return set()
    queries = [
        model.objects.filter(Q(workspace_id=workspace_id) & Q(storage_key__in=keys)).values("storage_key")
        for model in attachment_models()
    ]
    return {row["storage_key"] for row in queries[0].union(*queries[1:], all=True)}


def remove_after_commit(workspace_id: str, keys: Iterable[str]) -> None:
    """Once the current transaction commits, remove the files of ``keys`` that no row uses then."""
    keys = set(keys)
    if not keys:
        return

    def remove() -> None:
        for key in sorted(keys - keys_in_use(workspace_id, keys)):
            try:
                default_storage.delete(key)
            except Exception:  # the rows are gone either way; an orphan file is only space
                logger.exception("could not remove the stored file %s", key)

    transaction.on_commit(remove)


def discard(key: str) -> None:
    """Remove a file stored by a write that then failed (before any row referred to it)."""
    try:
        default_storage.delete(key)
    except Exception:
        logger.exception("could not remove the stored file %s", key)
