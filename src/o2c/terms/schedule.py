"""How a payment schedule is computed: a plan compiled once per terms, run for each document.

:meth:`SchedulePlan.compile` reads the terms once: which line takes the balance, which lines are
percentages, which due dates and deadlines are plain day counts, which discount tiers apply and
how (on each instalment, or on the invoice as a whole).  :meth:`SchedulePlan.run` then computes
one document's schedule in named stages:

1. the total and its tax split are checked (:func:`_check_total`, :func:`_tax_split`);
2. the due dates (:func:`_due_dates`), counted from the baseline or from the previous due date,
   rolled to a business day under the terms' convention;
3. the instalment amounts (:func:`_amounts`): fixed lines as given, percent lines (of the total
   or of the untaxed amount) rounded, and the balance line (or the line the remainder policy
   names) takes what rounding leaves;
4. each instalment's share of the untaxed amount and of the tax (:func:`_tax_shares`);
5. the discount deadlines and offers (:func:`_line_offers`, :func:`_instalment_offers`,
   :func:`_invoice_offers`): never more than their base or the instalment, never below zero.

There is one path for every terms: simple terms ("2/10 net 30") run the same stages, which cost
little when there is nothing to do (no roll, no tax split, no cash rounding, plain day counts).

>>> from o2c.money import RoundingPolicy, money
>>> from o2c.terms.lines import TermLine
>>> plan = SchedulePlan.compile(lines=(TermLine.of_percent(30), TermLine.balance(30)))
>>> parts = plan.run(money("100.00", "EUR"), baseline=dt.date(2024, 1, 31),
...                  rounding=RoundingPolicy())
>>> [(i.due_date.isoformat(), str(i.amount.amount)) for i in parts.instalments]
[('2024-01-31', '30.00'), ('2024-03-01', '70.00')]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import lru_cache, partial
from typing import NamedTuple

import attrs
from moneyed import Currency, Money

from o2c.calendars import WEEKDAYS_ONLY, BusinessDayConvention, Calendar, roll
from o2c.errors import CurrencyMismatchError, InvalidTermsError
from o2c.money import (
    CashRounding,
    RemainderPolicy,
    Rounding,
    RoundingPolicy,
    allocate_decimal,
    minor_unit,
    quantize_decimal,
    rounder,
)
from o2c.terms.lines import DiscountBase, DiscountScope, DiscountTier, LineKind, TermLine
from o2c.terms.offers import (
    _DEFAULT_ROUNDING,
    DiscountOffer,
    Instalment,
    _new_instalment,
    _new_offer,
)
from o2c.terms.steps import AddDays, DateStep, apply_steps

__all__ = ["ScheduleParts", "SchedulePlan"]

_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
_NO_ROLL = BusinessDayConvention.NONE


# --------------------------------------------------------------------------------------------
# The plan: what the terms say, read once


@attrs.frozen
class _When:
    """A date rule: its steps, and the same as a ``timedelta`` when they are plain days."""

    steps: tuple[DateStep, ...]
    days: dt.timedelta | None

    @classmethod
    def of(cls, steps: tuple[DateStep, ...]) -> _When:
        """The rule of ``steps`` (a single :class:`AddDays` becomes a timedelta)."""
        plain = len(steps) == 1 and type(steps[0]) is AddDays
        return cls(steps, dt.timedelta(days=steps[0].n) if plain else None)  # type: ignore[attr-defined]


@attrs.frozen
class _Tier:
    """A discount tier with its 1-based number in the terms and its compiled deadline."""

    number: int
    tier: DiscountTier
    #: The tier's percent (``None`` for a fixed amount), read on every offer.
    percent: Decimal | None
    deadline: _When


@attrs.frozen
class _Line:
    """An instalment line with its compiled due date and its own tiers."""

    kind: LineKind
    percent: Decimal | None
    amount: Money | None
    chained: bool
    due: _When
    tiers: tuple[_Tier, ...]
    #: Whether the percentage is of the untaxed amount.
    untaxed: bool

    @classmethod
    def of(cls, line: TermLine) -> _Line:
        """The compiled ``line``."""
        return cls(
            line.kind,
            line.percent,
            line.amount,
            line.chained,
            _When.of(line.due),
            _tiers_of(line.discounts),
            line.untaxed,
        )


def _tiers_of(tiers: Sequence[DiscountTier]) -> tuple[_Tier, ...]:
    return tuple(_Tier(n, t, t.percent, _When.of(t.deadline)) for n, t in enumerate(tiers, 1))


class ScheduleParts(NamedTuple):
    """What a run computes: the instalments, the tax split and the invoice-level offers (a
    named tuple: :meth:`o2c.terms.PaymentTerms.schedule` reads it once, into its Schedule)."""

    instalments: tuple[Instalment, ...]
    untaxed: Money | None
    tax: Money | None
    #: Term-level discounts summed over the instalments, one offer per tier (see ``Schedule``).
    discounts: tuple[DiscountOffer, ...]


#: A run's parts from the tuple of their values in field order, built in C (no Python call on
#: every schedule; tests/test_terms.py checks the order).
_new_parts: Callable[[tuple[object, ...]], ScheduleParts] = partial(tuple.__new__, ScheduleParts)


@attrs.frozen(kw_only=True)
class SchedulePlan:
    """Payment terms compiled for computing schedules: built once, run for every document."""

    lines: tuple[_Line, ...]
    #: The terms' own tiers (not the lines').
    tiers: tuple[_Tier, ...]
    #: Whether the terms' tiers apply to each instalment (else to the invoice as a whole).
    per_instalment: bool
    discount_base: DiscountBase
    convention: BusinessDayConvention
    remainder: RemainderPolicy
    #: The index of the balance line, if there is one.
    balance: int | None
    #: The indexes of the percent lines, of the fixed lines, and of both in order.
    percent_lines: tuple[int, ...]
    fixed_lines: tuple[int, ...]
    #: The indexes of the lines that are a percentage of the untaxed amount.
    untaxed_lines: tuple[int, ...]
    measured_lines: tuple[int, ...]
    #: The percent lines in the order they give back a rounding excess or absorb a remainder.
    absorbing: tuple[int, ...]
    #: Whether the percent lines are shared by largest remainder (no balance line).
    largest: bool
    #: Whether the run needs the untaxed amount: a discount base other than the total, or a
    #: line that is a percentage of the untaxed amount.
    needs_untaxed: bool
    #: Whether some line has tiers of its own.
    line_tiers: bool

    @classmethod
    def compile(
        cls,
        *,
        lines: tuple[TermLine, ...],
        discounts: tuple[DiscountTier, ...] = (),
        convention: BusinessDayConvention = _NO_ROLL,
        discount_base: DiscountBase = DiscountBase.TOTAL,
        discount_scope: DiscountScope = DiscountScope.INVOICE,
        remainder: RemainderPolicy = RemainderPolicy.LAST,
    ) -> SchedulePlan:
        """The plan of terms with these fields (as :class:`o2c.terms.PaymentTerms` holds them)."""
        balance = next((i for i, ln in enumerate(lines) if ln.kind is LineKind.BALANCE), None)
        percent_lines = tuple(
            i for i, ln in enumerate(lines) if ln.kind is LineKind.PERCENT and not ln.untaxed
        )
        untaxed_lines = tuple(i for i, ln in enumerate(lines) if ln.untaxed)
        return cls(
            lines=tuple(_Line.of(line) for line in lines),
            tiers=_tiers_of(discounts),
            per_instalment=discount_scope is DiscountScope.INSTALMENT,
            discount_base=discount_base,
            convention=convention,
            remainder=remainder,
            balance=balance,
            percent_lines=percent_lines,
            fixed_lines=tuple(i for i, ln in enumerate(lines) if ln.kind is LineKind.FIXED),
            untaxed_lines=untaxed_lines,
            measured_lines=tuple(
                i for i, ln in enumerate(lines) if ln.kind is not LineKind.BALANCE
            ),
            # Shares of the untaxed amount give back an excess too, after the percent lines.
            absorbing=(percent_lines if remainder is RemainderPolicy.FIRST else percent_lines[::-1])
            + untaxed_lines[::-1],
            largest=balance is None and remainder is RemainderPolicy.LARGEST_REMAINDER,
            needs_untaxed=bool(untaxed_lines)
            or (
                discount_base is not DiscountBase.TOTAL
                and bool(discounts or any(ln.discounts for ln in lines))
            ),
            line_tiers=any(ln.discounts for ln in lines),
        )

    def run(
        self,
        total: Money,
        *,
        baseline: dt.date,
        rounding: RoundingPolicy | None,
        untaxed: Money | None = None,
        tax: Money | None = None,
        calendar: Calendar | None = None,
        cash_rounding: CashRounding | None = None,
    ) -> ScheduleParts:
        """The schedule of one document of ``total``, counted from ``baseline`` (``rounding``
        ``None`` is the default policy: half-up to the minor unit).

        Raises:
            InvalidTermsError: lines that exceed the total (naming the line), missing amounts the
                discount base needs, a negative total, a date that leaves the calendar.
            CurrencyMismatchError: amounts, fixed lines or fixed tiers in another currency.
        """
        steps = _check_total(total, rounding)
        untaxed_total = tax_total = None
        if untaxed is not None or tax is not None or self.needs_untaxed:
            untaxed_total, tax_total = self._tax_split(total, untaxed, tax)
        due_dates = _due_dates(self, baseline, calendar)
        doc = _document(self, total, untaxed_total, steps, cash_rounding)
        # One list per instalment ([[]] for the one of most terms: no comprehension to run).
        offers: list[list[DiscountOffer]] = [[]] if len(due_dates) == 1 else [[] for _ in due_dates]
        if self.line_tiers:
            _line_offers(self, doc, offers, baseline, calendar)
        invoice_offers: tuple[DiscountOffer, ...] = ()
        if self.tiers and self.per_instalment:
            _instalment_offers(self, doc, offers, baseline, calendar)
        elif self.tiers:
            invoice_offers = _invoice_offers(self, doc, offers, baseline, calendar)
        cur = doc.currency
        return _new_parts(
            (
                # instalments, untaxed, tax, discounts
                (_instalment(doc, 0, due_dates[0], offers[0]),)
                if len(due_dates) == 1
                else tuple(
                    [_instalment(doc, i, due, offers[i]) for i, due in enumerate(due_dates)]
                ),
                Money(untaxed_total, cur) if untaxed_total is not None else None,
                Money(tax_total, cur) if tax_total is not None else None,
                invoice_offers,
            )
        )

    def _tax_split(
        self, total: Money, untaxed: Money | None, tax: Money | None
    ) -> tuple[Decimal | None, Decimal | None]:
        # run() asks only when an amount is given or the discount base needs one.
        """The untaxed amount and the tax as Decimals (``None, None`` when neither is given)."""
        if untaxed is None and tax is None:
            if self.needs_untaxed:
                what = (
                    f"line {self.untaxed_lines[0] + 1} (a percentage of the untaxed amount)"
                    if self.untaxed_lines
                    else f"discount base {self.discount_base.value!r}"
                )
                raise InvalidTermsError(
                    f"{what} needs the untaxed amount: pass untaxed= (or tax=) to schedule()",
                    field="untaxed",
                )
            return None, None
        cur = total.currency
        for name, value in (("untaxed", untaxed), ("tax", tax)):
            if value is not None and value.currency != cur:
                raise CurrencyMismatchError(
                    cur.code, value.currency.code, operation=f"schedule {name}"
                )
        u = untaxed.amount if untaxed is not None else total.amount - tax.amount  # type: ignore[union-attr]
        t = tax.amount if tax is not None else total.amount - u
        if u + t != total.amount:
            raise InvalidTermsError(
                f"untaxed {u} plus tax {t} is not the total {total.amount}: pass amounts that "
                "add up",
                field="untaxed",
                value=u,
            )
        return u, t


# --------------------------------------------------------------------------------------------
# Checks and dates


def _check_amount(value: Money, name: str, step: Decimal) -> None:
    """Refuse an amount that is not a whole number of ``step`` (more decimals than the
    currency)."""
    units = value.amount / step
    if units != units.to_integral_value():
        raise InvalidTermsError(
            f"{name}={value.amount} {value.currency.code} has more decimals than the currency: "
            "quantize it first (o2c.money.quantize)",
            field=name,
            value=value,
        )


def _check_total(total: Money, rounding: RoundingPolicy | None) -> _Steps:
    """The steps of ``total``'s currency under ``rounding`` (``None``: the default), once the
    total is a positive amount of it."""
    if not isinstance(total, Money):
        raise InvalidTermsError(f"total={total!r} must be a Money", field="total", value=total)
    code = total.currency.code
    steps = _steps(rounding, code)
    units = total.amount / steps.unit
    if units != units.to_integral_value():
        _check_amount(total, "total", steps.unit)  # raises, naming the total
    if total.amount < 0:
        raise InvalidTermsError(
            f"total={total.amount} {code} is negative: schedule the positive amount (a credit "
            "memo is not paid in instalments)",
            field="total",
            value=total,
        )
    return steps


def _date_after(
    when: _When, start: dt.date, convention: BusinessDayConvention, calendar: Calendar | None
) -> dt.date:
    """``start`` moved by ``when``, rolled under ``convention`` (Monday to Friday by default)."""
    day: dt.date | None = None
    if when.days is not None:
        try:
            day = start + when.days
        except OverflowError:
            day = None  # apply_steps says where the date leaves the calendar
    if day is None:
        try:
            day = apply_steps(when.steps, start)
        except InvalidTermsError as exc:
            raise InvalidTermsError(
                f"the due date or deadline {exc.message}",
                field="due",
                value=when.steps,
                date=start,
                step=exc.context.get("step"),
            ) from None
    if convention is _NO_ROLL:
        return day
    return roll(day, convention, calendar if calendar is not None else WEEKDAYS_ONLY)


def _due_dates(plan: SchedulePlan, baseline: dt.date, calendar: Calendar | None) -> list[dt.date]:
    """Each line's due date: from the baseline, or from the previous due date when chained."""
    dates: list[dt.date] = []
    plain = plan.convention is _NO_ROLL
    for line in plan.lines:
        start = dates[-1] if line.chained else baseline
        days = line.due.days
        if plain and days is not None:
            try:  # what _date_after gives for plain days without a roll
                dates.append(start + days)
                continue
            except OverflowError:
                pass  # _date_after says where the date leaves the calendar
        dates.append(_date_after(line.due, start, plan.convention, calendar))
    return dates


