"""Fixtures of the session records tests: a workspace with a session and a consultation, a member
client per role, real storage in a temporary folder, and real files of every kind."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

import pytest

from tests import factories
from tests.conftest import bearer
from tests.nutrition.factories import NutritionSessionFactory
from tests.sessions.conftest import world  # noqa: F401 - the sessions' world fixture, used here too
from tests.sessions.factories import SessionFactory
from workspaces.roles import Role

ROLES = [role.value for role in Role]
PRIVATE_READERS = {Role.OWNER, Role.ADMIN, Role.SPECIALIST}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Django's default storage in a folder of this test's own (the real FileSystemStorage)."""
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


# -- real files, built byte by byte --------------------------------------------------------------


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(200)) + b"\xff\xd9"
WEBP = b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8 " + struct.pack("<I", 18) + bytes(18)
HEIC = struct.pack(">I", 24) + b"ftypheic" + bytes(4) + b"mif1heic" + bytes(64)
TEXT = "نتيجة التحليل: طبيعية\nResult: normal\n".encode()
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
EXE = b"MZ" + bytes(200)
GIF = b"GIF89a" + bytes(40)


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: every type taken: (bytes, name, stored content type)
ALLOWED = {
    "pdf": (PDF, "نتائج التحليل.pdf", "application/pdf"),
    "png": (png(), "scan.png", "image/png"),
    "jpeg": (JPEG, "photo.jpg", "image/jpeg"),
    "webp": (WEBP, "photo.webp", "image/webp"),
    "heic": (HEIC, "IMG_0001.HEIC", "image/heic"),
    "text": (TEXT, "result.txt", "text/plain"),
    "docx": (docx(), "meal plan.docx", DOCX_TYPE),
}


def upload(data: bytes, name: str, content_type: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


# -- the world ------------------------------------------------------------------------------------


@dataclass
class RecordsWorld:
    workspace: object
    session: object
    consultation: object
    members: dict  # role -> Membership
    apis: dict  # role -> API client

    def api(self, role: str = Role.OWNER):
        return self.apis[role]

    def root(self, prefix: str = "/api/v1") -> str:
        return f"{prefix}/workspace/{self.workspace.pk}"

    def notes_url(self, session=None) -> str:
        return f"{self.root()}/sessions/{(session or self.session).pk}/notes"

    def files_url(self, booking=None, nutrition: bool = False) -> str:
        booking = booking or (self.consultation if nutrition else self.session)
        kind = "nutrition/sessions" if nutrition else "sessions"
        return f"{self.root()}/{kind}/{booking.pk}/attachments"


@pytest.fixture
def rw(db, workspace) -> RecordsWorld:
    members = {role: factories.MembershipFactory(workspace=workspace, role=role) for role in ROLES}
    session = SessionFactory(workspace=workspace, services=[factories.ServiceFactory(workspace=workspace)])
    consultation = NutritionSessionFactory(workspace=workspace)
    apis = {}
    for role, member in members.items():
        api = bearer(member.user)
        api.membership = member
        apis[role] = api
    return RecordsWorld(workspace, session, consultation, members, apis)


def post_file(api, url: str, data: bytes, name: str, *, visibility: str | None = None, **extra):
    body = {"file": upload(data, name)}
    if visibility is not None:
        body["visibility"] = visibility
    return api.post(url, body, format="multipart", **extra)
