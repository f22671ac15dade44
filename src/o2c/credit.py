"""Credit management: exposure, limits, the credit check, scores and limit recommendations.

Every computation here is a pure function over plain values (open items, payment records,
financial-statement figures); the ``*_from_ledger`` helpers only gather those values.

Exposure is the sum of pluggable :class:`ExposureComponent` values (open receivables, unbilled
orders, uninvoiced deliveries, payments in transit, or any amount you supply); the check compares
it with the limit resolved for the customer (customer, then group, then default) and applies the
other rules of a :class:`CreditPolicy`.  The verdict explains itself rule by rule:

>>> import datetime as dt
>>> from o2c.money import money
>>> limits = CreditLimits(customer={"C1": money("1000", "EUR")})
>>> gl = FixedAmount("gl_balance", {"C1": money("800", "EUR")})
>>> check = check_credit(
...     "C1", as_of=dt.date(2026, 3, 31), amount=money("200", "EUR"),
...     components=[gl], limits=limits,
... )
>>> check.decision, check.exposure.total
(<Decision.WARN: 'warn'>, Money('800', 'EUR'))
>>> print(check.rules[0].reason)  # doctest: +NORMALIZE_WHITESPACE
exposure 800.00 + this document 200.00 = 1000.00 is 100.00% of the customer limit 1000.00
(warn from 90.00%)

Scores have published meaning: Altman's Z (1968), Z' (private firms), Z'' and the emerging-market
score (Z'' + 3.25) with their zones, a PAYDEX-style payment index, and a behavioural scorecard
whose risk classes each carry their explanation.

>>> altman_score(AltmanModel.EM, AltmanRatios(
...     x1=Decimal("0.2"), x2=Decimal("0.3"), x3=Decimal("0.1"), x4=Decimal("1"))).zone
<Zone.SAFE: 'safe'>

Rounding: ratios are computed at 28 significant digits (:data:`SCORE_CONTEXT`) and kept so;
scores are reported rounded half-up to 4 decimals (``score``) beside the unrounded ``exact``
value, and zones are decided on the exact value.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

import attrs
from moneyed import Money

from o2c.errors import CurrencyMismatchError, ValidationError
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.ledger.facts import (
    AllocationReversed,
    DisputeOpened,
    Fact,
    InvoiceIssued,
    PaymentAllocated,
    WrittenOff,
)
from o2c.ledger.history import Projection, select
from o2c.money import Rounding, currency, minor_unit, quantize_decimal, to_decimal

__all__ = [
    "AltmanModel",
    "AltmanRatios",
    "AltmanScore",
    "BehaviourScore",
    "Boundary",
    "CreditCheck",
    "CreditLedger",
    "CreditLimits",
    "CreditPolicy",
    "Decision",
    "Exposure",
    "ExposureComponent",
    "ExposureLine",
    "FinancialStatements",
    "FixedAmount",
    "LIMIT_FACTORS",
    "LimitRecommendation",
    "LimitSource",
    "OpenReceivables",
    "PAYDEX_TABLE",
    "Paydex",
    "PaymentInTransit",
    "PaymentRecord",
    "PaymentsInTransit",
    "Release",
    "ResolvedLimit",
    "RiskClass",
    "Rule",
    "RuleResult",
    "SCORE_CONTEXT",
    "ScoreFactor",
    "Settlement",
    "SettlementTrail",
    "Zone",
    "altman_ratios",
    "altman_score",
    "altman_zone",
    "behavioural_score",
    "check_credit",
    "check_credit_from_ledger",
    "compute_exposure",
    "days_late",
    "paydex",
    "paydex_for_days",
    "payment_history",
    "recommend_limit",
    "records_from_trails",
    "settlement_trails",
    "weighted_median",
]

#: The arithmetic context for ratios and scores: 28 significant digits, half-even, every
#: exceptional condition trapped (a division by zero is a bug, not a NaN).
SCORE_CONTEXT = decimal.Context(
    prec=28,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_SCORE_STEP = Decimal("0.0001")
_PCT_STEP = Decimal("0.01")


def _div(a: Decimal, b: Decimal) -> Decimal:
    return _ZERO if a == 0 and b != 0 else SCORE_CONTEXT.divide(a, b)


def _pct(ratio: Decimal) -> str:
    return f"{quantize_decimal(ratio * _HUNDRED, _PCT_STEP)}%"


def _fmt(amount: Money) -> str:
    return str(quantize_decimal(amount.amount, minor_unit(amount.currency.code)))


def _dec(value: object, field: str) -> Decimal:
    return to_decimal(value, field=field)


def _req_dec(value: object) -> Decimal:
    return to_decimal(value, field="value")


def _opt_dec(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value, field="value")


# ============================================================================================
# Exposure


@attrs.frozen
class ExposureLine:
    """One component's contribution to a customer's exposure (negative for payments in transit)."""

    component: str
    amount: Money


@attrs.frozen(kw_only=True)
class Exposure:
    """A customer's credit exposure on a date: the components and their total.

    ``horizon`` is set for a dynamic exposure (orders scheduled after it are left out).
    """

    customer_id: CustomerId
    as_of: dt.date
    lines: tuple[ExposureLine, ...]
    currency: str
    horizon: dt.date | None = None

    @property
    def total(self) -> Money:
        """The sum of the components (exact; the components are at the minor unit already)."""
        return Money(sum((line.amount.amount for line in self.lines), _ZERO), self.currency)

    def component(self, name: str) -> Money:
        """The amount of component ``name`` (zero when it is not part of this exposure)."""
        total = sum((ln.amount.amount for ln in self.lines if ln.component == name), _ZERO)
        return Money(total, self.currency)


class ExposureComponent(Protocol):
    """A source of exposure: open receivables, unbilled orders, payments in transit ...

    ``amount`` answers for one customer on ``as_of`` in ``currency``; ``horizon``, when given,
    asks for the dynamic view (only what falls due or ships on or before the horizon date).
    """

    @property
    def name(self) -> str:
        """The component's name in exposure lines and reasons."""
        ...

    def amount(
        self, customer_id: CustomerId, as_of: dt.date, currency: str, horizon: dt.date | None
    ) -> Money:
        """The component's exposure for ``customer_id``."""
        ...


def _require(amount: Money, code: str, what: str) -> Decimal:
    if amount.currency.code != code:
        raise CurrencyMismatchError(code, amount.currency.code, operation=f"add {what} to")
    return amount.amount


def _item_tuple(items: Iterable[OpenItem]) -> tuple[OpenItem, ...]:
    return tuple(items)


@attrs.frozen
class OpenReceivables:
    """Open AR: the open amounts of the customer's open items on ``as_of``.

    With ``exclude_disputed`` the disputed part of each item is left out (policy choice).
    Items dated after ``as_of`` are ignored.
    """

    items: tuple[OpenItem, ...] = attrs.field(converter=_item_tuple)
    exclude_disputed: bool = True
    name: str = "open_ar"

    def amount(
        self, customer_id: CustomerId, as_of: dt.date, currency: str, horizon: dt.date | None
    ) -> Money:
        """The open receivables of ``customer_id``."""
        total = _ZERO
        for item in self.items:
            if item.customer_id != customer_id or item.document_date > as_of:
                continue
            total += _require(item.open_amount, currency, "an open item")
            if self.exclude_disputed and item.disputed_amount is not None:
                total -= _require(item.disputed_amount, currency, "a disputed amount")
        return Money(total, currency)


@attrs.frozen
class PaymentInTransit:
    """A payment the customer has sent (advice received) that has not reached the ledger yet."""

    customer_id: CustomerId
    amount: Money
    sent_on: dt.date


