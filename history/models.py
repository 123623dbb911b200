"""The historical tables: one per recorded model, all in this app, all tenant tables.

Each row of a historical table is the whole recorded object as it was after a create ("+"),
change ("~") or delete ("-"), with who (``history_user``), when (``history_date``), through which
door (``door``: api, admin, command, other) and, for commands, a reason naming the command. What
changed is the difference between a row and the one before it (shown in the admin).

Tenant rules hold here too: every index starts with the workspace, and ``workspace_id`` is a real
foreign key to the workspace (added in migration 0001 with ``ON DELETE CASCADE``, so deleting a
practice deletes its history, including rows written while its objects were being deleted). Other
references (client, staff, user, session) carry no constraint: history outlives what it names.

A session's services are kept on its rows as ``service_ids`` (in their order): given by
:mod:`sessions.actions` around each write (``history.recording.recorded_with``), or read from the
database for a session saved elsewhere (:class:`SessionHistoryRecord`).
"""

from __future__ import annotations

import simple_history
from django.conf import settings
from django.db import models
from django.dispatch import receiver
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.manager import HistoryDescriptor
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from availability.models import BookingPolicy, TimeOff, WorkingHours
from billing.models import BillingSettings, Invoice, Payment
from history.context import Door, current_door, current_reason
from history.recording import values_for
from notifications.models import WebhookEndpoint
from nutrition.models import FollowUp, NutritionSession
from records.models import ConsultationAttachment, Note, SessionAttachment, SessionField
from services.models import Service
from sessions.models import Session, SessionService
from workspaces.ids import ObjectIdField
from workspaces.models import Client


class HistoryRecord(models.Model):
    """What every historical row carries besides the recorded object's fields."""

    door = models.CharField(_("door"), max_length=10, choices=Door.choices, default=current_door)

    class Meta:
        abstract = True


class SessionHistoryRecord(HistoryRecord):
    service_ids = models.JSONField(_("services"), default=list, blank=True)

    class Meta:
        abstract = True


class TenantHistoricalRecords(HistoricalRecords):
    """simple-history's records, shaped as a tenant table.

    - 24-hex time-ordered ids (``history_id``), like every id of the project;
    - no single-column index (not on the copied ``id``, nor on ``history_date``, nor on any
      reference): the indexes are ``(workspace, id, history_date)`` for an object's history and
      ``(workspace, history_date)`` for a workspace's recent changes, plus ``extra_indexes``;
    - ``history_user`` without a constraint: deleting a user keeps what they did.
    """

    _date_indexing = False  # no index on history_date alone

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        made = sender.__dict__.get(self.manager_name)
        if type(made) is HistoryDescriptor:
            setattr(sender, self.manager_name, _HistoryDescriptor(made.model, made.manager_class, made.queryset_class))

    def __init__(self, *, index_prefix: str, extra_indexes: tuple[tuple[str, ...], ...] = (), **kwargs):
        kwargs.setdefault("history_id_field", ObjectIdField(primary_key=True))
        kwargs.setdefault("bases", (HistoryRecord,))
        super().__init__(**kwargs)
        self.index_prefix = index_prefix
        self.extra_indexes = extra_indexes

    def copy_fields(self, model):
        fields = super().copy_fields(model)
        for field in fields.values():
            field.db_index = False
        # a row always belongs to a workspace (the other references may name what is gone)
        fields["workspace"].null = fields["workspace"].blank = False
        return fields

    def get_extra_fields(self, model, fields):
        extra = super().get_extra_fields(model, fields)
        extra["history_user"] = models.ForeignKey(
            settings.AUTH_USER_MODEL,
            null=True,
            blank=True,
            on_delete=models.DO_NOTHING,
            db_constraint=False,
            db_index=False,
            related_name="+",
            verbose_name=_("changed by"),
        )
        return extra

    def get_meta_options(self, model):
        meta = super().get_meta_options(model)
        prefix = self.index_prefix
        meta["indexes"] = [
            models.Index(fields=["workspace", "id", "history_date"], name=f"{prefix}_ws_obj_idx"),
            models.Index(fields=["workspace", "history_date"], name=f"{prefix}_ws_date_idx"),
            *(models.Index(fields=list(fields), name=name) for name, *fields in self.extra_indexes),
        ]
        return meta

    def get_change_reason_for_object(self, instance, history_type, using):
        return super().get_change_reason_for_object(instance, history_type, using) or current_reason()


class _HistoryDescriptor(HistoryDescriptor):
    """``Model.history``, with its manager class made once: simple-history makes a new one (through
    ``inspect.getmembers``) on every access, which every recorded write makes."""

    @cached_property
    def _manager_class(self):
        return self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance, owner):
        return self._manager_class(self.model, instance)


def _register(model, *, verbose_name, verbose_name_plural, records_class=TenantHistoricalRecords, **options) -> None:
    simple_history.register(
        model,
        app="history",
        records_class=records_class,
        verbose_name=verbose_name,
        verbose_name_plural=verbose_name_plural,
        **options,
    )


