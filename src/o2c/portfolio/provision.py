"""Expected credit loss over a whole portfolio: bucket balances, the provision matrix, roll rates.

The engine computes what needs every item — the open invoices of one currency by days past due at
one or more dates, and what was written off on them up to each date — in integer minor units; the
arithmetic on those few sums (loss rates, the matrix, the roll-rate products) is the domain's own
(:func:`~o2c.credit.provisioning.provision_matrix`, :func:`~o2c.credit.provisioning.roll_rates`),
so the two paths share every rule but the scan.  Property tests hold the portfolio's answers equal
to :func:`~o2c.credit.provisioning.bucket_balances` and
:func:`~o2c.credit.provisioning.roll_snapshots_from_ledger` over the same facts.

The read model carries no disputes, so the disputed part of an invoice cannot be left out here
(the domain's ``exclude_disputed``).

>>> import datetime as dt
>>> import pyarrow as pa
>>> from decimal import Decimal
>>> from o2c.adapters.duckdb import DuckDBEngine
>>> from o2c.portfolio import from_tables
>>> items = pa.table({"customer": ["A", "A", "B"], "kind": ["invoice"] * 3,
...     "document": [dt.date(2026, 1, 5)] * 3,
...     "due": [dt.date(2026, 2, 4), dt.date(2026, 3, 20), dt.date(2026, 1, 10)],
...     "amount": pa.array([100_000, 40_000, 25_000], pa.int64())})
>>> settlements = pa.table({"item": pa.array([0], pa.int64()), "on": [dt.date(2026, 3, 2)],
...     "amount": pa.array([30_000], pa.int64())})
>>> model = from_tables(items, settlements, currency_code="EUR")
>>> engine = DuckDBEngine(threads=1)
>>> {k: str(v.amount) for k, v in portfolio_bucket_balances(
...     model, dt.date(2026, 3, 31), engine, currency_code="EUR").items()}
{'current': '0.00', '1-30': '400.00', '31-60': '700.00', '61-90': '250.00', '91+': '0.00'}
>>> rates = {"current": Decimal("0.01"), "1-30": Decimal("0.05"), "31-60": Decimal("0.1"),
...          "61-90": Decimal("0.3"), "91+": Decimal("0.8")}
>>> portfolio_provision(model, dt.date(2026, 3, 31), engine, rates,
...                     currency_code="EUR").total_provision
Money('165.00', 'EUR')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from moneyed import Money

from o2c.credit.provisioning import (
    DEFAULT_BUCKETS,
    AgeBucket,
    AgingSnapshot,
    CohortLossRates,
    ForwardLooking,
    ProvisionMatrix,
    RollRates,
    period_ends_in_order,
    provision_matrix,
    roll_rates,
)
from o2c.errors import ValidationError
from o2c.money import Rounding, currency, from_minor
from o2c.portfolio.cohorts import portfolio_cohort_loss_rates
from o2c.portfolio.engine import Engine, Kernel, run
from o2c.portfolio.items import check_not_over_applied, date_sql, known_filter, open_items_sql
from o2c.portfolio.model import KIND_CODES, ReadModel

__all__ = [
    "portfolio_bucket_balances",
    "portfolio_cohort_provision",
    "portfolio_provision",
    "portfolio_roll_rates",
    "portfolio_roll_snapshots",
    "snapshots_kernel",
]


def _bucket_case(buckets: Sequence[AgeBucket]) -> str:
    """SQL placing a days-past-due (``dpd``) in the first bucket that contains it
    (:meth:`AgeBucket.contains`, term by term), ``-1`` when none does."""
    whens = []
    for index, bucket in enumerate(buckets):
        terms = []
        if bucket.min_days is not None:
            terms.append(f"dpd >= {int(bucket.min_days)}")
        if bucket.max_days is not None:
            terms.append(f"dpd <= {int(bucket.max_days)}")
        whens.append(f"WHEN {' AND '.join(terms) or 'TRUE'} THEN {index}")
    return "CASE " + " ".join(whens) + " ELSE -1 END"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def snapshots_kernel(
    period_ends: Sequence[dt.date],
    *,
    currency_code: str,
    known_at: dt.datetime | None = None,
    buckets: Sequence[AgeBucket] = DEFAULT_BUCKETS,
) -> Kernel:
    """Per customer and period end: the open invoices in the currency by bucket (``b0`` ...),
    the total written off on the currency's invoices by then (``written``), items no bucket
    holds (``uncovered``) and items settled beyond their amount (``over_applied``); combined
    into one row per period end (``period`` is the end's position).

    An invoice counts as the domain's :func:`~o2c.credit.provisioning.bucket_balances` counts it:
    open by the end, issued by it, an open amount above zero.  The written-off total is what the
    settlement trails hold: write-offs and the write-off parts of allocations (negated by their
    reversals), effective by the end, of invoices other than a migration's stand-ins (which
    have no trail).
    """
    code = currency(currency_code).code
    invoice = KIND_CODES["invoice"]
    names = [f"b{i}" for i in range(len(buckets))]
    known_s = "" if known_at is None else f" AND {known_filter('s', known_at)}"
    known_i = "" if known_at is None else f" AND {known_filter('i', known_at)}"
    parts = []
    for position, end in enumerate(period_ends_in_order(period_ends)):
        day = date_sql(end)
        columns = "i.customer, i.currency, i.kind, i.amount, i.document, i.due"
        pivot = ", ".join(
            f"COALESCE(SUM(open) FILTER (WHERE col = {i}), 0) AS {name}"
            for i, name in enumerate(names)
        )
        parts.append(f"""
            SELECT customer, {position} AS period, {pivot},
                   COUNT(*) FILTER (WHERE col = -1) AS uncovered,
                   COUNT(*) FILTER (WHERE over_applied) AS over_applied, 0 AS written
            FROM (
                SELECT *, {_bucket_case(buckets)} AS col
                FROM (SELECT *, {day} - due AS dpd
                      FROM ({open_items_sql(end, known_at, columns=columns)}))
                WHERE kind = {invoice} AND currency = {_quoted(code)}
                      AND document <= {day} AND (open > 0 OR over_applied)
            )
            GROUP BY customer
            UNION ALL
            SELECT i.customer, {position} AS period, {", ".join(f"0 AS {n}" for n in names)},
                   0 AS uncovered, 0 AS over_applied,
                   COALESCE(SUM(s.written_off), 0) AS written
            FROM settlements s JOIN items i ON i.item = s.item
            WHERE i.kind = {invoice} AND i.currency = {_quoted(code)} AND NOT i.stand_in
                  AND i.issued <= {day} AND s."on" <= {day}{known_s}{known_i}
            GROUP BY i.customer
        """)
    sums = ", ".join(f"CAST(SUM({n}) AS BIGINT) AS {n}" for n in names)
    tail = "CAST(SUM(uncovered) AS BIGINT) AS uncovered, "
    tail += "CAST(SUM(over_applied) AS BIGINT) AS over_applied, "
    tail += "CAST(SUM(written) AS BIGINT) AS written"
    sql = f"""
        SELECT customer, period, {sums}, {tail}
        FROM ({" UNION ALL ".join(parts)})
        GROUP BY customer, period ORDER BY customer, period
    """
    combine = f"""
        SELECT period, {sums}, {tail} FROM partial GROUP BY period ORDER BY period
    """
    return Kernel(name="snapshots", sql=sql, order=("customer", "period"), combine=combine)


def _snapshot_rows(
    model: ReadModel,
    period_ends: Sequence[dt.date],
    engine: Engine,
    *,
    currency_code: str,
    known_at: dt.datetime | None,
    buckets: Sequence[AgeBucket],
) -> list[dict[str, Any]]:
    ends = period_ends_in_order(period_ends)
    kernel = snapshots_kernel(ends, currency_code=currency_code, known_at=known_at, buckets=buckets)
    rows = {r["period"]: r for r in run(engine, kernel, model).to_pylist()}
    check_not_over_applied([r["over_applied"] for r in rows.values()], ends[-1])
    if any(r["uncovered"] for r in rows.values()):
        raise ValidationError(
            "some invoices are past due by a number of days no bucket holds: make the buckets "
            "cover every day",
            field="buckets",
            value=tuple(b.label for b in buckets),
        )
    empty = {f"b{i}": 0 for i in range(len(buckets))} | {"written": 0}
    return [rows.get(position, empty) for position in range(len(ends))]


def portfolio_bucket_balances(
    model: ReadModel,
    as_of: dt.date,
    engine: Engine,
    *,
    currency_code: str,
    known_at: dt.datetime | None = None,
    buckets: Sequence[AgeBucket] = DEFAULT_BUCKETS,
) -> dict[str, Money]:
    """The gross carrying amount per bucket on ``as_of`` (as
    :func:`~o2c.credit.provisioning.bucket_balances` over the ledger's open items).

    Raises:
        ValidationError: for buckets that leave a day uncovered.
        OverApplicationError: an item settled beyond its amount.
    """
    [row] = _snapshot_rows(
        model, [as_of], engine, currency_code=currency_code, known_at=known_at, buckets=buckets
    )
    code = currency(currency_code).code
    return {b.label: from_minor(int(row[f"b{i}"]), code) for i, b in enumerate(buckets)}


def portfolio_provision(
    model: ReadModel,
    as_of: dt.date,
    engine: Engine,
    loss_rates: Mapping[str, Decimal],
    *,
    currency_code: str,
    known_at: dt.datetime | None = None,
    buckets: Sequence[AgeBucket] = DEFAULT_BUCKETS,
    adjustment: ForwardLooking | None = None,
    rounding: Rounding = Rounding.HALF_UP,
) -> ProvisionMatrix:
    """The provision matrix on ``as_of``: the portfolio's bucket balances times the (adjusted)
    loss rates, by the domain's :func:`~o2c.credit.provisioning.provision_matrix`."""
    balances = portfolio_bucket_balances(
        model, as_of, engine, currency_code=currency_code, known_at=known_at, buckets=buckets
    )
    return provision_matrix(balances, loss_rates, adjustment=adjustment, rounding=rounding)


def portfolio_roll_snapshots(
    model: ReadModel,
    period_ends: Sequence[dt.date],
    engine: Engine,
    *,
    currency_code: str,
    known_at: dt.datetime | None = None,
    buckets: Sequence[AgeBucket] = DEFAULT_BUCKETS,
) -> tuple[AgingSnapshot, ...]:
    """The period-end snapshots of the portfolio, as
    :func:`~o2c.credit.provisioning.roll_snapshots_from_ledger` reads them from a ledger."""
    code = currency(currency_code).code
    rows = _snapshot_rows(
        model, period_ends, engine, currency_code=code, known_at=known_at, buckets=buckets
    )
    snapshots = []
    previous: int | None = None
    for end, row in zip(period_ends_in_order(period_ends), rows, strict=True):
        written = int(row["written"])
        snapshots.append(
            AgingSnapshot(
                period_end=end,
                balances=[from_minor(int(row[f"b{i}"]), code).amount for i in range(len(buckets))],
                written_off=(
                    Decimal(0) if previous is None else from_minor(written - previous, code).amount
                ),
            )
        )
        previous = written
    return tuple(snapshots)


def portfolio_roll_rates(
    model: ReadModel,
    period_ends: Sequence[dt.date],
    engine: Engine,
    *,
    currency_code: str,
    known_at: dt.datetime | None = None,
    buckets: Sequence[AgeBucket] = DEFAULT_BUCKETS,
) -> RollRates:
    """Roll rates (and the loss rates they imply) over the portfolio's period-end snapshots, by
    the domain's :func:`~o2c.credit.provisioning.roll_rates`."""
    snapshots = portfolio_roll_snapshots(
        model, period_ends, engine, currency_code=currency_code, known_at=known_at, buckets=buckets
    )
    return roll_rates(snapshots, buckets=buckets)


def portfolio_cohort_provision(
    model: ReadModel,
    as_of: dt.date,
    engine: Engine,
    *,
    currency_code: str,
    cohort_from: dt.date,
    cohort_to: dt.date,
    known_at: dt.datetime | None = None,
    buckets: Sequence[AgeBucket] = DEFAULT_BUCKETS,
    adjustment: ForwardLooking | None = None,
    open_as_loss_after_days: int | None = 365,
) -> tuple[CohortLossRates, ProvisionMatrix]:
    """The provision matrix on ``as_of`` with loss rates from the invoices issued between
    ``cohort_from`` and ``cohort_to``: what :func:`~o2c.credit.provisioning.provision_from_ledger`
    gives over the same facts (the cohort pooled by
    :func:`~o2c.portfolio.cohorts.portfolio_cohort_loss_rates`, the balances by
    :func:`portfolio_bucket_balances`).

    Raises:
        ValidationError: see :func:`~o2c.portfolio.cohorts.cohort_kernel`.
    """
    rates = portfolio_cohort_loss_rates(
        model,
        as_of,
        engine,
        currency_code=currency_code,
        issued_from=cohort_from,
        issued_to=cohort_to,
        known_at=known_at,
        buckets=buckets,
        open_as_loss_after_days=open_as_loss_after_days,
    ).pooled
    balances = portfolio_bucket_balances(
        model, as_of, engine, currency_code=currency_code, known_at=known_at, buckets=buckets
    )
    return rates, provision_matrix(balances, rates.as_mapping(), adjustment=adjustment)
