"""Accounts-receivable KPIs, each with its formula and its convention stated.

Every KPI is a pure function over figures (amounts as ``Money``, ``Decimal``, ``int`` or ``str``;
never floats) and returns an unrounded ``Decimal``: round where you display.  Multiplications come
before divisions, so exact inputs give exact results (``4.6M / 9M x 90`` is ``46``, not
``45.999...``).  Percentages are returned in percent and say so in their names.

==========================  ==================================================================
KPI                         formula (convention)
==========================  ==================================================================
DSO, simple                 ending receivables / credit sales x days in period
DSO, average balance        mean of the period's receivables balances / credit sales x days
DSO, countback              walk back month by month, taking each month's sales off the ending
                            receivables: full months' days + remainder / that month's sales x
                            its days
best possible DSO           current (not past due) receivables / credit sales x days
average days delinquent     DSO - best possible DSO
CEI                         (beginning AR + sales - ending AR) /
                            (beginning AR + sales - ending current AR) x 100; *sales* is the
                            period total or its monthly average (:class:`SalesConvention`)
average days to pay         mean of (paid on - document date) over paid items
weighted days to pay        sum(amount x days to pay) / sum(amount)
weighted days late          sum(amount x max(0, paid on - due date)) / sum(amount)
AR turnover                 net credit sales / average receivables;
                            days to collect = days in year / turnover
share current               current receivables / total receivables x 100
bad-debt ratio              write-offs / credit sales x 100
==========================  ==================================================================

>>> dso_simple(4_600_000, 9_000_000, 90)
Decimal('46')
>>> best_possible_dso(2_070_000, 9_000_000, 90)
Decimal('20.7')
>>> average_days_delinquent(4_600_000, 2_070_000, 9_000_000, 90)
Decimal('25.3')
>>> round(collection_effectiveness_percent(6200, 10890, 6340, 3590), 2)
Decimal('79.63')
>>> round(collection_effectiveness_percent(
...     6200, 10890, 6340, 3590, convention=SalesConvention.MONTHLY_AVERAGE, months=3), 2)
Decimal('55.93')
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

import attrs
from moneyed import Money

from o2c.errors import CurrencyMismatchError, ValidationError
from o2c.ledger import (
    ActivityKind,
    ActivityLine,
    CustomerId,
    ItemId,
    ItemKind,
    Ledger,
    OpenItem,
    SettlementTrail,
)
from o2c.money import CONTEXT, currency, to_decimal
from o2c.receivables.aging import AgingReport, age

__all__ = [
    "Kpi",
    "KpiAmount",
    "PaidItem",
    "PeriodFigures",
    "SalesConvention",
    "ar_turnover",
    "average_days_delinquent",
    "average_days_to_pay",
    "bad_debt_percent",
    "best_possible_dso",
    "collection_effectiveness_percent",
    "days_to_collect",
    "dso_average_balance",
    "dso_countback",
    "dso_simple",
    "kpi_summary",
    "monthly_sales_from_ledger",
    "net_credit_sales_and_write_offs",
    "paid_items",
    "paid_items_from_ledger",
    "paid_items_from_trails",
    "period_figures_from_ledger",
    "share_current_percent",
    "weighted_days_late",
    "weighted_days_to_pay",
]

#: An amount given as Money or as an exact number (str, int, Decimal; never a float).
KpiAmount = Money | Decimal | int | str

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


def _num(value: KpiAmount, field: str) -> Decimal:
    if isinstance(value, Money):
        return value.amount
    return to_decimal(value, field=field)


def _same_currency(values: Mapping[str, KpiAmount]) -> None:
    codes = {k: v.currency.code for k, v in values.items() if isinstance(v, Money)}
    distinct = sorted(set(codes.values()))
    if len(distinct) > 1:
        raise CurrencyMismatchError(distinct[0], distinct[1], operation="compare")


def _positive(value: Decimal, field: str) -> Decimal:
    if value <= 0:
        raise ValidationError(
            f"{field}={value} must be positive: the ratio is undefined otherwise",
            field=field,
            value=value,
        )
    return value


def _div(numerator: Decimal, denominator: Decimal) -> Decimal:
    result = CONTEXT.divide(numerator, denominator)
    return result if result else _ZERO  # a plain 0, not 0E+2


# --------------------------------------------------------------------------------------------
# DSO family


def dso_simple(receivables: KpiAmount, credit_sales: KpiAmount, days: int) -> Decimal:
    """Days sales outstanding: ending receivables / credit sales x days in the period.

    >>> dso_simple("15000", "10000", 30)
    Decimal('45')

    Raises:
        ValidationError: for credit sales that are not positive.
    """
    _same_currency({"receivables": receivables, "credit_sales": credit_sales})
    sales = _positive(_num(credit_sales, "credit_sales"), "credit_sales")
    return _div(_num(receivables, "receivables") * days, sales)


def dso_average_balance(
    balances: Sequence[KpiAmount], credit_sales: KpiAmount, days: int
) -> Decimal:
    """DSO on the average balance: mean of ``balances`` / credit sales x days.

    ``balances`` are the receivables at the points the period is sampled at (commonly the
    opening and closing balance, or each month end).

    >>> dso_average_balance(["100", "300"], "400", 30)
    Decimal('15')
    """
    if not balances:
        raise ValidationError("balances is empty: give at least one balance", field="balances")
    values = [_num(b, f"balances[{i}]") for i, b in enumerate(balances)]
    sales = _positive(_num(credit_sales, "credit_sales"), "credit_sales")
    return _div(sum(values, _ZERO) * days, sales * len(values))


def dso_countback(
    receivables: KpiAmount, monthly_sales: Sequence[tuple[KpiAmount, int]]
) -> Decimal:
    """DSO by the countback method.

    ``monthly_sales`` are ``(credit sales, days in month)`` pairs, most recent month first.
    Each month's sales are taken off the ending receivables while they fit (counting the month's
    days); the remainder counts as its share of the next month.  Receivables larger than every
    given month's sales together count all those days plus the rest at the oldest month's pace.

    >>> dso_countback("1500", [("1000", 31), ("1000", 30)])
    Decimal('46')
    >>> dso_countback("500", [("1000", 31)])
    Decimal('15.5')
    """
    if not monthly_sales:
        raise ValidationError("monthly_sales is empty", field="monthly_sales")
    left = _num(receivables, "receivables")
    days_total = _ZERO
    last_sales, last_days = _ZERO, 0
    for i, (sales_figure, days) in enumerate(monthly_sales):
        sales = _num(sales_figure, f"monthly_sales[{i}]")
        if left <= 0:
            break
        last_sales, last_days = sales, days
        if sales <= 0:
            days_total += days
            continue
        if left >= sales:
            left -= sales
            days_total += days
        else:
            return days_total + _div(left * days, sales)
    if left > 0 and last_sales > 0:
        days_total += _div(left * last_days, last_sales)
    return days_total


def best_possible_dso(
    current_receivables: KpiAmount, credit_sales: KpiAmount, days: int
) -> Decimal:
    """Best possible DSO: current (not past due) receivables / credit sales x days."""
    return dso_simple(current_receivables, credit_sales, days)


def average_days_delinquent(
    receivables: KpiAmount, current_receivables: KpiAmount, credit_sales: KpiAmount, days: int
) -> Decimal:
    """Average days delinquent: simple DSO - best possible DSO.

    >>> average_days_delinquent(25000, 6000, 15000, 30)
    Decimal('38')
    """
    return dso_simple(receivables, credit_sales, days) - best_possible_dso(
        current_receivables, credit_sales, days
    )


# --------------------------------------------------------------------------------------------
# Collection effectiveness


class SalesConvention(enum.Enum):
    """Which credit sales the CEI formula uses for a period of several months.

    The two published conventions give 79.63 % and 55.9 % for the same aged trial balance.
    """

    #: The period's total credit sales (one reading of the formula).
    PERIOD_TOTAL = "period_total"
    #: The monthly average: period sales / number of months (CreditGuru).
    MONTHLY_AVERAGE = "monthly_average"


def collection_effectiveness_percent(
    beginning_receivables: KpiAmount,
    credit_sales: KpiAmount,
    ending_receivables: KpiAmount,
    ending_current_receivables: KpiAmount,
    *,
    convention: SalesConvention = SalesConvention.PERIOD_TOTAL,
    months: int = 1,
) -> Decimal:
    """Collection effectiveness index in percent.

    ``(B + S - E) / (B + S - C) x 100`` with B the beginning receivables, S the credit sales of
    the period (or their monthly average over ``months`` under
    :attr:`SalesConvention.MONTHLY_AVERAGE`), E the ending receivables and C the ending current
    receivables.

    Raises:
        ValidationError: for ``months`` < 1 or a denominator that is not positive.
    """
    _same_currency(
        {
            "beginning_receivables": beginning_receivables,
            "credit_sales": credit_sales,
            "ending_receivables": ending_receivables,
            "ending_current_receivables": ending_current_receivables,
        }
    )
    if months < 1:
        raise ValidationError(f"months={months} must be at least 1", field="months", value=months)
    b = _num(beginning_receivables, "beginning_receivables")
    s = _num(credit_sales, "credit_sales")
    e = _num(ending_receivables, "ending_receivables")
    c = _num(ending_current_receivables, "ending_current_receivables")
    if convention is SalesConvention.MONTHLY_AVERAGE:
        # scale by months rather than divide S, so the result stays exact
        numerator = b * months + s - e * months
        denominator = b * months + s - c * months
    else:
        numerator = b + s - e
        denominator = b + s - c
    _positive(denominator, "denominator")
    return _div(numerator * _HUNDRED, denominator)


# --------------------------------------------------------------------------------------------
# Days to pay


@attrs.frozen(kw_only=True)
class PaidItem:
    """An item that was paid in full: its dates and amount (for days-to-pay KPIs)."""

    item_id: ItemId
    document_date: dt.date
    due_date: dt.date
    paid_on: dt.date
    amount: Money
    customer_id: CustomerId | None = None

    @property
    def days_to_pay(self) -> int:
        """Days from the document date to the payment."""
        return (self.paid_on - self.document_date).days

    @property
    def days_late(self) -> int:
        """Days from the due date to the payment; 0 when paid on time."""
        return max(0, (self.paid_on - self.due_date).days)


def paid_items(
    items: Iterable[OpenItem],
    settlements: Iterable[tuple[ItemId, dt.date, Money]],
) -> tuple[PaidItem, ...]:
    """The invoices fully settled by ``settlements``, paid on the date of the last one.

    ``items`` are invoices as issued (``original_amount``); ``settlements`` are
    ``(item id, effective date, amount)``.  Partly paid items are left out.
    """
    applied: dict[str, Decimal] = {}
    last: dict[str, dt.date] = {}
    for item_id, on, amount in settlements:
        applied[item_id] = applied.get(item_id, _ZERO) + amount.amount
        if item_id not in last or on > last[item_id]:
            last[item_id] = on
    result = []
    for item in items:
        if item.kind is not ItemKind.INVOICE:
            continue
        full = abs(item.original_amount.amount)
        if full and applied.get(item.item_id, _ZERO) >= full:
            result.append(
                PaidItem(
                    item_id=item.item_id,
                    document_date=item.document_date,
                    due_date=item.due_date,
                    paid_on=last[item.item_id],
                    amount=Money(full, item.original_amount.currency),
                    customer_id=item.customer_id,
                )
            )
    return tuple(result)


def average_days_to_pay(days: Iterable[int] | Iterable[PaidItem]) -> Decimal:
    """Average days to pay: the mean of the days from document date to payment.

    >>> average_days_to_pay([5, 10, 15])
    Decimal('10')

    Raises:
        ValidationError: for no items.
    """
    values = [d.days_to_pay if isinstance(d, PaidItem) else int(d) for d in days]
    if not values:
        raise ValidationError("no paid items: the average is undefined", field="days")
    return _div(Decimal(sum(values)), Decimal(len(values)))


def _weighted(items: Iterable[PaidItem], late: bool) -> Decimal:
    total = _ZERO
    weighted = _ZERO
    code = None
    for item in items:
        if code is None:
            code = item.amount.currency.code
        elif item.amount.currency.code != code:
            raise CurrencyMismatchError(code, item.amount.currency.code, operation="weigh")
        days = item.days_late if late else item.days_to_pay
        total += item.amount.amount
        weighted += item.amount.amount * days
    _positive(total, "amount")
    return _div(weighted, total)


def weighted_days_to_pay(items: Iterable[PaidItem]) -> Decimal:
    """Amount-weighted days to pay: sum(amount x days to pay) / sum(amount) (one currency)."""
    return _weighted(items, late=False)


def weighted_days_late(items: Iterable[PaidItem]) -> Decimal:
    """Amount-weighted days late: sum(amount x days after due, 0 if on time) / sum(amount)."""
    return _weighted(items, late=True)


# --------------------------------------------------------------------------------------------
# Turnover, share current, bad debt


def ar_turnover(net_credit_sales: KpiAmount, average_receivables: KpiAmount) -> Decimal:
    """Receivables turnover: net credit sales / average receivables.

    >>> round(ar_turnover(6_205_000, 335_000), 4)
    Decimal('18.5224')
    """
    _same_currency({"net_credit_sales": net_credit_sales, "receivables": average_receivables})
    receivables = _positive(_num(average_receivables, "average_receivables"), "receivables")
    return _div(_num(net_credit_sales, "net_credit_sales"), receivables)


def days_to_collect(
    net_credit_sales: KpiAmount, average_receivables: KpiAmount, days_in_year: int = 365
) -> Decimal:
    """Days to collect: days in the year / AR turnover (= receivables x days / sales).

    >>> round(days_to_collect(6_205_000, 335_000), 4)
    Decimal('19.7059')
    """
    sales = _positive(_num(net_credit_sales, "net_credit_sales"), "net_credit_sales")
    return _div(_num(average_receivables, "average_receivables") * days_in_year, sales)


def share_current_percent(current_receivables: KpiAmount, receivables: KpiAmount) -> Decimal:
    """Share of receivables not past due, in percent: current / total x 100."""
    _same_currency({"current": current_receivables, "receivables": receivables})
    total = _positive(_num(receivables, "receivables"), "receivables")
    return _div(_num(current_receivables, "current_receivables") * _HUNDRED, total)


def bad_debt_percent(write_offs: KpiAmount, credit_sales: KpiAmount) -> Decimal:
    """Bad-debt ratio in percent: write-offs / credit sales of the same period x 100.

    >>> round(bad_debt_percent(27_200, 1_785_000), 4)
    Decimal('1.5238')
    """
    _same_currency({"write_offs": write_offs, "credit_sales": credit_sales})
    sales = _positive(_num(credit_sales, "credit_sales"), "credit_sales")
    return _div(_num(write_offs, "write_offs") * _HUNDRED, sales)


# --------------------------------------------------------------------------------------------
# A period's figures and the whole set


@attrs.frozen(kw_only=True)
class Kpi:
    """One KPI value with its unit and formula, so a figure can be explained."""

    name: str
    value: Decimal
    unit: str
    formula: str


@attrs.frozen(kw_only=True)
class PeriodFigures:
    """The figures of one period the KPIs are computed from (one currency).

    ``ending_current_receivables`` is the *not due* column of the ending aging.  Build from two
    agings with :meth:`from_agings`, or give the figures directly.
    """

    start: dt.date
    end: dt.date
    beginning_receivables: Money
    ending_receivables: Money
    ending_current_receivables: Money
    credit_sales: Money
    write_offs: Money
    months: int = 1

    @property
    def days(self) -> int:
        """Days in the period (``end - start``)."""
        return (self.end - self.start).days

    @classmethod
    def from_agings(
        cls,
        beginning: AgingReport,
        ending: AgingReport,
        *,
        credit_sales: Money,
        write_offs: Money,
        months: int = 1,
    ) -> PeriodFigures:
        """Figures from the aging at the start and at the end of the period.

        The currency is that of ``credit_sales``; the current receivables are the ending aging's
        *not due* column.
        """
        code = credit_sales.currency.code
        start_row = beginning.total(code)
        end_row = ending.total(code)
        return cls(
            start=beginning.as_of,
            end=ending.as_of,
            beginning_receivables=start_row.balance,
            ending_receivables=end_row.balance,
            ending_current_receivables=end_row.not_due,
            credit_sales=credit_sales,
            write_offs=write_offs,
            months=months,
        )


def kpi_summary(
    figures: PeriodFigures,
    *,
    paid: Sequence[PaidItem] = (),
    convention: SalesConvention = SalesConvention.PERIOD_TOTAL,
    monthly_sales: Sequence[tuple[KpiAmount, int]] = (),
) -> tuple[Kpi, ...]:
    """The period's KPIs with their units and formulas.

    The days-to-pay KPIs need ``paid``; the countback DSO needs ``monthly_sales`` (newest month
    first, see :func:`monthly_sales_from_ledger`).
    """
    result = [*_dso_kpis(figures), *_collection_kpis(figures, convention)]
    if monthly_sales:  # computed last, shown after the other two DSOs
        result.insert(2, _countback_kpi(figures, monthly_sales))
    if paid:
        result += _days_to_pay_kpis(paid)
    return tuple(result)


def _dso_kpis(f: PeriodFigures) -> list[Kpi]:
    """DSO, simple and on the average balance; best possible DSO; average days delinquent."""
    days = f.days
    return [
        Kpi(
            name="DSO",
            value=dso_simple(f.ending_receivables, f.credit_sales, days),
            unit="days",
            formula="ending receivables / credit sales x days",
        ),
        Kpi(
            name="DSO (average balance)",
            value=dso_average_balance(
                [f.beginning_receivables, f.ending_receivables], f.credit_sales, days
            ),
            unit="days",
            formula="(beginning + ending receivables) / 2 / credit sales x days",
        ),
        Kpi(
            name="best possible DSO",
            value=best_possible_dso(f.ending_current_receivables, f.credit_sales, days),
            unit="days",
            formula="current receivables / credit sales x days",
        ),
        Kpi(
            name="average days delinquent",
            value=average_days_delinquent(
                f.ending_receivables, f.ending_current_receivables, f.credit_sales, days
            ),
            unit="days",
            formula="DSO - best possible DSO",
        ),
    ]


def _countback_kpi(f: PeriodFigures, monthly_sales: Sequence[tuple[KpiAmount, int]]) -> Kpi:
    return Kpi(
        name="DSO (countback)",
        value=dso_countback(f.ending_receivables, monthly_sales),
        unit="days",
        formula="whole months' days + remainder / that month's sales x its days",
    )


def _collection_kpis(f: PeriodFigures, convention: SalesConvention) -> list[Kpi]:
    """CEI, turnover and days to collect, share current and the bad-debt ratio."""
    average = Money(
        _div(f.beginning_receivables.amount + f.ending_receivables.amount, Decimal(2)),
        f.ending_receivables.currency,
    )
    return [
        Kpi(
            name="CEI",
            value=collection_effectiveness_percent(
                f.beginning_receivables,
                f.credit_sales,
                f.ending_receivables,
                f.ending_current_receivables,
                convention=convention,
                months=f.months,
            ),
            unit="%",
            formula=f"(B + S - E) / (B + S - current) x 100, S = {convention.value}",
        ),
        Kpi(
            name="AR turnover",
            value=ar_turnover(f.credit_sales, average),
            unit="times",
            formula="credit sales of the period / average receivables",
        ),
        Kpi(
            name="days to collect",
            value=days_to_collect(f.credit_sales, average, f.days),
            unit="days",
            formula="days in period / AR turnover (of the period)",
        ),
        Kpi(
            name="share current",
            value=share_current_percent(f.ending_current_receivables, f.ending_receivables),
            unit="%",
            formula="current receivables / receivables x 100",
        ),
        Kpi(
            name="bad-debt ratio",
            value=bad_debt_percent(f.write_offs, f.credit_sales),
            unit="%",
            formula="write-offs / credit sales x 100",
        ),
    ]


def _days_to_pay_kpis(paid: Sequence[PaidItem]) -> list[Kpi]:
    """Average and weighted days to pay, weighted days late, over the paid items."""
    return [
        Kpi(
            name="average days to pay",
            value=average_days_to_pay(paid),
            unit="days",
            formula="mean(paid on - document date)",
        ),
        Kpi(
            name="weighted days to pay",
            value=weighted_days_to_pay(paid),
            unit="days",
            formula="sum(amount x days to pay) / sum(amount)",
        ),
        Kpi(
            name="weighted days late",
            value=weighted_days_late(paid),
            unit="days",
            formula="sum(amount x days late) / sum(amount)",
        ),
    ]


# --------------------------------------------------------------------------------------------
# From the ledger


_SALES = (ActivityKind.INVOICE, ActivityKind.CREDIT_MEMO)


def net_credit_sales_and_write_offs(
    lines: Iterable[ActivityLine], code: str
) -> tuple[list[tuple[dt.date, Decimal]], Decimal]:
    """The dated net credit sales and the total written off in ``code`` among activity lines.

    Net credit sales are the invoices (positive) and credit memos (negative), each with the date
    it is effective; write-offs are summed as a positive amount.  Lines in other currencies are
    left out.  The KPIs' period figures (:func:`period_figures_from_ledger`,
    :func:`monthly_sales_from_ledger`) and the reports' DSO trend read sales this way.

    >>> from o2c.ledger import ActivityKind, ActivityLine
    >>> from o2c.money import money
    >>> on = dt.date(2026, 3, 2)
    >>> lines = [ActivityLine(on=on, kind=ActivityKind.INVOICE, document="I1",
    ...                       amount=money("100.00", "EUR")),
    ...          ActivityLine(on=on, kind=ActivityKind.CREDIT_MEMO, document="C1",
    ...                       amount=money("-20.00", "EUR")),
    ...          ActivityLine(on=on, kind=ActivityKind.WRITE_OFF, document="I1",
    ...                       amount=money("-5.00", "EUR"))]
    >>> sales, written = net_credit_sales_and_write_offs(lines, "EUR")
    >>> [str(amount) for _, amount in sales], written
    (['100.00', '-20.00'], Decimal('5.00'))

    Returns:
        ``(sales, write_offs)``: ``(effective date, amount)`` pairs, and the written-off total.
    """
    sales: list[tuple[dt.date, Decimal]] = []
    write_offs = _ZERO
    for line in lines:
        if line.amount.currency.code != code:
            continue
        if line.kind in _SALES:
            sales.append((line.on, line.amount.amount))
        elif line.kind is ActivityKind.WRITE_OFF:
            write_offs += abs(line.amount.amount)
    return sales, write_offs


def period_figures_from_ledger(
    ledger: Ledger,
    start: dt.date,
    end: dt.date,
    currency_code: str,
    *,
    known_at: dt.datetime | None = None,
    months: int = 1,
) -> PeriodFigures:
    """A period's figures from the ledger, for one currency.

    The period runs from the end of ``start`` to the end of ``end``: receivables are the ledger's
    balances on ``start`` and on ``end`` (credits netted), current receivables the *not due*
    column of the aging on ``end`` (due today is not due), credit sales the invoices effective in
    the period less the credit memos effective in it (net credit sales), write-offs the
    write-offs effective in it; all as known at ``known_at`` (everything recorded when ``None``).
    """
    code = currency_code.upper()
    begin = age(ledger.open_items(start, known_at=known_at), start, detail=False)
    ending = age(ledger.open_items(end, known_at=known_at), end, detail=False)
    lines = ledger.read(end, known_at=known_at).activity(after=start)
    sales, write_offs = net_credit_sales_and_write_offs(lines, code)
    cur = begin.total(code).balance.currency
    return PeriodFigures.from_agings(
        begin,
        ending,
        credit_sales=Money(sum((amount for _, amount in sales), _ZERO), cur),
        write_offs=Money(write_offs, cur),
        months=months,
    )


def paid_items_from_ledger(
    ledger: Ledger,
    start: dt.date,
    end: dt.date,
    *,
    known_at: dt.datetime | None = None,
) -> tuple[PaidItem, ...]:
    """The invoice items (per instalment) paid in full in the period ``(start, end]``.

    Read from the ledger's settlement trails as of ``end``: an item is paid on
    :attr:`~o2c.ledger.SettlementTrail.collected_on` (the effective date of its last kept
    allocation once nothing is open; reversed allocations do not count); items closed wholly or
    partly by a write-off are not paid items, nor is a migration's stand-in for documents settled
    before it (``InvoiceIssued.stand_in``: it has no trail).
    """
    return paid_items_from_trails(
        ledger.read(end, known_at=known_at).settlement_trails(), start, end
    )


def paid_items_from_trails(
    trails: Iterable[SettlementTrail], start: dt.date, end: dt.date
) -> tuple[PaidItem, ...]:
    """The trails collected in full in the period ``(start, end]`` as :class:`PaidItem` values
    (see :func:`paid_items_from_ledger`), for a caller that has read the ledger already."""
    result = []
    for trail in trails:
        paid_on = trail.collected_on
        if paid_on is None or not start < paid_on <= end:
            continue
        result.append(
            PaidItem(
                item_id=trail.item_id,
                document_date=trail.document_date,
                due_date=trail.due_date,
                paid_on=paid_on,
                amount=trail.amount,
                customer_id=trail.customer_id,
            )
        )
    return tuple(result)


def monthly_sales_from_ledger(
    ledger: Ledger,
    end: dt.date,
    months: int,
    currency_code: str,
    *,
    known_at: dt.datetime | None = None,
) -> list[tuple[Money, int]]:
    """Net credit sales per calendar month, newest first, for :func:`dso_countback`.

    The newest month is ``end``'s month up to ``end`` (its days counted to ``end``); each pair
    is ``(invoices less credit memos effective in the month, days in it)``.
    """
    code = currency_code.upper()
    bounds: list[tuple[dt.date, dt.date]] = []
    last = end
    for _ in range(months):
        first = last.replace(day=1)
        bounds.append((first - dt.timedelta(days=1), last))
        last = first - dt.timedelta(days=1)
    sales, _ = net_credit_sales_and_write_offs(ledger.read(end, known_at=known_at).movements, code)
    sums = [_ZERO] * months
    for on, amount in sales:
        for i, (before, last_day) in enumerate(bounds):
            if before < on <= last_day:
                sums[i] += amount
                break
    cur = currency(code)
    return [
        (Money(total, cur), (last_day - before).days)
        for total, (before, last_day) in zip(sums, bounds, strict=True)
    ]
