"""The admin calendar (day and week, per workspace and per staff member) and the .ics feed.

The calendar shows the workspace a member works in (a superuser chooses any); every day holds a
column per staff member, as wide as its overlapping blocks need to stay legible (the grid scrolls
sideways when they do not fit), in both directions. A block opens its session; a click on a free
time of a column opens a new session for that staff member, day and time (for roles that may
create sessions; ``backoffice/static/backoffice/calendar.js``).
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from availability.selectors import working_time_of
from backoffice.calendar import DayGroup, HourMark, build_column, shaded_spans, visible_hours
from backoffice.feeds import feed_for_token, feed_response
from backoffice.selectors import UNASSIGNED, calendar_staff, entries_between
from nutrition.models import CONSULTATION_COLOR
from sessions.models import Session
from workspaces.admin_scope import AdminAccess, admin_access
from workspaces.ids import is_object_id
from workspaces.models import Membership, Workspace
from workspaces.roles import Role
from workspaces.timezones import local_day_bounds, utc_to_local

DAY, WEEK = "day", "week"
VIEWS = [(DAY, _("Day")), (WEEK, _("Week"))]
CALENDAR_TITLE = _("Calendar")
NO_WORKSPACE = _("You are not an active member of any workspace, so there is no calendar to show.")
SUBSCRIPTION_EXPIRED = _("Your workspace’s subscription has expired, so there is no calendar to show.")
TWO_FACTOR_NEEDED = _("Your workspace requires two-factor authentication: turn it on to see its calendar.")
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


def _resolve_workspace(access: AdminAccess, wanted: str | None) -> tuple[Workspace | None, list[Workspace]]:
    """The workspace to show and those to choose from: a member's current one (any other is a
    404, as every page of another workspace is), or any for a superuser."""
    if not access.is_superuser:
        current = access.workspace
        if wanted and (current is None or wanted != current.pk):
            raise Http404(_("No such workspace."))
        return current, [current] if current else []
    mine = [membership.workspace for membership in access.live]
    if wanted:
        chosen = next((w for w in mine if w.pk == wanted), None)
        if chosen is None and is_object_id(wanted):
            chosen = Workspace.objects.filter(pk=wanted).first()
            if chosen is not None:
                mine = [*mine, chosen]
        if chosen is None:
            raise Http404(_("No such workspace."))
        return chosen, mine
    if mine:
        return mine[0], mine
    first = Workspace.objects.order_by("name", "id").first()
    return first, [first] if first else []


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


def _new_session_url(request, access: AdminAccess, workspace: Workspace) -> str:
    """The add page of a session, when this user may add one, with the workspace for a superuser."""
    model_admin = admin.site.get_model_admin(Session) if admin.site.is_registered(Session) else None
    if model_admin is None or not model_admin.has_add_permission(request):
        return ""
    url = reverse(f"admin:{Session._meta.app_label}_{Session._meta.model_name}_add")
    return url + "?" + urlencode({"workspace": workspace.pk} if access.is_superuser else {})


def calendar_view(request):
    """The admin calendar: ?staff=&date=YYYY-MM-DD&view=day|week (and ?workspace= for a superuser)."""
    access = admin_access(request)
    workspace, workspaces = _resolve_workspace(access, request.GET.get("workspace"))
    context = {**admin.site.each_context(request), "title": CALENDAR_TITLE}
    if workspace is None:
        context["empty_message"] = (
            TWO_FACTOR_NEEDED if access.without_two_factor else SUBSCRIPTION_EXPIRED if access.expired else NO_WORKSPACE
        )
        return TemplateResponse(request, "backoffice/calendar.html", context)

    tz_name = workspace.timezone
    staff = calendar_staff(workspace)
    data = {"workspace": workspace.pk, **{k: request.GET[k] for k in ("staff", "date", "view") if k in request.GET}}
    form = CalendarFilterForm(data, workspaces=workspaces, staff=staff)
    if not access.is_superuser:
        form.fields["workspace"].widget = forms.HiddenInput()  # a member's: chosen in the header
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

    # a column per staff member on every day: the chosen one; in a day, those with sessions and
    # the active staff who may hold sessions; in a week, those with sessions in it (a week of
    # every member would be too wide to read: the day view, or choosing the member, offers the
    # others); then "Unassigned" when needed
    busy = {entry.staff_id for entry in entries}
    if chosen_staff is not None:
        people = [chosen_staff]
    elif view == DAY:
        people = [m for m in staff if m.pk in busy or (m.is_active and m.role != Role.VIEWER)]
    else:
        people = [m for m in staff if m.pk in busy]
    lanes: list[tuple[str | None, str]] = [(person.pk, _staff_label(person)) for person in people]
    if chosen_staff is None and (any(entry.staff_id is None for entry in entries) or not lanes):
        lanes.append((None, str(UNASSIGNED)))
    # each staff member's time outside their working hours and their time off, shaded in their columns
    shaded = _shaded(workspace, people, days, start, end)

    step = timedelta(days=1 if view == DAY else 7)
    base = {
        "workspace": workspace.pk if access.is_superuser else "",
        "staff": staff_id or "",
        "view": view,
        "date": day.isoformat(),
    }
    by_lane: dict[str | None, list] = {person_id: [] for person_id, _label in lanes}
    for entry in entries:
        if entry.staff_id in by_lane:
            by_lane[entry.staff_id].append(entry)
    add_url = _new_session_url(request, access, workspace)
    groups: list[DayGroup] = []
    for each in days:
        group = DayGroup(
            day=each,
            title=date_format(each, "D j M") if view == WEEK else date_format(each, "l j F Y"),
            columns=[],
            link=_link(base, date=each.isoformat(), view=DAY) if view == WEEK else "",
        )
        for person_id, label in lanes:
            column = build_column(
                day=each,
                tz_name=tz_name,
                entries=by_lane[person_id],
                hours=hours,
                key=person_id or UNASSIGNED_KEY,
                title=label,
                shaded=shaded.get((person_id, each), ()) if person_id else (),
            )
            column.staff_id = person_id or ""
            if add_url:
                column.add_url = f"{add_url}&{urlencode({'staff': person_id or '', 'date': each.isoformat()})}"
            group.columns.append(column)
        groups.append(group)
    columns = [column for group in groups for column in group.columns]

    # the hour labels beside the grid: the columns' own when they all agree (a day view, or a
    # week without a clock change), else a regular day's; a day whose hours differ (a day of
    # 23 or 25 hours) then labels its own hour lines, in its first column
    first_marks = columns[0].marks
    shared = all(c.marks == first_marks and c.minutes == columns[0].minutes for c in columns)
    gutter_marks = first_marks if shared else _regular_marks(hours)
    for group in groups:
        for index, column in enumerate(group.columns):
            column.own_hours = index == 0 and column.marks != gutter_marks

    context.update(
        form=form,
        workspace=workspace,
        tz_name=tz_name,
        view=view,
        day=day,
        days=days,
        chosen_staff=chosen_staff,
        groups=groups,
        columns=columns,
        column_heads=not (view == WEEK and chosen_staff is not None),
        day_heads=view == WEEK,
        gutter_marks=gutter_marks,
        grid_height=max(column.height for column in columns),
        entry_count=len(entries),
        shading=any(column.shades for column in columns),
        consultation_color=CONSULTATION_COLOR,
        can_add=bool(add_url),
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
