"""Shared parsing and printing for the ops commands: thin wrappers around workspaces.actions."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from config.api.formats import format_instant
from workspaces.ids import is_object_id
from workspaces.models import Workspace, validate_no_control_characters
from workspaces.roles import Role
from workspaces.timezones import is_valid_timezone


class OpsCommand(BaseCommand):
    """``--json`` prints one JSON object on stdout; otherwise one human line."""

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print one JSON object on stdout.")

    def emit(self, options: dict, payload: dict, line: str) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
        else:
            self.stdout.write(self.style.SUCCESS(line))


def parse_email(value: str) -> str:
    value = (value or "").strip()
    try:
        validate_email(value)
    except ValidationError:
        raise CommandError(f"{value!r} is not a valid email address.") from None
    return value.lower()


def parse_role(value: str) -> str:
    if value not in Role.values:
        raise CommandError(f"Unknown role {value!r}: use one of {', '.join(Role.values)}.")
    return value


def parse_timezone(value: str) -> str:
    if not is_valid_timezone(value):
        raise CommandError(f"{value!r} is not a known IANA time zone (for example Africa/Cairo, Europe/Berlin, UTC).")
    return value


def parse_name(value: str, what: str = "name", max_length: int = 200) -> str:
    value = (value or "").strip()
    if not value:
        raise CommandError(f"The {what} must not be empty.")
    if len(value) > max_length:
        raise CommandError(f"The {what} must be at most {max_length} characters.")
    try:
        validate_no_control_characters(value)
    except ValidationError:
        raise CommandError(f"The {what} must not contain line breaks, tabs or other control characters.") from None
    return value


def parse_instant(value: str) -> datetime:
    """An ISO 8601 date-time; one without an offset is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise CommandError(f"{value!r} is not an ISO 8601 date-time, such as 2025-12-31T23:59:59Z.") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def get_workspace(value: str, *, for_update: bool = False) -> Workspace:
    if not is_object_id(value):
        raise CommandError(f"{value!r} is not a workspace id (24 lowercase hex characters).")
    queryset = Workspace.objects.select_for_update() if for_update else Workspace.objects
    try:
        return queryset.get(pk=value)
    except Workspace.DoesNotExist:
        raise CommandError(f"No workspace with id {value}.") from None


def instant_or_none(value: datetime | None) -> str | None:
    return None if value is None else format_instant(value)
