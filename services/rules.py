"""The rules a service obeys, shared by the API serializers, the admin form and the actions."""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 1000
DURATION_MIN = 1
DURATION_MAX = 1440  # one day, as the contract bounds every durationMinutes
PRICE_MAX_DIGITS = 12
PRICE_DECIMAL_PLACES = 2
PRICE_MIN = Decimal("0")
PRICE_MAX = Decimal("9999999999.99")

NAME_TAKEN = _("A service with this name already exists in this workspace.")
COLOR_TAKEN = _("Another service of this workspace already uses this color.")
COLOR_INVALID = _("Enter a hex color of 3 or 6 digits, such as #3B82F6 or #fff.")

#: unique constraint (services/models.py) -> (message, machine code, field)
CLASHES = {
    "service_ws_name_unique": (NAME_TAKEN, "service_name_taken", "name"),
    "service_ws_color_unique": (COLOR_TAKEN, "service_color_taken", "color"),
}

_COLOR_RE = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def normalize_color(value: str) -> str:
    """``#fff`` -> ``#FFFFFF``, ``#3b82f6`` -> ``#3B82F6``; ValueError for anything else."""
    if not isinstance(value, str) or not _COLOR_RE.fullmatch(value):
        raise ValueError(value)
    digits = value[1:]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return "#" + digits.upper()


def normalize_name(value: str) -> str:
    """Names are stored without surrounding spaces (and compared ignoring case)."""
    return value.strip()
