"""Dunning: levels with days after due, fees, interest and compensation; a run proposes one notice
per customer with its lines, claims and the items it left out and why.
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
from o2c.errors import NotFoundError, ValidationError
from o2c.ledger import (
    CustomerId,
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
) -> DunningRun:
    """Propose dunning notices as of ``as_of`` from the open items.

    Per customer and currency: overdue invoices (after the grace days) less their disputed
    amounts are dunned; disputed, blocked and small customers are listed in ``exclusions`` with
    the reason.  The customer's level is the highest level its items reach (one step above
    ``previous_levels`` at most when the policy says so) whose minimum amount the dunned total
    meets.  The level's fee, interest and compensation make the notice's claim: interest is
    cumulative (from the due date to ``as_of``, so each notice states the interest to date) and
    compensation is claimed once per item (pass the items already claimed as ``compensated``).
    """
    blocked = (frozenset(blocked_customers), frozenset(blocked_items))
    claimed = frozenset(compensated)
    previous = previous_levels or {}
    groups: dict[tuple[CustomerId, str], list[DunningLine]] = {}
    credits: dict[tuple[CustomerId, str], Decimal] = {}
    exclusions: list[Exclusion] = []
    for item in items:
        key = (item.customer_id, item.open_amount.currency.code)
        if item.kind is not ItemKind.INVOICE or item.open_amount.amount <= 0:
            credits[key] = credits.get(key, _ZERO) + min(item.open_amount.amount, _ZERO)
            continue
        line = _dunning_line(item, as_of, policy, blocked, exclusions)
        if line is not None:
            groups.setdefault(key, []).append(line)
    notices = []
    for key in sorted(groups):
        lines = groups[key]
        credit = credits.get(key, _ZERO)
        level = _notice_level(key, lines, credit, policy, previous, exclusions)
        if level is None:
            continue
        customer_id, code = key
        notices.append(
            DunningNotice(
                customer_id=CustomerId(customer_id),
                currency=code,
                level=level,
                lines=tuple(lines),
                credits=Money(credit, currency(code)),
                claim=_claim_for(lines, level, policy, as_of, rounding, claimed),
            )
        )
    return DunningRun(as_of=as_of, notices=tuple(notices), exclusions=tuple(exclusions))


def _dunning_line(
    item: OpenItem,
    as_of: dt.date,
    policy: DunningPolicy,
    blocked: tuple[frozenset[str], frozenset[str]],
    exclusions: list[Exclusion],
) -> DunningLine | None:
    """The line dunning an overdue invoice, less its disputed part (``None``: not dunned).

    A blocked item or customer, and a disputed part, are added to ``exclusions``.
    """
    arrears = days_in_arrears(as_of, item.due_date, policy.grace_days)
    level = policy.level_for(arrears)
    if level is None:
        return None
    blocked_customers, blocked_items = blocked
    if item.customer_id in blocked_customers:
        exclusions.append(_blocked(item, ExclusionReason.CUSTOMER_BLOCKED))
        return None
    if item.item_id in blocked_items:
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


def _blocked(item: OpenItem, reason: ExclusionReason) -> Exclusion:
    return Exclusion(
        customer_id=item.customer_id, item_id=item.item_id, reason=reason, amount=item.open_amount
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
