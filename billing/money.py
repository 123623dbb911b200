"""Exact money: ISO 4217 minor units, half-up rounding, never a float.

The minor units come from the ``iso4217`` package (the ISO 4217 table as the maintenance agency
publishes it). The product takes the currencies whose minor unit is 0, 2 or 3 decimals: every
national currency; funds, metals and test codes (no minor unit, or 4) are refused.

Amounts are :class:`decimal.Decimal` written with exactly the currency's decimals
(``Decimal("150.00")``, ``Decimal("1500")``, ``Decimal("1.250")``): the JSON renderer writes a
Decimal as its own text, so that is what goes on the wire. Sums of rounded amounts are exact;
the only roundings are :func:`round_money` of a line (quantity x unit price) and of the tax,
each computed exactly (``fractions.Fraction``) and rounded once, half away from zero.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache

from iso4217 import Currency

#: the minor units the product accepts (ISO 4217 exponent)
ACCEPTED_DECIMALS = frozenset({0, 2, 3})
DEFAULT_CURRENCY = "USD"


@cache
def currency_table() -> dict[str, int]:
    """ISO 4217 code -> its minor unit, for every accepted currency."""
    table = {}
    for currency in Currency:
        if currency.exponent in ACCEPTED_DECIMALS:
            table[currency.code.upper()] = currency.exponent
    return table


def is_currency(code: object) -> bool:
    return isinstance(code, str) and code in currency_table()


def currency_decimals(code: str) -> int:
    """The minor unit of ``code``: ``JPY`` 0, ``USD`` 2, ``KWD`` 3."""
    try:
        return currency_table()[code]
    except KeyError:
        raise ValueError(f"unknown currency {code!r}") from None


def quantum(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)  # 0 -> 1, 2 -> 0.01, 3 -> 0.001


def round_money(value: Decimal | Fraction | int, decimals: int) -> Decimal:
    """``value`` rounded half away from zero to ``decimals`` places, exactly (no float anywhere).

    A :class:`~fractions.Fraction` (a product with a share of a discount, a rate in percent) is
    rounded from its exact value, so 0.125 is 0.13 and 0.005 is 0.01, never 0.12 or 0.00.
    """
    if isinstance(value, Fraction):
        scaled = value * 10**decimals
        whole, rest = divmod(abs(scaled.numerator), scaled.denominator)
        if 2 * rest >= scaled.denominator:
            whole += 1
        sign = -1 if scaled < 0 else 1
        return Decimal(sign * whole).scaleb(-decimals).quantize(quantum(decimals))
    return normalized(Decimal(value).quantize(quantum(decimals), rounding=ROUND_HALF_UP), decimals)


def normalized(value: Decimal, decimals: int) -> Decimal:
    """``value`` written with exactly ``decimals`` places, and never ``-0``."""
    value = Decimal(value).quantize(quantum(decimals), rounding=ROUND_HALF_UP)
    return abs(value) if value == 0 else value


def has_at_most(value: Decimal, decimals: int) -> bool:
    """Whether ``value`` needs no more than ``decimals`` places (``1.50`` has 1, ``1.505`` 3)."""
    value = Decimal(value)
    return value == value.quantize(quantum(decimals), rounding=ROUND_HALF_UP)


def exact(value: Decimal) -> Fraction:
    return Fraction(value)


def format_money(value: Decimal, decimals: int) -> str:
    """``1234.5`` with 2 decimals -> ``1,234.50`` (for print; Western digits in both languages)."""
    return f"{normalized(value, decimals):,.{decimals}f}"


def format_plain(value: Decimal, decimals: int) -> str:
    """``1234.50``: the amount as text, as the tax QR code wants it."""
    return f"{normalized(value, decimals):.{decimals}f}"


def format_number(value: Decimal) -> str:
    """A quantity or a rate without trailing zeros and never in exponent form: 1, 1.5, 0.25."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def is_country(code: object) -> bool:
    """An ISO 3166-1 alpha-2 code (upper case), per the ``pycountry`` package's table."""
    import pycountry

    return (
        isinstance(code, str)
        and len(code) == 2
        and code.isupper()
        and pycountry.countries.get(alpha_2=code) is not None
    )