# --------------------------------------------------------------------------------------------
# Amounts


@attrs.frozen
class _Steps:
    """How a currency rounds under a policy: the step, its rounder and zero at the minor unit."""

    #: The currency's minor unit.
    unit: Decimal
    step: Decimal
    to_step: Callable[[Decimal], Decimal]
    #: ``0`` with the minor unit's exponent (``0.00`` for EUR): the floor of every discount.
    zero: Decimal
    #: Whether the step is the currency's minor unit (the policy gives no step of its own).
    minor: bool


@lru_cache(maxsize=256)
def _steps(rounding: RoundingPolicy | None, code: str) -> _Steps:
    """The steps of ``rounding`` (the default policy when ``None``) in ``code``.

    Policies are values: cached by value; ``None``, what most callers pass, hashes for nothing.
    """
    if rounding is None:
        rounding = _DEFAULT_ROUNDING
    unit = minor_unit(code)
    step = rounding.step_for(code)
    return _Steps(unit, step, rounder(step, rounding.rounding), _ZERO * unit, rounding.step is None)


def _line_parts(
    plan: SchedulePlan,
    amount: Decimal,
    currency: Currency,
    steps: _Steps,
    cash_step: Decimal | None,
    cash_mode: Rounding,
    untaxed: Decimal | None,
) -> list[Decimal | None]:
    """Fixed lines as given and percent lines rounded; ``None`` for what is shared later."""
    parts: list[Decimal | None] = [None] * len(plan.lines)
    for i in plan.fixed_lines:
        fixed = plan.lines[i].amount
        assert fixed is not None
        if fixed.currency != currency:
            raise CurrencyMismatchError(
                currency.code, fixed.currency.code, operation=f"schedule line {i + 1} of"
            )
        parts[i] = fixed.amount
    for i in plan.untaxed_lines:
        parts[i] = _percent_of(untaxed, plan.lines[i].percent, steps, cash_step, cash_mode)
    if plan.largest:
        return parts  # the percent lines share what the fixed lines leave (see _amounts)
    for i in plan.percent_lines:
        percent = plan.lines[i].percent
        assert percent is not None
        value = steps.to_step(amount * percent / _HUNDRED)
        if cash_step is not None:
            value = quantize_decimal(value, cash_step, cash_mode)
        parts[i] = value
    return parts


