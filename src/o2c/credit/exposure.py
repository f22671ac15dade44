"""Credit exposure, limits and the credit check.

Exposure is the sum of pluggable :class:`ExposureComponent` values (open receivables, unbilled
orders, uninvoiced deliveries, payments in transit, or any amount you supply); the check compares
it with the limit resolved for the customer (customer, then group, then default) and applies the
other rules of a :class:`CreditPolicy`.  The verdict explains itself rule by rule.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

import attrs
from moneyed import Money

from o2c.errors import CurrencyMismatchError, ValidationError
from o2c.ledger import CustomerId, CustomerMaster, ItemKind, OpenItem
from o2c.money import currency, minor_unit, quantize_decimal, to_decimal

__all__ = [
    "CreditCheck",
    "CreditDecision",
    "CreditLimits",
    "CreditPolicy",
    "Exposure",
    "ExposureComponent",
    "ExposureLine",
    "FixedAmount",
    "LimitMode",
    "LimitSource",
    "OpenReceivables",
    "PaymentInTransit",
    "PaymentsInTransit",
    "Release",
    "ResolvedLimit",
    "Rule",
    "RuleResult",
    "SCORE_CONTEXT",
    "check_credit",
    "compute_exposure",
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


_PCT_STEP = Decimal("0.01")


def _div(a: Decimal, b: Decimal) -> Decimal:
    return _ZERO if a == 0 and b != 0 else SCORE_CONTEXT.divide(a, b)


def _pct(ratio: Decimal) -> str:
    return f"{quantize_decimal(ratio * _HUNDRED, _PCT_STEP)}%"


def _fmt(amount: Money) -> str:
    return str(quantize_decimal(amount.amount, minor_unit(amount.currency.code)))


def _dec(value: object, field: str) -> Decimal:
    return to_decimal(value, field=field)


def _opt_dec(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value, field="value")


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


class LimitSource(enum.Enum):
    """Where a customer's limit came from."""

    CUSTOMER = "customer"
    #: The customer's own limit in the customer master (the caller's table named none).
    MASTER = "master"
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
    #: Customer id -> its own limit in the customer master (:meth:`with_master`): used when
    #: ``customer`` names none.
    master: Mapping[str, Money] = attrs.field(factory=dict, converter=_dict, hash=False)

    def with_master(self, master: CustomerMaster) -> CreditLimits:
        """These limits completed from the customer master: each customer's own limit
        (:attr:`master`) and group where this table names none (the table's entries win; the
        group limits and the default stay the table's: they are policy, not master data).

        >>> import datetime as dt
        >>> from o2c.ledger import CustomerDetails, CustomerRegistered, Ledger
        >>> at = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
        >>> ledger = Ledger()
        >>> _ = ledger.append([CustomerRegistered(fact_id="r1", customer_id="C1",
        ...     effective=dt.date(2026, 1, 1), recorded_at=at, details=CustomerDetails(
        ...         name="Acme", credit_limit=Money("8000", "EUR"), credit_group="retail"))])
        >>> limits = CreditLimits(group={"retail": Money("2000", "EUR")})
        >>> full = limits.with_master(ledger.read().customer_master())
        >>> r = full.resolve("C1")
        >>> r.amount, r.source.value, r.group
        (Money('8000', 'EUR'), 'master', 'retail')
        >>> CreditLimits(customer={"C1": Money("500", "EUR")}).with_master(
        ...     ledger.read().customer_master()).resolve("C1").source.value
        'customer'
        """
        return attrs.evolve(
            self,
            master={**self.master, **{str(k): v for k, v in master.credit_limits().items()}},
            groups={**{str(k): v for k, v in master.credit_groups().items()}, **self.groups},
        )

    def resolve(self, customer_id: str) -> ResolvedLimit:
        """The limit for ``customer_id``: its own (this table's, else the master's), else its
        group's, else the default."""
        own = self.customer.get(customer_id)
        group_id = self.groups.get(customer_id)
        if own is not None:
            return ResolvedLimit(own, LimitSource.CUSTOMER, group_id)
        mastered = self.master.get(customer_id)
        if mastered is not None:
            return ResolvedLimit(mastered, LimitSource.MASTER, group_id)
        if group_id is not None and group_id in self.group:
            return ResolvedLimit(self.group[group_id], LimitSource.GROUP, group_id)
        if self.default is not None:
            return ResolvedLimit(self.default, LimitSource.DEFAULT, group_id)
        return ResolvedLimit(None, LimitSource.NONE, group_id)


