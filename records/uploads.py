"""Every file upload, whatever the door (the API's multipart requests, the admin's forms), goes
through :class:`InspectingUploadHandler` (``FILE_UPLOAD_HANDLERS``).

Django's default handlers keep an upload of up to ``FILE_UPLOAD_MAX_MEMORY_SIZE`` whole in memory
and spill larger ones to a temporary file. This one never holds a file in memory: each chunk
(64 KB) is written to a temporary file on disk and fed to a :class:`records.inspection.Inspector`
on the way, so by the time the body is parsed the file's size, SHA-256 and type (judged by its
bytes) are known, with no second read. Past ``MAX_UPLOAD_BYTES`` nothing more is written: on an
API path the request is refused at once (413, the rest of the body unread); in the admin the
form says so. Bodies whose ``Content-Length`` already says too much are refused before any of
this, by ``config.middleware.ApiRequestGuardMiddleware``.
"""

from __future__ import annotations

import os
import tempfile

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from config.views import is_api_path
from records.inspection import Inspector, Verdict


class InspectedUpload(TemporaryUploadedFile):
    """An upload on disk with its :class:`Verdict` (``verdict``). The temporary file's name owes
    nothing to the name the sender gave."""

    def __init__(self, name, content_type, charset, content_type_extra=None):
        file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed (and so deleted) with the request's files
            prefix="upload-", suffix=".upload", dir=settings.FILE_UPLOAD_TEMP_DIR
        )
        UploadedFile.__init__(self, file, name, content_type, 0, charset, content_type_extra)
        self.verdict: Verdict | None = None


class InspectingUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.inspector = Inspector(settings.MAX_UPLOAD_BYTES)
        self.file = InspectedUpload(self.file_name, self.content_type, self.charset, self.content_type_extra)

    def receive_data_chunk(self, raw_data, start):
        was_over = self.inspector.too_large
        self.inspector.feed(raw_data)
        if not self.inspector.too_large:
            self.file.write(raw_data)
        elif not was_over:  # just crossed the limit: keep nothing of it
            self.file.seek(0)
            self.file.truncate()
            refusal = self.inspector.finish().refusal()
            if self.request is not None and is_api_path(self.request.path_info):
                raise refusal  # 413 now: the rest of the body is never read
        return None

    def file_complete(self, file_size):
        self.file.seek(0)
        self.file.size = file_size
        self.file.verdict = self.inspector.finish()
        return self.file

    def upload_interrupted(self):
        if hasattr(self, "file"):
            try:
                path = self.file.temporary_file_path()
                self.file.close()
                os.remove(path)
            except FileNotFoundError:
                pass