def _percent_of(
    base: Decimal | None,
    percent: Decimal | None,
    steps: _Steps,
    cash_step: Decimal | None,
    cash_mode: Rounding,
) -> Decimal:
    """``percent`` of ``base`` rounded to the step (and to the cash step under cash rounding)."""
    assert base is not None  # run() splits the tax whenever a line needs the untaxed amount
    assert percent is not None
    value = steps.to_step(base * percent / _HUNDRED)
    if cash_step is not None:
        value = quantize_decimal(value, cash_step, cash_mode)
    return value


def _check_fit(
    plan: SchedulePlan,
    amount: Decimal,
    currency: Currency,
    unit: Decimal,
    untaxed: Decimal | None,
) -> None:
    """Refuse lines that exceed the total before any rounding (naming the line that crosses)."""
    code = currency.code
    exact = _ZERO
    for i in plan.measured_lines:
        line = plan.lines[i]
        if line.untaxed:
            assert untaxed is not None
            assert line.percent is not None
            exact += untaxed * line.percent / _HUNDRED
        elif line.percent is not None:
            exact += amount * line.percent / _HUNDRED
        else:
            assert line.amount is not None
            _check_amount(line.amount, f"line {i + 1} amount", unit)
            exact += line.amount.amount
        if exact > amount:
            raise InvalidTermsError(
                f"line {i + 1} brings the instalments to {exact} {code}, over the total "
                f"{amount} {code}: lower the line or make it the balance",
                field="lines",
                value=line.percent if line.percent is not None else line.amount,
                line=i + 1,
            )
    if plan.balance is None and exact != amount:
        raise InvalidTermsError(
            f"the lines add up to {exact} {code}, not the total {amount} {code}: add a "
            "balance line",
            field="lines",
            value=exact,
            line=len(plan.lines),
        )