class CreditDecision(enum.Enum):
    """A credit verdict, and each rule's outcome: approve < warn < block."""

    APPROVE = "approve"
    WARN = "warn"
    BLOCK = "block"

    @property
    def severity(self) -> int:
        """0 for approve, 1 for warn, 2 for block."""
        return _SEVERITY[self]


_SEVERITY = {CreditDecision.APPROVE: 0, CreditDecision.WARN: 1, CreditDecision.BLOCK: 2}


def _worst(outcomes: Iterable[CreditDecision]) -> CreditDecision:
    return max(outcomes, key=_SEVERITY.__getitem__, default=CreditDecision.APPROVE)


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
    outcome: CreditDecision
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


class LimitMode(enum.Enum):
    """What a credit limit does when exposure would pass it."""

    #: The limit rules block the document.
    BLOCK = "block"
    #: The limit rules only warn and the document goes through (Odoo's credit limit: a warning
    #: on the order, which can still be confirmed).  The other rules keep their outcomes.
    WARN_ONLY = "warn_only"


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
    - ``limit_mode``: :attr:`LimitMode.WARN_ONLY` turns the limit rules' blocks into warnings
      (the reason says so), as Odoo does; the other rules are unchanged.
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
    no_limit: CreditDecision = CreditDecision.APPROVE
    limit_mode: LimitMode = LimitMode.BLOCK


@attrs.frozen(kw_only=True)
class CreditCheck:
    """The verdict of a credit check: the decision, every rule's outcome, the figures used."""

    customer_id: CustomerId
    as_of: dt.date
    amount: Money
    decision: CreditDecision
    rules: tuple[RuleResult, ...]
    exposure: Exposure
    limit: ResolvedLimit
    dynamic_exposure: Exposure | None = None
    document_id: str | None = None

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reasons of the rules that did not approve (for a hold message)."""
        return tuple(
            f"{r.rule.value}: {r.reason}"
            for r in self.rules
            if r.outcome is not CreditDecision.APPROVE
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
    where = (
        "the customer master's limit"
        if limit.source is LimitSource.MASTER
        else f"{limit.source.value} limit"
        + (f" of group {limit.group}" if limit.source is LimitSource.GROUP else "")
    )
    head = (
        f"{label}{_fmt(Money(exposure.total.amount, code))} + this document "
        f"{_fmt(Money(amount, code))} = {_fmt(Money(total, code))}"
    )
    over = total > lim if policy.limit_strict else total >= lim
    share_text = "with a zero limit" if lim <= 0 else f"is {_pct(_div(total, lim))} of the"
    if over:
        op = ">" if policy.limit_strict else ">="
        warn_only = policy.limit_mode is LimitMode.WARN_ONLY
        return RuleResult(
            rule=rule,
            outcome=CreditDecision.WARN if warn_only else CreditDecision.BLOCK,
            reason=f"{head} {op} {where} {_fmt(limit.amount)}"
            + (" (warn-only limit: the document goes through)" if warn_only else ""),
            observed=total,
            threshold=lim,
        )
    if policy.warn_utilisation is not None and lim > 0 and total >= lim * policy.warn_utilisation:
        return RuleResult(
            rule=rule,
            outcome=CreditDecision.WARN,
            reason=f"{head} {share_text} {where} {_fmt(limit.amount)} "
            f"(warn from {_pct(policy.warn_utilisation)})",
            observed=total,
            threshold=lim,
        )
    return RuleResult(
        rule=rule,
        outcome=CreditDecision.APPROVE,
        reason=f"{head} within the {where} {_fmt(limit.amount)}",
        observed=total,
        threshold=lim,
    )


def _counted_open(item: OpenItem, exclude_disputed: bool) -> Decimal:
    amount = item.open_amount.amount
    if exclude_disputed and item.disputed_amount is not None:
        amount -= item.disputed_amount.amount
    return amount


def _shown(value: Decimal, unit: str) -> str:
    """A rule's figure with its unit (a fraction shown as a percentage when the unit is %)."""
    return _pct(value) if unit == "%" else f"{value}{unit}"


