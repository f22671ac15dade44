"""Late-payment interest and statutory compensation: simple interest on a day count, reference
rates with a margin under a :class:`RatePolicy`, compensation tables with their dates, and the
itemised claim for one debt.

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
from collections.abc import Iterable
from decimal import Decimal

import attrs
from moneyed import Money

from o2c.errors import CurrencyMismatchError, RateNotFoundError, ValidationError
from o2c.ledger import (
    ItemId,
)
from o2c.money import CONTEXT, RoundingPolicy, currency, to_decimal

__all__ = [
    "Claim",
    "ClaimLine",
    "CompensationTable",
    "CompensationTier",
    "DayCount",
    "Debt",
    "EU_MINIMUM_COMPENSATION",
    "FRANCE_COMPENSATION",
    "GERMANY_COMPENSATION",
    "IRELAND_COMPENSATION",
    "InterestPeriod",
    "InterestRule",
    "RatePolicy",
    "ReferenceRate",
    "ReferenceRateTable",
    "UK_COMPENSATION",
    "interest_amount",
    "late_payment_claim",
    "simple_interest",
]


_ZERO = Decimal(0)


_DEFAULT_ROUNDING = RoundingPolicy()


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
