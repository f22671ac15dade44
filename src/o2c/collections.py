"""Collections: late-payment interest, statutory compensation, dunning and early warnings.

(The module is ``o2c.collections``; o2c imports are absolute, so it never shadows the standard
library's ``collections`` inside o2c.)

**Interest** is simple interest, ``principal x annual rate x days / year``, on ACT/365 by default
(ACT/360 as an option, SAP Business One's default), rounded once per item at the end.  A
:class:`InterestRule` adds a margin to a reference rate under a :class:`RatePolicy`:

- ``FIXED_AT_START``: the reference of the half-year in which interest starts, for the whole
  period (UK Late Payment Act: the Bank of England rate on 30 June / 31 December before);
- ``PER_HALF_YEAR``: each half-year at its own reference rate (German Basiszinssatz, French ECB
  rate on 1 January / 1 July): the period is split at 1 January and 1 July;
- ``ON_PAYMENT_DATE``: one rate, that of the half-year of the payment date (Ireland).

**Compensation** for recovery costs is a :class:`CompensationTable` with its dates: EU minimum
EUR 40 (Directive 2011/7/EU art. 6), UK GBP 40/70/100 (below 1,000 / below 10,000 / above) and
Ireland EUR 40/70/100 (up to 1,000 / up to 10,000 / above): the tier boundaries differ.

>>> from decimal import Decimal
>>> from o2c.money import money
>>> simple_interest(money("1000.00", "GBP"), Decimal("0.12"), 30)
Money('9.86', 'GBP')
>>> simple_interest(money("100.00", "EUR"), Decimal("0.10"), 15, day_count=DayCount.ACT_360)
Money('0.42', 'EUR')
>>> [UK_COMPENSATION.amount_for(money(d, "GBP")).amount for d in ("999.99", "1000", "10000")]
[Decimal('40'), Decimal('70'), Decimal('100')]
>>> [IRELAND_COMPENSATION.amount_for(money(d, "EUR")).amount for d in ("1000", "10000.01")]
[Decimal('40'), Decimal('100')]
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

import attrs
from moneyed import Money

from o2c.errors import CurrencyMismatchError, NotFoundError, RateNotFoundError, ValidationError
from o2c.kpi import PaidItem, ledger_paid_items
from o2c.ledger import (
    CustomerId,
    ItemId,
    ItemKind,
    Ledger,
    OpenItem,
    PaymentReceived,
    PromisedToPay,
)
from o2c.money import CONTEXT, RoundingPolicy, currency, to_decimal

__all__ = [
    "Claim",
    "ClaimLine",
    "CompensationTable",
    "CompensationTier",
    "DayCount",
    "Debt",
    "DunningAction",
    "DunningLevel",
    "DunningLine",
    "DunningNotice",
    "DunningPolicy",
    "DunningRun",
    "EU_MINIMUM_COMPENSATION",
    "Exclusion",
    "ExclusionReason",
    "FRANCE_COMPENSATION",
    "GERMANY_COMPENSATION",
    "IRELAND_COMPENSATION",
    "InterestPeriod",
    "InterestRule",
    "PromiseToPay",
    "RatePolicy",
    "ReferenceRate",
    "ReferenceRateTable",
    "Signal",
    "SignalKind",
    "UK_COMPENSATION",
    "broken_promises",
    "days_in_arrears",
    "early_warnings",
    "interest_amount",
    "late_payment_claim",
    "later_than_usual",
    "ledger_signals",
    "propose_dunning",
    "simple_interest",
    "threshold_crossings",
]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_DEFAULT_ROUNDING = RoundingPolicy()


# --------------------------------------------------------------------------------------------
# Simple interest


class DayCount(enum.Enum):
    """The year length of simple interest: actual days over 365 or over 360."""

    ACT_365 = 365
    ACT_360 = 360

    @property
    def year_days(self) -> int:
        """The denominator (365 or 360)."""
        return int(self.value)


def _rate(value: object, field: str) -> Decimal:
    rate = to_decimal(value, field=field)
    if rate < 0:
        raise ValidationError(f"{field}={rate} must not be negative", field=field, value=rate)
    return rate


def _rate_field(value: object) -> Decimal:
    return _rate(value, "rate")


def _margin_field(value: object) -> Decimal:
    return _rate(value, "margin")


def interest_amount(
    principal: Decimal, rate: Decimal, days: int, day_count: DayCount = DayCount.ACT_365
) -> Decimal:
    """Unrounded simple interest: ``principal x rate x days / year`` (``rate`` a fraction).

    >>> interest_amount(Decimal("1000"), Decimal("0.12"), 1).quantize(Decimal("0.0001"))
    Decimal('0.3288')
    """
    if days < 0:
        raise ValidationError(f"days={days} must not be negative", field="days", value=days)
    return CONTEXT.divide(principal * _rate(rate, "rate") * days, Decimal(day_count.year_days))


def simple_interest(
    principal: Money,
    rate: Decimal,
    days: int,
    *,
    day_count: DayCount = DayCount.ACT_365,
    rounding: RoundingPolicy = _DEFAULT_ROUNDING,
) -> Money:
    """Simple interest on ``principal`` at the annual ``rate`` (a fraction) for ``days``.

    Rounded once, at the end (never a rounded daily amount times the days).

    Raises:
        ValidationError: for negative days or a negative rate.
        FloatNotAllowedError: for a float rate.
    """
    exact = interest_amount(principal.amount, rate, days, day_count)
    return Money(rounding.apply_decimal(exact, principal.currency), principal.currency)


# --------------------------------------------------------------------------------------------
# Reference rates and interest rules


@attrs.frozen
class ReferenceRate:
    """A reference rate (an annual fraction) in force from ``effective_from``."""

    effective_from: dt.date
    rate: Decimal = attrs.field(converter=_rate_field)


def _sorted_rates(rates: Iterable[ReferenceRate]) -> tuple[ReferenceRate, ...]:
    result = tuple(sorted(rates, key=lambda r: r.effective_from))
    if not result:
        raise ValidationError("a reference-rate table needs at least one rate", field="rates")
    return result


@attrs.frozen(kw_only=True)
class ReferenceRateTable:
    """A reference rate's history: the ECB main refinancing rate, the Basiszinssatz ...

    >>> t = ReferenceRateTable(name="ECB MRO", rates=[
    ...     ReferenceRate(dt.date(2024, 6, 12), Decimal("0.0425")),
    ...     ReferenceRate(dt.date(2024, 9, 18), Decimal("0.0365"))])
    >>> t.rate_on(dt.date(2024, 7, 1)), t.rate_on(dt.date(2024, 12, 31))
    (Decimal('0.0425'), Decimal('0.0365'))
    """

    name: str
    rates: tuple[ReferenceRate, ...] = attrs.field(converter=_sorted_rates)

    def rate_on(self, day: dt.date) -> Decimal:
        """The rate in force on ``day``.

        Raises:
            RateNotFoundError: for a day before the first rate.
        """
        found = None
        for r in self.rates:
            if r.effective_from > day:
                break
            found = r
        if found is None:
            raise RateNotFoundError(
                self.name,
                "rate",
                day,
                reason=f"the table starts on {self.rates[0].effective_from}; add earlier rates",
            )
        return found.rate


class RatePolicy(enum.Enum):
    """Which reference rate applies to a late-payment period."""

    #: One rate for the whole period: the half-year in which interest starts (UK).
    FIXED_AT_START = "fixed_at_start"
    #: Each half-year at its own rate: the period is split at 1 January and 1 July (DE, FR).
    PER_HALF_YEAR = "per_half_year"
    #: One rate for the whole period: the half-year of the payment date (Ireland).
    ON_PAYMENT_DATE = "on_payment_date"


def _half_year_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 1 if day.month <= 6 else 7, 1)


def _next_half_year(day: dt.date) -> dt.date:
    start = _half_year_start(day)
    return dt.date(start.year, 7, 1) if start.month == 1 else dt.date(start.year + 1, 1, 1)


@attrs.frozen(kw_only=True)
class InterestPeriod:
    """A stretch of days at one annual rate (first and last day inclusive)."""

    first: dt.date
    last: dt.date
    days: int
    #: The annual rate charged (reference + margin), a fraction.
    rate: Decimal
    #: The reference rate it was built from (``None`` for a fixed contractual rate).
    reference: Decimal | None = None


@attrs.frozen(kw_only=True)
class InterestRule:
    """How late-payment interest is computed: a rate (fixed, or reference + margin) and a policy.

    ``reference_lag_days`` moves the day the reference is read back from the first day of the
    half-year (1 for the UK: the rate on 30 June / 31 December).  Build with :meth:`fixed`,
    :meth:`uk`, :meth:`germany_b2b`, :meth:`france` or :meth:`ireland`.
    """

    margin: Decimal = attrs.field(converter=_margin_field)
    reference: ReferenceRateTable | None = None
    policy: RatePolicy = RatePolicy.PER_HALF_YEAR
    day_count: DayCount = DayCount.ACT_365
    reference_lag_days: int = 0
    name: str = ""

    @classmethod
    def fixed(cls, rate: Decimal, *, day_count: DayCount = DayCount.ACT_365) -> InterestRule:
        """A fixed contractual annual rate (a fraction), no reference rate."""
        return cls(margin=rate, policy=RatePolicy.FIXED_AT_START, day_count=day_count, name="fixed")

    @classmethod
    def uk(cls, bank_rate: ReferenceRateTable) -> InterestRule:
        """UK Late Payment of Commercial Debts (Interest) Act 1998: reference + 8, fixed."""
        return cls(
            margin=Decimal("0.08"),
            reference=bank_rate,
            policy=RatePolicy.FIXED_AT_START,
            reference_lag_days=1,
            name="UK statutory interest",
        )

    @classmethod
    def germany_b2b(cls, basiszinssatz: ReferenceRateTable) -> InterestRule:
        """Germany, BGB para. 288(2): base rate + 9 points, per half-year."""
        return cls(
            margin=Decimal("0.09"),
            reference=basiszinssatz,
            policy=RatePolicy.PER_HALF_YEAR,
            name="BGB 288(2)",
        )

    @classmethod
    def france(cls, ecb_rate: ReferenceRateTable) -> InterestRule:
        """France, Code de commerce L441-10: ECB rate + 10 points, per half-year."""
        return cls(
            margin=Decimal("0.10"),
            reference=ecb_rate,
            policy=RatePolicy.PER_HALF_YEAR,
            name="L441-10",
        )

    @classmethod
    def ireland(cls, ecb_rate: ReferenceRateTable) -> InterestRule:
        """Ireland, S.I. 580/2012: ECB rate + 8 points, the rate of the payment date."""
        return cls(
            margin=Decimal("0.08"),
            reference=ecb_rate,
            policy=RatePolicy.ON_PAYMENT_DATE,
            name="S.I. 580/2012",
        )

    def reference_for(self, day: dt.date) -> Decimal | None:
        """The reference rate of the half-year containing ``day`` (``None`` without a table)."""
        if self.reference is None:
            return None
        read_on = _half_year_start(day) - dt.timedelta(days=self.reference_lag_days)
        return self.reference.rate_on(read_on)

    def rate_for(self, day: dt.date) -> Decimal:
        """The annual rate (reference + margin) of the half-year containing ``day``.

        >>> rule = InterestRule.ireland(ReferenceRateTable(name="ECB", rates=[
        ...     ReferenceRate(dt.date(2024, 6, 12), Decimal("0.0425"))]))
        >>> rule.rate_for(dt.date(2024, 8, 1))
        Decimal('0.1225')
        """
        ref = self.reference_for(day)
        return self.margin if ref is None else ref + self.margin

    def periods(self, first: dt.date, last: dt.date) -> tuple[InterestPeriod, ...]:
        """The periods from ``first`` to ``last`` (inclusive) with the rate of each."""
        if last < first:
            return ()
        if self.policy is RatePolicy.PER_HALF_YEAR:
            result = []
            start = first
            while start <= last:
                end = min(last, _next_half_year(start) - dt.timedelta(days=1))
                result.append(
                    InterestPeriod(
                        first=start,
                        last=end,
                        days=(end - start).days + 1,
                        rate=self.rate_for(start),
                        reference=self.reference_for(start),
                    )
                )
                start = end + dt.timedelta(days=1)
            return tuple(result)
        anchor = first if self.policy is RatePolicy.FIXED_AT_START else last
        return (
            InterestPeriod(
                first=first,
                last=last,
                days=(last - first).days + 1,
                rate=self.rate_for(anchor),
                reference=self.reference_for(anchor),
            ),
        )

    def interest(
        self,
        principal: Money,
        due_date: dt.date,
        until: dt.date,
        *,
        rounding: RoundingPolicy = _DEFAULT_ROUNDING,
    ) -> tuple[Money, tuple[InterestPeriod, ...]]:
        """Interest on ``principal`` from the day after ``due_date`` to ``until`` inclusive.

        Returns the interest (rounded once) and the periods it was computed over.
        """
        periods = self.periods(due_date + dt.timedelta(days=1), until)
        exact = sum(
            (interest_amount(principal.amount, p.rate, p.days, self.day_count) for p in periods),
            _ZERO,
        )
        return Money(rounding.apply_decimal(exact, principal.currency), principal.currency), periods


# --------------------------------------------------------------------------------------------
# Statutory compensation


@attrs.frozen
class CompensationTier:
    """Debts up to ``up_to`` (inclusive or not; ``None``: no limit) earn ``amount``."""

    up_to: Decimal | None
    amount: Decimal
    inclusive: bool = True


@attrs.frozen(kw_only=True)
class CompensationTable:
    """Fixed compensation for recovery costs per late debt, as a law sets it, with its dates."""

    jurisdiction: str
    currency: str
    tiers: tuple[CompensationTier, ...]
    effective_from: dt.date
    effective_to: dt.date | None = None
    source: str = ""

    def amount_for(self, debt: Money, on: dt.date | None = None) -> Money:
        """The compensation for one late ``debt`` (checked against the dates when ``on`` given).

        Raises:
            CurrencyMismatchError: for a debt in another currency than the table's.
            ValidationError: for a date outside the table's validity.
        """
        if debt.currency.code != self.currency:
            raise CurrencyMismatchError(self.currency, debt.currency.code, operation="compensate")
        if on is not None and (
            on < self.effective_from or (self.effective_to is not None and on > self.effective_to)
        ):
            raise ValidationError(
                f"on={on}: the {self.jurisdiction} compensation table applies from "
                f"{self.effective_from}"
                + (f" to {self.effective_to}" if self.effective_to else ""),
                field="on",
                value=on,
            )
        value = debt.amount
        for tier in self.tiers:
            if (
                tier.up_to is None
                or (tier.inclusive and value <= tier.up_to)
                or (not tier.inclusive and value < tier.up_to)
            ):
                return Money(tier.amount, currency(self.currency))
        return Money(self.tiers[-1].amount, currency(self.currency))  # pragma: no cover


#: EU Late Payment Directive 2011/7/EU art. 6: at least EUR 40 per late debt.
EU_MINIMUM_COMPENSATION = CompensationTable(
    jurisdiction="EU (Directive 2011/7/EU art. 6)",
    currency="EUR",
    tiers=(CompensationTier(None, Decimal(40)),),
    effective_from=dt.date(2013, 3, 16),
    source="https://eur-lex.europa.eu/eli/dir/2011/7/oj",
)
#: UK Late Payment of Commercial Debts (Interest) Act 1998 s.5A: < 1,000: 40; < 10,000: 70; 100.
UK_COMPENSATION = CompensationTable(
    jurisdiction="UK (Late Payment Act 1998 s.5A)",
    currency="GBP",
    tiers=(
        CompensationTier(Decimal(1000), Decimal(40), inclusive=False),
        CompensationTier(Decimal(10000), Decimal(70), inclusive=False),
        CompensationTier(None, Decimal(100)),
    ),
    effective_from=dt.date(2002, 8, 7),
    source="https://www.legislation.gov.uk/ukpga/1998/20/section/5A",
)
#: Ireland S.I. 580/2012: not exceeding 1,000: 40; not exceeding 10,000: 70; exceeding: 100.
IRELAND_COMPENSATION = CompensationTable(
    jurisdiction="Ireland (S.I. 580/2012)",
    currency="EUR",
    tiers=(
        CompensationTier(Decimal(1000), Decimal(40)),
        CompensationTier(Decimal(10000), Decimal(70)),
        CompensationTier(None, Decimal(100)),
    ),
    effective_from=dt.date(2013, 3, 16),
    source="https://www.irishstatutebook.ie/eli/2012/si/580/made/en/print",
)
#: Germany BGB para. 288(5): a flat EUR 40.
GERMANY_COMPENSATION = CompensationTable(
    jurisdiction="Germany (BGB 288(5))",
    currency="EUR",
    tiers=(CompensationTier(None, Decimal(40)),),
    effective_from=dt.date(2014, 7, 29),
    source="https://www.gesetze-im-internet.de/bgb/__288.html",
)
#: France Code de commerce D441-5: a flat EUR 40 (indemnité forfaitaire).
FRANCE_COMPENSATION = CompensationTable(
    jurisdiction="France (Code de commerce D441-5)",
    currency="EUR",
    tiers=(CompensationTier(None, Decimal(40)),),
    effective_from=dt.date(2013, 1, 1),
    source="https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000038414241",
)


# --------------------------------------------------------------------------------------------
# Itemised claim


@attrs.frozen(kw_only=True)
class Debt:
    """A late debt: what was (or is) owed after ``due_date``, counted until ``until``."""

    item_id: ItemId
    document_number: str
    due_date: dt.date
    until: dt.date
    principal: Money


@attrs.frozen(kw_only=True)
class ClaimLine:
    """One debt of a claim: principal, the interest periods and amounts, the compensation."""

    debt: Debt
    days: int
    periods: tuple[InterestPeriod, ...]
    interest: Money
    compensation: Money


@attrs.frozen(kw_only=True)
class Claim:
    """An itemised late-payment claim in one currency; ``total`` = principal + charges + fee."""

    currency: str
    lines: tuple[ClaimLine, ...]
    fee: Money
    principal: Money
    interest: Money
    compensation: Money
    total: Money

    @property
    def charges(self) -> Money:
        """Interest + compensation + fee (what the claim adds to the principal)."""
        return self.total - self.principal


def late_payment_claim(
    debts: Iterable[Debt],
    rule: InterestRule | None,
    *,
    compensation: CompensationTable | None = None,
    fee: Money | None = None,
    currency_code: str | None = None,
    rounding: RoundingPolicy = _DEFAULT_ROUNDING,
    compensated: Iterable[str] = (),
) -> Claim:
    """An itemised claim: interest per debt (rounded once per line), compensation, a fee.

    Compensation is due once per late debt: debts whose item id is in ``compensated`` (already
    claimed) get none.  Interest runs from the day after the due date to ``until`` inclusive.

    >>> import datetime as dt
    >>> from o2c.money import money
    >>> debt = Debt(item_id=ItemId("I1"), document_number="INV-1", due_date=dt.date(2026, 1, 1),
    ...             until=dt.date(2026, 4, 12), principal=money("5000.00", "GBP"))
    >>> claim = late_payment_claim([debt], InterestRule.fixed(Decimal("0.1225")),
    ...                            compensation=UK_COMPENSATION)
    >>> claim.lines[0].days, claim.interest, claim.compensation, claim.total
    (101, Money('169.49', 'GBP'), Money('70', 'GBP'), Money('5239.49', 'GBP'))

    Raises:
        CurrencyMismatchError: for debts in different currencies.
    """
    lines = []
    code = currency_code
    done = frozenset(compensated)
    for debt in debts:
        if code is None:
            code = debt.principal.currency.code
        elif debt.principal.currency.code != code:
            raise CurrencyMismatchError(code, debt.principal.currency.code, operation="claim")
        cur = debt.principal.currency
        if rule is not None:
            interest, periods = rule.interest(
                debt.principal, debt.due_date, debt.until, rounding=rounding
            )
        else:
            interest, periods = Money(_ZERO, cur), ()
        comp = (
            compensation.amount_for(debt.principal)
            if compensation is not None and debt.until > debt.due_date and debt.item_id not in done
            else Money(_ZERO, cur)
        )
        lines.append(
            ClaimLine(
                debt=debt,
                days=max(0, (debt.until - debt.due_date).days),
                periods=periods,
                interest=interest,
                compensation=comp,
            )
        )
    if code is None:
        code = fee.currency.code if fee is not None else "EUR"
    cur = currency(code)
    fee_money = fee if fee is not None else Money(_ZERO, cur)
    if fee_money.currency != cur:
        raise CurrencyMismatchError(code, fee_money.currency.code, operation="add a fee to")
    principal = sum((ln.debt.principal.amount for ln in lines), _ZERO)
    interest_total = sum((ln.interest.amount for ln in lines), _ZERO)
    comp_total = sum((ln.compensation.amount for ln in lines), _ZERO)
    return Claim(
        currency=code,
        lines=tuple(lines),
        fee=fee_money,
        principal=Money(principal, cur),
        interest=Money(interest_total, cur),
        compensation=Money(comp_total, cur),
        total=Money(principal + interest_total + comp_total + fee_money.amount, cur),
    )


# --------------------------------------------------------------------------------------------
# Dunning


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
    blocked_c = frozenset(blocked_customers)
    blocked_i = frozenset(blocked_items)
    claimed = frozenset(compensated)
    previous = previous_levels or {}
    groups: dict[tuple[CustomerId, str], list[DunningLine]] = {}
    credits: dict[tuple[CustomerId, str], Decimal] = {}
    exclusions: list[Exclusion] = []
    for item in items:
        key = (item.customer_id, item.open_amount.currency.code)
        cur = item.open_amount.currency
        if item.kind is not ItemKind.INVOICE or item.open_amount.amount <= 0:
            credits[key] = credits.get(key, _ZERO) + min(item.open_amount.amount, _ZERO)
            continue
        arrears = days_in_arrears(as_of, item.due_date, policy.grace_days)
        level = policy.level_for(arrears)
        if level is None:
            continue
        if item.customer_id in blocked_c:
            exclusions.append(
                Exclusion(
                    customer_id=item.customer_id,
                    item_id=item.item_id,
                    reason=ExclusionReason.CUSTOMER_BLOCKED,
                    amount=item.open_amount,
                )
            )
            continue
        if item.item_id in blocked_i:
            exclusions.append(
                Exclusion(
                    customer_id=item.customer_id,
                    item_id=item.item_id,
                    reason=ExclusionReason.ITEM_BLOCKED,
                    amount=item.open_amount,
                )
            )
            continue
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
            continue
        groups.setdefault(key, []).append(
            DunningLine(
                item=item,
                amount=Money(dunned, cur),
                disputed=Money(disputed, cur),
                days_overdue=max(0, (as_of - item.due_date).days),
                days_in_arrears=arrears,
                level=level.level,
            )
        )
    notices = []
    for key in sorted(groups):
        customer_id, code = key
        cur = currency(code)
        lines = groups[key]
        total = sum((ln.amount.amount for ln in lines), _ZERO)
        credit = credits.get(key, _ZERO)
        if total + credit <= 0:
            exclusions.append(
                Exclusion(
                    customer_id=CustomerId(customer_id),
                    item_id=None,
                    reason=ExclusionReason.COVERED_BY_CREDITS,
                    amount=Money(total, cur),
                )
            )
            continue
        top = max(ln.level for ln in lines)
        if policy.one_level_at_a_time:
            top = min(top, previous.get(customer_id, 0) + 1)
        level = None
        for lv in reversed(policy.levels):
            if lv.level > top:
                continue
            if (
                lv.minimum_amount is not None
                and lv.minimum_amount.currency == cur
                and total < lv.minimum_amount.amount
            ):
                continue
            level = lv
            break
        if level is None:
            exclusions.append(
                Exclusion(
                    customer_id=CustomerId(customer_id),
                    item_id=None,
                    reason=ExclusionReason.BELOW_MINIMUM,
                    amount=Money(total, cur),
                )
            )
            continue
        notices.append(
            DunningNotice(
                customer_id=CustomerId(customer_id),
                currency=code,
                level=level,
                lines=tuple(lines),
                credits=Money(credit, cur),
                claim=_claim_for(lines, level, policy, as_of, rounding, claimed),
            )
        )
    return DunningRun(as_of=as_of, notices=tuple(notices), exclusions=tuple(exclusions))


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


# --------------------------------------------------------------------------------------------
# Early-warning signals


class SignalKind(enum.Enum):
    """What an early-warning signal is about."""

    BROKEN_PROMISE = "broken_promise"
    LATER_THAN_USUAL = "later_than_usual"
    THRESHOLD_CROSSED = "threshold_crossed"


@attrs.frozen(kw_only=True)
class Signal:
    """An early warning about a customer (and an item, where it is about one)."""

    kind: SignalKind
    customer_id: CustomerId
    on: dt.date
    detail: str
    item_id: ItemId | None = None
    amount: Money | None = None


@attrs.frozen(kw_only=True)
class PromiseToPay:
    """A customer's promise, made on ``made_on``, to pay ``amount`` by ``pay_by``."""

    customer_id: CustomerId
    made_on: dt.date
    pay_by: dt.date
    amount: Money
    item_ids: tuple[ItemId, ...] = ()


