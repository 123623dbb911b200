"""What follows every delete, whatever the door (API, admin, bulk actions, a shell):

- a booking of any kind: its notes and attachments are deleted first, through the ORM, so that
  each is recorded in the history and each file removed after the commit (the database's cascade
  is only the net under a raw delete);
- an attachment: its file is removed once the transaction commits, unless another row uses it.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, pre_delete

from bookings.models import booking_models
from records.models import attachment_models
from records.storage import remove_after_commit


def _booking_deleted(sender, instance, **kwargs) -> None:
    from records.actions import booking_records_delete

    booking_records_delete(booking=instance)


def _attachment_deleted(sender, instance, **kwargs) -> None:
    remove_after_commit(instance.workspace_id, [instance.storage_key])


for _model in booking_models():
    pre_delete.connect(_booking_deleted, sender=_model, dispatch_uid=f"records_booking_{_model._meta.label}")
for _model in attachment_models():
    post_delete.connect(_attachment_deleted, sender=_model, dispatch_uid=f"records_file_{_model._meta.label}")
