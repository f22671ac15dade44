"""The lines of a document read into columns (exact amount, gross and plan of each), those
the document cannot sum by their nets evaluated through their plans, and the document's
allowances and charges made lines (apportioned over the tax sets when they carry no taxes).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from moneyed import Currency

from o2c.errors import CurrencyMismatchError
from o2c.money import CONTEXT, allocate_decimal, minor_unit
from o2c.tax.inputs import AllowanceCharge, Taxable
from o2c.tax.kinds import HUNDRED, ONE, ZERO
from o2c.tax.line import Line, evaluate, evaluate_per_unit
from o2c.tax.model import Tax
from o2c.tax.plan import _DocumentPlan, _Plan, line_plans, plan_of
from o2c.tax.result import LineColumns, _new_line_columns
from o2c.tax.rules import Rules

__all__ = []


def _read_lines(
    lines: Sequence[Taxable], cur: Currency, rules: Rules
) -> tuple[_DocumentPlan, LineColumns]:
    """The document plan of the lines, and each line's exact amount, its gross and the position
    of its plan, in one pass over the lines.

    Lines are grouped by their tax tuple's identity, within this call only: lines made with
    the same Tax objects share one tuple (:func:`o2c.tax.groups.line_taxes`), and the document
    looks up the plans of its tuples in one step (:func:`line_plans`).  Equal tuples that are
    distinct objects get the same plan (plans are by value), and so the same position: the
    grouping changes no amount.
    """
    q = rules.q
    quantum = rules.quantum
    mode = rules.decimal_mode
    zero = rules.zero
    amounts: list[Decimal] = []
    grosses: list[Decimal] = []
    of_line: list[int] = []
    tax_sets: list[tuple[Tax, ...]] = []
    sums: list[Decimal] = []  # per tax set, its lines' grosses
    of_tuple: dict[int, int] = {}  # id(taxes) -> its position (the lines keep the tuples)
    # The loop runs once per line of every document: its list methods are bound once.
    add_amount, add_gross, add_position = amounts.append, grosses.append, of_line.append
    position_of = of_tuple.get
    for line in lines:
        price = line.unit_price
        if price.currency is not cur and price.currency != cur:
            raise CurrencyMismatchError(cur.code, price.currency.code, operation="tax a line in")
        amount = price.amount * line.quantity
        if line.discount_percent:
            amount = amount * (HUNDRED - line.discount_percent) / HUNDRED
        # q(amount): a line amount is inside the limit (see Rules.quantum).
        gross = q(amount) if quantum is None else amount.quantize(quantum, mode, CONTEXT)
        add_amount(amount)
        add_gross(gross)
        k = position_of(id(line.taxes))
        if k is None:
            k = of_tuple[id(line.taxes)] = len(tax_sets)
            tax_sets.append(line.taxes)
            sums.append(zero)
        add_position(k)
        sums[k] += gross
    found = line_plans(tuple(tax_sets))
    if found.of_set is not None:  # equal tax sets of distinct objects: one plan
        of_line, sums = _regrouped(found.of_set, of_line, sums, zero)
    doc = found.doc
    # The columns in LineColumns' order, built in C (tests/test_tax_engine.py checks it).
    return doc, _new_line_columns((amounts, grosses, of_line, doc.plans, sums, zero))


def _regrouped(
    of_set: tuple[int, ...], of_line: list[int], sums: list[Decimal], zero: Decimal
) -> tuple[list[int], list[Decimal]]:
    """The plan position of each line and the sum of grosses per plan, from those per tax set
    (``of_set`` gives each set's plan)."""
    plan_sums = [zero] * (max(of_set) + 1)
    for k, total in enumerate(sums):
        plan_sums[of_set[k]] += total
    return [of_set[k] for k in of_line], plan_sums


def _evaluate_lines(
    rules: Rules, lines: Sequence[Taxable], read: LineColumns, by_net: bool
) -> list[Line]:
    """Each line through its plan (:func:`_evaluated`) but, when ``by_net``, those of linear
    plans (their plan's sum of grosses stands for them)."""
    plans, of_line, amounts = read.plans, read.of_line, read.amounts
    out = []
    for index, line in enumerate(lines):
        plan = plans[of_line[index]]
        if not (by_net and plan.linear):
            out.append(_evaluated(rules, index, line, plan, amounts[index]))
    return out


def _evaluated(rules: Rules, index: int, line: Taxable, plan: _Plan, amount: Decimal) -> Line:
    """One line of exact ``amount`` through its plan (per unit under per-unit rounding)."""
    quantity = line.quantity
    sign = -1 if line.unit_price.amount < 0 else 1
    if rules.per_unit and quantity != 1 and quantity != 0:
        return evaluate_per_unit(rules, plan, index, amount, quantity, sign)
    return evaluate(rules, plan, index, None, amount, quantity, sign)


def _charge_lines(
    rules: Rules,
    charges: Sequence[AllowanceCharge],
    read: LineColumns,
    evaluated: list[Line],
    cur: Currency,
) -> list[Line]:
    """The document allowances and charges, each with its taxes or apportioned over the
    document's tax sets pro rata to their line nets."""
    code = cur.code
    out: list[Line] = []
    groups: dict[tuple[Tax, ...], Decimal] | None = None
    for index, charge in enumerate(charges):
        if charge.amount.currency != cur:
            raise CurrencyMismatchError(
                code, charge.amount.currency.code, operation="add a charge in"
            )
        if charge.taxes is None:
            if groups is None:
                groups = _nets_per_tax_set(read, evaluated)
            parts = _apportion(charge, groups, minor_unit(code))
        else:
            parts = [(charge.taxes, charge.signed)]
        for taxes, part in parts:
            plan = plan_of(taxes, True)
            out.append(evaluate(rules, plan, index, charge.kind, part, ONE, 1))
    return out


def _nets_per_tax_set(read: LineColumns, evaluated: list[Line]) -> dict[tuple[Tax, ...], Decimal]:
    """The lines' nets summed per tax set, in order of first appearance: an evaluated line's
    net, and for a plan whose lines were not evaluated its sum of grosses (their nets)."""
    nets = list(read.plan_grosses)
    position = {plan: k for k, plan in enumerate(read.plans)}
    for plan in {ln.plan for ln in evaluated}:  # every line of the plan was evaluated
        nets[position[plan]] = ZERO
    for ln in evaluated:
        nets[position[ln.plan]] += ln.net
    return {plan.taxes: net for plan, net in zip(read.plans, nets, strict=True)}


def _apportion(
    charge: AllowanceCharge, groups: dict[tuple[Tax, ...], Decimal], step: Decimal
) -> list[tuple[tuple[Tax, ...], Decimal]]:
    keys = [k for k, v in groups.items() if v != 0]
    if not keys:
        return [((), charge.signed)]
    weights = [abs(groups[k]) for k in keys]
    parts = allocate_decimal(charge.signed, weights, step)
    return list(zip(keys, parts, strict=True))
