"""The views of a :class:`~o2c.tax.TaxResult` built when read: the VAT breakdown (taxes grouped
by category and rate, EN 16931 BG-23) and each line after tax (global rounding's amount of each
tax spread over its lines)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from moneyed import Currency, Money

from o2c.money import quantize_decimal
from o2c.tax.kinds import _AMOUNT_KINDS, ZERO, TaxCategory
from o2c.tax.plan import canonical_step, plan_of
from o2c.tax.policy import TaxPolicy
from o2c.tax.result import (
    LineColumns,
    LineRow,
    LineTaxResult,
    TaxAmount,
    TaxBreakdown,
    TaxColumns,
    TaxTotal,
    line_rows,
)
from o2c.tax.spread import tax_parts

__all__ = ["line_results", "vat_breakdown"]


def vat_breakdown(taxes: tuple[TaxTotal, ...], currency: Currency) -> tuple[TaxBreakdown, ...]:
    """The VAT breakdown of a document's ``taxes``: those not withheld, grouped by category and
    rate, in order of first appearance."""
    groups: dict[tuple[TaxCategory | None, Decimal | None], list[TaxTotal]] = {}
    for total in taxes:
        t = total.tax
        if t.withholding:
            continue
        pct = None if t.kind in _AMOUNT_KINDS else t.percent.normalize()
        groups.setdefault((t.category, pct), []).append(total)
    out = []
    for (category, pct), members in groups.items():
        first = members[0].tax
        out.append(
            TaxBreakdown(
                category=category,
                percent=pct,
                base=Money(sum((m.base.amount for m in members), ZERO), currency),
                amount=Money(sum((m.amount.amount for m in members), ZERO), currency),
                exemption_reason=first.exemption_reason,
                exemption_reason_code=first.exemption_reason_code,
                tax_ids=tuple(m.tax.id for m in members),
            )
        )
    return tuple(out)


def line_results(
    stored: tuple[LineRow, ...] | LineColumns,
    columns: TaxColumns,
    policy: TaxPolicy,
    currency: Currency,
) -> tuple[LineTaxResult, ...]:
    """Each row (lines, then charges) after tax: under global rounding each tax's amount
    spread over the rows that carry it, with bases rounded; else the rows' own amounts."""
    rows = line_rows(stored)
    step = canonical_step(policy.step_for(currency))
    spread: list[list[Decimal]] = []
    if rows and rows[0].amounts is None:  # global rounding: spread each tax over its lines
        spread = tax_parts(
            [(t.key, a) for t, a in zip(columns.taxes, columns.amounts, strict=True)],
            [row.taxes for row in rows],
            [_row_raws(row) for row in rows],
            step,
        )
    mode = policy.rounding.rounding
    out = []
    for r, row in enumerate(rows):
        bases = (row.net,) * len(row.taxes) if row.bases is None else row.bases
        amounts = row.amounts
        if amounts is None:
            amounts = tuple(spread[r])
            bases = tuple(quantize_decimal(b, step, mode) for b in bases)
        out.append(_line_result(row, bases, amounts, currency))
    return tuple(out)


def _line_result(
    row: LineRow, bases: Sequence[Decimal], amounts: Sequence[Decimal], currency: Currency
) -> LineTaxResult:
    def m(amount: Decimal) -> Money:
        return Money(amount, currency)

    return LineTaxResult(
        index=row.line_index,
        gross=m(row.gross),
        net=m(row.net),
        taxes=tuple(
            TaxAmount(tax=t, base=m(bases[i]), amount=m(amounts[i]))
            for i, t in enumerate(row.taxes)
        ),
        rounding_adjustment=m(row.adjustment),
        charge=row.charge,
    )


def _row_raws(row: LineRow) -> tuple[Decimal, ...]:
    """The exact tax amounts of a row (a linear row stores none: they are factor x net)."""
    if row.raws is None:
        net = row.net
        return tuple(f * net for f in plan_of(row.taxes).factors)
    return row.raws