def _payment_tuple(items: Iterable[PaymentInTransit]) -> tuple[PaymentInTransit, ...]:
    return tuple(items)


@attrs.frozen
class PaymentsInTransit:
    """Payments in transit reduce exposure: the component is minus their sum."""

    payments: tuple[PaymentInTransit, ...] = attrs.field(converter=_payment_tuple)
    name: str = "payments_in_transit"

    def amount(
        self, customer_id: CustomerId, as_of: dt.date, currency: str, horizon: dt.date | None
    ) -> Money:
        """Minus the payments sent by ``customer_id`` on or before ``as_of``."""
        total = _ZERO
        for p in self.payments:
            if p.customer_id == customer_id and p.sent_on <= as_of:
                total -= _require(p.amount, currency, "a payment in transit")
        return Money(total, currency)


def _freeze_amounts(value: Mapping[str, Money]) -> Mapping[str, Money]:
    return dict(value)


@attrs.frozen
class FixedAmount:
    """An exposure amount per customer supplied from elsewhere (a GL balance, a guarantee ...)."""

    name: str
    amounts: Mapping[str, Money] = attrs.field(converter=_freeze_amounts, hash=False)

    def amount(
        self, customer_id: CustomerId, as_of: dt.date, currency: str, horizon: dt.date | None
    ) -> Money:
        """The stored amount for ``customer_id`` (zero when none)."""
        value = self.amounts.get(customer_id)
        if value is None:
            return Money(_ZERO, currency)
        return Money(_require(value, currency, self.name), currency)


def compute_exposure(
    customer_id: str,
    *,
    as_of: dt.date,
    currency: str,
    components: Iterable[ExposureComponent],
    horizon: dt.date | None = None,
) -> Exposure:
    """The customer's exposure: one line per component, in the order given.

    >>> e = compute_exposure("C1", as_of=dt.date(2026, 1, 31), currency="EUR", components=[
    ...     FixedAmount("gl_balance", {"C1": Money("600", "EUR")}),
    ...     PaymentsInTransit([PaymentInTransit("C1", Money("50", "EUR"), dt.date(2026, 1, 30))]),
    ... ])
    >>> [(ln.component, ln.amount.amount) for ln in e.lines], e.total.amount
    ([('gl_balance', Decimal('600')), ('payments_in_transit', Decimal('-50'))], Decimal('550'))

    Raises:
        CurrencyMismatchError: when a component holds amounts in another currency.
    """
    code = _currency_code(currency)
    cid = CustomerId(customer_id)
    lines = tuple(ExposureLine(c.name, c.amount(cid, as_of, code, horizon)) for c in components)
    return Exposure(customer_id=cid, as_of=as_of, lines=lines, currency=code, horizon=horizon)


def _currency_code(code: str) -> str:
    return currency(code).code


# ============================================================================================
# Limits


class LimitSource(enum.Enum):
    """Where a customer's limit came from."""

    CUSTOMER = "customer"
    GROUP = "group"
    DEFAULT = "default"
    NONE = "none"


@attrs.frozen
class ResolvedLimit:
    """The limit that applies to a customer, and where it came from."""

    amount: Money | None
    source: LimitSource
    group: str | None = None


