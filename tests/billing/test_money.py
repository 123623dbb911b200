"""Exact money: ISO 4217 minor units, half-up rounding once per line and once for the tax."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.money import currency_decimals, currency_table, format_money, round_money
from billing.totals import Line, invoice_totals

pytestmark = pytest.mark.django_db  # the shared cache fixture touches the database


def line(quantity: str, unit_price: str, tax_rate: str = "0") -> Line:
    return Line(description="x", quantity=Decimal(quantity), unit_price=Decimal(unit_price), tax_rate=Decimal(tax_rate))


@pytest.mark.parametrize(("code", "decimals"), [("JPY", 0), ("USD", 2), ("SAR", 2), ("EGP", 2), ("KWD", 3), ("BHD", 3)])
def test_minor_units_come_from_iso_4217(code, decimals):
    assert currency_decimals(code) == decimals


@pytest.mark.parametrize("code", ["XAU", "XXX", "CLF", "UYW", "usd", "ABC"])
def test_funds_metals_test_codes_and_unknown_codes_are_not_currencies_here(code):
    assert code not in currency_table()


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        ("0.125", 2, "0.13"),  # half-up, where half-even would give 0.12
        ("0.005", 2, "0.01"),
        ("0.004999", 2, "0.00"),
        ("10.5", 0, "11"),
        ("11.5", 0, "12"),
        ("0.0005", 3, "0.001"),
        ("1.0005", 3, "1.001"),
        ("-0.125", 2, "-0.13"),  # away from zero
    ],
)
def test_round_half_up(value, decimals, expected):
    assert str(round_money(Decimal(value), decimals)) == expected


# Given lines in each currency, when the totals are computed, then each line is rounded once
# (quantity x unit price) and the tax once (over the exact sum), half-up, to the minor unit.
ROUNDING_CASES = {
    # JPY, 0 decimals: 1.5 x 101 = 151.5 -> 152; tax 10% of 152 = 15.2 -> 15
    "JPY line": ("JPY", [("1.5", "101", "10")], "0", ("152", "0", "15", "167")),
    # JPY: 105 at 10% = 10.5 -> 11 (half-even would give 10)
    "JPY tax half": ("JPY", [("1", "105", "10")], "0", ("105", "0", "11", "116")),
    # JPY: the tax of two lines summed exactly before rounding: 0.5 + 0.5 = 1, not 1 + 1
    "JPY tax once": ("JPY", [("1", "5", "10"), ("1", "5", "10")], "0", ("10", "0", "1", "11")),
    # USD, 2 decimals: 0.5 x 0.25 = 0.125 -> 0.13
    "USD line": ("USD", [("0.5", "0.25", "0")], "0", ("0.13", "0.00", "0.00", "0.13")),
    # USD: 0.10 at 5% = 0.005 -> 0.01
    "USD tax half": ("USD", [("1", "0.10", "5")], "0", ("0.10", "0.00", "0.01", "0.11")),
    # USD: three lines of 0.01 tax each at 33.33%: 3 x 0.003333 = 0.009999 -> 0.01 once
    "USD tax once": (
        "USD",
        [("1", "0.01", "33.33"), ("1", "0.01", "33.33"), ("1", "0.01", "33.33")],
        "0",
        ("0.03", "0.00", "0.01", "0.04"),
    ),
    # USD: a discount lowers the taxable amount: (199.99 - 10) x 15% = 28.4985 -> 28.50
    "USD discount": (
        "USD",
        [("1", "150.00", "15"), ("1", "49.99", "15")],
        "10",
        ("199.99", "10.00", "28.50", "218.49"),
    ),
    # KWD, 3 decimals: 1.005 at 5% = 0.05025 -> 0.050; 0.5 x 0.001 = 0.0005 -> 0.001
    "KWD tax": ("KWD", [("1", "1.005", "5")], "0", ("1.005", "0.000", "0.050", "1.055")),
    "KWD line": ("KWD", [("0.5", "0.001", "0")], "0", ("0.001", "0.000", "0.000", "0.001")),
    # KWD: 2.5 x 0.333 = 0.8325 -> 0.833; 15% of it 0.12495 -> 0.125
    "KWD both": ("KWD", [("2.5", "0.333", "15")], "0", ("0.833", "0.000", "0.125", "0.958")),
}


@pytest.mark.parametrize("case", ROUNDING_CASES)
def test_rounding_per_currency(case):
    currency, lines, discount, (subtotal, disc, tax, total) = ROUNDING_CASES[case]
    totals = invoice_totals([line(*spec) for spec in lines], Decimal(discount), currency_decimals(currency))
    assert (str(totals.subtotal), str(totals.discount), str(totals.tax), str(totals.total)) == (
        subtotal,
        disc,
        tax,
        total,
    )


def test_no_float_anywhere_in_a_sum_floats_get_wrong():
    # 0.1 + 0.2 in floats is 0.30000000000000004; here it is 0.30, exactly
    totals = invoice_totals([line("1", "0.1"), line("1", "0.2")], Decimal(0), 2)
    assert totals.subtotal == Decimal("0.30") and str(totals.total) == "0.30"


@pytest.mark.parametrize(
    ("value", "decimals", "text"), [("1234.5", 2, "1,234.50"), ("1500", 0, "1,500"), ("0.5", 3, "0.500")]
)
def test_printed_amounts(value, decimals, text):
    assert format_money(Decimal(value), decimals) == text
