"""A session's services on its historical rows (``service_ids``, in order).

The services are join rows written in bulk after the session row (no signals), so the actions
say what they will be: :mod:`sessions.actions` sets ``session._history_service_ids`` before saving
when it sets the services. A save without it (a change that leaves the services alone, a save
from elsewhere) reads them from the database; a delete reads them just before the row goes.
"""

from __future__ import annotations

from django.db.models.signals import pre_delete
from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

from history.models import HistoricalSession
from sessions.models import Session, SessionService


def _stored_service_ids(session: Session) -> list[str]:
    return list(
        SessionService.objects.filter(workspace_id=session.workspace_id, session_id=session.pk)
        .order_by("position", "id")
        .values_list("service_id", flat=True)
    )


@receiver(pre_create_historical_record, sender=HistoricalSession)
def record_session_services(sender, instance: Session, history_instance, **kwargs) -> None:
    service_ids = instance.__dict__.pop("_history_service_ids", None)
    if service_ids is None:
        service_ids = _stored_service_ids(instance)
    history_instance.service_ids = list(service_ids)


@receiver(pre_delete, sender=Session)
def keep_services_of_deleted_session(sender, instance: Session, **kwargs) -> None:
    # the database removes the links with the session: read them while they are there
    instance._history_service_ids = _stored_service_ids(instance)