def broken_promises(
    promises: Iterable[PromiseToPay],
    payments: Iterable[tuple[str, dt.date, Money]],
    as_of: dt.date,
) -> tuple[Signal, ...]:
    """Promises whose date has passed with less paid (from ``made_on`` to ``pay_by``) than promised.

    ``payments`` are ``(customer id, value date, amount)``.
    """
    received = list(payments)
    result = []
    for p in promises:
        if as_of <= p.pay_by:
            continue
        paid = sum(
            (
                amount.amount
                for customer_id, on, amount in received
                if customer_id == p.customer_id
                and p.made_on <= on <= p.pay_by
                and amount.currency == p.amount.currency
            ),
            _ZERO,
        )
        if paid < p.amount.amount:
            short = Money(p.amount.amount - paid, p.amount.currency)
            result.append(
                Signal(
                    kind=SignalKind.BROKEN_PROMISE,
                    customer_id=p.customer_id,
                    on=as_of,
                    detail=f"promised {p.amount.amount} by {p.pay_by}, {short.amount} short",
                    amount=short,
                )
            )
    return tuple(result)


def later_than_usual(
    items: Iterable[OpenItem],
    history: Mapping[str, Sequence[PaidItem]],
    as_of: dt.date,
    *,
    tolerance_days: int = 5,
    min_history: int = 3,
    recent: Iterable[PaidItem] = (),
) -> tuple[Signal, ...]:
    """Payments and open invoices later than the customer's usual pattern.

    The usual pattern is the median days late of the customer's ``history`` of paid items; a
    signal is raised for each ``recent`` payment made more than ``tolerance_days`` later than
    that, and for each open invoice already that late on ``as_of``.  Customers with fewer than
    ``min_history`` paid items have no usual pattern and are skipped.
    """
    usual: dict[str, Decimal] = {}
    for customer_id, paid in history.items():
        if len(paid) >= min_history:
            days = sorted(p.days_late for p in paid)
            mid = len(days) // 2
            usual[customer_id] = (
                Decimal(days[mid]) if len(days) % 2 else Decimal(days[mid - 1] + days[mid]) / 2
            )
    result = []
    for payment in recent:
        who = payment.customer_id
        norm = usual.get(who) if who is not None else None
        if who is not None and norm is not None and payment.days_late > norm + tolerance_days:
            result.append(
                Signal(
                    kind=SignalKind.LATER_THAN_USUAL,
                    customer_id=who,
                    on=payment.paid_on,
                    item_id=payment.item_id,
                    amount=payment.amount,
                    detail=f"paid {payment.days_late} days late; usually {norm} days",
                )
            )
    for item in items:
        if item.kind is not ItemKind.INVOICE or item.open_amount.amount <= 0:
            continue
        norm = usual.get(item.customer_id)
        if norm is None:
            continue
        late = (as_of - item.due_date).days
        if late > norm + tolerance_days:
            result.append(
                Signal(
                    kind=SignalKind.LATER_THAN_USUAL,
                    customer_id=item.customer_id,
                    on=as_of,
                    item_id=item.item_id,
                    amount=item.open_amount,
                    detail=f"{late} days late; usually {norm} days",
                )
            )
    return tuple(result)