def _amounts(
    plan: SchedulePlan,
    amount: Decimal,
    currency: Currency,
    unit: Decimal,
    steps: _Steps,
    cash_step: Decimal | None,
    cash_mode: Rounding,
    untaxed: Decimal | None,
) -> list[Decimal]:
    """The instalment amounts, summing exactly to ``amount`` (``untaxed`` is the untaxed amount
    when a line is a share of it); :func:`_document` takes the balance line alone itself
    (the total less nothing, which this computes too)."""
    parts = _line_parts(plan, amount, currency, steps, cash_step, cash_mode, untaxed)
    _check_fit(plan, amount, currency, unit, untaxed)
    if plan.largest and plan.percent_lines:
        fixed = sum((p for p in parts if p is not None), _ZERO)
        weights = [plan.lines[i].percent for i in plan.percent_lines]
        shares = allocate_decimal(amount - fixed, weights, unit, policy=plan.remainder)
        for i, share in zip(plan.percent_lines, shares, strict=True):
            parts[i] = share
    running = _ZERO
    for part in parts:
        if part is not None:
            running += part
    if running > amount:
        # Only rounding up gets here (the exact lines fit): percent lines give the excess back,
        # the last one first (the first one first under RemainderPolicy.FIRST), never below 0.
        excess = running - amount
        for i in plan.absorbing:
            cut = min(excess, parts[i] or _ZERO)
            parts[i] = (parts[i] or _ZERO) - cut
            excess -= cut
        running = amount
    if plan.balance is not None:
        parts[plan.balance] = amount - running
    elif running != amount and plan.absorbing:
        # No balance line: the last (or first) percent line absorbs the rounding remainder.
        first = plan.absorbing[0]
        parts[first] = (parts[first] or _ZERO) + (amount - running)
    return [p if p is not None else _ZERO for p in parts]


