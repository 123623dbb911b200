"""What every ModelAdmin of the project shares: domain errors on form fields, and bulk status changes.

Bulk status changes go row by row through the same action as the API. Each selected row is moved
in its own transaction by the app's action (which locks the row, re-reads its status, applies the
lifecycle and, when a move puts the row back in time, the double-booking check). A row whose move
is refused is skipped and named in a warning; the others are moved. Rows already in the target
status are left alone (no write, no history row).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from workspaces.errors import DomainError

#: at most this many refused rows are named in the warning
NAMED_REFUSALS = 10

REFUSED_ROW = _("%(row)s: %(reason)s")


def add_domain_error(form, exc: DomainError) -> None:
    """Put a refusal of an action on the form field it names (the model field), else on the form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


def _moved(count: int, status: str) -> str:
    return ngettext("%(count)d moved to “%(status)s”.", "%(count)d moved to “%(status)s”.", count) % {
        "count": count,
        "status": status,
    }


def _already(count: int, status: str) -> str:
    return ngettext("%(count)d already “%(status)s”.", "%(count)d already “%(status)s”.", count) % {
        "count": count,
        "status": status,
    }


def _refused(count: int) -> str:
    return ngettext("%(count)d refused:", "%(count)d refused:", count) % {"count": count}


def report_refusals(modeladmin, request, refused: list) -> None:
    """One warning naming the refused rows (the first :data:`NAMED_REFUSALS` of them), if any."""
    if refused:
        named = "; ".join(str(line) for line in refused[:NAMED_REFUSALS])
        more = " …" if len(refused) > NAMED_REFUSALS else ""
        modeladmin.message_user(request, f"{_refused(len(refused))} {named}{more}", messages.WARNING)


def status_action(*, status: str, label, description, move: Callable[[Model, str], object]):
    """An admin action moving the selected rows to ``status`` (shown as ``label``) with ``move(row, status)``.

    ``move`` calls the app's action, which raises a domain error on a forbidden move.
    ``description`` may use ``%(verbose_name_plural)s`` as every admin action may.
    """

    def action(modeladmin, request, queryset) -> None:
        moved, already, refused = 0, 0, []
        for row in queryset.select_related("workspace").order_by("pk"):
            if row.status == status:
                already += 1
                continue
            try:
                with transaction.atomic():
                    move(row, status)
            except DomainError as exc:
                refused.append(REFUSED_ROW % {"row": row, "reason": exc.message})
            else:
                moved += 1
        summary = [_moved(moved, label)]
        if already:
            summary.append(_already(already, label))
        modeladmin.message_user(request, " ".join(summary), messages.SUCCESS if moved else messages.INFO)
        report_refusals(modeladmin, request, refused)

    action.__name__ = f"mark_{status.replace('-', '_')}"
    return admin.action(description=description, permissions=["change"])(action)
