"""When staff work: weekly working hours in the workspace's time zone, time off as real instants,
and the workspace's booking policy (whether bookings must fall inside working hours, and the
limits and grid of the free slots it offers).
"""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from workspaces.models import WorkspaceScopedModel

DAY_MINUTES = 24 * 60
REASON_MAX_LENGTH = 200
#: what the policy may say (the contract's defaults: false, 0, 365, 15, 0)
MAX_NOTICE_MINUTES = 365 * DAY_MINUTES
MAX_ADVANCE_DAYS = 3650
MIN_SLOT_STEP, MAX_SLOT_STEP = 5, DAY_MINUTES
MAX_BUFFER_MINUTES = DAY_MINUTES

CLOCK_INVALID = _("Enter a time as HH:mm, 24-hour, from 00:00 to 23:59.")
CLOCK_END_INVALID = _("Enter a time as HH:mm, 24-hour, from 00:01 to 24:00.")


class Weekday(models.IntegerChoices):
    """ISO weekdays: Monday is 1."""

    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


def format_clock_minute(minute: int | None) -> str | None:
    """Minutes past midnight as ``HH:mm`` (1440 is ``24:00``, the end of the day)."""
    return None if minute is None else f"{minute // 60:02d}:{minute % 60:02d}"


def parse_clock_minute(value: object, *, end: bool = False) -> int:
    """``HH:mm`` as minutes past midnight; ``end``: ``24:00`` is allowed (and ``00:00`` is not)."""
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":" or not (value[:2] + value[3:]).isdigit():
        raise ValueError(value)
    hours, minutes = int(value[:2]), int(value[3:])
    if minutes > 59:
        raise ValueError(value)
    total = hours * 60 + minutes
    if not (0 < total <= DAY_MINUTES if end else total < DAY_MINUTES):
        raise ValueError(value)
    return total


class ClockMinuteFormField(forms.CharField):
    """A wall-clock time typed as ``HH:mm``, held as minutes past midnight."""

    def __init__(self, *, end: bool = False, **kwargs):
        self.end = end
        kwargs.pop("max_value", None), kwargs.pop("min_value", None), kwargs.pop("step_size", None)
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 5, "placeholder": "HH:mm"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return format_clock_minute(value) if isinstance(value, int) else value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_clock_minute(value.strip(), end=self.end)
        except ValueError:
            raise forms.ValidationError(CLOCK_END_INVALID if self.end else CLOCK_INVALID, code="invalid") from None


class ClockMinuteField(models.PositiveSmallIntegerField):
    """A wall-clock time stored as minutes past midnight (0 to 1439; an end may be 1440, ``24:00``)."""

    def __init__(self, *args, end: bool = False, **kwargs):
        self.end = end
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.end:
            kwargs["end"] = True
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": ClockMinuteFormField, "end": self.end, **kwargs})


class WorkingHours(WorkspaceScopedModel):
    """One interval of a member's week: a weekday and a wall-clock start and end in the workspace's
    time zone. A day may hold several (a gap between them is a break); they never overlap."""

    membership = models.ForeignKey(
        "workspaces.Membership",
        on_delete=models.CASCADE,
        related_name="working_hours",
        db_index=False,  # covered by (workspace, membership, weekday, start)
        verbose_name=_("staff member"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_minute = ClockMinuteField(_("start"), help_text=_("HH:mm, in the workspace's time zone."))
    end_minute = ClockMinuteField(_("end"), end=True, help_text=_("HH:mm, up to 24:00 (the end of the day)."))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["weekday", "start_minute", "id"]
        indexes = [
            models.Index(fields=["workspace", "membership", "weekday", "start_minute"], name="workhours_ws_member_idx")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=1, weekday__lte=7), name="workhours_weekday_valid"),
            models.CheckConstraint(
                condition=Q(start_minute__gte=0, end_minute__lte=DAY_MINUTES, end_minute__gt=F("start_minute")),
                name="workhours_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        start, end = format_clock_minute(self.start_minute), format_clock_minute(self.end_minute)
        return f"{self.get_weekday_display()} {start}–{end}"

    @property
    def interval(self) -> tuple[int, int, int]:
        return (self.weekday, self.start_minute, self.end_minute)


class TimeOff(WorkspaceScopedModel):
    """A span of real time a member does not work (leave, a conference), whatever their hours say."""

    membership = models.ForeignKey(
        "workspaces.Membership",
        on_delete=models.CASCADE,
        related_name="time_off",
        db_index=False,  # covered by (workspace, membership, starts_at)
        verbose_name=_("staff member"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    reason = models.CharField(_("reason"), max_length=REASON_MAX_LENGTH, blank=True, default="")

    class Meta:
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["workspace", "membership", "starts_at"], name="timeoff_ws_member_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="timeoff_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} – {self.ends_at:%Y-%m-%d %H:%M} UTC"


class BookingPolicy(WorkspaceScopedModel):
    """How a workspace takes bookings; a workspace without one has the defaults."""

    workspace = models.OneToOneField(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="booking_policy", verbose_name=_("workspace")
    )
    enforce_working_hours = models.BooleanField(
        _("enforce working hours"),
        default=False,
        help_text=_("Refuse a booking (or a move) outside its staff member's working hours or during their time off."),
    )
    min_notice_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"),
        default=0,
        validators=[MaxValueValidator(MAX_NOTICE_MINUTES)],
        help_text=_("Free slots start at least this long from now."),
    )
    max_advance_days = models.PositiveSmallIntegerField(
        _("maximum advance (days)"),
        default=365,
        validators=[MaxValueValidator(MAX_ADVANCE_DAYS)],
        help_text=_("Free slots are offered up to this many days after today."),
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        _("slot step (minutes)"),
        default=15,
        validators=[MinValueValidator(MIN_SLOT_STEP), MaxValueValidator(MAX_SLOT_STEP)],
        help_text=_("Free slots start on this grid, counted from midnight."),
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer (minutes)"),
        default=0,
        validators=[MaxValueValidator(MAX_BUFFER_MINUTES)],
        help_text=_("Free slots keep this gap before and after every booking."),
    )

    class Meta:
        verbose_name = _("booking policy")
        verbose_name_plural = _("booking policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    min_notice_minutes__lte=MAX_NOTICE_MINUTES,
                    max_advance_days__lte=MAX_ADVANCE_DAYS,
                    slot_step_minutes__gte=MIN_SLOT_STEP,
                    slot_step_minutes__lte=MAX_SLOT_STEP,
                    buffer_minutes__lte=MAX_BUFFER_MINUTES,
                ),
                name="bookingpolicy_values_in_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
