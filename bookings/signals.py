"""What the booking core tells the rest of the product.

``booking_changed`` is sent by :func:`bookings.actions.booking_change` for every change of a
booking of any kind, through any door, inside the change's transaction once the booking is saved,
with ``booking`` (as saved) and ``before`` (its :class:`bookings.placement.Placement` before).
Billing hangs its late-cancellation and no-show fee drafts from it.
"""

from django.dispatch import Signal

booking_changed = Signal()
