"""Behavioural-score features of every customer of a portfolio, as of a day known at a time.

The features are what the domain's scorecard (:func:`o2c.credit.behavioural_score`, the risk
classes of collections' priorities) reads from a customer's payment records and open items:

- ``median_days_late``: the amount-weighted (lower) median days late of the customer's paid
  invoice items and of its open invoice items overdue so far (their days past due, weighted by
  the open amount): the ``lateness`` factor;
- ``tail_share``: the share of that amount more than 30 days late (the ``tail`` factor);
- ``recent_median`` / ``before_median`` / ``trend``: the median days late of the last
  ``trend_window`` payments, of the ``trend_window`` before, and their difference (the
  ``trend`` factor; ``None`` with fewer than twice the window);
- ``records`` and ``observations``: how many payment records, and records plus overdue items.

A payment record is the ledger's (:func:`o2c.credit.records_from_trails` over the history's
settlement trails as of ``as_of``, known at ``known_at``): an invoice item (not a migration's
stand-in) settled in full by kept allocations with nothing written off, paid on the date of its
last kept allocation, known from the day its last allocation was recorded (a UTC day), counted
once known by ``as_of``.  Weights are the amounts in currency units (a customer paying in two
currencies has its amounts weighed as the domain weighs them: as numbers).

The engine sums integers (amounts scaled to a common number of decimals); the medians are exact
days and the share is the domain's 28-digit quotient of the same two sums, so every feature is
the domain's to the last digit.  The read model carries no disputes and no credit limits: the
``disputes`` and ``utilisation`` factors are not features here.

>>> import datetime as dt
>>> import pyarrow as pa
>>> from o2c.adapters.duckdb import DuckDBEngine
>>> from o2c.portfolio import from_tables
>>> items = pa.table({"customer": ["A", "A", "A", "B"], "kind": ["invoice"] * 4,
...     "item_id": ["I1", "I2", "I3", "I4"],
...     "document": [dt.date(2026, 1, 1)] * 4,
...     "due": [dt.date(2026, 1, 31), dt.date(2026, 2, 10), dt.date(2026, 2, 28),
...             dt.date(2026, 2, 1)],
...     "amount": pa.array([10_000, 30_000, 5_000, 700], pa.int64())})
>>> paid = pa.table({"item": pa.array([0, 1], pa.int64()),
...     "on": [dt.date(2026, 2, 5), dt.date(2026, 3, 20)],
...     "amount": pa.array([10_000, 30_000], pa.int64()),
...     "cause": ["allocation", "allocation"]})
>>> model = from_tables(items, paid, currency_code="EUR")
>>> a, b = portfolio_behaviour_features(model, dt.date(2026, 3, 31), DuckDBEngine(threads=1))
>>> a.customer_id, a.records, a.observations, a.median_days_late, a.tail_share
('A', 2, 3, Decimal('38'), Decimal('0.7777777777777777777777777778'))
>>> b.customer_id, b.records, b.median_days_late, b.trend
('B', 0, Decimal('58'), None)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs

from o2c._optional import require
from o2c.credit.behaviour import _TAIL_DAYS
from o2c.credit.exposure import SCORE_CONTEXT
from o2c.errors import ValidationError
from o2c.ledger.ids import CustomerId
from o2c.money import currency, minor_units
from o2c.portfolio.engine import Engine, Kernel, run
from o2c.portfolio.items import date_sql, known_filter
from o2c.portfolio.model import CAUSE_CODES, KIND_CODES, ReadModel, arrow

__all__ = [
    "BehaviourFeatures",
    "behaviour_kernel",
    "behaviour_table",
    "portfolio_behaviour_features",
]

#: Microseconds in a day: a recording time's UTC day is its epoch microseconds over this.
_DAY_US = 86_400_000_000
_EPOCH = dt.date(1970, 1, 1)


def _scales(codes: list[str]) -> tuple[str, int]:
    """A SQL expression scaling ``amount`` of ``currency`` to the most decimals among ``codes``
    (so amounts in currency units compare as integers), and that number of decimals."""
    digits = {code: minor_units(currency(code)) for code in codes}
    top = max(digits.values(), default=0)
    whens = " ".join(
        f"WHEN '{code}' THEN {10 ** (top - d)}" for code, d in sorted(digits.items()) if d != top
    )
    return (f"(CASE currency {whens} ELSE 1 END)" if whens else "1"), top


def behaviour_kernel(
    as_of: dt.date,
    *,
    known_at: dt.datetime | None = None,
    trend_window: int = 6,
    currencies: tuple[str, ...] = (),
) -> Kernel:
    """Per customer: ``records``, ``observations``, the weighted ``median`` days late (null
    without weight), the ``tail`` and ``total`` weights (amounts scaled to the most decimals of
    ``currencies``), the ``recent`` and ``before`` medians of the trend (null with fewer than
    ``2 x trend_window`` records).

    Raises:
        ValidationError: ``trend_window`` below 1, a naive ``known_at``.
    """
    if trend_window < 1:
        raise ValidationError(
            f"trend_window={trend_window} must be 1 or more payments",
            field="trend_window",
            value=trend_window,
        )
    day = date_sql(as_of)
    today = (as_of - _EPOCH).days
    scale, _ = _scales(list(currencies))
    allocation = CAUSE_CODES["allocation"]
    undone = (
        f"(st.reversed_on IS NOT NULL AND st.reversed_on <= {day} AND "
        + known_filter("st", known_at).replace("st.recorded", "st.reversed_recorded")
        + ")"
    )
    kept = f"st.cause = {allocation} AND NOT {undone}"
    middle = -(-trend_window // 2)  # the lower median of a window: its ceil(n / 2)-th value
    sql = f"""
        WITH it AS (
            SELECT i.item, i.customer, i.item_id, i.stand_in, i.due, i.amount,
                   {scale} AS scale, i.amount * {scale} AS weight
            FROM items i
            WHERE i.kind = {KIND_CODES["invoice"]} AND i.issued <= {day}
              AND {known_filter("i", known_at)}
        ),
        per_item AS (
            SELECT it.item, it.customer, it.item_id, it.stand_in, it.due, it.amount, it.scale,
                   it.weight,
                   it.amount - COALESCE(SUM(st.amount), 0) AS open,
                   COALESCE(SUM(st.written_off), 0) AS wo,
                   MAX(st."on") FILTER (WHERE {kept}) AS paid_on,
                   MAX(epoch_us(st.recorded) // {_DAY_US}) FILTER (WHERE {kept}) AS known_day
            FROM it LEFT JOIN settlements st
                 ON st.item = it.item AND st."on" <= {day} AND {known_filter("st", known_at)}
            GROUP BY it.item, it.customer, it.item_id, it.stand_in, it.due, it.amount, it.scale,
                     it.weight
        ),
        records AS (
            SELECT customer, item, item_id, paid_on, CAST(paid_on - due AS BIGINT) AS late,
                   ABS(weight) AS w
            FROM per_item
            WHERE NOT stand_in AND open <= 0 AND wo <= 0 AND paid_on IS NOT NULL
              AND COALESCE(known_day, paid_on - DATE '1970-01-01') <= {today}
        ),
        obs AS (
            SELECT customer, late, w, 1 AS record FROM records
            UNION ALL
            SELECT customer, CAST({day} - due AS BIGINT) AS late, open * scale AS w,
                   0 AS record
            FROM per_item WHERE open > 0 AND due < {day}
        ),
        by_day AS (
            SELECT customer, late, SUM(w) AS w FROM obs WHERE w > 0 GROUP BY customer, late
        ),
        running AS (
            SELECT customer, late,
                   SUM(w) OVER (PARTITION BY customer ORDER BY late
                                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run,
                   SUM(w) OVER (PARTITION BY customer) AS total
            FROM by_day
        ),
        medians AS (
            SELECT customer, MIN(late) FILTER (WHERE 2 * run >= total) AS median
            FROM running GROUP BY customer
        ),
        sums AS (
            SELECT customer, COUNT(*) FILTER (WHERE record = 1) AS records,
                   COUNT(*) AS observations,
                   COALESCE(SUM(w) FILTER (WHERE late > {int(_TAIL_DAYS)}), 0) AS tail,
                   SUM(w) AS total
            FROM obs GROUP BY customer
        ),
        ranked AS (
            SELECT customer, late,
                   ROW_NUMBER() OVER (PARTITION BY customer
                                      ORDER BY paid_on DESC, item_id DESC, item DESC) AS rn
            FROM records
        ),
        trend AS (
            SELECT customer,
                   list_sort(list(late) FILTER (WHERE rn <= {trend_window}))[{middle}] AS recent,
                   list_sort(list(late) FILTER (WHERE rn > {trend_window}))[{middle}] AS before
            FROM ranked WHERE rn <= {2 * trend_window}
            GROUP BY customer HAVING COUNT(*) = {2 * trend_window}
        )
        SELECT s.customer, CAST(s.records AS BIGINT) AS records,
               CAST(s.observations AS BIGINT) AS observations,
               CAST(m.median AS BIGINT) AS median, CAST(s.tail AS BIGINT) AS tail,
               CAST(s.total AS BIGINT) AS total,
               CAST(t.recent AS BIGINT) AS recent, CAST(t.before AS BIGINT) AS before
        FROM sums s LEFT JOIN medians m USING (customer) LEFT JOIN trend t USING (customer)
        ORDER BY s.customer
    """
    return Kernel(name="behaviour", sql=sql, order=("customer",))


def _currencies(model: ReadModel) -> tuple[str, ...]:
    arrow()
    pc = require("pyarrow.compute", extra="portfolio", feature="the columnar read model")
    return tuple(sorted(c for c in pc.unique(model.items.column("currency")).to_pylist() if c))


def behaviour_table(
    model: ReadModel,
    as_of: dt.date,
    engine: Engine,
    *,
    known_at: dt.datetime | None = None,
    trend_window: int = 6,
) -> Any:
    """The features' sums as an Arrow table, one row per customer with an observation (see
    :func:`behaviour_kernel`; weights in units of the ``10^-d`` of the model's currencies with
    the most decimals ``d``)."""
    kernel = behaviour_kernel(
        as_of, known_at=known_at, trend_window=trend_window, currencies=_currencies(model)
    )
    return run(engine, kernel, model)


@attrs.frozen(kw_only=True)
class BehaviourFeatures:
    """A customer's behavioural-score features on ``as_of`` (see the module): the values the
    scorecard's ``lateness``, ``tail`` and ``trend`` factors score (``None``: without data)."""

    customer_id: CustomerId
    as_of: dt.date
    records: int
    observations: int
    median_days_late: Decimal | None
    tail_share: Decimal | None
    recent_median: int | None
    before_median: int | None

    @property
    def trend(self) -> Decimal | None:
        """Recent median days late less the one before (positive: paying later)."""
        if self.recent_median is None or self.before_median is None:
            return None
        return Decimal(self.recent_median - self.before_median)


def portfolio_behaviour_features(
    model: ReadModel,
    as_of: dt.date,
    engine: Engine,
    *,
    known_at: dt.datetime | None = None,
    trend_window: int = 6,
) -> tuple[BehaviourFeatures, ...]:
    """Every customer's features with at least one payment record or overdue open invoice
    item, by customer id: what :func:`o2c.credit.behavioural_score` reads from the ledger's
    payment records and open items as of ``as_of`` known at ``known_at``.

    Raises:
        ValidationError: see :func:`behaviour_kernel`.
    """
    table = behaviour_table(model, as_of, engine, known_at=known_at, trend_window=trend_window)
    out = []
    for row in table.to_pylist():
        median = row["median"]
        total = int(row["total"] or 0)
        out.append(
            BehaviourFeatures(
                customer_id=CustomerId(row["customer"]),
                as_of=as_of,
                records=int(row["records"]),
                observations=int(row["observations"]),
                median_days_late=None if median is None else Decimal(median),
                tail_share=(
                    None
                    if median is None or total <= 0
                    else SCORE_CONTEXT.divide(Decimal(int(row["tail"])), Decimal(total))
                ),
                recent_median=row["recent"],
                before_median=row["before"],
            )
        )
    return tuple(out)
