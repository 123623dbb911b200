"""The one place a write's notifications are queued: the end of its historical record.

Every recorded write, through any door (API, admin forms and bulk actions, commands, the shell),
ends in simple-history's ``post_create_historical_record`` signal, inside the write's
transaction. From the historical row (its model, create/change/delete, its values) and the row
before it (for what changed), this queues the webhook events (:mod:`notifications.webhooks`) and,
for bookings, the job that makes the client's emails and reminders (:mod:`notifications.emails`),
in the same transaction: nothing for a write that rolls back, nothing lost for one that commits.

``pre_delete`` only reads a deleted object's data while it is still there, for its event.
"""

from __future__ import annotations

from functools import cache

from django.db.models.signals import pre_delete
from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from bookings.models import Booking
from notifications import emails, events, webhooks


def previous_row(record):
    """The object's historical row before ``record`` (None for a create): one query, workspace-led."""
    if record.history_type == "+":
        return None
    return (
        type(record)
        ._default_manager.filter(workspace_id=record.workspace_id, id=record.id, history_date__lte=record.history_date)
        .exclude(history_id=record.history_id)
        .order_by("-history_date", "-history_id")
        .first()
    )


@receiver(post_create_historical_record)
def after_recorded_write(sender, instance, history_instance, **kwargs) -> None:
    kind = events.kind_of(type(instance))
    booking = isinstance(instance, Booking)
    if kind is None and not booking:
        return

    @cache
    def previous():
        return previous_row(history_instance)

    if kind is not None:
        webhooks.enqueue_event(kind, history_instance, instance, previous)
    if booking:
        emails.enqueue_for_booking(instance, history_instance, previous)


@receiver(pre_delete)
def before_delete(sender, instance, **kwargs) -> None:
    kind = events.kind_of(sender)
    if kind is not None:
        webhooks.snapshot_before_delete(kind, instance)
