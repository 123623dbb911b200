"""What leaves the product: emails to clients, their reminders, webhook endpoints and deliveries.

Every row here is written in the same transaction as the write that causes it (the write hook,
:mod:`notifications.hooks`), together with the job that sends it (Procrastinate's table, same
database), so a write that rolls back leaves neither, and one that commits leaves both.
Tenant tables like every other: a direct workspace key, every index led by it.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from workspaces.models import WorkspaceScopedModel

#: a reference to a row of another table kept without a constraint (it may outlive what it names)
REFERENCE_LENGTH = 24


class EmailKind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Booking confirmation")
    CHANGE = "change", _("Change of booking")
    CANCELLATION = "cancellation", _("Cancellation")
    REMINDER = "reminder", _("Reminder")


class EmailState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Email(WorkspaceScopedModel):
    """An email to a client about one of their bookings, from the moment it is queued.

    ``state`` moves queued -> sent (the SMTP server took it) or queued -> failed (it refused it,
    or every retry failed). ``history_id`` is the booking's historical row of the write the
    email tells about (what it says is that row: the booking as that write left it); a reminder
    names the row current when it fell due.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=EmailKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=EmailState.choices, default=EmailState.QUEUED)
    booking_kind = models.CharField(_("kind of booking"), max_length=20)
    booking_id = models.CharField(_("booking"), max_length=REFERENCE_LENGTH)
    history_id = models.CharField(_("historical row"), max_length=REFERENCE_LENGTH)
    to = models.EmailField(_("to"), max_length=254)
    language = models.CharField(_("language"), max_length=2)
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "created_at", "id"], name="email_ws_created_idx"),
            models.Index(fields=["workspace", "booking_kind", "booking_id"], name="email_ws_booking_idx"),
        ]
        constraints = [
            # one email a write (its job may run twice: notifications.emails.make_for_write); a
            # reminder names the row current when it fell due, which several may share
            models.UniqueConstraint(
                fields=["workspace", "booking_kind", "booking_id", "history_id"],
                condition=~models.Q(kind="reminder"),
                name="email_once_a_write",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to}"


class ReminderState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    DROPPED = "dropped", _("Dropped")


class Reminder(WorkspaceScopedModel):
    """A reminder ``hours`` before a booking starts, due at ``due_at``.

    Made when a booking is booked or moved (only those still ahead); dropped when it is moved
    again (new ones are made), cancelled or deleted; sent once: its job turns it from pending
    into sent, with its email, in one transaction under the row's lock.
    """

    booking_kind = models.CharField(_("kind of booking"), max_length=20)
    booking_id = models.CharField(_("booking"), max_length=REFERENCE_LENGTH)
    hours = models.PositiveSmallIntegerField(_("hours before"))
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(_("state"), max_length=10, choices=ReminderState.choices, default=ReminderState.PENDING)
    email = models.ForeignKey(
        Email,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("email"),
    )

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["workspace", "booking_kind", "booking_id", "state"], name="reminder_ws_booking_idx"),
            models.Index(fields=["workspace", "due_at"], name="reminder_ws_due_idx"),
            models.Index(fields=["workspace", "email"], name="reminder_ws_email_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_kind} {self.booking_id} −{self.hours} h"


class WebhookEndpoint(WorkspaceScopedModel):
    """A URL of the workspace's that receives the events it subscribes to, signed with ``secret``."""

    url = models.CharField(_("URL"), max_length=2000)
    events = ArrayField(models.CharField(max_length=50), verbose_name=_("events"))
    is_active = models.BooleanField(_("active"), default=True)
    # the Standard Webhooks secret (whsec_ + base64): shown once, in the create answer
    secret = models.CharField(_("secret"), max_length=100, editable=False)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["workspace", "is_active", "created_at"], name="webhook_ws_active_idx")]

    def __str__(self) -> str:
        return self.url


class WebhookEvent(WorkspaceScopedModel):
    """One event (``session.updated``, ...) for the endpoints subscribed to it when it happened.

    ``data`` is the object as the API shows it: for a deletion, read just before the delete; for
    a create or change, read when the event is first sent (right after the write committed:
    a session's services and a consultation's follow-ups are written after its own row, so
    reading it in the write hook would miss them), then kept, so every endpoint and every
    retry gets the same body.
    """

    type = models.CharField(_("type"), max_length=50)
    object_kind = models.CharField(_("kind of object"), max_length=50)
    object_id = models.CharField(_("object"), max_length=REFERENCE_LENGTH)
    history_id = models.CharField(_("historical row"), max_length=REFERENCE_LENGTH)
    door = models.CharField(_("door"), max_length=10)
    changed_fields = ArrayField(models.CharField(max_length=50), default=list, verbose_name=_("changed fields"))
    # JSON text, kept as written (jsonb would reorder the keys, and every attempt must send the same body)
    data = models.TextField(_("data"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["workspace", "occurred_at"], name="webhook_event_ws_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.object_id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WebhookDelivery(WorkspaceScopedModel):
    """An event on its way to one endpoint: every attempt is a :class:`WebhookAttempt`."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("endpoint")
    )
    event = models.ForeignKey(
        WebhookEvent, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("event")
    )
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempt_count = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("last status"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "endpoint", "created_at", "id"], name="webhook_delivery_ws_idx"),
            models.Index(fields=["workspace", "event"], name="webhook_delivery_ws_event_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id}"


class WebhookAttempt(WorkspaceScopedModel):
    """One try of a delivery: when, the HTTP status (none when nothing answered) or the error."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempts", db_index=False, verbose_name=_("delivery")
    )
    attempted_at = models.DateTimeField(_("attempted at"))
    status_code = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    manual = models.BooleanField(_("manual retry"), default=False)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["attempted_at", "id"]
        indexes = [models.Index(fields=["workspace", "delivery", "attempted_at"], name="webhook_attempt_ws_idx")]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.attempted_at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"