def threshold_crossings(
    items: Iterable[OpenItem],
    since: dt.date,
    as_of: dt.date,
    thresholds: Sequence[int] = (30, 60, 90),
) -> tuple[Signal, ...]:
    """Items whose days past due crossed a threshold after ``since``, up to ``as_of``."""
    result = []
    for item in items:
        if item.kind is not ItemKind.INVOICE or item.open_amount.amount <= 0:
            continue
        before = (since - item.due_date).days
        now = (as_of - item.due_date).days
        for t in thresholds:
            if before < t <= now:
                result.append(
                    Signal(
                        kind=SignalKind.THRESHOLD_CROSSED,
                        customer_id=item.customer_id,
                        on=item.due_date + dt.timedelta(days=t),
                        item_id=item.item_id,
                        amount=item.open_amount,
                        detail=f"{t} days past due",
                    )
                )
    return tuple(result)


def early_warnings(
    items: Sequence[OpenItem],
    as_of: dt.date,
    *,
    since: dt.date,
    promises: Iterable[PromiseToPay] = (),
    payments: Iterable[tuple[str, dt.date, Money]] = (),
    history: Mapping[str, Sequence[PaidItem]] | None = None,
    recent: Iterable[PaidItem] = (),
    thresholds: Sequence[int] = (30, 60, 90),
) -> tuple[Signal, ...]:
    """Every early-warning signal since the last check, sorted by customer, date and kind.

    ``history`` (paid items before the check window, per customer) sets each customer's usual
    lateness; ``recent`` are the items paid since the last check.
    """
    signals = [
        *broken_promises(promises, payments, as_of),
        *later_than_usual(items, history or {}, as_of, recent=recent),
        *threshold_crossings(items, since, as_of, thresholds),
    ]
    return tuple(
        sorted(signals, key=lambda s: (s.customer_id, s.on, s.kind.value, s.item_id or ""))
    )


