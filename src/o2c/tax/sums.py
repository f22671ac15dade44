"""A document's sums: per tax (exact amounts, bases, per-line rounded amounts), the nets of
its lines, allowances and charges, per-line rounding's adjustment, the rows a result keeps,
cash rounding folded into the biggest tax, and the amount limit of the totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from moneyed import Currency, Money

from o2c._build import builder
from o2c.money import CashRounding, minor_unit, quantize_decimal
from o2c.tax.kinds import LIMIT, LOW_LIMIT, ZERO, ChargeKind
from o2c.tax.line import Line
from o2c.tax.plan import _DocumentPlan, canonical_step, within
from o2c.tax.policy import JurisdictionRounding, TaxPolicy
from o2c.tax.result import DocumentAmounts, LineColumns, LineRow
from o2c.tax.rounding import TaxSums, _new_sums, aggregate_line
from o2c.tax.rules import Rules

__all__ = ["cash_rounded", "document_amounts"]


def cash_rounded(cash: CashRounding | None, value: Money) -> Money:
    """``value`` rounded to the cash step (unchanged without cash rounding)."""
    if cash is None:
        return value
    step = canonical_step(cash.increment(value.currency))
    rounded = quantize_decimal(value.amount, step, cash.rounding)
    return Money(quantize_decimal(rounded, minor_unit(value.currency)), value.currency)


def _sum_per_tax(
    rules: Rules,
    doc: _DocumentPlan,
    read: LineColumns,
    evaluated: list[Line],
    charge_lines: list[Line],
    by_net: bool,
) -> tuple[TaxSums, Decimal, Decimal]:
    """Exact amounts, bases and (per-line) rounded amounts summed per tax, in the document
    plan's order of taxes (one definition per id); and the sum of the line nets (BT-106) and of
    those of lines that carry no tax, of the lines summed by their nets (global rounding
    leaves those as they are; :func:`_evaluated_nets` adds the others once rounded).

    Under global rounding of rounded nets a linear plan's taxes are factor x net: its lines
    are summed by their nets (the plan's sum of grosses for lines not evaluated), then each
    tax once from the sum."""
    n = len(doc.taxes)
    # Built in C, the columns in TaxSums' order (every document makes one).
    sums = _new_sums(([ZERO] * n, [ZERO] * n, [ZERO] * n, [False] * n))
    raws, bases = sums.raws, sums.bases
    nets: Sequence[Decimal | None] = read.plan_grosses  # every line summed by its net
    if evaluated or charge_lines:
        nets = _nets_and_lines(rules, doc, read, evaluated, charge_lines, by_net, sums)
    line_total = exempt = rules.zero
    line_plans = len(read.plans)
    for k, net in enumerate(nets):
        if net is not None:
            plan = doc.plans[k]
            if k < line_plans:  # the lines', not the charges'
                line_total += net
                if not plan.taxed:
                    exempt += net
            # A plan has one factor per tax (no strict zip: its keyword costs more than the loop).
            for j, f in zip(doc.positions[k], plan.factors):  # noqa: B905
                bases[j] += net
                raws[j] += f * net
    return sums, line_total, exempt


def _nets_and_lines(
    rules: Rules,
    doc: _DocumentPlan,
    read: LineColumns,
    evaluated: list[Line],
    charge_lines: list[Line],
    by_net: bool,
    sums: TaxSums,
) -> list[Decimal | None]:
    """The evaluated lines and the charges into ``sums`` (in place), and per plan the sum of
    the nets of its lines summed by their nets (``None`` for a plan with none)."""
    nets: list[Decimal | None] = [None] * len(doc.plans)
    if by_net:
        for k, plan in enumerate(read.plans):
            if plan.linear:
                nets[k] = read.plan_grosses[k]
    nets_suffice = rules.by_nets and rules.epd is None
    extracting = rules.epd is None
    _add_lines(doc, evaluated, nets, sums, nets_suffice, extracting)
    _add_lines(doc, charge_lines, nets, sums, nets_suffice, extracting)
    return nets


def _add_lines(
    doc: _DocumentPlan,
    lines: list[Line],
    nets: list[Decimal | None],
    sums: TaxSums,
    nets_suffice: bool,
    extracting: bool,
) -> None:
    """Evaluated ``lines`` into the per-tax ``sums`` (in place), or, for those of linear plans
    when ``nets_suffice``, their nets into their plan's ``nets``; a price-included tax is
    marked extracted when ``extracting`` (no tax-base discount)."""
    index = doc.plan_index
    raws, bases, amounts, extracted = sums.raws, sums.bases, sums.amounts, sums.extracted
    for ln in lines:
        plan = ln.plan
        k = index[plan]
        if nets_suffice and plan.linear:
            net = nets[k]
            nets[k] = ln.net if net is None else net + ln.net
            continue
        included = plan.included
        for i, j in enumerate(doc.positions[k]):
            raws[j] += ln.raw[i]
            bases[j] += ln.bases[i]
            amounts[j] += ln.amounts[i]
            if included[i] and extracting:
                extracted[j] = True


def _round_per_line(
    rules: Rules, policy: TaxPolicy, doc: _DocumentPlan, lines: list[Line], sums: TaxSums
) -> Decimal:
    """Per-line rounding: jurisdictions aggregated when the policy says so; the rounding
    adjustment is the lines' sum."""
    if policy.jurisdictions is JurisdictionRounding.AGGREGATE:
        for ln in lines:
            aggregate_line(ln, rules.step)
        amounts = sums.amounts
        for j in range(len(amounts)):
            amounts[j] = ZERO
        position = doc.position
        for ln in lines:
            for i, t in enumerate(ln.plan.taxes):
                amounts[position[t.key]] += ln.amounts[i]
    return sum((ln.adjustment for ln in lines), ZERO)


def _evaluated_nets(
    rules: Rules, evaluated: list[Line], line_total: Decimal, exempt: Decimal
) -> tuple[Decimal, Decimal]:
    """``line_total`` and ``exempt`` with the nets of the evaluated lines not summed by their
    nets (:func:`_sum_per_tax`), as rounding left them."""
    nets_suffice = rules.by_nets and rules.epd is None
    for ln in evaluated:
        if not (nets_suffice and ln.plan.linear):
            line_total += ln.net
            if not ln.plan.taxed:
                exempt += ln.net
    return line_total, exempt


def _charge_nets(charge_lines: list[Line], zero: Decimal) -> tuple[Decimal, Decimal]:
    """The nets of the allowances (BT-107, positive) and of the charges (BT-108)."""
    allowance_total = charge_total = zero
    for ln in charge_lines:
        if ln.charge is ChargeKind.ALLOWANCE:
            allowance_total -= ln.net
        else:
            charge_total += ln.net
    return allowance_total, charge_total


class _DocumentNets(NamedTuple):
    """The nets of a document: its lines' (BT-106), allowances' (BT-107) and charges' (BT-108)."""

    line_total: Decimal
    allowance_total: Decimal
    charge_total: Decimal


def _fold_cash_rounding(
    cash: CashRounding,
    cur: Currency,
    doc: _DocumentPlan,
    amounts: list[Decimal],
    rows: tuple[LineRow, ...] | LineColumns,
    total: Decimal,
) -> tuple[tuple[LineRow, ...] | LineColumns, tuple[str, ...], Decimal]:
    """Cash rounding folded into the tax with the biggest amount (``amounts`` in place, ties to
    the first; withholding taxes excluded), and into that tax on the line holding the most of it
    when the rows keep their amounts: ``(rows, notes, folded difference)``.  A document without
    a tax keeps the difference as a separate amount (``amount_due``)."""
    diff = cash_rounded(cash, Money(total, cur)).amount - total
    candidates = [j for j in range(len(amounts)) if j not in doc.withheld]
    if diff == 0 or not candidates:
        return rows, (), ZERO
    j = max(candidates, key=lambda k: (abs(amounts[k]), -k))
    amounts[j] += diff
    key = doc.taxes[j].key
    if not isinstance(rows, LineColumns):
        holders = [
            (abs(row_amounts[i]), -r, r, i, row_amounts)
            for r, row in enumerate(rows)
            if (row_amounts := row.amounts) is not None
            for i, t in enumerate(row.taxes)
            if t.key == key
        ]
        if holders:
            *_, r, i, held = max(holders, key=lambda h: h[:2])
            new = list(held)
            new[i] += diff
            rows = (*rows[:r], rows[r]._replace(amounts=tuple(new)), *rows[r + 1 :])
    note = f"cash rounding {diff} folded into tax {doc.taxes[j].id} (not EN 16931: BT-114)"
    return rows, (note,), diff


def _rows(
    rules: Rules, read: LineColumns, lines: list[Line], split: bool, epd: Decimal | None
) -> tuple[LineRow, ...] | LineColumns:
    """The rows a result keeps: ``read`` itself when no line was evaluated and there are no
    charges; else one row per line and charge.  Under global rounding a row has no amounts
    (spread when read), and a linear line with rounded nets no bases or exact amounts (the plan
    gives them: its row is the one ``read`` makes)."""
    if not lines:
        return read
    compact = rules.by_nets and epd is None and not split
    rows = list(read.rows())
    for ln in lines:
        if ln.charge is not None:
            rows.append(_row(ln, split, rules))
        elif not (compact and ln.plan.linear):
            rows[ln.index] = _row(ln, split, rules)
    return tuple(rows)


def _row(ln: Line, split: bool, rules: Rules) -> LineRow:
    keep_amounts = rules.per_line or split
    return LineRow(
        line_index=ln.index,
        charge=ln.charge,
        gross=ln.gross,
        net=ln.net,
        adjustment=ln.adjustment,
        taxes=ln.plan.taxes,
        # Lines split by global rounding keep rounded bases, as TaxResult.lines shows them.
        bases=tuple(rules.q(b) for b in ln.bases) if split else tuple(ln.bases),
        raws=tuple(ln.raw),
        amounts=tuple(ln.amounts) if keep_amounts else None,
    )


def _check_totals(
    document: _DocumentNets,
    untaxed: Decimal,
    tax_total: Decimal,
    withholding: Decimal,
    total: Decimal,
) -> None:
    """Refuse a document whose totals are beyond the amount limit (each line may be within);
    :func:`_result` compares them inline first and asks this for the details."""
    within(document.line_total, "line_total")
    within(document.allowance_total, "allowance_total")
    within(document.charge_total, "charge_total")
    within(untaxed, "untaxed")
    within(tax_total, "tax_total")
    within(withholding, "withholding_total")
    within(total, "total")


def document_amounts(
    rules: Rules,
    cur: Currency,
    rows: tuple[LineRow, ...] | LineColumns,
    nets: tuple[Decimal, Decimal, Decimal],
    doc: _DocumentPlan,
    sums: TaxSums,
    adjustment: Decimal,
    exempt: Decimal,
) -> tuple[DocumentAmounts, tuple[LineRow, ...] | LineColumns, tuple[str, ...]]:
    """The totals (a zero carries the step's exponent: 0.00 in EUR, never -0), checked against
    the amount limit, with the rows a result keeps (lines, then charges) and its notes: the
    taxes of ``doc`` are their ``sums``, rounded over the document; ``nets`` are those of the
    lines (BT-106), allowances (BT-107) and charges (BT-108)."""
    zero = rules.zero
    adjustment += zero
    line_total, allowance_total, charge_total = nets
    untaxed = line_total - allowance_total + charge_total
    amounts = sums.amounts
    withholding = zero
    if doc.withheld:
        tax_total = zero
        for j, amount in enumerate(amounts):
            if j in doc.withheld:
                withholding += amount
            else:
                tax_total += amount
    else:
        tax_total = sum(amounts, zero)
    total = untaxed + tax_total + withholding + adjustment
    notes: tuple[str, ...] = ()
    if rules.cash_into_tax is not None:  # cash_rounding_in_biggest_tax (not the default)
        rows, notes, folded = _fold_cash_rounding(
            rules.cash_into_tax, cur, doc, amounts, rows, total
        )
        tax_total += folded
        total += folded
    if not (  # inside the amount limit (a document without allowances or charges, at once)
        LOW_LIMIT < line_total < LIMIT
        and LOW_LIMIT < tax_total < LIMIT
        and LOW_LIMIT < withholding < LIMIT
        and LOW_LIMIT < total < LIMIT
        and not allowance_total
        and not charge_total
    ):
        _check_totals(_DocumentNets(*nets), untaxed, tax_total, withholding, total)
    # Every value is computed here from checked inputs: stored as it is (see o2c._build).
    amounts_of = _new_amounts(
        line_total=line_total,
        allowance_total=allowance_total,
        charge_total=charge_total,
        untaxed=untaxed,
        tax_total=tax_total,
        withholding_total=withholding,
        rounding_adjustment=adjustment,
        exempt_sales=exempt,
    )
    return amounts_of, rows, notes


#: The keyword constructor of a document's amounts (see :mod:`o2c._build`).
_new_amounts = builder(DocumentAmounts)
