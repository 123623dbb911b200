"""The admin calendar (day and week, per workspace and per staff member) and the .ics feed."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from availability.selectors import working_time_of
from backoffice.calendar import Column, HourMark, build_column, shaded_spans, visible_hours
from backoffice.feeds import feed_for_token, feed_response
from backoffice.selectors import UNASSIGNED, calendar_staff, calendar_workspaces, entries_between
from nutrition.models import CONSULTATION_COLOR
from workspaces.ids import is_object_id
from workspaces.models import Membership, Workspace
from workspaces.roles import Role
from workspaces.timezones import local_day_bounds, utc_to_local

DAY, WEEK = "day", "week"
VIEWS = [(DAY, _("Day")), (WEEK, _("Week"))]
CALENDAR_TITLE = _("Calendar")
NO_WORKSPACE = _("You are not an active member of any workspace, so there is no calendar to show.")
UNASSIGNED_KEY = "unassigned"
#: the dates the calendar opens on (weeks and time zones near year 1 or 9999 would overflow)
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


class CalendarFilterForm(forms.Form):
    workspace = forms.ChoiceField(label=_("Workspace"))
    staff = forms.ChoiceField(label=_("Staff member"), required=False)
    date = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    view = forms.ChoiceField(label=_("View"), choices=VIEWS, required=False)

    def __init__(self, data, *, workspaces: list[Workspace], staff: list[Membership]):
        super().__init__(data)
        self.fields["workspace"].choices = [(w.pk, w.name) for w in workspaces]
        self.fields["staff"].choices = [("", _("All staff"))] + [
            (m.pk, _staff_label(m) if m.is_active else _("%(name)s (inactive)") % {"name": _staff_label(m)})
            for m in staff
        ]

    def clean_date(self) -> date | None:
        value = self.cleaned_data.get("date")
        if value is not None and not (FIRST_DAY <= value <= LAST_DAY):
            # Django's own "Enter a valid date." (already in every language)
            raise forms.ValidationError(self.fields["date"].error_messages["invalid"], code="invalid")
        return value


def _staff_label(membership: Membership) -> str:
    return membership.user.name or membership.user.email


def _resolve_workspace(request, wanted: str | None) -> tuple[Workspace | None, list[Workspace]]:
    """The workspace to show and those to choose from: the user's, or any for a superuser."""
    mine = calendar_workspaces(request.user)
    if wanted:
        chosen = next((w for w in mine if w.pk == wanted), None)
        if chosen is None and request.user.is_superuser and is_object_id(wanted):
            chosen = Workspace.objects.filter(pk=wanted).first()
            if chosen is not None:
                mine = [*mine, chosen]
        if chosen is None:
            raise Http404(_("No such workspace."))
        return chosen, mine
    if mine:
        return mine[0], mine
    if request.user.is_superuser:
        first = Workspace.objects.order_by("name", "id").first()
        return first, [first] if first else []
    return None, []


def week_start(day: date) -> date:
    """The first day of ``day``'s week, as the active language has it (Sunday in en and ar)."""
    first = int(get_format("FIRST_DAY_OF_WEEK"))  # 0 = Sunday
    sunday_based = (day.weekday() + 1) % 7
    return day - timedelta(days=(sunday_based - first) % 7)


def _link(base: dict, **changes) -> str:
    params = {**base, **changes}
    return "?" + urlencode({key: value for key, value in params.items() if value})


def _regular_marks(hours: tuple[int, int]) -> list[HourMark]:
    return [HourMark(offset=(hour - hours[0]) * 60, label=f"{hour:02d}:00") for hour in range(hours[0], hours[1])]


