"""One line through its plan: the net out of the priced amount, then every tax's base and amount.

The rule, for every kind: a tax's base is the line's net plus the amounts of the earlier taxes
its definition includes (:attr:`~o2c.tax.model.Tax.compound`,
:attr:`~o2c.tax.model.Tax.affects_base_of_subsequent`), its amount the factor times that base or
a fixed amount per unit.  A plan without included taxes, fixed amounts or contributions is
*linear*: every base is the net and every amount factor x net, which its compiled form computes
directly (:func:`evaluate`).
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from o2c.tax.kinds import ONE, ZERO, ChargeKind
from o2c.tax.plan import _Plan, solve_net, within
from o2c.tax.policy import IncludedRounding
from o2c.tax.rules import Rules

__all__ = ["Line", "evaluate", "evaluate_per_unit"]


@attrs.define
class Line:
    """A line (or document charge) while the document is computed (internal, mutable)."""

    index: int
    charge: ChargeKind | None
    plan: _Plan
    gross: Decimal
    net: Decimal
    raw_net: Decimal
    raw: list[Decimal]
    bases: list[Decimal]
    amounts: list[Decimal]
    adjustment: Decimal = ZERO
    #: What the line was evaluated from (to evaluate it again with its document-fixed shares).
    amount: Decimal = ZERO
    quantity: Decimal = ONE
    sign: int = 1
    per_unit: bool = False


def evaluate(
    rules: Rules,
    plan: _Plan,
    index: int,
    charge: ChargeKind | None,
    amount: Decimal,
    quantity: Decimal,
    sign: int,
    shares: dict[int, Decimal] | None = None,
) -> Line:
    """Evaluate one line of priced ``amount``; ``shares`` are its parts of document-level fixed
    taxes, by position.

    Checked lines and charges stay inside the amount limit; what their taxes make of them is
    checked here before anything is rounded (so no value can outgrow CONTEXT).
    """
    # The priced amount is always a rounded amount; only a base may stay raw (RAW_LINES).
    gross = rules.q(amount)
    if plan.linear and rules.epd is None:
        return _linear(rules, plan, index, charge, gross, amount)
    net, raw_net, raw, amounts, adjustment = _net_of(
        rules, plan, index, gross, amount, quantity, sign
    )
    bases = _forward(rules, plan, index, net, raw, amounts, quantity, sign, shares)
    return Line(
        index=index,
        charge=charge,
        plan=plan,
        gross=gross,
        net=net,
        raw_net=raw_net,
        raw=raw,
        bases=bases,
        amounts=amounts,
        adjustment=adjustment,
        amount=amount,
        quantity=quantity,
        sign=sign,
    )


def _linear(
    rules: Rules,
    plan: _Plan,
    index: int,
    charge: ChargeKind | None,
    gross: Decimal,
    amount: Decimal,
) -> Line:
    """:func:`evaluate` compiled for a linear plan: every base is the net, every exact amount
    factor x net (what :func:`_forward` gives when no tax feeds another)."""
    n = len(plan.taxes)
    net = gross if (rules.per_line or rules.global_rounded) else amount
    raws = [f * net for f in plan.factors]
    q = rules.q
    return Line(
        index=index,
        charge=charge,
        plan=plan,
        gross=gross,
        net=net,
        raw_net=net,
        raw=raws,
        bases=[net] * n,
        amounts=[q(r) for r in raws] if rules.per_line else [ZERO] * n,
        amount=amount,
    )


def _net_of(
    rules: Rules,
    plan: _Plan,
    index: int,
    gross: Decimal,
    amount: Decimal,
    quantity: Decimal,
    sign: int,
) -> tuple[Decimal, Decimal, list[Decimal], list[Decimal], Decimal]:
    """``(net, exact net, exact amounts, amounts, adjustment)``: the net out of the gross, and
    the price-included taxes it contains (rounded under per-line rounding, by
    :class:`~o2c.tax.policy.IncludedRounding`)."""
    n = len(plan.taxes)
    raw: list[Decimal] = [ZERO] * n
    amounts: list[Decimal] = [ZERO] * n
    if not plan.any_included:
        raw_net = gross if (rules.per_line or rules.global_rounded) else amount
        return raw_net, raw_net, raw, amounts, ZERO
    solved = solve_net(plan, gross, quantity, sign)
    raw_net = within(solved[0], f"the net of line {index}")
    included = plan.included
    for i in range(n):
        if included[i]:
            raw[i] = within(solved[i + 1], f"tax {plan.taxes[i].id} on line {index}")
    if not rules.per_line:
        return raw_net, raw_net, raw, amounts, ZERO
    q = rules.q
    for i in range(n):
        if included[i]:
            amounts[i] = q(raw[i])
    inc_sum = sum((amounts[i] for i in range(n) if included[i]), ZERO)
    if rules.included is IncludedRounding.NET_FROM_GROSS:
        return gross - inc_sum, raw_net, raw, amounts, ZERO
    net = q(raw_net)
    rest = gross - net - inc_sum
    if rules.included is IncludedRounding.TAX_FROM_GROSS:
        amounts[plan.last_included] += rest
        return net, raw_net, raw, amounts, ZERO
    return net, raw_net, raw, amounts, rest


def _forward(
    rules: Rules,
    plan: _Plan,
    index: int,
    net: Decimal,
    raw: list[Decimal],
    amounts: list[Decimal],
    quantity: Decimal,
    sign: int,
    shares: dict[int, Decimal] | None,
) -> list[Decimal]:
    """The forward pass: every tax's base, and the amounts of the computed (not extracted) taxes
    into ``raw`` and ``amounts`` (in place); returns the bases."""
    n = len(plan.taxes)
    per_line = rules.per_line
    q = rules.q
    bases: list[Decimal] = [ZERO] * n
    values: list[Decimal] = [ZERO] * n
    epd = rules.epd
    net_base = net if epd is None else net * epd
    on_net = plan.on_net  # None: the net is in every base
    for i in range(n):
        b = net_base if on_net is None or on_net[i] else ZERO
        for j in plan.contrib[i]:
            b += values[j]
        extracted = plan.included[i] and epd is None
        if not extracted:
            if plan.fixed[i]:
                raw[i] = plan.per_unit[i] * quantity * sign
            elif shares is not None and i in shares:
                raw[i] = shares[i]
            else:
                raw[i] = plan.factors[i] * b
            within(raw[i], f"tax {plan.taxes[i].id} on line {index}")
            if per_line:
                amounts[i] = q(raw[i])
        if per_line:
            bases[i] = q(b)
            values[i] = raw[i] if (rules.compound_raw and not extracted) else amounts[i]
        else:
            bases[i] = b
            values[i] = raw[i]
    return bases


def evaluate_per_unit(
    rules: Rules,
    plan: _Plan,
    index: int,
    amount: Decimal,
    quantity: Decimal,
    sign: int,
    shares: dict[int, Decimal] | None = None,
) -> Line:
    """Evaluate one unit (rounded as a line), then multiply by the quantity.

    A document-level fixed share is the line's, not a unit's: a unit carries its quotient.
    """
    q = rules.q
    unit_shares = None if shares is None else {i: v / quantity for i, v in shares.items()}
    unit = evaluate(rules, plan, index, None, amount / quantity, ONE, sign, unit_shares)
    gross = q(amount)
    amounts = [q(within(a * quantity, f"a tax on line {index}")) for a in unit.amounts]
    bases = [q(within(b * quantity, f"a tax base on line {index}")) for b in unit.bases]
    adjustment = q(unit.adjustment * quantity)
    raws = [r * quantity for r in unit.raw]
    if shares is not None:
        for i, v in shares.items():
            amounts[i] = raws[i] = v
    net = gross
    if plan.any_included:
        included = sum((a for a, inc in zip(amounts, plan.included, strict=True) if inc), ZERO)
        net = gross - adjustment - included
    return Line(
        index=index,
        charge=None,
        plan=plan,
        gross=gross,
        net=net,
        raw_net=unit.raw_net * quantity,
        raw=raws,
        bases=bases,
        amounts=amounts,
        adjustment=adjustment,
        amount=amount,
        quantity=quantity,
        sign=sign,
        per_unit=True,
    )
