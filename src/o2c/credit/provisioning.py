"""Expected credit loss: the IFRS 9 provision matrix, historical loss rates, roll rates, CECL pools.

IFRS 9's simplified approach measures lifetime expected credit loss on trade receivables with a
provision matrix: the gross carrying amount in each days-past-due bucket times a loss rate.  The
loss rates come from history (:func:`cohort_loss_rates` over one or more sales cohorts, or the
roll-rate method :func:`roll_rates`) at full precision, adjusted for forward-looking information
(:class:`ForwardLooking`).  US GAAP's CECL pools receivables with similar risk
(:func:`cecl_allowance`, here by behavioural risk class).

Rounding: rates are never rounded (28 significant digits, :data:`o2c.credit.SCORE_CONTEXT`);
each bucket's provision is ``gross x rate`` rounded half-up to the currency's minor unit, and
the total is the sum of the rounded buckets (so the matrix always adds up).

>>> from o2c.money import money
>>> rates = loss_rates_from_flows(
...     [Decimal(100000), Decimal(50000), Decimal(23000), Decimal(8000), Decimal(2000)],
...     Decimal(2000))
>>> [str(r.quantize(Decimal("0.000001"))) for r in rates]
['0.020000', '0.040000', '0.086957', '0.250000', '1.000000']
>>> labels = ["current", "1-30", "31-60", "61-90", "91+"]
>>> gross = [money(a, "EUR") for a in ("300000", "140000", "60000", "23000", "5000")]
>>> m = provision_matrix(dict(zip(labels, gross)), dict(zip(labels, rates)))
>>> m.total_provision
Money('27567.39', 'EUR')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import pairwise
from typing import Protocol

import attrs
from moneyed import Money

from o2c.credit.behaviour import RiskClass
from o2c.credit.exposure import SCORE_CONTEXT
from o2c.credit.from_ledger import CreditLedger, SettlementTrail, settlement_trails
from o2c.errors import CurrencyMismatchError, ValidationError
from o2c.ledger import ItemKind, OpenItem
from o2c.ledger.history import History
from o2c.money import Rounding, currency, minor_unit, quantize_decimal, to_decimal

__all__ = [
    "AgeBucket",
    "AgingSnapshot",
    "CeclPool",
    "CeclResult",
    "CeclRow",
    "CohortItem",
    "CohortLossRates",
    "DEFAULT_BUCKETS",
    "ForwardLooking",
    "MatrixRow",
    "ProvisionMatrix",
    "RollRates",
    "bucket_balances",
    "cecl_allowance",
    "cohort_items",
    "cohort_loss_rates",
    "historical_loss_rate",
    "loss_rates_from_flows",
    "pool_balances",
    "provision_from_ledger",
    "provision_matrix",
    "roll_rates",
    "roll_snapshots_from_ledger",
]

_ZERO = Decimal(0)
_ONE = Decimal(1)


def _div(a: Decimal, b: Decimal) -> Decimal:
    return SCORE_CONTEXT.divide(a, b)


def _req_dec(value: object) -> Decimal:
    return to_decimal(value, field="value")


def _rate(value: object, field: str = "rate") -> Decimal:
    r = to_decimal(value, field=field)
    if r < 0 or r > 1:
        raise ValidationError(
            f"{field}={r} must be a fraction between 0 and 1 (Decimal('0.016') for 1.6%)",
            field=field,
            value=value,
        )
    return r


# ============================================================================================
# Buckets


@attrs.frozen
class AgeBucket:
    """A days-past-due bucket: ``min_days..max_days`` inclusive; ``None`` is unbounded.

    ``AgeBucket("current", None, 0)`` holds everything not yet overdue.
    """

    label: str
    min_days: int | None
    max_days: int | None

    def contains(self, days_past_due: int) -> bool:
        """Whether an item ``days_past_due`` days overdue falls in this bucket."""
        return (self.min_days is None or days_past_due >= self.min_days) and (
            self.max_days is None or days_past_due <= self.max_days
        )


#: Not due, 1-30, 31-60, 61-90 and over 90 days past due.
DEFAULT_BUCKETS: tuple[AgeBucket, ...] = (
    AgeBucket("current", None, 0),
    AgeBucket("1-30", 1, 30),
    AgeBucket("31-60", 31, 60),
    AgeBucket("61-90", 61, 90),
    AgeBucket("91+", 91, None),
)


def _bucket_for(buckets: Sequence[AgeBucket], days: int) -> AgeBucket:
    for b in buckets:
        if b.contains(days):
            return b
    raise ValidationError(
        f"no bucket holds {days} days past due: make the buckets cover every day",
        field="buckets",
        value=tuple(b.label for b in buckets),
    )


def bucket_balances(
    items: Iterable[OpenItem],
    *,
    as_of: dt.date,
    currency_code: str,
    buckets: Sequence[AgeBucket] = DEFAULT_BUCKETS,
    exclude_disputed: bool = False,
) -> dict[str, Money]:
    """The gross carrying amount per bucket: open invoice amounts by days past due on ``as_of``.

    Credit memos and unapplied cash are not receivables at risk and are left out; with
    ``exclude_disputed`` so is the disputed part of each invoice.

    Raises:
        CurrencyMismatchError: for an item in another currency.
    """
    code = currency(currency_code).code
    totals = {b.label: _ZERO for b in buckets}
    for item in items:
        if item.kind is not ItemKind.INVOICE or item.document_date > as_of:
            continue
        if item.open_amount.currency.code != code:
            raise CurrencyMismatchError(code, item.open_amount.currency.code, operation="age")
        amount = item.open_amount.amount
        if exclude_disputed and item.disputed_amount is not None:
            amount -= item.disputed_amount.amount
        if amount <= 0:
            continue
        totals[_bucket_for(buckets, (as_of - item.due_date).days).label] += amount
    return {label: Money(v, code) for label, v in totals.items()}


# ============================================================================================
# Forward-looking adjustment and the provision matrix


def _dict(value: Mapping[str, object]) -> dict[str, Decimal]:
    return {k: to_decimal(v, field="adjustment") for k, v in value.items()}


@attrs.frozen(kw_only=True)
class ForwardLooking:
    """A forward-looking adjustment of historical loss rates.

    ``adjusted = min(1, max(0, rate x (1 + uplift)))`` where ``uplift`` is ``per_bucket[label]``
    when given, else ``factor`` (``Decimal("0.1")`` raises every rate by 10 %; a negative uplift
    lowers them).  ``reason`` records the outlook that justifies it.
    """

    factor: Decimal = attrs.field(default=_ZERO, converter=_req_dec)
    per_bucket: Mapping[str, Decimal] = attrs.field(factory=dict, converter=_dict, hash=False)
    reason: str = ""

    def apply(self, label: str, rate: Decimal) -> Decimal:
        """The adjusted rate of bucket ``label``."""
        uplift = self.per_bucket.get(label, self.factor)
        return min(_ONE, max(_ZERO, SCORE_CONTEXT.multiply(rate, _ONE + uplift)))


@attrs.frozen(kw_only=True)
class MatrixRow:
    """One bucket of a provision matrix."""

    bucket: str
    gross: Money
    loss_rate: Decimal
    adjusted_rate: Decimal
    provision: Money


@attrs.frozen(kw_only=True)
class ProvisionMatrix:
    """A provision matrix: one row per bucket; the totals are sums of the rows."""

    rows: tuple[MatrixRow, ...]
    currency: str
    adjustment: ForwardLooking | None = None

    @property
    def total_gross(self) -> Money:
        """The gross carrying amount."""
        return Money(sum((r.gross.amount for r in self.rows), _ZERO), self.currency)

    @property
    def total_provision(self) -> Money:
        """The loss allowance: the sum of the rounded bucket provisions."""
        return Money(sum((r.provision.amount for r in self.rows), _ZERO), self.currency)

    @property
    def coverage(self) -> Decimal:
        """Provision / gross (0 for an empty book), unrounded."""
        gross = self.total_gross.amount
        return _div(self.total_provision.amount, gross) if gross > 0 else _ZERO


def provision_matrix(
    balances: Mapping[str, Money],
    loss_rates: Mapping[str, Decimal],
    *,
    adjustment: ForwardLooking | None = None,
    rounding: Rounding = Rounding.HALF_UP,
) -> ProvisionMatrix:
    """Lifetime ECL per bucket: ``gross x adjusted loss rate``, rounded to the minor unit.

    Rows follow the order of ``balances``.

    Raises:
        ValidationError: for a bucket without a loss rate, a rate outside 0..1 or a negative
            balance.
        CurrencyMismatchError: for balances in different currencies.
    """
    if not balances:
        raise ValidationError("no balances given", field="balances", value=balances)
    code = next(iter(balances.values())).currency.code
    step = minor_unit(code)
    rows = []
    for label, gross in balances.items():
        if gross.currency.code != code:
            raise CurrencyMismatchError(code, gross.currency.code, operation="provide for")
        if gross.amount < 0:
            raise ValidationError(
                f"balance of bucket {label!r} is negative ({gross.amount}): net credits "
                "elsewhere, the matrix takes gross receivables",
                field="balances",
                value=gross,
            )
        if label not in loss_rates:
            raise ValidationError(
                f"no loss rate for bucket {label!r}; rates given for {sorted(loss_rates)}",
                field="loss_rates",
                value=label,
            )
        rate = _rate(loss_rates[label], field=f"loss_rates[{label!r}]")
        adjusted = adjustment.apply(label, rate) if adjustment is not None else rate
        provision = quantize_decimal(gross.amount * adjusted, step, rounding)
        rows.append(
            MatrixRow(
                bucket=label,
                gross=gross,
                loss_rate=rate,
                adjusted_rate=adjusted,
                provision=Money(provision, code),
            )
        )
    return ProvisionMatrix(rows=tuple(rows), currency=code, adjustment=adjustment)


# ============================================================================================
# Loss rates from historical cohorts


def loss_rates_from_flows(
    open_on_entering: Sequence[Decimal], never_collected: Decimal
) -> tuple[Decimal, ...]:
    """Loss rate per bucket = amount never collected / amount still open on entering the bucket.

    A bucket nothing entered takes the rate of the bucket before it (0 for the first).  Full
    precision: never round a rate before multiplying (8.7 % instead of 2/23 moves the total).

    Raises:
        ValidationError: for negative amounts or more never collected than entered a bucket.
    """
    if never_collected < 0:
        raise ValidationError(
            f"never_collected={never_collected} must not be negative",
            field="never_collected",
            value=never_collected,
        )
    rates: list[Decimal] = []
    for i, entered in enumerate(open_on_entering):
        if entered < 0 or (entered > 0 and never_collected > entered):
            raise ValidationError(
                f"bucket {i}: {entered} open on entering cannot hold the {never_collected} "
                "never collected",
                field="open_on_entering",
                value=entered,
            )
        if entered == 0:
            rates.append(rates[-1] if rates else _ZERO)
        else:
            rates.append(_div(never_collected, entered))
    return tuple(rates)


def _payments(
    value: Iterable[tuple[dt.date, Money]],
) -> tuple[tuple[dt.date, Money], ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class CohortItem:
    """An invoice of a closed historical cohort and the payments it received.

    What the payments leave unpaid was never collected (written off).
    """

    amount: Money
    due_date: dt.date
    payments: tuple[tuple[dt.date, Money], ...] = attrs.field(default=(), converter=_payments)


@attrs.frozen(kw_only=True)
class CohortLossRates:
    """Loss rates per bucket derived from cohorts, with the flows behind them."""

    buckets: tuple[str, ...]
    open_on_entering: tuple[Decimal, ...]
    never_collected: Decimal
    rates: tuple[Decimal, ...]

    def as_mapping(self) -> dict[str, Decimal]:
        """``{bucket label: loss rate}`` for :func:`provision_matrix`."""
        return dict(zip(self.buckets, self.rates, strict=True))


def cohort_loss_rates(
    items: Iterable[CohortItem], *, buckets: Sequence[AgeBucket] = DEFAULT_BUCKETS
) -> CohortLossRates:
    """Loss rates from one or more closed sales cohorts (pooled).

    For each bucket, the amount still open on entering it is each item's amount less what was
    paid before the bucket's first day past due (the first, not-yet-due bucket is entered by the
    whole amount); never collected is what no payment covered.

    Raises:
        CurrencyMismatchError: for items in different currencies.
    """
    entered = [_ZERO] * len(buckets)
    never = _ZERO
    code: str | None = None
    for item in items:
        code = code or item.amount.currency.code
        if item.amount.currency.code != code:
            raise CurrencyMismatchError(code, item.amount.currency.code, operation="pool")
        paid_by_day: list[tuple[int, Decimal]] = []
        for when, paid in item.payments:
            if paid.currency.code != code:
                raise CurrencyMismatchError(code, paid.currency.code, operation="pool")
            paid_by_day.append(((when - item.due_date).days, paid.amount))
        for i, b in enumerate(buckets):
            if b.min_days is None:
                entered[i] += item.amount.amount
            else:
                before = sum((a for d, a in paid_by_day if d < b.min_days), _ZERO)
                entered[i] += max(_ZERO, item.amount.amount - before)
        never += max(_ZERO, item.amount.amount - sum((a for _, a in paid_by_day), _ZERO))
    return CohortLossRates(
        buckets=tuple(b.label for b in buckets),
        open_on_entering=tuple(entered),
        never_collected=never,
        rates=loss_rates_from_flows(entered, never),
    )


def historical_loss_rate(write_offs: Decimal, credit_sales: Decimal) -> Decimal:
    """The bad-debt ratio: write-offs / credit sales over the look-back period (unrounded).

    >>> historical_loss_rate(Decimal(27200), Decimal(1785000)).quantize(Decimal("0.000001"))
    Decimal('0.015238')

    Raises:
        ValidationError: for non-positive sales or negative write-offs.
    """
    if credit_sales <= 0:
        raise ValidationError(
            f"credit_sales={credit_sales} must be positive",
            field="credit_sales",
            value=credit_sales,
        )
    if write_offs < 0:
        raise ValidationError(
            f"write_offs={write_offs} must not be negative", field="write_offs", value=write_offs
        )
    return _div(write_offs, credit_sales)


# ============================================================================================
# Roll rates


def _decimals(value: Iterable[object]) -> tuple[Decimal, ...]:
    return tuple(to_decimal(v, field="balance") for v in value)


@attrs.frozen(kw_only=True)
class AgingSnapshot:
    """Bucket balances at a period end, and what was written off during the period."""

    period_end: dt.date
    balances: tuple[Decimal, ...] = attrs.field(converter=_decimals)
    written_off: Decimal = attrs.field(default=_ZERO, converter=_req_dec)


@attrs.frozen(kw_only=True)
class RollRates:
    """Roll rates between consecutive buckets (the last one into write-off) and the loss rates
    they imply (the product of the roll rates from a bucket to write-off)."""

    buckets: tuple[str, ...]
    roll: tuple[Decimal, ...]
    loss_rates: tuple[Decimal, ...]

    def as_mapping(self) -> dict[str, Decimal]:
        """``{bucket label: loss rate}`` for :func:`provision_matrix`."""
        return dict(zip(self.buckets, self.loss_rates, strict=True))


def roll_rates(
    snapshots: Sequence[AgingSnapshot], *, buckets: Sequence[str | AgeBucket] = DEFAULT_BUCKETS
) -> RollRates:
    """The roll-rate method over consecutive period-end snapshots.

    Roll rate of bucket i = sum over periods of the balance in bucket i+1 at the next period end /
    the balance in bucket i now (the last bucket rolls into the next period's write-offs); each
    roll rate is capped at 1.  Loss rate of bucket i = roll(i) x roll(i+1) x ... x roll(last).

    >>> snaps = [AgingSnapshot(period_end=dt.date(2026, m, 28), balances=b, written_off=w)
    ...     for m, b, w in [(1, [1000, 200, 50], 0), (2, [1000, 100, 40], 10),
    ...                     (3, [1000, 100, 20], 20)]]
    >>> rr = roll_rates(snaps, buckets=["current", "1-30", "31+"])
    >>> q = Decimal("0.000001")
    >>> [str(r.quantize(q)) for r in rr.roll]
    ['0.100000', '0.200000', '0.333333']
    >>> [str(r.quantize(q)) for r in rr.loss_rates]
    ['0.006667', '0.066667', '0.333333']

    Raises:
        ValidationError: for fewer than two snapshots or a snapshot with the wrong bucket count.
    """
    labels = tuple(b.label if isinstance(b, AgeBucket) else b for b in buckets)
    n = len(labels)
    if len(snapshots) < 2:
        raise ValidationError(
            "roll rates need at least two period-end snapshots",
            field="snapshots",
            value=len(snapshots),
        )
    for s in snapshots:
        if len(s.balances) != n:
            raise ValidationError(
                f"snapshot {s.period_end} has {len(s.balances)} balances for {n} buckets",
                field="balances",
                value=s.balances,
            )
    ordered = sorted(snapshots, key=lambda s: s.period_end)
    roll: list[Decimal] = []
    for i in range(n):
        base = sum((s.balances[i] for s in ordered[:-1]), _ZERO)
        if i + 1 < n:
            moved = sum((s.balances[i + 1] for s in ordered[1:]), _ZERO)
        else:
            moved = sum((s.written_off for s in ordered[1:]), _ZERO)
        roll.append(min(_ONE, _div(moved, base)) if base > 0 else _ZERO)
    loss: list[Decimal] = [_ZERO] * n
    running = _ONE
    for i in range(n - 1, -1, -1):
        running = SCORE_CONTEXT.multiply(running, roll[i])
        loss[i] = running
    return RollRates(buckets=labels, roll=tuple(roll), loss_rates=tuple(loss))


class LedgerReader(Protocol):
    """What :func:`roll_snapshots_from_ledger` asks of a ledger: its read model on a date."""

    def read(
        self, as_of: dt.date, *, known_at: dt.datetime | None = None, customer_id: str | None = None
    ) -> History:
        """The ledger's history as of ``as_of`` as known at ``known_at``."""
        ...


def period_ends_in_order(period_ends: Sequence[dt.date]) -> tuple[dt.date, ...]:
    """``period_ends`` checked to be strictly increasing (each snapshot closes one period).

    Raises:
        ValidationError: for no dates, or dates out of order or repeated.
    """
    ends = tuple(period_ends)
    if not ends or any(b <= a for a, b in pairwise(ends)):
        raise ValidationError(
            "period ends must be one or more strictly increasing dates",
            field="period_ends",
            value=ends,
        )
    return ends


def roll_snapshots_from_ledger(
    ledger: LedgerReader,
    period_ends: Sequence[dt.date],
    *,
    currency_code: str,
    known_at: dt.datetime | None = None,
    buckets: Sequence[AgeBucket] = DEFAULT_BUCKETS,
) -> tuple[AgingSnapshot, ...]:
    """The ledger's period-end snapshots for :func:`roll_rates`, read through its history.

    At each end: the open invoices in ``currency_code`` by days past due (as
    :func:`bucket_balances` counts them), and what was written off on them in the period that
    ends there: the change in the total written off on the currency's invoices (their settlement
    trails) since the previous end, so a write-off undone later counts back in the period of its
    reversal.  The first end opens the window: nothing is written off before it.

    >>> from o2c.ledger import InvoiceIssued, Ledger, WrittenOff
    >>> from o2c.money import money
    >>> from o2c.terms import Instalment
    >>> at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    >>> ledger = Ledger()
    >>> _ = ledger.append([InvoiceIssued.from_instalments(fact_id="i", customer_id="C",
    ...     item_id="I", document_number="I", document_date=dt.date(2026, 1, 1), recorded_at=at,
    ...     instalments=[Instalment(number=1, due_date=dt.date(2026, 1, 31),
    ...                             amount=money("100.00", "EUR"))])])
    >>> _ = ledger.append([WrittenOff(fact_id="w", customer_id="C", effective=dt.date(2026, 3, 15),
    ...     recorded_at=at, item_id="I", amount=money("40.00", "EUR"))])
    >>> snaps = roll_snapshots_from_ledger(ledger, [dt.date(2026, 1, 31), dt.date(2026, 2, 28),
    ...     dt.date(2026, 3, 31)], currency_code="EUR")
    >>> [([str(b) for b in s.balances], str(s.written_off)) for s in snaps]
    ... # doctest: +NORMALIZE_WHITESPACE
    [(['100.00', '0', '0', '0', '0'], '0'), (['0', '100.00', '0', '0', '0'], '0'),
     (['0', '0', '60.00', '0', '0'], '40.00')]

    Raises:
        ValidationError: for period ends not strictly increasing, or buckets that leave a day
            uncovered.
    """
    code = currency(currency_code).code
    previous: Decimal | None = None
    snapshots = []
    for end in period_ends_in_order(period_ends):
        history = ledger.read(end, known_at=known_at)
        items = [i for i in history.open_items() if i.open_amount.currency.code == code]
        balances = bucket_balances(items, as_of=end, currency_code=code, buckets=buckets)
        written = sum(
            (t.written_off for t in history.settlement_trails() if t.amount.currency.code == code),
            _ZERO,
        )
        snapshots.append(
            AgingSnapshot(
                period_end=end,
                balances=[m.amount for m in balances.values()],
                written_off=_ZERO if previous is None else written - previous,
            )
        )
        previous = written
    return tuple(snapshots)


# ============================================================================================
# CECL pools


@attrs.frozen(kw_only=True)
class CeclPool:
    """A pool of receivables with similar risk and its loss-rate inputs.

    ``rate = clamp(historical_rate + qualitative + forecast, 0, 1)``: the historical loss rate
    plus additive adjustments for current conditions and reasonable, supportable forecasts.
    """

    name: str
    balance: Money
    historical_rate: Decimal = attrs.field(converter=_rate)
    qualitative: Decimal = attrs.field(default=_ZERO, converter=_req_dec)
    forecast: Decimal = attrs.field(default=_ZERO, converter=_req_dec)

    @property
    def rate(self) -> Decimal:
        """The adjusted loss rate, within 0..1."""
        return min(_ONE, max(_ZERO, self.historical_rate + self.qualitative + self.forecast))


@attrs.frozen(kw_only=True)
class CeclRow:
    """One pool's allowance."""

    pool: str
    balance: Money
    rate: Decimal
    allowance: Money


@attrs.frozen(kw_only=True)
class CeclResult:
    """The CECL allowance per pool and in total (the sum of the rounded pools)."""

    rows: tuple[CeclRow, ...]
    currency: str

    @property
    def total_balance(self) -> Money:
        """The pooled amortised cost."""
        return Money(sum((r.balance.amount for r in self.rows), _ZERO), self.currency)

    @property
    def total_allowance(self) -> Money:
        """The allowance for credit losses."""
        return Money(sum((r.allowance.amount for r in self.rows), _ZERO), self.currency)


def cecl_allowance(
    pools: Sequence[CeclPool], *, rounding: Rounding = Rounding.HALF_UP
) -> CeclResult:
    """The CECL allowance: each pool's balance x its adjusted rate, rounded to the minor unit.

    Raises:
        ValidationError: for no pools or a negative balance.
        CurrencyMismatchError: for pools in different currencies.
    """
    if not pools:
        raise ValidationError("no pools given", field="pools", value=pools)
    code = pools[0].balance.currency.code
    step = minor_unit(code)
    rows = []
    for p in pools:
        if p.balance.currency.code != code:
            raise CurrencyMismatchError(code, p.balance.currency.code, operation="pool")
        if p.balance.amount < 0:
            raise ValidationError(
                f"pool {p.name!r} has a negative balance", field="balance", value=p.balance
            )
        allowance = quantize_decimal(p.balance.amount * p.rate, step, rounding)
        rows.append(
            CeclRow(pool=p.name, balance=p.balance, rate=p.rate, allowance=Money(allowance, code))
        )
    return CeclResult(rows=tuple(rows), currency=code)


def pool_balances(
    items: Iterable[OpenItem],
    risk_classes: Mapping[str, RiskClass],
    *,
    as_of: dt.date,
    currency_code: str,
    unrated: RiskClass = RiskClass.C,
) -> dict[RiskClass, Money]:
    """Open invoice amounts pooled by the customer's risk class (``unrated`` when unknown).

    Raises:
        CurrencyMismatchError: for an item in another currency.
    """
    code = currency(currency_code).code
    totals = dict.fromkeys(RiskClass, _ZERO)
    for item in items:
        if item.kind is not ItemKind.INVOICE or item.document_date > as_of:
            continue
        if item.open_amount.currency.code != code:
            raise CurrencyMismatchError(code, item.open_amount.currency.code, operation="pool")
        if item.open_amount.amount > 0:
            totals[risk_classes.get(item.customer_id, unrated)] += item.open_amount.amount
    return {rc: Money(v, code) for rc, v in totals.items()}


# ============================================================================================
# From the ledger


def cohort_items(
    trails: Iterable[SettlementTrail],
    *,
    issued_from: dt.date,
    issued_to: dt.date,
    as_of: dt.date,
    open_as_loss_after_days: int | None = 365,
) -> tuple[CohortItem, ...]:
    """The invoices issued between ``issued_from`` and ``issued_to`` (inclusive) as a cohort.

    ``trails`` come from :func:`o2c.credit.settlement_trails` (facts as of ``as_of``).  A closed
    item brings its collections (write-offs are never collected); an item still open is left
    out while the cohort is young, and counts with its open part never collected once it is more
    than ``open_as_loss_after_days`` past due (``None``: always left out).
    """
    out = []
    for t in trails:
        if not issued_from <= t.document_date <= issued_to:
            continue
        if not t.closed:
            overdue = (as_of - t.due_date).days
            if open_as_loss_after_days is None or overdue <= open_as_loss_after_days:
                continue
        code = t.amount.currency
        out.append(
            CohortItem(
                amount=t.amount,
                due_date=t.due_date,
                payments=[
                    (s.effective, Money(s.collected, code)) for s in t.settlements if s.collected
                ],
            )
        )
    return tuple(out)


def provision_from_ledger(
    ledger: CreditLedger,
    *,
    as_of: dt.date,
    currency_code: str,
    cohort_from: dt.date,
    cohort_to: dt.date,
    known_at: dt.datetime | None = None,
    buckets: Sequence[AgeBucket] = DEFAULT_BUCKETS,
    adjustment: ForwardLooking | None = None,
    open_as_loss_after_days: int | None = 365,
) -> tuple[CohortLossRates, ProvisionMatrix]:
    """The provision matrix on ``as_of`` with loss rates from a historical cohort of the ledger.

    Loss rates come from the invoices issued between ``cohort_from`` and ``cohort_to`` (see
    :func:`cohort_items`); the balances are the open invoices on ``as_of`` by days past due.
    """
    facts = list(ledger.facts())
    trails = settlement_trails(facts, as_of=as_of, known_at=known_at)
    cohort = cohort_items(
        [t for t in trails if t.amount.currency.code == currency(currency_code).code],
        issued_from=cohort_from,
        issued_to=cohort_to,
        as_of=as_of,
        open_as_loss_after_days=open_as_loss_after_days,
    )
    rates = cohort_loss_rates(cohort, buckets=buckets)
    items = [
        i
        for i in ledger.open_items(as_of, known_at=known_at)
        if i.open_amount.currency.code == currency(currency_code).code
    ]
    balances = bucket_balances(items, as_of=as_of, currency_code=currency_code, buckets=buckets)
    return rates, provision_matrix(balances, rates.as_mapping(), adjustment=adjustment)