def calendar_view(request):
    """The admin calendar: ?workspace=&staff=&date=YYYY-MM-DD&view=day|week."""
    workspace, workspaces = _resolve_workspace(request, request.GET.get("workspace"))
    context = {**admin.site.each_context(request), "title": CALENDAR_TITLE}
    if workspace is None:
        context["empty_message"] = NO_WORKSPACE
        return TemplateResponse(request, "backoffice/calendar.html", context)

    tz_name = workspace.timezone
    staff = calendar_staff(workspace)
    data = {"workspace": workspace.pk, **{k: request.GET[k] for k in ("staff", "date", "view") if k in request.GET}}
    form = CalendarFilterForm(data, workspaces=workspaces, staff=staff)
    form.is_valid()  # a bad value falls back to its default below, with the error shown
    cleaned = getattr(form, "cleaned_data", {})
    today = utc_to_local(timezone.now(), tz_name).date()
    day = cleaned.get("date") or today
    view = cleaned.get("view") or WEEK
    staff_id = cleaned.get("staff") or None
    chosen_staff = next((m for m in staff if m.pk == staff_id), None)

    days = [day] if view == DAY else [week_start(day) + timedelta(days=i) for i in range(7)]
    start, _end = local_day_bounds(days[0], tz_name)
    _start, end = local_day_bounds(days[-1], tz_name)
    entries = entries_between(workspace=workspace, start=start, end=end, staff_id=staff_id)
    hours = visible_hours(entries, days, tz_name)

    columns: list[Column] = []
    if view == WEEK:
        shaded = _shaded(workspace, [chosen_staff] if chosen_staff else [], days, start, end)
        for each in days:
            columns.append(
                build_column(
                    day=each,
                    tz_name=tz_name,
                    entries=entries,
                    hours=hours,
                    title=date_format(each, "D j M"),
                    shaded=shaded.get((staff_id, each), ()),
                )
            )
    else:
        # one column per staff member: the chosen one, or those with sessions that day and the
        # active staff who may hold sessions, then "Unassigned" when needed
        if chosen_staff is not None:
            people = [chosen_staff]
        else:
            busy = {entry.staff_id for entry in entries}
            people = [m for m in staff if m.pk in busy or (m.is_active and m.role != Role.VIEWER)]
        shaded = _shaded(workspace, people, days, start, end)
        for person in people:
            mine = [entry for entry in entries if entry.staff_id == person.pk]
            columns.append(
                build_column(
                    day=day,
                    tz_name=tz_name,
                    entries=mine,
                    hours=hours,
                    key=person.pk,
                    title=_staff_label(person),
                    shaded=shaded.get((person.pk, day), ()),
                )
            )
        unassigned = [entry for entry in entries if entry.staff_id is None]
        if unassigned or not columns:
            columns.append(
                build_column(
                    day=day, tz_name=tz_name, entries=unassigned, hours=hours, key=UNASSIGNED_KEY, title=str(UNASSIGNED)
                )
            )

    step = timedelta(days=1 if view == DAY else 7)
    base = {"workspace": workspace.pk, "staff": staff_id or "", "date": day.isoformat(), "view": view}
    # the hour labels beside the grid: the columns' own when they all agree (a day view, or a
    # week without a clock change), else a regular day's; a column whose hours differ (a day of
    # 23 or 25 hours) then labels its own hour lines
    first_marks = columns[0].marks
    shared = all(c.marks == first_marks and c.minutes == columns[0].minutes for c in columns)
    gutter_marks = first_marks if shared else _regular_marks(hours)
    for column in columns:
        column.own_hours = column.marks != gutter_marks
        if view == WEEK:
            column.link = _link(base, date=column.day.isoformat(), view=DAY)

    context.update(
        form=form,
        workspace=workspace,
        tz_name=tz_name,
        view=view,
        day=day,
        days=days,
        chosen_staff=chosen_staff,
        columns=columns,
        gutter_marks=gutter_marks,
        grid_height=max(column.height for column in columns),
        entry_count=len(entries),
        consultation_color=CONSULTATION_COLOR,
        range_label=(
            date_format(day, "l j F Y")
            if view == DAY
            else f"{date_format(days[0], 'j M Y')} – {date_format(days[-1], 'j M Y')}"
        ),
        links={
            "previous": _link(base, date=(day - step).isoformat()),
            "next": _link(base, date=(day + step).isoformat()),
            "today": _link(base, date=today.isoformat()),
            "day": _link(base, view=DAY),
            "week": _link(base, view=WEEK),
        },
    )
    return TemplateResponse(request, "backoffice/calendar.html", context)


def _shaded(workspace: Workspace, people: list[Membership], days: list[date], start, end) -> dict:
    """Each staff member's time outside their working hours and their time off, per day, to shade."""
    if not people:
        return {}
    weeks, time_off = working_time_of(workspace, [person.pk for person in people], start, end)
    return shaded_spans(days=days, tz_name=workspace.timezone, weeks=weeks, time_off=time_off)


@require_safe
def calendar_feed(request, token: str):
    """A staff member's sessions as iCalendar; 404 unless the token opens a live feed."""
    feed = feed_for_token(token)
    if feed is None:
        raise Http404()
    return feed_response(request, feed)
