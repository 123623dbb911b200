"""The ``.ics`` invitation attached to every email about a booking (RFC 5545 / iTIP, RFC 5546).

The UID is the booking's, the same as in the staff's calendar feeds
(``backoffice.feeds.booking_uid``), so every email about one booking updates one calendar entry;
SEQUENCE grows with each confirmation, change and cancellation; METHOD is REQUEST, or CANCEL (with STATUS:CANCELLED) for
a cancellation. Times are local to the workspace, with its TZID and VTIMEZONE.
"""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event, vCalAddress, vText

from backoffice.feeds import ics_text, vtimezone

PRODID = "-//Practice management//Booking emails//EN"


def invitation(
    *,
    uid: str,
    sequence: int,
    cancel: bool,
    starts: datetime,
    ends: datetime,
    tz_name: str,
    summary: str,
    location: str,
    description: str,
    organizer_email: str,
    organizer_name: str,
    attendee_email: str,
    attendee_name: str,
    stamp: datetime,
) -> bytes:
    """``starts`` and ``ends`` are local (aware, in ``tz_name``)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")
    if tz_name != "UTC":
        calendar.add_component(vtimezone(tz_name, starts.year, ends.year))
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", starts)
    event.add("dtend", ends)
    event.add("summary", ics_text(summary))  # (names and places as written: no control characters)
    if location:
        event.add("location", ics_text(location))
    if description:
        event.add("description", ics_text(description))
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = ics_text(organizer_name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{attendee_email}")
    attendee.params["cn"] = ics_text(attendee_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()