def _threshold_rule(
    rule: Rule,
    observed: Decimal,
    warn: Decimal | None,
    block: Decimal | None,
    describe: str,
    unit: str = "",
) -> RuleResult:
    shown = _shown(observed, unit)

    if block is not None and observed >= block:
        return RuleResult(
            rule=rule,
            outcome=CreditDecision.BLOCK,
            reason=f"{describe} {shown} reaches the block threshold {_shown(block, unit)}",
            observed=observed,
            threshold=block,
        )
    if warn is not None and observed >= warn:
        return RuleResult(
            rule=rule,
            outcome=CreditDecision.WARN,
            reason=f"{describe} {shown} reaches the warning threshold {_shown(warn, unit)}",
            observed=observed,
            threshold=warn,
        )
    limit = block if block is not None else warn
    return RuleResult(
        rule=rule,
        outcome=CreditDecision.APPROVE,
        reason=f"{describe} {shown} is below "
        + (_shown(limit, unit) if limit is not None else "every threshold"),
        observed=observed,
        threshold=limit,
        applied=warn is not None or block is not None,
    )


def check_credit(
    customer_id: str,
    *,
    as_of: dt.date,
    amount: Money,
    limits: CreditLimits | None = None,
    components: Sequence[ExposureComponent] | None = None,
    open_items: Sequence[OpenItem] = (),
    policy: CreditPolicy | None = None,
    dunning_level: int = 0,
    release: Release | None = None,
    delivery_date: dt.date | None = None,
    document_id: str | None = None,
    master: CustomerMaster | None = None,
) -> CreditCheck:
    """Check a new document of ``amount`` for ``customer_id`` against the policy's rules.

    Args:
        limits: the limit table (customers, groups, default; none: no table).
        master: the customer master as of the check (``Ledger.read(as_of, known_at=T)
            .customer_master()``): the customer's own limit and group come from it where
            ``limits`` names none (:meth:`CreditLimits.with_master`).
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
    table = limits if limits is not None else CreditLimits()
    limit = (table.with_master(master) if master is not None else table).resolve(cid)
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
    results += _history_rules(items, as_of, dunning_level, pol)
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


def _history_rules(
    items: Sequence[OpenItem], as_of: dt.date, dunning_level: int, pol: CreditPolicy
) -> list[RuleResult]:
    """The rules on the customer's record: oldest overdue item, dunning level, overdue share."""
    # Oldest open item (days past due of the oldest overdue, counted item).
    overdue = [
        i
        for i in items
        if i.kind is ItemKind.INVOICE
        and i.due_date < as_of
        and _counted_open(i, pol.exclude_disputed) > 0
    ]
    oldest = max(((as_of - i.due_date).days for i in overdue), default=0)
    open_total = sum(
        (_counted_open(i, pol.exclude_disputed) for i in items if i.kind is ItemKind.INVOICE),
        _ZERO,
    )
    overdue_total = sum((_counted_open(i, pol.exclude_disputed) for i in overdue), _ZERO)
    share = _div(overdue_total, open_total) if open_total > 0 else _ZERO
    return [
        _threshold_rule(
            Rule.OLDEST_OPEN_ITEM,
            Decimal(oldest),
            _opt_dec(pol.oldest_item_warn_days),
            _opt_dec(pol.oldest_item_block_days),
            "oldest overdue item",
            " days past due",
        ),
        _threshold_rule(
            Rule.DUNNING_LEVEL,
            Decimal(dunning_level),
            _opt_dec(pol.dunning_warn_level),
            _opt_dec(pol.dunning_block_level),
            "highest dunning level",
        ),
        _threshold_rule(
            Rule.OVERDUE_SHARE,
            share,
            pol.overdue_share_warn,
            pol.overdue_share_block,
            "overdue share of open receivables",
            "%",
        ),
    ]


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
                outcome=CreditDecision.APPROVE,
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
                outcome=CreditDecision.WARN,
                overridden=True,
                reason=f"{r.reason} (overridden by the standing release)",
            )
            if r.outcome is CreditDecision.BLOCK
            else r
            for r in results
        ]
        results.append(
            RuleResult(
                rule=Rule.RELEASE,
                outcome=CreditDecision.APPROVE,
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
            outcome=CreditDecision.WARN,
            reason=f"{who}; {why}: the release lapsed and the rules apply again",
            observed=amount.amount,
            threshold=ceiling,
        )
    )
    return results