def _dict(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return dict(value)


@attrs.frozen(kw_only=True)
class CreditLimits:
    """Credit limits by customer, then by customer group, then a default.

    >>> limits = CreditLimits(
    ...     customer={"C1": Money("5000", "EUR")},
    ...     groups={"C2": "retail"}, group={"retail": Money("2000", "EUR")},
    ...     default=Money("1000", "EUR"))
    >>> [(r.source.value, r.amount.amount) for r in map(limits.resolve, ["C1", "C2", "C3"])]
    [('customer', Decimal('5000')), ('group', Decimal('2000')), ('default', Decimal('1000'))]
    """

    customer: Mapping[str, Money] = attrs.field(factory=dict, converter=_dict, hash=False)
    #: Customer id -> group id.
    groups: Mapping[str, str] = attrs.field(factory=dict, converter=_dict, hash=False)
    group: Mapping[str, Money] = attrs.field(factory=dict, converter=_dict, hash=False)
    default: Money | None = None

    def resolve(self, customer_id: str) -> ResolvedLimit:
        """The limit for ``customer_id``: its own, else its group's, else the default."""
        own = self.customer.get(customer_id)
        group_id = self.groups.get(customer_id)
        if own is not None:
            return ResolvedLimit(own, LimitSource.CUSTOMER, group_id)
        if group_id is not None and group_id in self.group:
            return ResolvedLimit(self.group[group_id], LimitSource.GROUP, group_id)
        if self.default is not None:
            return ResolvedLimit(self.default, LimitSource.DEFAULT, group_id)
        return ResolvedLimit(None, LimitSource.NONE, group_id)


# ============================================================================================
# The credit check


class Decision(enum.Enum):
    """A credit verdict, and each rule's outcome: approve < warn < block."""

    APPROVE = "approve"
    WARN = "warn"
    BLOCK = "block"

    @property
    def severity(self) -> int:
        """0 for approve, 1 for warn, 2 for block."""
        return _SEVERITY[self]


_SEVERITY = {Decision.APPROVE: 0, Decision.WARN: 1, Decision.BLOCK: 2}


def _worst(outcomes: Iterable[Decision]) -> Decision:
    return max(outcomes, key=_SEVERITY.__getitem__, default=Decision.APPROVE)


class Rule(enum.Enum):
    """The rules of a credit check."""

    STATIC_LIMIT = "static_limit"
    DYNAMIC_LIMIT = "dynamic_limit"
    OLDEST_OPEN_ITEM = "oldest_open_item"
    DUNNING_LEVEL = "dunning_level"
    OVERDUE_SHARE = "overdue_share"
    RELEASE = "release"


@attrs.frozen(kw_only=True)
class RuleResult:
    """One rule's outcome with its reason and the figures it compared.

    ``applied`` is false when the rule was switched off or had nothing to look at; ``overridden``
    is true when a standing release turned a block into a warning.
    """

    rule: Rule
    outcome: Decision
    reason: str
    observed: Decimal | None = None
    threshold: Decimal | None = None
    applied: bool = True
    overridden: bool = False


@attrs.frozen(kw_only=True)
class Release:
    """A manual release of a blocked document: re-checks pass while the value stays within the
    policy's deviation factor of ``amount`` (and the release is not older than its validity)."""

    document_id: str
    amount: Money
    released_on: dt.date
    released_by: str


def _fraction(value: object) -> Decimal:
    d = to_decimal(value, field="fraction")
    if d < 0:
        raise ValidationError(f"fraction={d} must not be negative", field="fraction", value=d)
    return d


def _opt_fraction(value: object) -> Decimal | None:
    return None if value is None else _fraction(value)


@attrs.frozen(kw_only=True)
class CreditPolicy:
    """The rules and thresholds of a credit check (``None`` switches a threshold off).

    Fractions are Decimal fractions (``Decimal("0.9")`` is 90 %).

    - Limits: block when exposure + document ``>`` limit (``limit_strict``, equality passes, as
      ERPNext does) or ``>=`` otherwise; warn from ``warn_utilisation`` of the limit.
    - Dynamic limit: with ``horizon_days``, a second limit check counts only orders scheduled on or
      before ``as_of + horizon_days`` (SAP's credit horizon).
    - Oldest open item: days past due of the oldest overdue item.
    - Dunning level: the highest level reached (from collections).
    - Overdue share: overdue open amount / open amount.
    - Release deviation: a released document re-checked with a value up to ``release_deviation``
      above the released value (and within ``release_valid_days``) keeps its release: blocks
      become warnings.
    - ``exclude_disputed``: disputed amounts are left out of exposure, overdue share and the
      oldest-item age.
    - ``no_limit``: the outcome when no limit resolves (approve: unlimited).
    """

    limit_strict: bool = True
    warn_utilisation: Decimal | None = attrs.field(default=Decimal("0.9"), converter=_opt_fraction)
    horizon_days: int | None = None
    oldest_item_warn_days: int | None = 30
    oldest_item_block_days: int | None = 90
    dunning_warn_level: int | None = 2
    dunning_block_level: int | None = 3
    overdue_share_warn: Decimal | None = attrs.field(
        default=Decimal("0.25"), converter=_opt_fraction
    )
    overdue_share_block: Decimal | None = attrs.field(
        default=Decimal("0.5"), converter=_opt_fraction
    )
    release_deviation: Decimal = attrs.field(default=Decimal("0.1"), converter=_fraction)
    release_valid_days: int | None = 30
    exclude_disputed: bool = True
    no_limit: Decision = Decision.APPROVE


@attrs.frozen(kw_only=True)
class CreditCheck:
    """The verdict of a credit check: the decision, every rule's outcome, the figures used."""

    customer_id: CustomerId
    as_of: dt.date
    amount: Money
    decision: Decision
    rules: tuple[RuleResult, ...]
    exposure: Exposure
    limit: ResolvedLimit
    dynamic_exposure: Exposure | None = None
    document_id: str | None = None

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reasons of the rules that did not approve (for a hold message)."""
        return tuple(
            f"{r.rule.value}: {r.reason}" for r in self.rules if r.outcome is not Decision.APPROVE
        )

    def explain(self) -> str:
        """A multi-line explanation: the decision, then one line per rule."""
        lines = [f"{self.decision.value.upper()} {self.customer_id} {_fmt(self.amount)}"]
        lines += [f"  [{r.outcome.value:7}] {r.rule.value}: {r.reason}" for r in self.rules]
        return "\n".join(lines)


def _limit_rule(
    rule: Rule,
    exposure: Exposure,
    amount: Decimal,
    limit: ResolvedLimit,
    policy: CreditPolicy,
    label: str,
) -> RuleResult:
    code = exposure.currency
    total = exposure.total.amount + amount
    if limit.amount is None:
        return RuleResult(
            rule=rule,
            outcome=policy.no_limit,
            reason=f"no credit limit for this customer ({policy.no_limit.value})",
            observed=total,
            applied=False,
        )
    lim = _require(limit.amount, code, "a credit limit")
    where = f"{limit.source.value} limit" + (
        f" of group {limit.group}" if limit.source is LimitSource.GROUP else ""
    )
    head = (
        f"{label}{_fmt(Money(exposure.total.amount, code))} + this document "
        f"{_fmt(Money(amount, code))} = {_fmt(Money(total, code))}"
    )
    over = total > lim if policy.limit_strict else total >= lim
    share_text = "with a zero limit" if lim <= 0 else f"is {_pct(_div(total, lim))} of the"
    if over:
        op = ">" if policy.limit_strict else ">="
        return RuleResult(
            rule=rule,
            outcome=Decision.BLOCK,
            reason=f"{head} {op} {where} {_fmt(limit.amount)}",
            observed=total,
            threshold=lim,
        )
    if policy.warn_utilisation is not None and lim > 0 and total >= lim * policy.warn_utilisation:
        return RuleResult(
            rule=rule,
            outcome=Decision.WARN,
            reason=f"{head} {share_text} {where} {_fmt(limit.amount)} "
            f"(warn from {_pct(policy.warn_utilisation)})",
            observed=total,
            threshold=lim,
        )
    return RuleResult(
        rule=rule,
        outcome=Decision.APPROVE,
        reason=f"{head} within the {where} {_fmt(limit.amount)}",
        observed=total,
        threshold=lim,
    )


def _counted_open(item: OpenItem, exclude_disputed: bool) -> Decimal:
    amount = item.open_amount.amount
    if exclude_disputed and item.disputed_amount is not None:
        amount -= item.disputed_amount.amount
    return amount


def _threshold_rule(
    rule: Rule,
    observed: Decimal,
    warn: Decimal | None,
    block: Decimal | None,
    describe: str,
    unit: str = "",
) -> RuleResult:
    shown = _pct(observed) if unit == "%" else f"{observed}{unit}"

    def show(x: Decimal) -> str:
        return _pct(x) if unit == "%" else f"{x}{unit}"

    if block is not None and observed >= block:
        return RuleResult(
            rule=rule,
            outcome=Decision.BLOCK,
            reason=f"{describe} {shown} reaches the block threshold {show(block)}",
            observed=observed,
            threshold=block,
        )
    if warn is not None and observed >= warn:
        return RuleResult(
            rule=rule,
            outcome=Decision.WARN,
            reason=f"{describe} {shown} reaches the warning threshold {show(warn)}",
            observed=observed,
            threshold=warn,
        )
    limit = block if block is not None else warn
    return RuleResult(
        rule=rule,
        outcome=Decision.APPROVE,
        reason=f"{describe} {shown} is below "
        + (f"{show(limit)}" if limit is not None else "every threshold"),
        observed=observed,
        threshold=limit,
        applied=warn is not None or block is not None,
    )


def check_credit(
    customer_id: str,
    *,
    as_of: dt.date,
    amount: Money,
    limits: CreditLimits,
    components: Sequence[ExposureComponent] | None = None,
    open_items: Sequence[OpenItem] = (),
    policy: CreditPolicy | None = None,
    dunning_level: int = 0,
    release: Release | None = None,
    delivery_date: dt.date | None = None,
    document_id: str | None = None,
) -> CreditCheck:
    """Check a new document of ``amount`` for ``customer_id`` against the policy's rules.

    Args:
        components: the exposure components (default: the open receivables of ``open_items``).
            ``amount`` is not part of them: it is added by the limit rules.
        open_items: the customer's open items on ``as_of`` (for age and overdue share).
        dunning_level: the highest dunning level the customer has reached.
        release: a previous manual release of this document (for the deviation rule).
        delivery_date: when the document ships; the dynamic limit counts it only when it
            falls within the horizon (default ``as_of``).

    Returns:
        A :class:`CreditCheck`; the decision is the worst outcome of the rules (approve < warn
        < block) after a standing release turned blocks into warnings.
    """
    pol = policy or CreditPolicy()
    code = amount.currency.code
    cid = CustomerId(customer_id)
    items = tuple(i for i in open_items if i.customer_id == cid and i.document_date <= as_of)
    comps: Sequence[ExposureComponent] = (
        components
        if components is not None
        else [OpenReceivables(items, exclude_disputed=pol.exclude_disputed)]
    )
    exposure = compute_exposure(cid, as_of=as_of, currency=code, components=comps)
    limit = limits.resolve(cid)
    results = [_limit_rule(Rule.STATIC_LIMIT, exposure, amount.amount, limit, pol, "exposure ")]

    dynamic: Exposure | None = None
    if pol.horizon_days is not None:
        horizon = as_of + dt.timedelta(days=pol.horizon_days)
        dynamic = compute_exposure(
            cid, as_of=as_of, currency=code, components=comps, horizon=horizon
        )
        counted = amount.amount if (delivery_date or as_of) <= horizon else _ZERO
        res = _limit_rule(
            Rule.DYNAMIC_LIMIT, dynamic, counted, limit, pol, f"exposure to horizon {horizon} "
        )
        results.append(res)

    # Oldest open item (days past due of the oldest overdue, counted item).
    overdue = [
        i
        for i in items
        if i.kind is ItemKind.INVOICE
        and i.due_date < as_of
        and _counted_open(i, pol.exclude_disputed) > 0
    ]
    oldest = max(((as_of - i.due_date).days for i in overdue), default=0)
    results.append(
        _threshold_rule(
            Rule.OLDEST_OPEN_ITEM,
            Decimal(oldest),
            _opt_dec(pol.oldest_item_warn_days),
            _opt_dec(pol.oldest_item_block_days),
            "oldest overdue item",
            " days past due",
        )
    )
    results.append(
        _threshold_rule(
            Rule.DUNNING_LEVEL,
            Decimal(dunning_level),
            _opt_dec(pol.dunning_warn_level),
            _opt_dec(pol.dunning_block_level),
            "highest dunning level",
        )
    )
    open_total = sum(
        (_counted_open(i, pol.exclude_disputed) for i in items if i.kind is ItemKind.INVOICE),
        _ZERO,
    )
    overdue_total = sum((_counted_open(i, pol.exclude_disputed) for i in overdue), _ZERO)
    share = _div(overdue_total, open_total) if open_total > 0 else _ZERO
    results.append(
        _threshold_rule(
            Rule.OVERDUE_SHARE,
            share,
            pol.overdue_share_warn,
            pol.overdue_share_block,
            "overdue share of open receivables",
            "%",
        )
    )
    results = _apply_release(results, release, amount, as_of, pol)
    decision = _worst(r.outcome for r in results)
    return CreditCheck(
        customer_id=cid,
        as_of=as_of,
        amount=amount,
        decision=decision,
        rules=tuple(results),
        exposure=exposure,
        limit=limit,
        dynamic_exposure=dynamic,
        document_id=document_id,
    )


def _apply_release(
    results: list[RuleResult],
    release: Release | None,
    amount: Money,
    as_of: dt.date,
    pol: CreditPolicy,
) -> list[RuleResult]:
    if release is None:
        results.append(
            RuleResult(
                rule=Rule.RELEASE,
                outcome=Decision.APPROVE,
                reason="no earlier release of this document",
                applied=False,
            )
        )
        return results
    released = _require(release.amount, amount.currency.code, "a released amount")
    ceiling = released * (_ONE + pol.release_deviation)
    age = (as_of - release.released_on).days
    expired = pol.release_valid_days is not None and age > pol.release_valid_days
    who = f"released {_fmt(release.amount)} on {release.released_on} by {release.released_by}"
    if amount.amount <= ceiling and not expired:
        results = [
            attrs.evolve(
                r,
                outcome=Decision.WARN,
                overridden=True,
                reason=f"{r.reason} (overridden by the standing release)",
            )
            if r.outcome is Decision.BLOCK
            else r
            for r in results
        ]
        results.append(
            RuleResult(
                rule=Rule.RELEASE,
                outcome=Decision.APPROVE,
                reason=f"{who}; value {_fmt(amount)} within the "
                f"{_pct(pol.release_deviation)} deviation "
                f"({_fmt(Money(ceiling, amount.currency))})",
                observed=amount.amount,
                threshold=ceiling,
            )
        )
        return results
    why = (
        f"the release is {age} days old (valid {pol.release_valid_days})"
        if expired
        else f"value {_fmt(amount)} exceeds it by more than the "
        f"{_pct(pol.release_deviation)} deviation"
    )
    results.append(
        RuleResult(
            rule=Rule.RELEASE,
            outcome=Decision.WARN,
            reason=f"{who}; {why}: the release lapsed and the rules apply again",
            observed=amount.amount,
            threshold=ceiling,
        )
    )
    return results


# ============================================================================================
# Altman scores


class AltmanModel(enum.Enum):
    """Altman's discriminant models and their published coefficients and zone cut-offs.

    - ``Z`` (1968, public manufacturers): 1.2 X1 + 1.4 X2 + 3.3 X3 + 0.6 X4 + 1.0 X5, X4 = market
      value of equity / total liabilities; zones 1.81 / 2.99.
    - ``Z_PRIME`` (private firms): 0.717 X1 + 0.847 X2 + 3.107 X3 + 0.420 X4 + 0.998 X5, X4 = book
      equity / total liabilities; zones 1.23 / 2.90.
    - ``Z_DOUBLE_PRIME`` (non-manufacturers): 6.56 X1 + 3.26 X2 + 6.72 X3 + 1.05 X4 (book
      equity); zones 1.10 / 2.60.
    - ``EM`` (emerging markets): Z'' + 3.25; zones 4.35 / 5.85 (the 1.10 / 2.60 cut-offs belong
      to Z'' without the constant).
    """

    Z = "z"
    Z_PRIME = "z_prime"
    Z_DOUBLE_PRIME = "z_double_prime"
    EM = "em"


_ALTMAN: dict[AltmanModel, tuple[tuple[Decimal, ...], Decimal, Decimal, Decimal]] = {
    # coefficients x1..x5, constant, distress cut-off, safe cut-off
    AltmanModel.Z: (
        tuple(map(Decimal, ("1.2", "1.4", "3.3", "0.6", "1.0"))),
        _ZERO,
        Decimal("1.81"),
        Decimal("2.99"),
    ),
    AltmanModel.Z_PRIME: (
        tuple(map(Decimal, ("0.717", "0.847", "3.107", "0.420", "0.998"))),
        _ZERO,
        Decimal("1.23"),
        Decimal("2.90"),
    ),
    AltmanModel.Z_DOUBLE_PRIME: (
        tuple(map(Decimal, ("6.56", "3.26", "6.72", "1.05", "0"))),
        _ZERO,
        Decimal("1.10"),
        Decimal("2.60"),
    ),
    AltmanModel.EM: (
        tuple(map(Decimal, ("6.56", "3.26", "6.72", "1.05", "0"))),
        Decimal("3.25"),
        Decimal("4.35"),
        Decimal("5.85"),
    ),
}


class Zone(enum.Enum):
    """Altman's discrimination zones."""

    SAFE = "safe"
    GREY = "grey"
    DISTRESS = "distress"


class Boundary(enum.Enum):
    """Which zone a score exactly on a cut-off belongs to (sources differ)."""

    #: ``distress < low <= grey <= high < safe``: the common reading (default).
    GREY_INCLUSIVE = "grey_inclusive"
    #: ``distress <= low < grey < high <= safe``.
    GREY_EXCLUSIVE = "grey_exclusive"


@attrs.frozen(kw_only=True)
class FinancialStatements:
    """Financial-statement figures for Altman's ratios (plain Decimal amounts, one currency).

    ``working_capital`` defaults to current assets minus current liabilities.
    """

    total_assets: Decimal = attrs.field(converter=_req_dec)
    total_liabilities: Decimal = attrs.field(converter=_req_dec)
    retained_earnings: Decimal = attrs.field(converter=_req_dec)
    ebit: Decimal = attrs.field(converter=_req_dec)
    working_capital: Decimal | None = attrs.field(default=None, converter=_opt_dec)
    current_assets: Decimal | None = attrs.field(default=None, converter=_opt_dec)
    current_liabilities: Decimal | None = attrs.field(default=None, converter=_opt_dec)
    sales: Decimal | None = attrs.field(default=None, converter=_opt_dec)
    market_value_equity: Decimal | None = attrs.field(default=None, converter=_opt_dec)
    book_equity: Decimal | None = attrs.field(default=None, converter=_opt_dec)


@attrs.frozen(kw_only=True)
class AltmanRatios:
    """X1 = working capital / TA, X2 = retained earnings / TA, X3 = EBIT / TA,
    X4 = equity / total liabilities (market value for Z, book value otherwise), X5 = sales / TA
    (unused by Z'' and EM)."""

    x1: Decimal = attrs.field(converter=_req_dec)
    x2: Decimal = attrs.field(converter=_req_dec)
    x3: Decimal = attrs.field(converter=_req_dec)
    x4: Decimal = attrs.field(converter=_req_dec)
    x5: Decimal = attrs.field(default=_ZERO, converter=_req_dec)


def _need(value: Decimal | None, field: str, model: AltmanModel) -> Decimal:
    if value is None:
        raise ValidationError(
            f"{field} is required for Altman {model.value}: add it to the statements",
            field=field,
            value=None,
        )
    return value


def altman_ratios(statements: FinancialStatements, model: AltmanModel) -> AltmanRatios:
    """Form Altman's ratios from raw statement figures, at full precision.

    Raises:
        ValidationError: for a missing figure the model needs, or non-positive total assets
            or total liabilities.
    """
    s = statements
    for name in ("total_assets", "total_liabilities"):
        if getattr(s, name) <= 0:
            raise ValidationError(
                f"{name}={getattr(s, name)} must be positive to form Altman's ratios",
                field=name,
                value=getattr(s, name),
            )
    if s.working_capital is not None:
        wc = s.working_capital
    else:
        wc = _need(s.current_assets, "current_assets", model) - _need(
            s.current_liabilities, "current_liabilities", model
        )
    ta, tl = s.total_assets, s.total_liabilities
    if model is AltmanModel.Z:
        equity = _need(s.market_value_equity, "market_value_equity", model)
    else:
        equity = _need(s.book_equity, "book_equity", model)
    uses_sales = model in (AltmanModel.Z, AltmanModel.Z_PRIME)
    sales = _need(s.sales, "sales", model) if uses_sales else _ZERO
    return AltmanRatios(
        x1=_div(wc, ta),
        x2=_div(s.retained_earnings, ta),
        x3=_div(s.ebit, ta),
        x4=_div(equity, tl),
        x5=_div(sales, ta),
    )


@attrs.frozen(kw_only=True)
class AltmanScore:
    """An Altman score: ``score`` (4 decimals, half-up), ``exact``, the zone and why."""

    model: AltmanModel
    ratios: AltmanRatios
    exact: Decimal
    score: Decimal
    zone: Zone
    distress_below: Decimal
    safe_above: Decimal
    explanation: str


def altman_zone(
    model: AltmanModel, value: Decimal, *, boundary: Boundary = Boundary.GREY_INCLUSIVE
) -> Zone:
    """The zone of a score ``value`` under ``model``'s cut-offs.

    >>> [altman_zone(AltmanModel.Z, Decimal(v)).value for v in ("1.80", "1.81", "2.99", "3")]
    ['distress', 'grey', 'grey', 'safe']
    >>> altman_zone(AltmanModel.EM, Decimal("2.7")).value  # 1.10/2.60 are Z'' cut-offs, not EM's
    'distress'
    """
    _, _, low, high = _ALTMAN[model]
    if boundary is Boundary.GREY_INCLUSIVE:
        return Zone.DISTRESS if value < low else Zone.SAFE if value > high else Zone.GREY
    return Zone.DISTRESS if value <= low else Zone.SAFE if value >= high else Zone.GREY


def altman_score(
    model: AltmanModel,
    ratios: AltmanRatios | FinancialStatements,
    *,
    boundary: Boundary = Boundary.GREY_INCLUSIVE,
) -> AltmanScore:
    """Altman's score for ``model`` with its zone.

    >>> s = altman_score(AltmanModel.Z, AltmanRatios(x1="0.2", x2="0", x3="-0.2", x4="0.1", x5="2"))
    >>> s.score, s.zone.value
    (Decimal('1.6400'), 'distress')
    """
    r = ratios if isinstance(ratios, AltmanRatios) else altman_ratios(ratios, model)
    coefficients, constant, low, high = _ALTMAN[model]
    xs = (r.x1, r.x2, r.x3, r.x4, r.x5)
    exact = constant + sum(
        (SCORE_CONTEXT.multiply(c, x) for c, x in zip(coefficients, xs, strict=True)), _ZERO
    )
    zone = altman_zone(model, exact, boundary=boundary)
    score = quantize_decimal(exact, _SCORE_STEP, Rounding.HALF_UP)
    meaning = {
        Zone.SAFE: "financially sound",
        Zone.GREY: "grey zone: neither clearly sound nor distressed",
        Zone.DISTRESS: "distress zone: elevated risk of failure",
    }[zone]
    return AltmanScore(
        model=model,
        ratios=r,
        exact=exact,
        score=score,
        zone=zone,
        distress_below=low,
        safe_above=high,
        explanation=f"Altman {model.value} = {score} ({meaning}; cut-offs {low} / {high})",
    )


# ============================================================================================
# Payment history, PAYDEX and the behavioural score


@attrs.frozen(kw_only=True)
class PaymentRecord:
    """One settled item of a customer's payment history.

    ``paid_date`` is when the item was (finally) settled; ``recorded_on`` is when the ledger
    learned of it (defaults to ``paid_date``; the backtest uses it to see only what was known).
    """

    item_id: ItemId
    customer_id: CustomerId
    amount: Money
    document_date: dt.date
    due_date: dt.date
    paid_date: dt.date
    disputed: bool = False
    recorded_on: dt.date | None = None

    @property
    def days_late(self) -> int:
        """Days beyond terms (negative when paid early)."""
        return (self.paid_date - self.due_date).days

    @property
    def days_to_pay(self) -> int:
        """Days from the document date to payment."""
        return (self.paid_date - self.document_date).days

    @property
    def known_on(self) -> dt.date:
        """When the payment became known (``recorded_on`` or ``paid_date``)."""
        return self.recorded_on or self.paid_date


def days_late(record: PaymentRecord) -> int:
    """Days beyond terms of a payment record (negative when paid early)."""
    return record.days_late


def weighted_median(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal | None:
    """The lower weighted median of ``(value, weight)`` pairs (``None`` when no weight).

    The smallest value at which the cumulative weight reaches half the total.

    >>> weighted_median([(Decimal(1), Decimal(1)), (Decimal(5), Decimal(3))])
    Decimal('5')
    >>> weighted_median([(Decimal(v), Decimal(1)) for v in (1, 2, 3, 4)])
    Decimal('2')
    """
    items = sorted((v, w) for v, w in pairs if w > 0)
    total = sum((w for _, w in items), _ZERO)
    if total <= 0:
        return None
    half = total / 2
    running = _ZERO
    for value, weight in items:
        running += weight
        if running >= half:
            return value
    return items[-1][0]  # pragma: no cover - the loop always returns


#: The published PAYDEX key as (days beyond terms, score) points: 100 anticipates (30 days
#: early), 90 discount (20 days early), 80 prompt, 70 = 15 days beyond terms, 60 = 22, 50 = 30,
#: 40 = 60, 30 = 90, 20 = 120.  Between the points o2c interpolates linearly; beyond 120 days
#: it extrapolates the last slope (10 points per 30 days) down to 1.
PAYDEX_TABLE: tuple[tuple[int, int], ...] = (
    (-30, 100),
    (-20, 90),
    (0, 80),
    (15, 70),
    (22, 60),
    (30, 50),
    (60, 40),
    (90, 30),
    (120, 20),
)


def paydex_for_days(days_beyond_terms: Decimal) -> int:
    """The PAYDEX score for an (amount-weighted) number of days beyond terms.

    Rounded half-up to an integer in 1..100.

    >>> [paydex_for_days(Decimal(d)) for d in (-45, -20, 0, 8, 15, 30, 45, 120, 300)]
    [100, 90, 80, 75, 70, 50, 45, 20, 1]
    """
    d = days_beyond_terms
    table = PAYDEX_TABLE
    if d <= table[0][0]:
        exact = Decimal(table[0][1])
    elif d >= table[-1][0]:
        (d0, s0), (d1, s1) = table[-2], table[-1]
        slope = _div(Decimal(s1 - s0), Decimal(d1 - d0))
        exact = max(_ONE, Decimal(s1) + slope * (d - d1))
    else:
        exact = Decimal(table[-1][1])
        for (d0, s0), (d1, s1) in itertools.pairwise(table):
            if d0 <= d <= d1:
                exact = Decimal(s0) + _div(Decimal(s1 - s0) * (d - d0), Decimal(d1 - d0))
                break
    return int(quantize_decimal(exact, _ONE, Rounding.HALF_UP))


@attrs.frozen(kw_only=True)
class Paydex:
    """A PAYDEX-style index: ``score`` is ``None`` (unavailable) below the minimum history."""

    score: int | None
    days_beyond_terms: Decimal | None
    records: int
    amount: Decimal
    explanation: str


def paydex(records: Iterable[PaymentRecord], *, min_records: int = 3) -> Paydex:
    """A PAYDEX-style index from the customer's own payments.

    The amount-weighted mean of days beyond terms (early payment counts negative), rounded
    half-up to 2 decimals, mapped through :data:`PAYDEX_TABLE`.

    >>> recs = [PaymentRecord(item_id=f"I{n}", customer_id="C1", amount=Money(a, "EUR"),
    ...     document_date=dt.date(2026, 1, 1), due_date=dt.date(2026, 1, 31),
    ...     paid_date=dt.date(2026, 1, 31) + dt.timedelta(days=late))
    ...     for n, (a, late) in enumerate([("100", 0), ("100", 10), ("200", 15)])]
    >>> p = paydex(recs)
    >>> p.days_beyond_terms, p.score
    (Decimal('10.00'), 73)
    """
    total = _ZERO
    weighted = _ZERO
    count = 0
    for r in records:
        a = abs(r.amount.amount)
        total += a
        weighted += a * r.days_late
        count += 1
    if count < min_records or total == 0:
        return Paydex(
            score=None,
            days_beyond_terms=None,
            records=count,
            amount=total,
            explanation=f"unavailable: {count} payments, at least {min_records} needed",
        )
    dbt = quantize_decimal(_div(weighted, total), _PCT_STEP, Rounding.HALF_UP)
    score = paydex_for_days(dbt)
    when = f"{dbt} days beyond terms" if dbt > 0 else f"{-dbt} days within terms"
    return Paydex(
        score=score,
        days_beyond_terms=dbt,
        records=count,
        amount=total,
        explanation=f"PAYDEX {score}: pays on average {when} (amount-weighted, {count} payments)",
    )


class RiskClass(enum.Enum):
    """Behavioural risk classes, best first; ``description`` says what each means."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"

    @property
    def description(self) -> str:
        """What the class means for credit decisions."""
        return _RISK_TEXT[self]

    @property
    def floor(self) -> int:
        """The lowest score in this class."""
        return _RISK_FLOOR[self]


_RISK_TEXT = {
    RiskClass.A: "low risk: pays on or close to terms; normal limits",
    RiskClass.B: "moderate risk: some late payments; standard monitoring",
    RiskClass.C: "elevated risk: regularly late; review limits and terms",
    RiskClass.D: "high risk: late, disputing or over-utilised; secure new orders",
    RiskClass.E: "very high risk: cash in advance or collateral only",
}
_RISK_FLOOR = {RiskClass.A: 80, RiskClass.B: 65, RiskClass.C: 50, RiskClass.D: 35, RiskClass.E: 0}


@attrs.frozen(kw_only=True)
class ScoreFactor:
    """One factor of the behavioural scorecard: its value, points out of a maximum, and why."""

    name: str
    value: Decimal | None
    points: int
    max_points: int
    explanation: str


@attrs.frozen(kw_only=True)
class BehaviourScore:
    """A behavioural score 0..100, its risk class and the factors behind it."""

    customer_id: CustomerId
    as_of: dt.date
    score: int
    risk_class: RiskClass
    factors: tuple[ScoreFactor, ...]
    records: int

    @property
    def explanation(self) -> str:
        """The class meaning followed by every factor's explanation."""
        parts = [f"class {self.risk_class.value} ({self.score}/100): {self.risk_class.description}"]
        parts += [f"{f.name} {f.points}/{f.max_points}: {f.explanation}" for f in self.factors]
        return "; ".join(parts)


def _band(value: Decimal, bands: Sequence[tuple[Decimal, int]], otherwise: int) -> int:
    for upper, points in bands:
        if value <= upper:
            return points
    return otherwise


def behavioural_score(
    customer_id: str,
    records: Sequence[PaymentRecord],
    *,
    as_of: dt.date,
    open_items: Sequence[OpenItem] = (),
    exposure: Money | None = None,
    limit: Money | None = None,
    trend_window: int = 6,
) -> BehaviourScore:
    """A behavioural scorecard from payment history, open items and utilisation.

    Factors (points out of 100):

    - ``lateness`` (40): amount-weighted median days late; open overdue items count with their
      days past due so far. <= 0: 40, <= 7: 32, <= 15: 24, <= 30: 14, <= 60: 6, else 0.
    - ``tail`` (15): share of amount more than 30 days late. <= 5%: 15, <= 15%: 10,
      <= 30%: 5, else 0.
    - ``trend`` (15): median days late of the last ``trend_window`` payments minus that of the
      ones before. <= +3 days: 15, <= +10: 8, else 0; fewer than 2 x window payments: 8.
    - ``disputes`` (10): disputed share of the amount (history and open items).
      0: 10, <= 5%: 6, <= 15%: 3, else 0.
    - ``utilisation`` (20): exposure / limit. <= 50%: 20, <= 80%: 14, <= 100%: 7, else 0;
      no limit or exposure given: 10.

    Classes: A >= 80, B >= 65, C >= 50, D >= 35, E below.  Without any history the
    lateness and tail factors score about half (20/40 and 8/15).
    """
    cid = CustomerId(customer_id)
    recs = [r for r in records if r.customer_id == cid and r.known_on <= as_of]
    items = [i for i in open_items if i.customer_id == cid and i.kind is ItemKind.INVOICE]
    observations: list[tuple[Decimal, Decimal]] = [
        (Decimal(r.days_late), abs(r.amount.amount)) for r in recs
    ]
    observations += [
        (Decimal((as_of - i.due_date).days), i.open_amount.amount)
        for i in items
        if i.due_date < as_of and i.open_amount.amount > 0
    ]
    factors: list[ScoreFactor] = []
    median = weighted_median(observations)
    if median is None:
        factors.append(
            ScoreFactor(
                name="lateness",
                value=None,
                points=20,
                max_points=40,
                explanation="no payment history: neutral",
            )
        )
        factors.append(
            ScoreFactor(
                name="tail",
                value=None,
                points=8,
                max_points=15,
                explanation="no payment history: neutral",
            )
        )
    else:
        pts = _band(
            median,
            [(_ZERO, 40), (Decimal(7), 32), (Decimal(15), 24), (Decimal(30), 14), (Decimal(60), 6)],
            0,
        )
        factors.append(
            ScoreFactor(
                name="lateness",
                value=median,
                points=pts,
                max_points=40,
                explanation=f"median {median} days beyond terms over {len(observations)} items",
            )
        )
        total = sum((w for _, w in observations), _ZERO)
        late = sum((w for v, w in observations if v > 30), _ZERO)
        tail = _div(late, total) if total > 0 else _ZERO
        pts = _band(tail, [(Decimal("0.05"), 15), (Decimal("0.15"), 10), (Decimal("0.30"), 5)], 0)
        factors.append(
            ScoreFactor(
                name="tail",
                value=tail,
                points=pts,
                max_points=15,
                explanation=f"{_pct(tail)} of the amount paid or open more than 30 days late",
            )
        )
    ordered = sorted(recs, key=lambda r: (r.paid_date, r.item_id))
    if len(ordered) >= 2 * trend_window:
        recent = ordered[-trend_window:]
        before = ordered[-2 * trend_window : -trend_window]
        m_recent = weighted_median((Decimal(r.days_late), _ONE) for r in recent) or _ZERO
        m_before = weighted_median((Decimal(r.days_late), _ONE) for r in before) or _ZERO
        change = m_recent - m_before
        pts = _band(change, [(Decimal(3), 15), (Decimal(10), 8)], 0)
        word = "worse" if change > 0 else "better" if change < 0 else "unchanged"
        factors.append(
            ScoreFactor(
                name="trend",
                value=change,
                points=pts,
                max_points=15,
                explanation=f"last {trend_window} payments median {m_recent} vs {m_before} days "
                f"late before ({word})",
            )
        )
    else:
        factors.append(
            ScoreFactor(
                name="trend",
                value=None,
                points=8,
                max_points=15,
                explanation=f"{len(ordered)} payments: too few for a trend "
                f"(need {2 * trend_window})",
            )
        )
    amount_all = sum((abs(r.amount.amount) for r in recs), _ZERO) + sum(
        (i.original_amount.amount for i in items), _ZERO
    )
    disputed = sum((abs(r.amount.amount) for r in recs if r.disputed), _ZERO) + sum(
        (i.disputed_amount.amount for i in items if i.disputed_amount is not None), _ZERO
    )
    dshare = _div(disputed, amount_all) if amount_all > 0 else _ZERO
    pts = _band(dshare, [(_ZERO, 10), (Decimal("0.05"), 6), (Decimal("0.15"), 3)], 0)
    factors.append(
        ScoreFactor(
            name="disputes",
            value=dshare,
            points=pts,
            max_points=10,
            explanation=f"{_pct(dshare)} of the amount disputed",
        )
    )
    if exposure is None or limit is None or limit.amount <= 0:
        factors.append(
            ScoreFactor(
                name="utilisation",
                value=None,
                points=10,
                max_points=20,
                explanation="no limit or exposure: neutral",
            )
        )
    else:
        util = _div(exposure.amount, limit.amount)
        pts = _band(util, [(Decimal("0.5"), 20), (Decimal("0.8"), 14), (_ONE, 7)], 0)
        factors.append(
            ScoreFactor(
                name="utilisation",
                value=util,
                points=pts,
                max_points=20,
                explanation=f"exposure is {_pct(util)} of the limit",
            )
        )
    score = sum(f.points for f in factors)
    risk = next(rc for rc in RiskClass if score >= rc.floor)
    return BehaviourScore(
        customer_id=cid,
        as_of=as_of,
        score=score,
        risk_class=risk,
        factors=tuple(factors),
        records=len(recs),
    )


# ============================================================================================
# Credit-limit recommendation

#: Multiplier of the trade need per risk class in :func:`recommend_limit`.
LIMIT_FACTORS = {
    RiskClass.A: Decimal("1.5"),
    RiskClass.B: Decimal("1.25"),
    RiskClass.C: Decimal("1"),
    RiskClass.D: Decimal("0.5"),
    RiskClass.E: Decimal("0"),
}


@attrs.frozen(kw_only=True)
class LimitRecommendation:
    """A recommended credit limit with the figures and the formula that produced it."""

    amount: Money
    trade_need: Money
    factor: Decimal
    cap: Money | None
    explanation: str


def recommend_limit(
    *,
    credit_sales: Money,
    period_days: int,
    terms_days: int,
    expected_days_late: Decimal,
    risk_class: RiskClass,
    net_worth: Money | None = None,
    net_worth_share: Decimal = Decimal("0.1"),
    step: Decimal | None = None,
) -> LimitRecommendation:
    """A credit limit from the customer's trade need, its risk class and its net worth.

    Formula::

        daily sales  = credit_sales / period_days
        trade need   = daily sales x (terms_days + max(0, expected_days_late))
        recommended  = trade need x LIMIT_FACTORS[risk_class]    (A 1.5, B 1.25, C 1, D 0.5, E 0)
        capped at      net_worth x net_worth_share               (when net worth is known)
        rounded down to ``step`` (default 100 currency units)

    >>> r = recommend_limit(credit_sales=Money("365000", "EUR"), period_days=365, terms_days=30,
    ...     expected_days_late=Decimal("10"), risk_class=RiskClass.B)
    >>> r.amount
    Money('50000', 'EUR')

    Raises:
        ValidationError: for a non-positive period or negative terms.
    """
    if period_days <= 0:
        raise ValidationError(
            f"period_days={period_days} must be positive", field="period_days", value=period_days
        )
    if terms_days < 0:
        raise ValidationError(
            f"terms_days={terms_days} must not be negative", field="terms_days", value=terms_days
        )
    code = credit_sales.currency.code
    daily = _div(credit_sales.amount, Decimal(period_days))
    days = Decimal(terms_days) + max(_ZERO, expected_days_late)
    need = daily * days
    factor = LIMIT_FACTORS[risk_class]
    value = need * factor
    cap: Decimal | None = None
    if net_worth is not None:
        cap = max(_ZERO, _require(net_worth, code, "net worth") * net_worth_share)
        value = min(value, cap)
    st = step if step is not None else Decimal(100)
    amount = quantize_decimal(max(_ZERO, value), st, Rounding.FLOOR)
    text = (
        f"daily sales {quantize_decimal(daily, _PCT_STEP)} x ({terms_days} terms + "
        f"{max(_ZERO, expected_days_late)} days late) = trade need "
        f"{quantize_decimal(need, _PCT_STEP)}; x {factor} for class {risk_class.value}"
        + (
            f"; capped at {quantize_decimal(cap, _PCT_STEP)} ({_pct(net_worth_share)} of net worth)"
            if cap is not None
            else ""
        )
        + f"; rounded down to {st}"
    )
    return LimitRecommendation(
        amount=Money(amount, code),
        trade_need=Money(quantize_decimal(need, minor_unit(code)), code),
        factor=factor,
        cap=None if cap is None else Money(cap, code),
        explanation=text,
    )


# ============================================================================================
# From the ledger: payment history and settlement trails from facts


class CreditLedger(Protocol):
    """What credit needs from :class:`o2c.ledger.Ledger`: its facts and open items."""

    def facts(self, customer_id: str | None = None) -> Iterator[Fact]:
        """The customer's facts (or every fact) in stream order."""
        ...

    def open_items(
        self, as_of: dt.date, *, known_at: dt.datetime | None = None, customer_id: str | None = None
    ) -> list[OpenItem]:
        """The items open on ``as_of`` as known at ``known_at``."""
        ...


@attrs.frozen(kw_only=True)
class Settlement:
    """One settlement of an invoice item: a (kept) allocation or a write-off.

    ``collected`` is what the allocation brought in (settled less its write-off part);
    ``written_off`` is what was given up.
    """

    effective: dt.date
    recorded_on: dt.date
    collected: Decimal
    written_off: Decimal


@attrs.frozen(kw_only=True)
class SettlementTrail:
    """An invoice item (one per instalment) as issued, with its settlements and its state."""

    item_id: ItemId
    customer_id: CustomerId
    document_date: dt.date
    due_date: dt.date
    amount: Money
    open_amount: Decimal
    disputed: bool
    settlements: tuple[Settlement, ...]

    @property
    def closed(self) -> bool:
        """Whether nothing is open any more."""
        return self.open_amount <= 0

    @property
    def written_off(self) -> Decimal:
        """The total written off."""
        return sum((s.written_off for s in self.settlements), _ZERO)


def settlement_trails(
    facts: Iterable[Fact],
    *,
    as_of: dt.date | None = None,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
) -> tuple[SettlementTrail, ...]:
    """Every invoice item of the facts with its settlements, as of ``as_of`` known at ``known_at``.

    Reversed allocations are dropped; write-offs (facts, or the write-off part of an
    allocation) are kept apart from what was collected.  A migration's stand-in for documents
    settled before it (``InvoiceIssued.stand_in``: its dates are not the customer's) has no
    trail.  Pure: reads the facts once.
    """
    projection = Projection()
    events: dict[tuple[str, str], list[Settlement]] = {}
    by_allocation: dict[str, tuple[tuple[str, str], Settlement]] = {}
    disputed: set[tuple[str, str]] = set()
    stand_ins: set[tuple[str, str]] = set()
    key: tuple[str, str]
    for fact in select(facts, as_of, known_at=known_at, customer_id=customer_id):
        projection.feed(fact)
        if isinstance(fact, InvoiceIssued) and fact.stand_in:
            stand_ins.add((fact.customer_id, fact.item_id))
        elif isinstance(fact, PaymentAllocated):
            key = (fact.customer_id, fact.item_id)
            wo = fact.write_off.amount if fact.write_off is not None else _ZERO
            ev = Settlement(
                effective=fact.effective,
                recorded_on=fact.recorded_at.date(),
                collected=fact.settled - wo,
                written_off=wo,
            )
            events.setdefault(key, []).append(ev)
            by_allocation[fact.fact_id] = (key, ev)
        elif isinstance(fact, AllocationReversed):
            key, ev = by_allocation.pop(fact.allocation_id)
            events[key].remove(ev)
        elif isinstance(fact, WrittenOff):
            key = (fact.customer_id, fact.item_id)
            events.setdefault(key, []).append(
                Settlement(
                    effective=fact.effective,
                    recorded_on=fact.recorded_at.date(),
                    collected=_ZERO,
                    written_off=fact.amount.amount,
                )
            )
        elif isinstance(fact, DisputeOpened):
            disputed.add((fact.customer_id, fact.item_id))
    trails = []
    for pkey, item in projection.items.items():
        if item.kind is not ItemKind.INVOICE or (pkey[0], item.document_id) in stand_ins:
            continue
        trails.append(
            SettlementTrail(
                item_id=ItemId(item.item_id),
                customer_id=CustomerId(item.customer_id),
                document_date=item.document_date,
                due_date=item.due_date,
                amount=Money(item.original, currency(item.currency)),
                open_amount=item.open,
                disputed=pkey in disputed,
                settlements=tuple(sorted(events.get(pkey, ()), key=lambda s: s.effective)),
            )
        )
    return tuple(trails)


def payment_history(
    facts: Iterable[Fact],
    *,
    as_of: dt.date | None = None,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
) -> tuple[PaymentRecord, ...]:
    """The settled invoices of the facts as :class:`PaymentRecord` values.

    An item counts once it is fully settled by collections (no write-off): its paid date is the
    effective date of the last settlement, ``recorded_on`` the latest recording date.

    >>> from o2c.ledger import Ledger, InvoiceIssued, PaymentReceived, PaymentAllocated
    >>> from o2c.terms import Instalment
    >>> at = lambda d: dt.datetime(2026, 3, d, 9, tzinfo=dt.timezone.utc)
    >>> ledger = Ledger()
    >>> _ = ledger.append([
    ...     InvoiceIssued.from_instalments(fact_id="i1", customer_id="C1", item_id="INV-1",
    ...         document_number="INV-1", document_date=dt.date(2026, 3, 1), recorded_at=at(1),
    ...         instalments=[Instalment(number=1, due_date=dt.date(2026, 3, 10),
    ...                                 amount=Money("100.00", "EUR"))]),
    ...     PaymentReceived(fact_id="p1", customer_id="C1", effective=dt.date(2026, 3, 14),
    ...         recorded_at=at(15), payment_id="PAY-1", amount=Money("100.00", "EUR"),
    ...         value_date=dt.date(2026, 3, 14)),
    ...     PaymentAllocated(fact_id="a1", customer_id="C1", effective=dt.date(2026, 3, 14),
    ...         recorded_at=at(15), source_id="PAY-1", item_id="INV-1",
    ...         applied=Money("100.00", "EUR"))])
    >>> [(r.item_id, r.days_late, r.recorded_on) for r in payment_history(ledger.facts())]
    [('INV-1', 4, datetime.date(2026, 3, 15))]
    """
    trails = settlement_trails(facts, as_of=as_of, known_at=known_at, customer_id=customer_id)
    return records_from_trails(trails)


def records_from_trails(trails: Iterable[SettlementTrail]) -> tuple[PaymentRecord, ...]:
    """The fully collected trails as :class:`PaymentRecord` values (see :func:`payment_history`)."""
    out = []
    for t in trails:
        if not t.closed or not t.settlements or t.written_off > 0:
            continue
        out.append(
            PaymentRecord(
                item_id=t.item_id,
                customer_id=t.customer_id,
                amount=t.amount,
                document_date=t.document_date,
                due_date=t.due_date,
                paid_date=max(s.effective for s in t.settlements),
                disputed=t.disputed,
                recorded_on=max(s.recorded_on for s in t.settlements),
            )
        )
    return tuple(out)


def check_credit_from_ledger(
    ledger: CreditLedger,
    customer_id: str,
    *,
    as_of: dt.date,
    amount: Money,
    limits: CreditLimits,
    known_at: dt.datetime | None = None,
    extra_components: Sequence[ExposureComponent] = (),
    policy: CreditPolicy | None = None,
    dunning_level: int = 0,
    release: Release | None = None,
    delivery_date: dt.date | None = None,
    document_id: str | None = None,
) -> CreditCheck:
    """:func:`check_credit` with the customer's open items read from the ledger.

    Exposure = open receivables (as of ``as_of``, known at ``known_at``) + ``extra_components``
    (orders, payments in transit ...).
    """
    pol = policy or CreditPolicy()
    items = ledger.open_items(as_of, known_at=known_at, customer_id=customer_id)
    components = [OpenReceivables(items, exclude_disputed=pol.exclude_disputed), *extra_components]
    return check_credit(
        customer_id,
        as_of=as_of,
        amount=amount,
        limits=limits,
        components=components,
        open_items=items,
        policy=pol,
        dunning_level=dunning_level,
        release=release,
        delivery_date=delivery_date,
        document_id=document_id,
    )