_register(
    Service,
    index_prefix="hist_service",
    verbose_name=_("historical service"),
    verbose_name_plural=_("historical services"),
)
_register(
    Client,
    index_prefix="hist_client",
    # derived from name, email and phone for searching: not something anyone changes
    excluded_fields=[name for name in ("search_text",) if name in {f.name for f in Client._meta.fields}],
    verbose_name=_("historical client"),
    verbose_name_plural=_("historical clients"),
)
_register(
    Session,
    index_prefix="hist_session",
    bases=(SessionHistoryRecord,),
    verbose_name=_("historical session"),
    verbose_name_plural=_("historical sessions"),
)
_register(
    NutritionSession,
    index_prefix="hist_nutrition",
    verbose_name=_("historical nutrition consultation"),
    verbose_name_plural=_("historical nutrition consultations"),
)
_register(
    FollowUp,
    index_prefix="hist_followup",
    extra_indexes=(("hist_followup_ws_sess_idx", "workspace", "session", "history_date"),),
    verbose_name=_("historical follow-up"),
    verbose_name_plural=_("historical follow-ups"),
)
_register(
    WebhookEndpoint,
    index_prefix="hist_webhook",
    excluded_fields=["secret"],  # the signing secret is shown once and never copied
    verbose_name=_("historical webhook endpoint"),
    verbose_name_plural=_("historical webhook endpoints"),
)

_register(
    BillingSettings,
    index_prefix="hist_billing",
    verbose_name=_("historical billing settings"),
    verbose_name_plural=_("historical billing settings"),
)
_register(
    Invoice,
    index_prefix="hist_invoice",
    verbose_name=_("historical invoice"),
    verbose_name_plural=_("historical invoices"),
)
_register(
    Payment,
    index_prefix="hist_payment",
    extra_indexes=(("hist_payment_ws_inv_idx", "workspace", "invoice", "history_date"),),
    verbose_name=_("historical payment"),
    verbose_name_plural=_("historical payments"),
)
_register(
    Note,
    index_prefix="hist_note",
    extra_indexes=(("hist_note_ws_sess_idx", "workspace", "session", "history_date"),),
    verbose_name=_("historical note"),
    verbose_name_plural=_("historical notes"),
)
for _model, _prefix, _names in (
    (SessionAttachment, "hist_sessfile", (_("historical session attachment"), _("historical session attachments"))),
    (
        ConsultationAttachment,
        "hist_consfile",
        (_("historical consultation attachment"), _("historical consultation attachments")),
    ),
):
    _register(
        _model,
        index_prefix=_prefix,
        extra_indexes=((f"{_prefix}_ws_bk_idx", "workspace", "booking", "history_date"),),
        # what the file is (name, type, size, digest), never where its bytes are, nor the bytes
        excluded_fields=["storage_key"],
        verbose_name=_names[0],
        verbose_name_plural=_names[1],
    )
_register(
    SessionField,
    index_prefix="hist_sessfield",
    verbose_name=_("historical session field"),
    verbose_name_plural=_("historical session fields"),
)

_register(
    WorkingHours,
    index_prefix="hist_workhours",
    verbose_name=_("historical working hours"),
    verbose_name_plural=_("historical working hours"),
)
_register(
    TimeOff,
    index_prefix="hist_timeoff",
    verbose_name=_("historical time off"),
    verbose_name_plural=_("historical time off"),
)
_register(
    BookingPolicy,
    index_prefix="hist_bookingpolicy",
    verbose_name=_("historical booking policy"),
    verbose_name_plural=_("historical booking policies"),
)

HistoricalService = Service.history.model
HistoricalClient = Client.history.model
HistoricalSession = Session.history.model
HistoricalNutritionSession = NutritionSession.history.model
HistoricalFollowUp = FollowUp.history.model
HistoricalBillingSettings = BillingSettings.history.model
HistoricalInvoice = Invoice.history.model
HistoricalPayment = Payment.history.model
HistoricalNote = Note.history.model
HistoricalSessionAttachment = SessionAttachment.history.model
HistoricalConsultationAttachment = ConsultationAttachment.history.model
HistoricalSessionField = SessionField.history.model
HistoricalWebhookEndpoint = WebhookEndpoint.history.model
HistoricalWorkingHours = WorkingHours.history.model
HistoricalTimeOff = TimeOff.history.model
HistoricalBookingPolicy = BookingPolicy.history.model

#: every recorded model -> its historical model
RECORDED = {
    Service: HistoricalService,
    Client: HistoricalClient,
    Session: HistoricalSession,
    NutritionSession: HistoricalNutritionSession,
    FollowUp: HistoricalFollowUp,
    BillingSettings: HistoricalBillingSettings,
    Invoice: HistoricalInvoice,
    Payment: HistoricalPayment,
    Note: HistoricalNote,
    SessionAttachment: HistoricalSessionAttachment,
    ConsultationAttachment: HistoricalConsultationAttachment,
    SessionField: HistoricalSessionField,
    WebhookEndpoint: HistoricalWebhookEndpoint,
    WorkingHours: HistoricalWorkingHours,
    TimeOff: HistoricalTimeOff,
    BookingPolicy: HistoricalBookingPolicy,
}


@receiver(pre_create_historical_record, sender=HistoricalSession)
def _stored_services(sender, instance: Session, history_instance, **kwargs) -> None:
    """A session saved without its actions saying what its services are: as they are stored."""
    if values_for(instance) is None:
        history_instance.service_ids = list(
            SessionService.objects.filter(workspace_id=instance.workspace_id, session_id=instance.pk)
            .order_by("position", "id")
            .values_list("service_id", flat=True)
        )