def _tax_shares(
    amounts: list[Decimal], untaxed: Decimal, amount: Decimal, unit: Decimal
) -> tuple[list[Decimal], list[Decimal]]:
    """Each instalment's untaxed share (in proportion) and tax share (the rest of it)."""
    if amount:
        u_shares = allocate_decimal(untaxed, amounts, unit)
    else:
        u_shares = [_ZERO * unit for _ in amounts]
    return u_shares, [a - u for a, u in zip(amounts, u_shares, strict=True)]


class _Document(NamedTuple):
    """One run's amounts and rounding: what the offers of every instalment are computed from
    (a named tuple made in C by :func:`_document`, for one run)."""

    currency: Currency
    unit: Decimal
    amount: Decimal
    steps: _Steps
    #: The cash step (under cash rounding) and its tie rule.
    cash_step: Decimal | None
    cash_mode: Rounding
    base: DiscountBase
    amounts: list[Decimal]
    #: The instalments' amounts as Money.
    moneys: list[Money]
    #: What each instalment's percentage tiers apply to: its untaxed share, or its amount.
    bases: list[Money]
    #: The untaxed amount and each instalment's untaxed and tax shares (when given).
    untaxed_total: Decimal | None
    untaxed: list[Decimal] | None
    tax: list[Decimal] | None


