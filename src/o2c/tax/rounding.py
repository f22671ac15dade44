"""Rounding over the document: document-level fixed taxes spread over their lines, jurisdictions
rounded as one aggregate, and EN 16931 global rounding (one rounding per tax, then the line nets,
with the remainder rule of price-included lines)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import NamedTuple

from o2c.money import CONTEXT, quantize_decimal
from o2c.tax.kinds import LIMIT, LOW_LIMIT, ZERO, TaxId
from o2c.tax.line import Line, evaluate, evaluate_per_unit
from o2c.tax.model import Tax
from o2c.tax.plan import _DocumentPlan, within
from o2c.tax.policy import IncludedRounding
from o2c.tax.rules import Rules
from o2c.tax.spread import spread, steps, tax_parts

__all__ = [
    "TaxSums",
    "aggregate_line",
    "place_document_fixed",
    "round_columns",
    "round_globally",
]


class TaxSums(NamedTuple):
    """Per-tax sums over the document, as columns in the document plan's order of taxes: the
    exact amount, the base, the rounded amount (per-line sums, then the document's) and whether
    the tax was extracted from prices.  The lists are filled and rounded in place."""

    raws: list[Decimal]
    bases: list[Decimal]
    amounts: list[Decimal]
    extracted: list[bool]


#: ``TaxSums`` from one tuple of its columns in their order, built in C (``tuple.__new__``, as
#: ``_make`` does): every document makes one.
_new_sums: Callable[[tuple[object, ...]], TaxSums] = partial(tuple.__new__, TaxSums)


def place_document_fixed(rules: Rules, lines: list[Line]) -> None:
    """Spread each document-level fixed tax over its lines by base, in the order they appear.

    A line whose later taxes include it in their base (a compound tax, or one affected by an
    earlier tax that is) is evaluated again with its share, so those bases hold the share exactly
    as they hold a per-unit fixed amount.  The one rule for both: a tax's base is the net plus
    the amounts its definition includes, whatever their kind.
    """
    first: dict[TaxId, Tax] = {}
    for ln in lines:
        for i in ln.plan.document_fixed:
            t = ln.plan.taxes[i]
            first.setdefault(t.id, t)
    if not first:
        return
    step = rules.step
    shares: dict[int, dict[int, Decimal]] = {}
    for tax_id, tax in first.items():
        holders = [
            (k, i)
            for k, ln in enumerate(lines)
            for i in ln.plan.document_fixed
            if ln.plan.taxes[i].id == tax_id
        ]
        bases = [lines[k].bases[i] for k, i in holders]
        sign = -1 if sum(bases, ZERO) < 0 else 1
        amount = quantize_decimal(sign * tax.amount_per_unit, step, rules.mode)
        for (k, i), part in zip(holders, spread(amount, bases, step), strict=True):
            shares.setdefault(k, {})[i] = part
        for k, own in shares.items():
            ln = lines[k]
            if ln.plan.feeds_on_document_fixed:
                _evaluate_again(rules, ln, own)
            for i, part in own.items():
                ln.raw[i] = part
                ln.amounts[i] = part


def _evaluate_again(rules: Rules, ln: Line, shares: dict[int, Decimal]) -> None:
    """Evaluate ``ln`` again from its inputs with its document-fixed ``shares`` (in place)."""
    if ln.per_unit:
        again = evaluate_per_unit(rules, ln.plan, ln.index, ln.amount, ln.quantity, ln.sign, shares)
    else:
        again = evaluate(
            rules, ln.plan, ln.index, ln.charge, ln.amount, ln.quantity, ln.sign, shares
        )
    ln.net = again.net
    ln.raw_net = again.raw_net
    ln.raw = again.raw
    ln.bases = again.bases
    ln.amounts = again.amounts
    ln.adjustment = again.adjustment


def aggregate_line(ln: Line, step: Decimal) -> None:
    idx = [i for i, t in enumerate(ln.plan.taxes) if t.jurisdiction is not None]
    if len(idx) < 2:
        return
    total = quantize_decimal(sum((ln.raw[i] for i in idx), ZERO), step)
    parts = _allocate_jurisdictions(total, [(ln.plan.taxes[i], ln.raw[i]) for i in idx], step)
    for i, part in zip(idx, parts, strict=True):
        ln.amounts[i] = part


def _allocate_jurisdictions(
    total: Decimal, members: list[tuple[Tax, Decimal]], step: Decimal
) -> list[Decimal]:
    """Split an aggregate over jurisdictions by largest remainder, ties to the higher rate."""
    order = sorted(range(len(members)), key=lambda k: -members[k][0].percent)
    shares = spread(total, [members[k][1] for k in order], step)
    out = [ZERO] * len(members)
    for pos, k in enumerate(order):
        out[k] = shares[pos]
    return out


def round_columns(rules: Rules, doc: _DocumentPlan, sums: TaxSums) -> None:
    """Global rounding, step 1: one rounding per tax of ``doc`` over its ``sums`` (in place:
    each base rounded, each amount the document's).

    Extracted (price-included) taxes are rounded from their exact sum,
    computed percent taxes as rate x rounded base (EN 16931 BT-117 = BT-116 x rate); jurisdictions
    aggregated when the policy (compiled in ``rules``) says so."""
    q = rules.q
    quantum, mode = rules.quantum, rules.decimal_mode
    rounded_lines = rules.global_rounded
    taxes, rates, extracted = doc.taxes, doc.rates, sums.extracted
    bases, raws, amounts = sums.bases, sums.raws, sums.amounts
    for j, rate in enumerate(rates):
        base = bases[j]
        raw = raws[j]
        if not (LOW_LIMIT < base < LIMIT and LOW_LIMIT < raw < LIMIT):
            within(base, f"the base of tax {taxes[j].id}")
            within(raw, f"tax {taxes[j].id}")
        by_rate = rounded_lines and rate is not None and not extracted[j]
        # q(), called directly under a power-of-ten step: the values are inside the limit here
        # (see Rules.quantum).
        if quantum is None:
            base = q(base)
            amounts[j] = q(base * rate if by_rate else raw)  # type: ignore[operator]
        else:
            base = base.quantize(quantum, mode, CONTEXT)
            amount = base * rate if by_rate else raw  # type: ignore[operator]
            amounts[j] = amount.quantize(quantum, mode, CONTEXT)
        bases[j] = base
    members = doc.jurisdictions
    if not rules.separate_jurisdictions and len(members) > 1:  # JurisdictionRounding.AGGREGATE
        total = q(sum((raws[j] for j in members), ZERO))
        parts = _allocate_jurisdictions(total, [(taxes[j], raws[j]) for j in members], rules.step)
        for j, part in zip(members, parts, strict=True):
            amounts[j] = part


def round_globally(
    rules: Rules,
    doc: _DocumentPlan,
    evaluated: list[Line],
    charge_lines: list[Line],
    sums: TaxSums,
) -> tuple[Decimal, bool]:
    """Round each tax once over the document, then the line nets; the rounding adjustment, and
    whether the lines' taxes were split here (documents with price-included lines)."""
    round_columns(rules, doc, sums)
    if not evaluated and not charge_lines:  # only lines summed by their nets: nothing to adjust
        return ZERO, False
    step = rules.step
    # 2. Line nets.
    adjustment = ZERO
    incl_lines = [ln for ln in evaluated if ln.plan.any_included]
    if not rules.global_rounded:
        plain = [ln for ln in evaluated if not ln.plan.any_included] + charge_lines
        if plain:
            total = quantize_decimal(sum((ln.raw_net for ln in plain), ZERO), step, rules.mode)
            for ln, net in zip(
                plain, spread(total, [ln.raw_net for ln in plain], step), strict=True
            ):
                ln.net = net
    if incl_lines and rules.epd is None:
        return _split_included(rules, doc, evaluated + charge_lines, incl_lines, sums), True
    if incl_lines:  # taxes on a discounted base: the gross does not hold them
        untaxed = quantize_decimal(sum((ln.raw_net for ln in incl_lines), ZERO), step, rules.mode)
        nets = spread(untaxed, [ln.raw_net for ln in incl_lines], step)
        for ln, net in zip(incl_lines, nets, strict=True):
            ln.net = net
    return adjustment, False


def _split_included(
    rules: Rules, doc: _DocumentPlan, lines: list[Line], incl_lines: list[Line], sums: TaxSums
) -> Decimal:
    """Lines with price-included taxes under global rounding: net + included taxes = gross.

    The remainder rule: every tax's document amount is spread over its lines by largest
    remainder of their exact amounts (as on every document); a line's net is its gross less its
    included taxes.  Then, by :class:`IncludedRounding`:

    - ``NET_FROM_GROSS``: that is the net; the untaxed total is their sum.
    - ``INDEPENDENT``: the untaxed total is the exact one rounded; the difference to the sum of
      those nets is the rounding adjustment, one step at a time to the lines whose net is
      furthest from its exact value in its direction (ties to the earlier line); each line
      states its part, so net + included taxes + adjustment = gross on every line.
    - ``TAX_FROM_GROSS``: the untaxed total is the exact one rounded and spread over the lines
      by largest remainder; what a line's gross leaves goes to its last included tax, whose
      document amount is the sum of its lines.

    Returns the document's rounding adjustment.
    """
    step = rules.step
    parts = tax_parts(
        [(t.key, amount) for t, amount in zip(doc.taxes, sums.amounts, strict=True)],
        [ln.plan.taxes for ln in lines],
        [ln.raw for ln in lines],
        step,
    )
    for ln, amounts in zip(lines, parts, strict=True):
        ln.amounts = amounts
    left = []
    for ln in incl_lines:
        included = ln.plan.included
        left.append(
            ln.gross - sum((a for a, inc in zip(ln.amounts, included, strict=True) if inc), ZERO)
        )
    method = rules.included
    if method is IncludedRounding.NET_FROM_GROSS:
        for ln, net in zip(incl_lines, left, strict=True):
            ln.net = net
        return ZERO
    raw_nets = [ln.raw_net for ln in incl_lines]
    untaxed = quantize_decimal(sum(raw_nets, ZERO), step, rules.mode)
    if method is IncludedRounding.TAX_FROM_GROSS:
        nets = spread(untaxed, raw_nets, step)
        for ln, net, rest in zip(incl_lines, nets, left, strict=True):
            ln.net = net
            last = ln.plan.last_included
            ln.amounts[last] += rest - net
            sums.amounts[doc.position[ln.plan.taxes[last].key]] += rest - net
        return ZERO
    rest = sum(left, ZERO) - untaxed
    shares = steps(rest, [x - r for x, r in zip(left, raw_nets, strict=True)], step)
    for ln, x, share in zip(incl_lines, left, shares, strict=True):
        ln.net = x - share
        ln.adjustment = share
    return rest
