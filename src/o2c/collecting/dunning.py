"""Dunning: levels with days after due, fees, interest and compensation; a run proposes one notice
per customer with its lines, claims and the items it left out and why.

A run reads the customer master when given one (``master``: the customers' dunning blocks, with
their reasons, and their preferred channel), and the early warnings of payment predictions when
given them (``warnings``, :func:`o2c.credit.early_warnings`): an invoice predicted late can get
its first reminder sooner (:attr:`DunningPolicy.remind_predicted_late_days`, off by default) and
a promise to pay likely to break gets a follow-up (:class:`PromiseFollowUp`).

>>> import datetime as dt
>>> from decimal import Decimal
>>> from o2c.credit import EarlyWarning, WarningKind
>>> from o2c.money import money
>>> item = OpenItem(item_id=ItemId("INV-1"), customer_id=CustomerId("C1"),
...     kind=ItemKind.INVOICE, document_number="INV-1", document_date=dt.date(2026, 3, 1),
...     due_date=dt.date(2026, 3, 31), original_amount=money("500.00", "EUR"),
...     open_amount=money("500.00", "EUR"))
>>> late = EarlyWarning(kind=WarningKind.LATE, customer_id=CustomerId("C1"),
...     item_id=ItemId("INV-1"), observed=Decimal(30), threshold=Decimal(15),
...     message="INV-1 of C1 predicted 30 days late")
>>> policy = DunningPolicy(levels=[DunningLevel(level=1, days_after_due=14)])
>>> propose_dunning([item], dt.date(2026, 4, 5), policy, warnings=[late]).notices
()
>>> sooner = attrs.evolve(policy, remind_predicted_late_days=10)
>>> run = propose_dunning([item], dt.date(2026, 4, 5), sooner, warnings=[late])
>>> line = run.notices[0].lines[0]
>>> line.level, line.days_in_arrears, line.warning.kind.value
(1, 5, 'late')
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

import attrs
from moneyed import Currency, Money

from o2c.collecting.interest import (
    _DEFAULT_ROUNDING,
    _ZERO,
    Claim,
    CompensationTable,
    DayCount,
    Debt,
    InterestRule,
    late_payment_claim,
)
from o2c.credit.prediction_warnings import EarlyWarning, WarningKind
from o2c.errors import NotFoundError, ValidationError
from o2c.ledger import (
    ContactChannel,
    CustomerId,
    CustomerMaster,
    ItemId,
    ItemKind,
    OpenItem,
)
from o2c.money import RoundingPolicy, currency

__all__ = [
    "DunningAction",
    "DunningLevel",
    "DunningLine",
    "DunningNotice",
    "DunningPolicy",
    "DunningRun",
    "Exclusion",
    "ExclusionReason",
    "PromiseFollowUp",
    "days_in_arrears",
    "propose_dunning",
]


_HUNDRED = Decimal(100)


class DunningAction(enum.Enum):
    """What a dunning level does (the caller carries the actions out)."""

    EMAIL = "email"
    LETTER = "letter"
    PHONE_CALL = "phone_call"
    CHARGE_FEE = "charge_fee"
    CHARGE_INTEREST = "charge_interest"
    CLAIM_COMPENSATION = "claim_compensation"
    BLOCK_DELIVERIES = "block_deliveries"
    COLLECTION_AGENCY = "collection_agency"
    LEGAL_ACTION = "legal_action"


def _actions(value: Iterable[DunningAction]) -> frozenset[DunningAction]:
    return frozenset(value)


@attrs.frozen(kw_only=True)
class DunningLevel:
    """One level of a dunning policy.

    An item reaches the level ``days_after_due`` days in arrears (after the policy's grace days).
    The notice needs at least ``minimum_amount`` overdue; it charges ``fee`` and/or
    ``fee_percent`` (percent of the overdue amount) and interest at ``interest_rate`` (an annual
    fraction; the policy's statutory rule when ``None`` and the level charges interest).  The
    fixed amounts (minimum, fee) apply to notices in their own currency only: a notice in another
    currency has no minimum and no fixed fee at this level.
    """

    level: int
    days_after_due: int
    minimum_amount: Money | None = None
    fee: Money | None = None
    fee_percent: Decimal | None = None
    interest_rate: Decimal | None = None
    actions: frozenset[DunningAction] = attrs.field(
        factory=lambda: frozenset({DunningAction.EMAIL}), converter=_actions
    )
    template: str = "reminder"


def _levels(value: Iterable[DunningLevel]) -> tuple[DunningLevel, ...]:
    levels = tuple(sorted(value, key=lambda lv: lv.level))
    if not levels:
        raise ValidationError("a dunning policy needs at least one level", field="levels")
    for a, b in itertools.pairwise(levels):
        if a.level == b.level or a.days_after_due >= b.days_after_due:
            raise ValidationError(
                f"levels {a.level} and {b.level}: levels must be distinct and reached after "
                "strictly more days",
                field="levels",
                value=(a.days_after_due, b.days_after_due),
            )
    return levels


@attrs.frozen(kw_only=True)
class DunningPolicy:
    """Dunning levels, grace days and the statutory rules applied by levels that charge."""

    levels: tuple[DunningLevel, ...] = attrs.field(converter=_levels)
    grace_days: int = 0
    interest: InterestRule | None = None
    compensation: CompensationTable | None = None
    day_count: DayCount = DayCount.ACT_365
    #: A customer goes up at most one level per run (from its previous level).
    one_level_at_a_time: bool = False
    #: Days sooner an overdue invoice with a "late" early warning (predicted paid later than the
    #: warning policy's threshold) reaches the *first* level; later levels still need their own
    #: days in arrears, and no reminder goes before the due date.  0 (the default): off,
    #: dunning follows the due date alone, as before warnings were read.  A value is the
    #: collector's choice (e.g. 7: a week sooner for an item the model expects weeks late).
    remind_predicted_late_days: int = 0
    #: Propose a follow-up for each open invoice whose promise to pay is likely to break (a
    #: "promise at risk" warning); on by default: it only acts on warnings the caller passes,
    #: and a follow-up charges nothing.
    follow_up_promises_at_risk: bool = True
    #: What a promise follow-up does (an e-mail asking to confirm the promised date).
    follow_up_actions: frozenset[DunningAction] = attrs.field(
        factory=lambda: frozenset({DunningAction.EMAIL}), converter=_actions
    )

    def __attrs_post_init__(self) -> None:
        if self.remind_predicted_late_days < 0:
            raise ValidationError(
                f"remind_predicted_late_days={self.remind_predicted_late_days} must be 0 (off) "
                "or more",
                field="remind_predicted_late_days",
                value=self.remind_predicted_late_days,
            )

    def level_for(self, days: int) -> DunningLevel | None:
        """The highest level reached after ``days`` days in arrears (``None``: none yet)."""
        found = None
        for lv in self.levels:
            if days >= lv.days_after_due and days > 0:
                found = lv
        return found


def days_in_arrears(as_of: dt.date, due_date: dt.date, grace_days: int = 0) -> int:
    """Days in arrears as SAP counts them: ``as_of - (due date + grace days)``, at least 0.

    >>> days_in_arrears(dt.date(1997, 3, 13), dt.date(1997, 3, 12), 3)
    0
    """
    return max(0, (as_of - (due_date + dt.timedelta(days=grace_days))).days)


class ExclusionReason(enum.Enum):
    """Why an overdue item or a customer was not dunned."""

    DISPUTED = "disputed"
    ITEM_BLOCKED = "item_blocked"
    CUSTOMER_BLOCKED = "customer_blocked"
    BELOW_MINIMUM = "below_minimum"
    COVERED_BY_CREDITS = "covered_by_credits"


@attrs.frozen(kw_only=True)
class Exclusion:
    """An item (or a whole customer, ``item_id=None``) left out of a dunning run, and why."""

    customer_id: CustomerId
    item_id: ItemId | None
    reason: ExclusionReason
    amount: Money
    detail: str = ""


@attrs.frozen(kw_only=True)
class DunningLine:
    """One dunned item: the amount dunned (open less disputed), its days and its level."""

    item: OpenItem
    amount: Money
    disputed: Money
    days_overdue: int
    days_in_arrears: int
    level: int
    #: The early warning that brought the first reminder forward (``None``: reached by days).
    warning: EarlyWarning | None = None


@attrs.frozen(kw_only=True)
class PromiseFollowUp:
    """An open invoice whose promise to pay is likely to break: ask the customer to confirm it.

    ``warning`` is the "promise at risk" early warning (its message says the promised date, the
    predicted date and how likely a later payment is); ``actions`` the policy's follow-up actions;
    ``channel`` the customer's preferred channel from the master (``None``: the collector's).
    """

    customer_id: CustomerId
    item: OpenItem
    warning: EarlyWarning
    actions: frozenset[DunningAction]
    channel: ContactChannel | None = None


@attrs.frozen(kw_only=True)
class DunningNotice:
    """The notice for one customer in one currency: its level, items, actions and claim."""

    customer_id: CustomerId
    currency: str
    level: DunningLevel
    lines: tuple[DunningLine, ...]
    #: Open credit memos and unapplied cash of the customer (negative; shown, not netted).
    credits: Money
    claim: Claim
    #: The channel the customer asked to be dunned by, from the master (``None``: not given;
    #: the level's actions decide).
    channel: ContactChannel | None = None

    @property
    def overdue(self) -> Money:
        """The dunned amount (the claim's principal)."""
        return self.claim.principal

    @property
    def total(self) -> Money:
        """What the notice asks for: overdue + interest + compensation + fee."""
        return self.claim.total


@attrs.frozen(kw_only=True)
class DunningRun:
    """A dunning proposal: notices to send and what was left out, with reasons."""

    as_of: dt.date
    notices: tuple[DunningNotice, ...]
    exclusions: tuple[Exclusion, ...]
    #: Promises likely to break, to follow up (from the warnings passed to the run).
    follow_ups: tuple[PromiseFollowUp, ...] = ()

    def notice_for(self, customer_id: str, currency_code: str | None = None) -> DunningNotice:
        """The notice of one customer (in ``currency_code`` when it has several)."""
        for n in self.notices:
            if n.customer_id == customer_id and currency_code in (None, n.currency):
                return n
        raise NotFoundError("dunning notice for customer", customer_id)


def propose_dunning(
    items: Iterable[OpenItem],
    as_of: dt.date,
    policy: DunningPolicy,
    *,
    blocked_customers: Iterable[str] = (),
    blocked_items: Iterable[str] = (),
    previous_levels: Mapping[str, int] | None = None,
    compensated: Iterable[str] = (),
    rounding: RoundingPolicy = _DEFAULT_ROUNDING,
    master: CustomerMaster | None = None,
    warnings: Iterable[EarlyWarning] = (),
) -> DunningRun:
    """Propose dunning notices as of ``as_of`` from the open items.

    Per customer and currency: overdue invoices (after the grace days) less their disputed
    amounts are dunned; disputed, blocked and small customers are listed in ``exclusions`` with
    the reason.  The customer's level is the highest level its items reach (one step above
    ``previous_levels`` at most when the policy says so) whose minimum amount the dunned total
    meets.  The level's fee, interest and compensation make the notice's claim: interest is
    cumulative (from the due date to ``as_of``, so each notice states the interest to date) and
    compensation is claimed once per item (pass the items already claimed as ``compensated``).

    ``master``: the customer master as of the run date (``ledger.read(as_of).customer_master()``):
    its dunning blocks are added to ``blocked_customers`` (the exclusion's detail is the block's
    reason) and each notice carries the customer's preferred channel.  ``warnings``: early
    warnings of payment predictions (see :attr:`DunningPolicy.remind_predicted_late_days` and
    :attr:`DunningPolicy.follow_up_promises_at_risk`).
    """
    blocks = _Blocks.of(master, blocked_customers, blocked_items)
    warned = _ItemWarnings.of(warnings)
    groups: dict[tuple[CustomerId, str], list[DunningLine]] = {}
    credits: dict[tuple[CustomerId, str], Decimal] = {}
    exclusions: list[Exclusion] = []
    follow_ups: list[PromiseFollowUp] = []
    for item in items:
        key = (item.customer_id, item.open_amount.currency.code)
        if item.kind is not ItemKind.INVOICE or item.open_amount.amount <= 0:
            credits[key] = credits.get(key, _ZERO) + min(item.open_amount.amount, _ZERO)
            continue
        line = _dunning_line(item, as_of, policy, blocks, exclusions, warned.late.get(item.item_id))
        if line is not None:
            groups.setdefault(key, []).append(line)
        follow_up = _follow_up(item, warned.at_risk.get(item.item_id), policy, blocks, master)
        if follow_up is not None:
            follow_ups.append(follow_up)
    context = _NoticeContext(
        as_of=as_of,
        policy=policy,
        previous=previous_levels or {},
        claimed=frozenset(compensated),
        rounding=rounding,
        master=master,
    )
    notices = []
    for key in sorted(groups):
        notice = _notice(key, groups[key], credits.get(key, _ZERO), context, exclusions)
        if notice is not None:
            notices.append(notice)
    return DunningRun(
        as_of=as_of,
        notices=tuple(notices),
        exclusions=tuple(exclusions),
        follow_ups=tuple(follow_ups),
    )


@attrs.frozen
class _Blocks:
    """Who and what may not be dunned: blocked customers (with the master's block reasons) and
    blocked items."""

    customers: frozenset[str]
    items: frozenset[str]
    reasons: Mapping[str, str]

    @classmethod
    def of(
        cls,
        master: CustomerMaster | None,
        blocked_customers: Iterable[str],
        blocked_items: Iterable[str],
    ) -> _Blocks:
        """The blocks given, with the master's dunning blocks added (their reasons kept)."""
        reasons: dict[str, str] = {}
        if master is not None:
            for cid in master.dunning_blocked():
                record = master.customer(cid)
                reasons[cid] = record.collection.block_reason if record is not None else ""
        return cls(
            customers=frozenset(blocked_customers) | frozenset(reasons),
            items=frozenset(blocked_items),
            reasons=reasons,
        )


@attrs.frozen
class _ItemWarnings:
    """The item warnings by item id: those predicting late payment, and promises at risk."""

    late: dict[str, EarlyWarning]
    at_risk: dict[str, EarlyWarning]

    @classmethod
    def of(cls, warnings: Iterable[EarlyWarning]) -> _ItemWarnings:
        late: dict[str, EarlyWarning] = {}
        at_risk: dict[str, EarlyWarning] = {}
        for w in warnings:
            if w.item_id is not None and w.kind is WarningKind.LATE:
                late[w.item_id] = w
            elif w.item_id is not None and w.kind is WarningKind.PROMISE_AT_RISK:
                at_risk[w.item_id] = w
        return cls(late=late, at_risk=at_risk)


def _follow_up(
    item: OpenItem,
    promise: EarlyWarning | None,
    policy: DunningPolicy,
    blocks: _Blocks,
    master: CustomerMaster | None,
) -> PromiseFollowUp | None:
    """The follow-up of the customer's promise at risk on ``item`` (``None``: none is due)."""
    if (
        promise is None
        or not policy.follow_up_promises_at_risk
        or promise.customer_id != item.customer_id
        or item.customer_id in blocks.customers
        or item.item_id in blocks.items
    ):
        return None
    return PromiseFollowUp(
        customer_id=item.customer_id,
        item=item,
        warning=promise,
        actions=policy.follow_up_actions,
        channel=_channel(master, item.customer_id),
    )


@attrs.frozen
class _NoticeContext:
    """What every notice of one run is drawn with."""

    as_of: dt.date
    policy: DunningPolicy
    previous: Mapping[str, int]
    claimed: frozenset[str]
    rounding: RoundingPolicy
    master: CustomerMaster | None


def _notice(
    key: tuple[CustomerId, str],
    lines: list[DunningLine],
    credit: Decimal,
    context: _NoticeContext,
    exclusions: list[Exclusion],
) -> DunningNotice | None:
    """The notice to one customer in one currency (``None``: below every level's minimum)."""
    policy = context.policy
    level = _notice_level(key, lines, credit, policy, context.previous, exclusions)
    if level is None:
        return None
    customer_id, code = key
    return DunningNotice(
        customer_id=CustomerId(customer_id),
        currency=code,
        level=level,
        lines=tuple(lines),
        credits=Money(credit, currency(code)),
        claim=_claim_for(lines, level, policy, context.as_of, context.rounding, context.claimed),
        channel=_channel(context.master, customer_id),
    )


def _channel(master: CustomerMaster | None, customer_id: str) -> ContactChannel | None:
    record = master.customer(customer_id) if master is not None else None
    return record.collection.channel if record is not None else None


def _dunning_line(
    item: OpenItem,
    as_of: dt.date,
    policy: DunningPolicy,
    blocks: _Blocks,
    exclusions: list[Exclusion],
    warning: EarlyWarning | None = None,
) -> DunningLine | None:
    """The line dunning an overdue invoice, less its disputed part (``None``: not dunned).

    A blocked item or customer, and a disputed part, are added to ``exclusions``.  A "late"
    ``warning`` brings the first level forward by the policy's ``remind_predicted_late_days``
    (never before the due date).
    """
    arrears = days_in_arrears(as_of, item.due_date, policy.grace_days)
    level = policy.level_for(arrears)
    early = None
    sooner = policy.remind_predicted_late_days
    if (
        level is None
        and warning is not None
        and sooner
        and (as_of - item.due_date).days > 0
        and policy.level_for(arrears + sooner) is not None
    ):
        level, early = policy.levels[0], warning
    if level is None:
        return None
    if item.customer_id in blocks.customers:
        detail = blocks.reasons.get(item.customer_id, "")
        exclusions.append(_blocked(item, ExclusionReason.CUSTOMER_BLOCKED, detail))
        return None
    if item.item_id in blocks.items:
        exclusions.append(_blocked(item, ExclusionReason.ITEM_BLOCKED))
        return None
    cur = item.open_amount.currency
    disputed = item.disputed_amount.amount if item.disputed_amount is not None else _ZERO
    disputed = min(max(disputed, _ZERO), item.open_amount.amount)
    if disputed:
        exclusions.append(
            Exclusion(
                customer_id=item.customer_id,
                item_id=item.item_id,
                reason=ExclusionReason.DISPUTED,
                amount=Money(disputed, cur),
                detail="fully disputed" if disputed == item.open_amount.amount else "partly",
            )
        )
    dunned = item.open_amount.amount - disputed
    if not dunned:
        return None
    return DunningLine(
        item=item,
        amount=Money(dunned, cur),
        disputed=Money(disputed, cur),
        days_overdue=max(0, (as_of - item.due_date).days),
        days_in_arrears=arrears,
        level=level.level,
        warning=early,
    )


def _notice_level(
    key: tuple[CustomerId, str],
    lines: Sequence[DunningLine],
    credit: Decimal,
    policy: DunningPolicy,
    previous: Mapping[str, int],
    exclusions: list[Exclusion],
) -> DunningLevel | None:
    """The level of one customer's notice in one currency (``None``: no notice, and why).

    The highest level its lines reach (one above its previous level at most, when the policy
    says so) whose minimum its dunned total meets; a customer whose credits cover the total,
    or below every minimum, is added to ``exclusions``.
    """
    customer_id, code = key
    cur = currency(code)
    total = sum((ln.amount.amount for ln in lines), _ZERO)
    if total + credit <= 0:
        exclusions.append(
            _whole_customer(customer_id, ExclusionReason.COVERED_BY_CREDITS, Money(total, cur))
        )
        return None
    top = max(ln.level for ln in lines)
    if policy.one_level_at_a_time:
        top = min(top, previous.get(customer_id, 0) + 1)
    for level in reversed(policy.levels):
        if level.level <= top and _meets_minimum(level, total, cur):
            return level
    exclusions.append(
        _whole_customer(customer_id, ExclusionReason.BELOW_MINIMUM, Money(total, cur))
    )
    return None


def _meets_minimum(level: DunningLevel, total: Decimal, cur: Currency) -> bool:
    """The dunned total meets the level's minimum (a minimum in another currency does not apply)."""
    minimum = level.minimum_amount
    return minimum is None or minimum.currency != cur or total >= minimum.amount


def _blocked(item: OpenItem, reason: ExclusionReason, detail: str = "") -> Exclusion:
    return Exclusion(
        customer_id=item.customer_id,
        item_id=item.item_id,
        reason=reason,
        amount=item.open_amount,
        detail=detail,
    )


def _whole_customer(customer_id: str, reason: ExclusionReason, total: Money) -> Exclusion:
    return Exclusion(customer_id=CustomerId(customer_id), item_id=None, reason=reason, amount=total)


def _claim_for(
    lines: Sequence[DunningLine],
    level: DunningLevel,
    policy: DunningPolicy,
    as_of: dt.date,
    rounding: RoundingPolicy,
    compensated: Iterable[str],
) -> Claim:
    code = lines[0].amount.currency.code
    debts = [
        Debt(
            item_id=ln.item.item_id,
            document_number=ln.item.document_number,
            due_date=ln.item.due_date,
            until=as_of,
            principal=ln.amount,
        )
        for ln in lines
    ]
    rule: InterestRule | None = None
    if level.interest_rate is not None:
        rule = InterestRule.fixed(level.interest_rate, day_count=policy.day_count)
    elif DunningAction.CHARGE_INTEREST in level.actions:
        rule = policy.interest
    compensation = (
        policy.compensation if DunningAction.CLAIM_COMPENSATION in level.actions else None
    )
    if compensation is not None and compensation.currency != code:
        compensation = None  # a table in another currency does not apply to this notice
    fee = _ZERO
    if level.fee is not None and level.fee.currency.code == code:
        fee += level.fee.amount
    if level.fee_percent is not None:
        overdue = sum((ln.amount.amount for ln in lines), _ZERO)
        fee += rounding.apply_decimal(overdue * level.fee_percent / _HUNDRED, code)
    return late_payment_claim(
        debts,
        rule,
        compensation=compensation,
        fee=Money(fee, currency(code)),
        currency_code=code,
        rounding=rounding,
        compensated=compensated,
    )
