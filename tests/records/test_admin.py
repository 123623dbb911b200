"""Session records in the back office: the inlines on both kinds of session (private ones hidden from
roles without records.private), uploads and downloads there, the history of records, custom session
fields and fieldValues edited through the definitions."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from records.models import Note, SessionAttachment, SessionField
from tests import factories
from tests.history.helpers import browser_for, history_html
from tests.records.conftest import HTML, PDF, post_file, stored_files
from tests.records.factories import SessionFieldFactory
from workspaces.roles import Role

pytestmark = pytest.mark.django_db

SECRET = "سر: يتناول دواء للضغط"


def staff(rw, role: str | None):
    """A back-office user (not a superuser): a member with ``role`` in the workspace (None: a member
    of another workspace only). The role table decides what they may do (workspaces.admin_scope)."""
    user = factories.UserFactory()
    workspace = rw.workspace if role is not None else factories.WorkspaceFactory(name="Elsewhere")
    factories.MembershipFactory(workspace=workspace, user=user, role=role or Role.OWNER)
    return user


@pytest.fixture
def records(rw):
    """A private and a shared note and attachment on the session, by the specialist."""
    specialist = rw.api(Role.SPECIALIST)
    for visibility in ("private", "shared"):
        body = SECRET if visibility == "private" else "shared note"
        assert (
            specialist.post(rw.notes_url(), {"body": body, "visibility": visibility}, format="json").status_code == 201
        )
        assert (
            post_file(specialist, rw.files_url(), PDF, f"{visibility}-file.pdf", visibility=visibility).status_code
            == 201
        )
    return rw


def change_page(browser, rw) -> str:
    response = browser.get(f"/admin/appointments/session/{rw.session.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.SPECIALIST, Role.ASSISTANT, Role.VIEWER, None])
def test_the_inlines_show_private_records_only_to_those_allowed(records, role):
    if role is None:  # a member of another workspace only: the session is not found, nothing shown
        response = browser_for(staff(records, role)).get(f"/admin/appointments/session/{records.session.pk}/change/")
        assert response.status_code == 404 and SECRET not in response.content.decode()
        return
    page = change_page(browser_for(staff(records, role)), records)
    allowed = role in {Role.OWNER, Role.ADMIN, Role.SPECIALIST}
    assert "shared note" in page and "shared-file.pdf" in page
    assert (SECRET in page) is allowed
    assert ("private-file.pdf" in page) is allowed
    # the history of its records, likewise
    history = history_html(browser_for(staff(records, role)), "appointments/session", records.session.pk)
    assert "shared note" in history
    assert (SECRET in history) is allowed


def test_superusers_see_everything(records, django_user_model):
    root = django_user_model.objects.create_superuser(email="root@example.com", password="pw-123456-xyz")
    page = change_page(browser_for(root), records)
    assert SECRET in page and "private-file.pdf" in page


def test_downloads_from_the_admin_are_permission_checked(records):
    private = SessionAttachment.objects.get(visibility="private")
    shared = SessionAttachment.objects.get(visibility="shared")
    url = "/admin/appointments/session/{}/attachments/{}/download/"
    specialist = browser_for(staff(records, Role.SPECIALIST))
    response = specialist.get(url.format(records.session.pk, private.pk))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Disposition"].startswith("attachment")
    assistant = browser_for(staff(records, Role.ASSISTANT))
    assert assistant.get(url.format(records.session.pk, private.pk)).status_code == 404
    assert assistant.get(url.format(records.session.pk, shared.pk)).status_code == 200
    # nor for a user who may not view sessions
    outsider = browser_for(staff(records, None))
    assert outsider.get(url.format(records.session.pk, shared.pk)).status_code in (302, 403, 404)


def inline_management(notes=0, files=0, initial_notes=0, initial_files=0) -> dict:
    return {
        "notes-TOTAL_FORMS": str(notes),
        "notes-INITIAL_FORMS": str(initial_notes),
        "attachments-TOTAL_FORMS": str(files),
        "attachments-INITIAL_FORMS": str(initial_files),
    }


def session_form(rw) -> dict:
    session = rw.session
    return {
        "name": session.name,
        "client": session.client_id,
        "service_list": [link.service_id for link in session.session_services.all()],
        "staff": "",
        "status": session.status,
        "date": session.date.isoformat(),
        "start_time": session.start_time.strftime("%H:%M"),
        "duration_minutes": str(session.duration_minutes),
        "field_values": "[]",
    }


def test_notes_and_files_are_added_in_the_admin_through_the_actions(rw, media):
    user = staff(rw, Role.SPECIALIST)
    data = (
        session_form(rw)
        | inline_management(notes=1, files=1)
        | {
            "notes-0-body": "كتب في لوحة الإدارة",
            "notes-0-visibility": "shared",
            "attachments-0-file": SimpleUploadedFile("تحليل.pdf", PDF, content_type="image/png"),
            "attachments-0-visibility": "private",
        }
    )
    response = browser_for(user).post(f"/admin/appointments/session/{rw.session.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    note = Note.objects.get()
    assert (note.body, note.visibility, note.author.user) == ("كتب في لوحة الإدارة", "shared", user)
    attachment = SessionAttachment.objects.get()
    assert (attachment.name, attachment.content_type, attachment.uploaded_by.user) == (
        "تحليل.pdf",
        "application/pdf",
        user,
    )
    assert len(stored_files(media)) == 1
    assert Note.history.get().door == "admin"


def test_a_file_refused_by_its_bytes_is_a_form_error_in_the_admin(rw, media):
    data = (
        session_form(rw)
        | inline_management(files=1)
        | {
            "attachments-0-file": SimpleUploadedFile("report.pdf", HTML),
            "attachments-0-visibility": "shared",
        }
    )
    response = browser_for(staff(rw, Role.OWNER)).post(f"/admin/appointments/session/{rw.session.pk}/change/", data)
    assert response.status_code == 200
    assert "HTML or script" in response.content.decode()
    assert not SessionAttachment.objects.exists() and stored_files(media) == []


def test_another_members_note_cannot_be_changed_in_the_admin_but_an_owner_can(records):
    note = Note.objects.get(visibility="shared")
    assistant = staff(records, Role.ASSISTANT)
    private_note = Note.objects.get(visibility="private")  # hidden from the assistant's page altogether
    data = session_form(records) | inline_management(notes=1, initial_notes=1) | {
        "notes-0-id": note.pk, "notes-0-session": records.session.pk, "notes-0-body": "rewritten",
        "notes-0-visibility": "shared",
    }  # fmt: skip
    response = browser_for(assistant).post(f"/admin/appointments/session/{records.session.pk}/change/", data)
    assert response.status_code == 403
    assert Note.objects.get(pk=note.pk).body == "shared note"
    owner = staff(records, Role.OWNER)
    data = data | inline_management(notes=2, initial_notes=2) | {
        "notes-0-id": private_note.pk, "notes-0-body": SECRET, "notes-0-visibility": "private",
        "notes-1-id": note.pk, "notes-1-session": records.session.pk, "notes-1-body": "rewritten",
        "notes-1-visibility": "shared", "notes-0-session": records.session.pk,
    }  # fmt: skip
    response = browser_for(owner).post(f"/admin/appointments/session/{records.session.pk}/change/", data)
    assert response.status_code == 302
    assert Note.objects.get(pk=note.pk).body == "rewritten"


def test_consultations_have_their_attachments_inline(rw):
    assert post_file(rw.api(), rw.files_url(nutrition=True), PDF, "plan.pdf", visibility="private").status_code == 201
    user = staff(rw, Role.ASSISTANT)
    page = browser_for(user).get(f"/admin/nutrition/nutritionsession/{rw.consultation.pk}/change/").content.decode()
    assert "plan.pdf" not in page
    user = staff(rw, Role.SPECIALIST)
    page = browser_for(user).get(f"/admin/nutrition/nutritionsession/{rw.consultation.pk}/change/").content.decode()
    assert "plan.pdf" in page


def test_field_values_are_edited_through_the_definitions_labels_and_types(rw, django_user_model):
    SessionFieldFactory(workspace=rw.workspace, key="reason", label="سبب الزيارة", type="text", required=True)
    SessionFieldFactory(workspace=rw.workspace, key="weight", label="Weight (kg)", type="number")
    SessionFieldFactory(workspace=rw.workspace, key="kind", label="Kind", type="choice", options=["adult", "child"])
    root = django_user_model.objects.create_superuser(email="root@example.com", password="pw-123456-xyz")
    browser = browser_for(root)
    page = browser.get(f"/admin/appointments/session/{rw.session.pk}/change/").content.decode()
    assert "سبب الزيارة" in page and "Weight (kg)" in page and 'type="number"' in page and "child" in page

    data = session_form(rw) | inline_management() | {
        "field_values__reason": "ألم في الظهر", "field_values__weight": "72.5", "field_values__kind": "adult",
    }  # fmt: skip
    data.pop("field_values")
    response = browser.post(f"/admin/appointments/session/{rw.session.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    rw.session.refresh_from_db()
    assert rw.session.field_values == [
        {"fieldKey": "reason", "value": "ألم في الظهر", "phase": "pre"},
        {"fieldKey": "weight", "value": 72.5, "phase": "pre"},
        {"fieldKey": "kind", "value": "adult", "phase": "pre"},
    ]
    kept = rw.session.field_values
    for wrong in ("heavy", "nan", "inf", "1e999"):  # not a number, or not a finite one (JSON has none)
        bad = browser.post(
            f"/admin/appointments/session/{rw.session.pk}/change/", data | {"field_values__weight": wrong}
        )
        assert bad.status_code == 200, wrong
        assert "“Weight (kg)”: not a valid value." in bad.content.decode(), wrong
        rw.session.refresh_from_db()
        assert rw.session.field_values == kept


def test_custom_fields_are_managed_per_workspace_in_the_admin(rw, django_user_model):
    root = django_user_model.objects.create_superuser(email="root@example.com", password="pw-123456-xyz")
    browser = browser_for(root)
    response = browser.post("/admin/records/sessionfield/add/", {
        "workspace": rw.workspace.pk, "key": "intake", "label": "Intake", "type": "choice", "options": '["a", "b"]',
        "phase": "pre", "required": "on", "is_active": "on",
    })  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    field = SessionField.objects.get(key="intake")
    assert (field.options, field.required) == (["a", "b"], True)
    assert SessionField.history.get().door == "admin"
    refused = browser.post("/admin/records/sessionfield/add/", {
        "workspace": rw.workspace.pk, "key": "n", "label": "N", "type": "number", "options": '["x"]', "phase": "pre",
    })  # fmt: skip
    assert refused.status_code == 200 and "Only choice fields have options." in refused.content.decode()
    assert browser.get("/admin/records/sessionfield/").status_code == 200
