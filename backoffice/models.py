"""Private calendar feeds: one secret .ics URL per staff member, revocable.

The URL's token is ``<feed id><secret>``: the id (24 hex) finds the row by primary key, the
secret (32 random bytes) proves the caller was given the URL. Only the SHA-256 of the whole
token is stored, so a copy of the database does not reveal any feed URL.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workspaces.models import WorkspaceScopedModel


class CalendarFeed(WorkspaceScopedModel):
    membership = models.ForeignKey(
        "workspaces.Membership",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("staff member"),
        db_index=False,  # covered by calendar_feed_ws_member_idx (workspace, membership, ...)
    )
    token_hash = models.CharField(_("token hash"), max_length=64, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["workspace", "membership", "created_at"], name="calendar_feed_ws_member_idx"),
        ]
        constraints = [
            # one live URL per staff member: creating another revokes the previous one
            models.UniqueConstraint(
                fields=["workspace", "membership"],
                condition=Q(revoked_at__isnull=True),
                name="calendar_feed_one_live",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Calendar feed %(id)s") % {"id": self.id})

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