_new_document: Callable[[tuple[object, ...]], _Document] = partial(tuple.__new__, _Document)


def _document(
    plan: SchedulePlan,
    total: Money,
    untaxed_total: Decimal | None,
    steps: _Steps,
    cash_rounding: CashRounding | None,
) -> _Document:
    """The amounts of ``total`` under ``plan`` (stage 3 and 4 of the module docstring)."""
    cur = total.currency
    amount = total.amount
    unit = steps.unit
    cash_step = cash_rounding.increment(cur.code) if cash_rounding is not None else None
    cash_mode = cash_rounding.rounding if cash_rounding is not None else Rounding.HALF_UP
    if plan.balance is not None and len(plan.lines) == 1:
        # The balance line alone ("net 30"): it takes the total (what _amounts computes for
        # it: the total less nothing).
        amounts = [amount - _ZERO]
        moneys = [Money(amounts[0], cur)]
    else:
        amounts = _amounts(plan, amount, cur, unit, steps, cash_step, cash_mode, untaxed_total)
        moneys = [Money(a, cur) for a in amounts]
    u_shares = t_shares = None
    if untaxed_total is not None:
        u_shares, t_shares = _tax_shares(amounts, untaxed_total, amount, unit)
    untaxed_base = plan.discount_base is DiscountBase.UNTAXED and u_shares is not None
    bases = [Money(u, cur) for u in u_shares] if untaxed_base else moneys  # type: ignore[union-attr]
    # The fields in order (tests/test_terms.py checks it).
    return _new_document(
        (
            cur,
            unit,
            amount,
            steps,
            cash_step,
            cash_mode,
            plan.discount_base,
            amounts,
            moneys,
            bases,
            untaxed_total,
            u_shares,
            t_shares,
        )
    )


# --------------------------------------------------------------------------------------------
# Discounts


def _check_currency(tier: _Tier, doc: _Document) -> None:
    """Refuse a fixed discount in another currency than the document's."""
    fixed = tier.tier.amount
    if fixed is not None and fixed.currency != doc.currency:
        raise CurrencyMismatchError(doc.currency.code, fixed.currency.code, operation="discount")


def _raw_discount(tier: DiscountTier, base: Decimal) -> Decimal:
    """The discount before rounding: the percentage of ``base``, or the fixed amount."""
    if tier.percent is not None:
        return base * tier.percent / _HUNDRED
    assert tier.amount is not None
    return tier.amount.amount


def _split(doc: _Document, discount: Decimal, i: int) -> tuple[Money | None, Money | None]:
    """The discount's untaxed and tax parts (in proportion under ``DiscountBase.MIXED``)."""
    assert doc.untaxed is not None
    assert doc.tax is not None
    cur = doc.currency
    u, t = doc.untaxed[i], doc.tax[i]
    if doc.base is DiscountBase.MIXED and (u or t) and u >= 0 and t >= 0:
        on_u, on_t = allocate_decimal(discount, [u, t], doc.unit)
        return Money(on_u, cur), Money(on_t, cur)
    return Money(discount, cur), Money(_ZERO * doc.unit, cur)


