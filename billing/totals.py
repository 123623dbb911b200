"""An invoice's arithmetic, in one place: each line rounded once, the tax rounded once.

- a line's total is ``quantity x unitPrice`` rounded half-up to the currency's minor unit;
- the subtotal is the sum of the line totals (exact: they are already rounded);
- the discount is an amount of the invoice, taken off before tax: each line's share of the
  taxable amount is its total x (subtotal - discount) / subtotal;
- the tax is the sum of every line's share x its rate / 100, computed exactly and rounded
  half-up once;
- the total is subtotal - discount + tax.

Pure functions of Decimals (no database, no float): what the actions, the admin and the tests use.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from billing.money import exact, normalized, round_money

HUNDRED = 100


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal

    def total(self, decimals: int) -> Decimal:
        return round_money(exact(self.quantity) * exact(self.unit_price), decimals)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal


def invoice_totals(lines: list[Line], discount: Decimal, decimals: int) -> Totals:
    """The totals of ``lines`` less ``discount`` (which must not exceed their subtotal)."""
    line_totals = [line.total(decimals) for line in lines]
    subtotal = normalized(sum(line_totals, Decimal(0)), decimals)
    discount = normalized(discount, decimals)
    if subtotal > 0:
        taxable_share = Fraction(exact(subtotal - discount), exact(subtotal))
        exact_tax = sum(
            (
                exact(total) * taxable_share * exact(line.tax_rate) / HUNDRED
                for line, total in zip(lines, line_totals, strict=True)
            ),
            Fraction(0),
        )
    else:
        exact_tax = Fraction(0)
    tax = round_money(exact_tax, decimals)
    return Totals(subtotal=subtotal, discount=discount, tax=tax, total=normalized(subtotal - discount + tax, decimals))
