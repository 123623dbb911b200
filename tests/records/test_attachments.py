"""Attachments through the API: multipart uploads judged by their bytes, stored under random keys in
the real (local) storage, downloads, visibility by role, deletes after the commit, retries."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest
from django.db import transaction

from records import actions
from records.models import ConsultationAttachment, SessionAttachment
from records.storage import remove_after_commit
from tests.records.conftest import (
    ALLOWED,
    EXE,
    GIF,
    HTML,
    PDF,
    PRIVATE_READERS,
    ROLES,
    SVG,
    TEXT,
    docx,
    plain_zip,
    png,
    post_file,
    stored_files,
)
from tests.records.factories import SessionAttachmentFactory
from workspaces.roles import Role

pytestmark = pytest.mark.django_db


def content_of(response) -> bytes:
    return b"".join(response.streaming_content)


# -- what is taken ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(ALLOWED))
@pytest.mark.parametrize("nutrition", [False, True], ids=["session", "consultation"])
def test_every_allowed_type_is_stored_and_downloaded_as_sent(rw, media, kind, nutrition):
    data, name, content_type = ALLOWED[kind]
    # when a member uploads it (a misleading declared type: it is not what counts)
    response = post_file(rw.api(), rw.files_url(nutrition=nutrition), data, name)

    # then it is attached, with its name as written and the type its bytes are
    assert response.status_code == 201, response.content
    attachment = response.json()["attachment"]
    assert list(attachment) == ["id", "name", "size", "contentType", "visibility", "uploadedBy", "createdAt", "url"]
    assert (attachment["name"], attachment["size"], attachment["contentType"]) == (name, len(data), content_type)
    assert attachment["visibility"] == "private" and attachment["uploadedBy"] == rw.members[Role.OWNER].pk
    path = "nutrition/sessions" if nutrition else "sessions"
    booking = rw.consultation if nutrition else rw.session
    assert attachment["url"] == f"{rw.root()}/{path}/{booking.pk}/attachments/{attachment['id']}/content"
    # stored under a random key of the workspace, never under its name
    (stored,) = stored_files(media)
    assert stored.startswith(f"records/{rw.workspace.pk}/") and name not in stored and "." not in stored
    model = ConsultationAttachment if nutrition else SessionAttachment
    row = model.objects.get(pk=attachment["id"])
    assert row.sha256 == hashlib.sha256(data).hexdigest() and (media / row.storage_key).read_bytes() == data

    # and the download gives the same bytes, as an attachment that is never sniffed
    download = rw.api().get(attachment["url"])
    assert download.status_code == 200
    assert content_of(download) == data
    assert download["Content-Type"] == content_type
    assert download["Content-Length"] == str(len(data))
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment; ")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in download["Content-Disposition"]


def test_an_arabic_name_is_kept_and_downloaded_whole(rw):
    name = "تقرير المختبر - يناير ٢٠٢٤.pdf"
    attachment = post_file(rw.api(), rw.files_url(), PDF, name, visibility="shared").json()["attachment"]
    assert attachment["name"] == name
    assert rw.api().get(rw.files_url() + "/" + attachment["id"]).json()["attachment"]["name"] == name
    disposition = rw.api().get(attachment["url"])["Content-Disposition"]
    # RFC 6266 / 5987: an ASCII fallback and the whole name in UTF-8
    assert disposition == f"attachment; filename=\"attachment.pdf\"; filename*=UTF-8''{quote(name, safe='')}"


def test_a_pdf_named_png_is_a_pdf(rw):
    response = post_file(rw.api(), rw.files_url(), PDF, "scan.png")
    assert response.status_code == 201
    attachment = response.json()["attachment"]
    assert (attachment["name"], attachment["contentType"]) == ("scan.png", "application/pdf")
    assert rw.api().get(attachment["url"])["Content-Type"] == "application/pdf"


# -- what is refused ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (HTML, "report.pdf"),  # an HTML page named .pdf
        (SVG, "logo.png"),  # SVG carries script
        (png() + b"<script>alert(1)</script>", "photo.png"),  # a polyglot: a real PNG carrying a script
        (PDF.replace(b"%%EOF", b"<html><body onload=alert(1)></body></html>\n%%EOF"), "a.pdf"),  # PDF + HTML
        (b"%PDF-1.4\n<!DOCTYPE html><html>\n%%EOF", "b.pdf"),  # markup in the header browsers sniff
        (TEXT + b"<iframe src=x>", "notes.txt"),  # text carrying markup
        (plain_zip(), "archive.docx"),  # a ZIP that is no DOCX
        (EXE, "invoice.pdf"),
        (GIF, "a.gif"),
        (bytes(range(256)) * 4, "data.txt"),  # binary, no signature
        ("caf\xe9".encode("latin-1"), "latin1.txt"),  # not UTF-8
    ],
    ids=[
        "html-as-pdf",
        "svg",
        "png-polyglot",
        "pdf-polyglot",
        "pdf-html-head",
        "text-markup",
        "zip",
        "exe",
        "gif",
        "binary",
        "latin1",
    ],
)
def test_anything_else_is_a_415_and_nothing_is_stored(rw, media, data, name):
    response = post_file(rw.api(), rw.files_url(), data, name)
    assert response.status_code == 415, response.content
    error = response.json()["error"]
    assert error["code"] == "unsupported_media_type" and "file" in error["fields"]
    assert stored_files(media) == [] and not SessionAttachment.objects.exists()


def test_an_empty_file_or_no_file_is_a_400(rw, media):
    empty = post_file(rw.api(), rw.files_url(), b"", "empty.txt")
    assert empty.status_code == 400 and "file" in empty.json()["error"]["fields"]
    missing = rw.api().post(rw.files_url(), {"visibility": "shared"}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()["error"]["fields"]
    bad = post_file(rw.api(), rw.files_url(), PDF, "a.pdf", visibility="secret")
    assert bad.status_code == 400 and "visibility" in bad.json()["error"]["fields"]
    unknown = rw.api().post(rw.files_url(), {"file": ALLOWED["pdf"][0], "sessionID": "x"}, format="multipart")
    assert unknown.status_code == 400
    as_json = rw.api().post(rw.files_url(), {"file": "x"}, format="json")
    assert as_json.status_code == 415
    assert stored_files(media) == []


def test_a_file_over_the_limit_is_a_413_while_streaming(rw, media, settings):
    # given a limit of 1000 bytes (the body's Content-Length is within the multipart allowance)
    settings.MAX_UPLOAD_BYTES = 1000
    at_limit = post_file(rw.api(), rw.files_url(), TEXT * (1000 // len(TEXT)), "ok.txt")
    assert at_limit.status_code == 201
    # when one byte more is sent, then it is refused as it streams in and nothing more is stored
    response = post_file(rw.api(), rw.files_url(), b"a" * 1001, "big.txt")
    assert response.status_code == 413, response.content
    assert response.json()["error"]["code"] == "payload_too_large"
    assert len(stored_files(media)) == 1


def test_a_body_whose_length_says_too_much_is_a_413_before_it_is_read(rw, media, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    from config.middleware import UPLOAD_OVERHEAD_BYTES

    # a Content-Length beyond the file limit and the multipart allowance: refused from the header alone
    response = rw.api().generic(
        "POST",
        rw.files_url(),
        b"x",  # what would follow is never read
        content_type="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(1000 + UPLOAD_OVERHEAD_BYTES + 1),
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    # while other API bodies keep their own, smaller limit
    big_json = rw.api().generic(
        "POST", rw.notes_url(), b"{}", content_type="application/json", CONTENT_LENGTH=str(2 * 1024 * 1024)
    )
    assert big_json.status_code == 413
    assert stored_files(media) == []


def test_a_large_upload_within_the_default_limit_goes_through(rw, media):
    data = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024) + b"\n%%EOF\n"  # 5 MB: over FILE_UPLOAD_MAX_MEMORY_SIZE
    response = post_file(rw.api(), rw.files_url(), data, "big.pdf")
    assert response.status_code == 201, response.content
    assert response.json()["attachment"]["size"] == len(data)


# -- visibility, every role -----------------------------------------------------------------------------


@pytest.fixture
def both(rw):
    """A private and a shared attachment on the session and on the consultation, by a specialist."""
    made = {}
    for nutrition in (False, True):
        for visibility in ("private", "shared"):
            response = post_file(
                rw.api(Role.SPECIALIST), rw.files_url(nutrition=nutrition), PDF, f"{visibility}.pdf",
                visibility=visibility,
            )  # fmt: skip
            assert response.status_code == 201
            made[(nutrition, visibility)] = response.json()["attachment"]
    return made


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("nutrition", [False, True], ids=["session", "consultation"])
def test_private_attachments_exist_only_for_roles_holding_records_private(rw, both, role, nutrition):
    api = rw.api(role)
    private, shared = both[(nutrition, "private")], both[(nutrition, "shared")]
    allowed = role in PRIVATE_READERS
    expected = [private["id"], shared["id"]] if allowed else [shared["id"]]
    # the list
    listed = api.get(rw.files_url(nutrition=nutrition)).json()["attachments"]
    assert [a["id"] for a in listed] == expected
    # the booking's array, in its detail and in its list
    booking = rw.consultation if nutrition else rw.session
    base = f"{rw.root()}/{'nutrition/sessions' if nutrition else 'sessions'}"
    detail = api.get(f"{base}/{booking.pk}").json()["session"]
    assert [a["id"] for a in detail["attachments"]] == expected
    assert detail["attachments"] == listed
    (item,) = api.get(base).json()["sessions"]
    assert item["attachments"] == listed
    # the details and the download: a private one is not there (404), a shared one is
    assert api.get(f"{rw.files_url(nutrition=nutrition)}/{private['id']}").status_code == (200 if allowed else 404)
    assert api.get(private["url"]).status_code == (200 if allowed else 404)
    assert api.get(shared["url"]).status_code == 200
    assert api.get(f"{rw.files_url(nutrition=nutrition)}/{shared['id']}").json()["attachment"] == shared


def test_another_workspaces_attachment_is_not_found(rw, both, other_workspace, member_client):
    stranger = member_client(Role.OWNER, ws=other_workspace)
    attachment = both[(False, "shared")]
    assert stranger.get(attachment["url"]).status_code == 404
    foreign = attachment["url"].replace(rw.workspace.pk, other_workspace.pk)
    assert stranger.get(foreign).status_code == 404
    # nor under another session of the same workspace
    from tests.sessions.factories import SessionFactory

    other = SessionFactory(workspace=rw.workspace)
    moved = attachment["url"].replace(rw.session.pk, other.pk)
    assert rw.api().get(moved).status_code == 404


@pytest.mark.parametrize(
    ("accept", "query"),
    [("image/png", ""), ("*/*", "?format=any"), ("application/pdf", ""), ("application/json", "")],
)
def test_a_download_that_fails_answers_json_and_says_so(rw, accept, query):
    # an <img> or a PDF viewer asks for its own type; a missing file is still a JSON 404, labelled JSON
    missing = f"{rw.files_url()}/{rw.session.pk}/content{query}"
    response = rw.api().get(missing, HTTP_ACCEPT=accept)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


# -- who may delete ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_the_uploader_or_an_owner_or_admin_deletes(rw, role, media, member_client):
    uploader = member_client(Role.ASSISTANT)  # another assistant than the role's
    attachment = post_file(uploader, rw.files_url(), PDF, "a.pdf", visibility="shared").json()["attachment"]
    response = rw.api(role).delete(f"{rw.files_url()}/{attachment['id']}")
    if role in {Role.OWNER, Role.ADMIN}:
        assert response.status_code == 204
    elif role == Role.VIEWER:
        assert response.status_code == 403  # no sessions.update
    else:
        assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    own = uploader.delete(f"{rw.files_url()}/{attachment['id']}")
    assert own.status_code == (404 if role in {Role.OWNER, Role.ADMIN} else 204)


# -- deletes and their files --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_delete_removes_the_file_once_committed(rw, media):
    attachment = post_file(rw.api(), rw.files_url(), PDF, "a.pdf").json()["attachment"]
    assert len(stored_files(media)) == 1
    assert rw.api().delete(f"{rw.files_url()}/{attachment['id']}").status_code == 204
    assert stored_files(media) == []
    assert rw.api().get(attachment["url"]).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_delete_that_rolls_back_keeps_the_file(rw, media):
    attachment = post_file(rw.api(), rw.files_url(), PDF, "a.pdf").json()["attachment"]
    row = SessionAttachment.objects.get(pk=attachment["id"])
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.attachment_delete(attachment=row)
        raise RuntimeError("something later in the same transaction fails")
    assert len(stored_files(media)) == 1 and SessionAttachment.objects.filter(pk=attachment["id"]).exists()
    assert content_of(rw.api().get(attachment["url"])) == PDF


@pytest.mark.django_db(transaction=True)
def test_a_file_another_row_still_uses_is_kept(rw, media):
    attachment = post_file(rw.api(), rw.files_url(), PDF, "a.pdf").json()["attachment"]
    row = SessionAttachment.objects.get(pk=attachment["id"])
    # given a second row on the same stored file (a copy to the consultation)
    twin = ConsultationAttachment.objects.create(
        workspace=rw.workspace, booking=rw.consultation, name="copy.pdf", size=row.size,
        content_type=row.content_type, storage_key=row.storage_key, sha256=row.sha256,
    )  # fmt: skip
    # when the first is deleted, then the file stays for the second
    assert rw.api().delete(f"{rw.files_url()}/{row.pk}").status_code == 204
    assert len(stored_files(media)) == 1
    assert rw.api().get(f"{rw.files_url(nutrition=True)}/{twin.pk}/content").status_code == 200
    # and goes with the last row
    assert rw.api().delete(f"{rw.files_url(nutrition=True)}/{twin.pk}").status_code == 204
    assert stored_files(media) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("nutrition", [False, True], ids=["session", "consultation"])
def test_deleting_a_booking_removes_its_files_after_the_commit(rw, media, nutrition):
    for name in ("a.pdf", "b.pdf"):
        assert post_file(rw.api(), rw.files_url(nutrition=nutrition), PDF, name).status_code == 201
    # an attachment of another booking stays
    keep = post_file(rw.api(), rw.files_url(nutrition=not nutrition), PDF, "keep.pdf").json()["attachment"]
    booking = rw.consultation if nutrition else rw.session
    url = f"{rw.root()}/{'nutrition/sessions' if nutrition else 'sessions'}/{booking.pk}"
    assert rw.api().delete(url).status_code == 204
    model = ConsultationAttachment if nutrition else SessionAttachment
    assert not model.objects.filter(booking_id=booking.pk).exists()
    assert len(stored_files(media)) == 1
    assert content_of(rw.api().get(keep["url"])) == PDF
    # and the history says they went with it
    assert model.history.filter(booking_id=booking.pk, history_type="-").count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_booking_delete_that_rolls_back_keeps_its_files(rw, media):
    assert post_file(rw.api(), rw.files_url(), PDF, "a.pdf").status_code == 201
    from sessions.actions import session_delete

    with pytest.raises(RuntimeError), transaction.atomic():
        session_delete(session=rw.session)
        raise RuntimeError("rolled back")
    assert len(stored_files(media)) == 1 and SessionAttachment.objects.count() == 1


def test_remove_after_commit_waits_for_the_commit(rw, media, django_capture_on_commit_callbacks):
    row = SessionAttachmentFactory(booking=rw.session, stored=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row.delete()
    assert len(stored_files(media)) == 1 and len(callbacks) == 1  # still there until the commit
    callbacks[0]()
    assert stored_files(media) == []
    remove_after_commit(rw.workspace.pk, [])  # nothing to do: no callback


# -- retries --------------------------------------------------------------------------------------------


def test_a_retried_upload_stores_one_file(rw, media):
    headers = {"HTTP_IDEMPOTENCY_KEY": "upload-1"}
    first = post_file(rw.api(), rw.files_url(), PDF, "a.pdf", **headers)
    again = post_file(rw.api(), rw.files_url(), PDF, "a.pdf", **headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert len(stored_files(media)) == 1 and SessionAttachment.objects.count() == 1
    # another file under the same key is a 409
    other = post_file(rw.api(), rw.files_url(), docx(), "b.docx", **headers)
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert len(stored_files(media)) == 1


def test_access_order_of_the_attachment_lists(rw):
    from tests.access import Endpoint, assert_access_order

    endpoint = Endpoint("GET", lambda ws: rw.files_url(), "sessions.view")
    assert_access_order(endpoint, rw.workspace)
    endpoint = Endpoint("GET", lambda ws: rw.files_url(nutrition=True), "nutrition.view")
    assert_access_order(endpoint, rw.workspace)