def ledger_signals(
    ledger: Ledger,
    as_of: dt.date,
    *,
    since: dt.date,
    thresholds: Sequence[int] = (30, 60, 90),
    history_from: dt.date | None = None,
    known_at: dt.datetime | None = None,
) -> tuple[Signal, ...]:
    """Every early-warning signal from the ledger: its promises to pay and payments received,
    each customer's items paid from ``history_from`` to ``since`` (its usual lateness), the
    items paid since ``since`` and the items open on ``as_of``.
    """
    facts = [f for f in ledger.facts() if known_at is None or f.recorded_at <= known_at]
    promises = [
        PromiseToPay(
            customer_id=f.customer_id,
            made_on=f.effective,
            pay_by=f.promised_date,
            amount=f.amount,
            item_ids=(f.item_id,) if f.item_id else (),
        )
        for f in facts
        if isinstance(f, PromisedToPay) and f.effective <= as_of
    ]
    payments = [
        (f.customer_id, f.value_date, f.amount)
        for f in facts
        if isinstance(f, PaymentReceived) and f.effective <= as_of
    ]
    history: dict[str, list[PaidItem]] = {}
    start = history_from or dt.date.min
    for paid in ledger_paid_items(ledger, start, since, known_at=known_at):
        if paid.customer_id is not None:
            history.setdefault(paid.customer_id, []).append(paid)
    return early_warnings(
        ledger.open_items(as_of, known_at=known_at),
        as_of,
        since=since,
        promises=promises,
        payments=payments,
        history=history,
        recent=ledger_paid_items(ledger, since, as_of, known_at=known_at),
        thresholds=thresholds,
    )