def _rounded(doc: _Document, i: int, raw: Decimal, base: Decimal) -> Decimal:
    """A raw discount on instalment ``i`` rounded, never above the base or the instalment."""
    due = doc.amounts[i]
    if doc.cash_step is not None:
        discount = due - quantize_decimal(due - raw, doc.cash_step, doc.cash_mode)
    else:
        discount = doc.steps.to_step(raw)
    return _clamp(discount, base if base > 0 else _ZERO, due, doc.steps.zero)


def _clamp(discount: Decimal, base: Decimal, due: Decimal, zero: Decimal) -> Decimal:
    """``max(zero, min(discount, base, due))``: a discount is never more than what it is
    computed on nor than what is due, and never below zero (compared one by one, as ``min`` and
    ``max`` do: a tie keeps the first)."""
    if base < discount:
        discount = base
    if due < discount:
        discount = due
    return discount if discount > zero else zero


def _offer(
    doc: _Document, i: int, tier: _Tier, deadline: dt.date, discount: Decimal, base: Money
) -> DiscountOffer:
    """The offer of ``discount`` (already rounded) on instalment ``i``."""
    on_u = on_t = None
    if doc.untaxed is not None:
        on_u, on_t = _split(doc, discount, i)
    return _new_offer(
        deadline=deadline,
        amount=Money(discount, doc.currency),
        percent=tier.percent,
        tier=tier.number,
        base=base,
        amount_due=Money(doc.amounts[i] - discount, doc.currency),
        untaxed_part=on_u,
        tax_part=on_t,
    )


def _instalment(
    doc: _Document, i: int, due_date: dt.date, offers: list[DiscountOffer]
) -> Instalment:
    """Instalment ``i`` with its due date, amount, offers and tax split."""
    untaxed = tax = None
    if doc.untaxed is not None and doc.tax is not None:
        untaxed, tax = Money(doc.untaxed[i], doc.currency), Money(doc.tax[i], doc.currency)
    return _new_instalment(
        number=i + 1,
        due_date=due_date,
        amount=doc.moneys[i],
        discounts=tuple(offers),
        untaxed=untaxed,
        tax=tax,
    )


def _line_offers(
    plan: SchedulePlan,
    doc: _Document,
    offers: list[list[DiscountOffer]],
    baseline: dt.date,
    calendar: Calendar | None,
) -> None:
    """Add each line's own tiers to its instalment's offers."""
    for i, line in enumerate(plan.lines):
        for tier in line.tiers:
            if tier.percent is None:  # a fixed amount
                _check_currency(tier, doc)
            deadline = _date_after(tier.deadline, baseline, plan.convention, calendar)
            base = doc.bases[i]
            discount = _rounded(doc, i, _raw_discount(tier.tier, base.amount), base.amount)
            offers[i].append(_offer(doc, i, tier, deadline, discount, base))


def _instalment_offers(
    plan: SchedulePlan,
    doc: _Document,
    offers: list[list[DiscountOffer]],
    baseline: dt.date,
    calendar: Calendar | None,
) -> None:
    """Add the terms' tiers to every instalment, each on the instalment's own amount."""
    deadlines = []
    for tier in plan.tiers:
        if tier.percent is None:  # a fixed amount
            _check_currency(tier, doc)
        deadlines.append(_date_after(tier.deadline, baseline, plan.convention, calendar))
    for i, base in enumerate(doc.bases):
        # Plan tuples have one entry per tier (no strict zip: its keyword costs more here).
        for tier, deadline in zip(plan.tiers, deadlines):  # noqa: B905
            discount = _rounded(doc, i, _raw_discount(tier.tier, base.amount), base.amount)
            offers[i].append(_offer(doc, i, tier, deadline, discount, base))


