"""The write paths every kind of booking shares: each kind's actions call these with what is its own."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.db import transaction

from bookings.models import Booking
from bookings.placement import Placement, booking_place
from bookings.signals import booking_changed
from workspaces.errors import refuse_unknown_changes

B = TypeVar("B", bound=Booking)


@transaction.atomic(savepoint=False)  # joins the caller's transaction: a failure rolls it all back
def booking_insert(booking: B) -> B:
    """Place a new booking (any status: imports) and insert it."""
    booking_place(booking, before=None)
    booking.save(force_insert=True)
    return booking


@transaction.atomic
def booking_change(
    booking: B, changes: Mapping[str, Any], *, derive: Callable[[B, Placement], None] | None = None
) -> tuple[B, Placement]:
    """Apply ``changes`` (model field -> value) to ``booking`` and save it, placed anew.

    The row is locked and re-read first, so two changes of one booking apply one after the other,
    each judged against the other's outcome (a lifecycle move against the current status).
    ``derive(booking, before)`` works out what follows from the changes for the kind (a duration
    from new services, an end time given instead of a duration) before the booking is placed.
    Returns the saved booking and where it stood before.
    """
    changeable = {field.name for field in booking._meta.concrete_fields if field.editable}
    refuse_unknown_changes("booking_change", changes, changeable)
    workspace = booking.workspace
    locked = type(booking).objects.select_for_update().get(pk=booking.pk)
    locked.workspace = workspace
    before = Placement.of(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    if derive is not None:
        derive(locked, before)
    booking_place(locked, before=before)
    locked.save()
    booking_changed.send(sender=type(locked), booking=locked, before=before)
    return locked, before
