"""Fee drafts follow status changes of bookings of any kind, through any door (``bookings.signals``)."""

from __future__ import annotations

from django.dispatch import receiver

from billing.actions import fee_draft_for
from bookings.signals import booking_changed


@receiver(booking_changed)
def draft_a_fee(sender, booking, before, **kwargs) -> None:
    """A booking just moved into a status that frees its slot (cancelled, no-show): the workspace's
    policy may give it a fee draft (late cancellation, no-show), in the same transaction."""
    if booking.status != before.status and not sender.lifecycle.holds_staff(booking.status):
        fee_draft_for(booking)