def _invoice_offers(
    plan: SchedulePlan,
    doc: _Document,
    offers: list[list[DiscountOffer]],
    baseline: dt.date,
    calendar: Calendar | None,
) -> tuple[DiscountOffer, ...]:
    """One discount per tier on the whole invoice, shared over the instalments in proportion.

    Adds each instalment's share to its offers and returns the invoice's offers.
    """
    amount = doc.amount
    whole_base = doc.untaxed_total if doc.base is DiscountBase.UNTAXED else amount
    assert whole_base is not None
    one = len(plan.lines) == 1 and _is_the_total(doc)
    out = []
    for tier in plan.tiers:
        if tier.percent is None:  # a fixed amount
            _check_currency(tier, doc)
        # _raw_discount() for a percentage, one call less on every invoice with a discount.
        pct = tier.percent
        raw = (
            whole_base * pct / _HUNDRED if pct is not None else _raw_discount(tier.tier, whole_base)
        )
        if doc.cash_step is not None:
            whole = amount - quantize_decimal(amount - raw, doc.cash_step, doc.cash_mode)
        else:
            whole = doc.steps.to_step(raw)
        whole = _clamp(whole, whole_base, amount, doc.steps.zero)
        if one and tier.percent is not None:
            # The one instalment is the invoice: its offer is the invoice's, to the digit (the
            # percentage of an amount rounds to at most the amount, so no clamp changes it and
            # rounding it again keeps it; tests/test_terms.py holds the two equal).
            deadline = _date_after(tier.deadline, baseline, plan.convention, calendar)
            offer = _offer(doc, 0, tier, deadline, whole, doc.moneys[0])
            offers[0].append(offer)
        else:
            offer = _spread(plan, doc, offers, tier, whole, whole_base, baseline, calendar)
        out.append(offer)
    return tuple(out)


def _is_the_total(doc: _Document) -> bool:
    """Whether the first instalment is the total as written, rounded to the minor unit, without
    cash rounding or a tax split."""
    return (
        doc.cash_step is None
        and doc.untaxed is None
        and doc.steps.minor
        and doc.amounts[0].compare_total(doc.amount) == 0
    )


def _spread(
    plan: SchedulePlan,
    doc: _Document,
    offers: list[list[DiscountOffer]],
    tier: _Tier,
    whole: Decimal,
    whole_base: Decimal,
    baseline: dt.date,
    calendar: Calendar | None,
) -> DiscountOffer:
    """The invoice's offer of ``whole`` for ``tier``, its shares added to the instalments'."""
    n, cur = len(plan.lines), doc.currency
    base = Money(whole_base, cur)
    if n == 1:
        # The one instalment's offer (rounded once more without cash rounding).
        shares = [whole if doc.cash_step is not None else _rounded(doc, 0, whole, whole_base)]
        bases = [base]
    else:
        shares, bases = _invoice_shares(doc, whole, whole_base)
    deadline = _date_after(tier.deadline, baseline, plan.convention, calendar)
    for i in range(n):
        offers[i].append(_offer(doc, i, tier, deadline, shares[i], bases[i]))
    on_u, on_t = _sum_parts([offers[i][-1] for i in range(n)], cur)
    return DiscountOffer(
        deadline=deadline,
        amount=Money(whole, cur),
        percent=tier.percent,
        tier=tier.number,
        base=base,
        amount_due=Money(doc.amount - whole, cur),
        untaxed_part=on_u,
        tax_part=on_t,
    )


def _invoice_shares(
    doc: _Document, whole: Decimal, whole_base: Decimal
) -> tuple[list[Decimal], list[Money]]:
    """An invoice discount and its base shared over several instalments by their amounts."""
    if not doc.amount:
        zeros = [_ZERO * doc.unit for _ in doc.amounts]
        return zeros, [Money(z, doc.currency) for z in zeros]
    shares = allocate_decimal(whole, doc.amounts, doc.unit)
    if doc.base is not DiscountBase.UNTAXED:
        return shares, doc.moneys
    bases = allocate_decimal(whole_base, doc.amounts, doc.unit)
    return shares, [Money(b, doc.currency) for b in bases]


def _sum_parts(offers: Sequence[DiscountOffer], cur: Currency) -> tuple[Money | None, Money | None]:
    if any(o.untaxed_part is None or o.tax_part is None for o in offers):
        return None, None
    u = sum((o.untaxed_part.amount for o in offers if o.untaxed_part is not None), _ZERO)
    t = sum((o.tax_part.amount for o in offers if o.tax_part is not None), _ZERO)
    return Money(u, cur), Money(t, cur)
