"""Portfolio kernels the engine-run reports need and :mod:`o2c.portfolio` does not have yet.

Each is a :class:`o2c.portfolio.Kernel` over the columnar read model (one row per customer,
integer minor units), built from the portfolio's own open-items rule
(:func:`o2c.portfolio.items.open_items_sql`), answered by :func:`o2c.portfolio.run` and turned
into domain values by the domain's own arithmetic; tests hold each report's answer equal to the
domain path's.  They belong in :mod:`o2c.portfolio` (cohort flows beside
:mod:`o2c.portfolio.provision`, open sums beside :mod:`o2c.portfolio.items`); they live here
until that package takes them.

- :func:`cohort_flows_kernel`: a sales cohort's flows for
  :func:`o2c.credit.provisioning.cohort_loss_rates` (the amount open on entering each bucket
  and what was never collected).
- :func:`open_sums_kernel`: per customer and currency, the open amount of the items open on a
  date (what :class:`o2c.credit.exposure.OpenReceivables` sums for a customer without
  disputes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from o2c.credit.provisioning import DEFAULT_BUCKETS, AgeBucket
from o2c.money import currency
from o2c.portfolio import Kernel
from o2c.portfolio.items import date_sql, known_filter, open_items_sql
from o2c.portfolio.model import CAUSE_CODES, KIND_CODES

__all__ = ["cohort_flows_kernel", "open_sums_kernel"]


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def cohort_flows_kernel(
    as_of: dt.date,
    *,
    currency_code: str,
    issued_from: dt.date,
    issued_to: dt.date,
    known_at: dt.datetime | None = None,
    open_as_loss_after_days: int | None = 365,
    buckets: Sequence[AgeBucket] = DEFAULT_BUCKETS,
) -> Kernel:
    """Per customer the flows of the invoices dated ``issued_from`` to ``issued_to``, as of
    ``as_of`` known at ``known_at``: ``e0`` ... (the amount open on entering each bucket: the
    amount less what was collected before the bucket's first day past due) and ``never``
    (what no collection covered), combined into one row.

    The cohort is :func:`o2c.credit.provisioning.cohort_items`' over the ledger's settlement
    trails: the currency's invoices but a migration's stand-ins (no trail), issued by
    ``as_of``; one still open counts only once more than ``open_as_loss_after_days`` past due.
    What an invoice collected is what its kept allocations settled less their write-off parts
    (an allocation is kept unless a reversal known by then undid it by ``as_of``); write-offs
    collect nothing.
    """
    day = date_sql(as_of)
    code = currency(currency_code).code
    invoice = KIND_CODES["invoice"]
    allocation = CAUSE_CODES["allocation"]
    known_s = "" if known_at is None else f" AND {known_filter('s', known_at)}"
    known_i = "" if known_at is None else f" AND {known_filter('i', known_at)}"
    undone = f"s.reversed_on IS NOT NULL AND s.reversed_on <= {day}"
    if known_at is not None:
        moment = known_filter("s", known_at).replace("s.recorded", "s.reversed_recorded")
        undone += f" AND {moment}"
    # an invoice still open is left out while young (always, without a loss horizon)
    young = (
        "TRUE"
        if open_as_loss_after_days is None
        else f"{day} - i.due <= {int(open_as_loss_after_days)}"
    )
    paid = []
    for index, bucket in enumerate(buckets):
        if bucket.min_days is None:
            paid.append(f"0 AS p{index}")
        else:
            paid.append(
                f"COALESCE(SUM(s.collected) FILTER (WHERE s.day < {int(bucket.min_days)}), 0) "
                f"AS p{index}"
            )
    entered = ", ".join(
        f"CAST(SUM(GREATEST(0, amount - p{i})) AS BIGINT) AS e{i}" for i in range(len(buckets))
    )
    sql = f"""
        WITH cohort AS (
            SELECT i.item, i.customer, i.due, i.amount
            FROM items i
            LEFT JOIN ({open_items_sql(as_of, known_at, columns="i.item, i.amount")}) o
                   ON o.item = i.item
            WHERE i.kind = {invoice} AND i.currency = {_quoted(code)}
                  AND NOT COALESCE(i.stand_in, FALSE) AND i.issued <= {day}{known_i}
                  AND i.document BETWEEN {date_sql(issued_from)} AND {date_sql(issued_to)}
                  AND NOT (COALESCE(o.open, 0) > 0 AND {young})
        ),
        collected AS (
            SELECT s.item, s."on" - c.due AS day,
                   s.amount - COALESCE(s.written_off, 0) AS collected
            FROM settlements s JOIN cohort c ON c.item = s.item
            WHERE COALESCE(s.cause, {allocation}) = {allocation} AND s."on" <= {day}{known_s}
                  AND NOT ({undone})
        ),
        flows AS (
            SELECT c.customer, c.amount, {", ".join(paid)},
                   COALESCE(SUM(s.collected), 0) AS total
            FROM cohort c LEFT JOIN collected s ON s.item = c.item
            GROUP BY c.item, c.customer, c.amount
        )
        SELECT customer, {entered},
               CAST(SUM(GREATEST(0, amount - total)) AS BIGINT) AS never
        FROM flows GROUP BY customer ORDER BY customer
    """
    sums = ", ".join(f"CAST(SUM(e{i}) AS BIGINT) AS e{i}" for i in range(len(buckets)))
    combine = f"SELECT {sums}, CAST(SUM(never) AS BIGINT) AS never FROM partial"
    return Kernel(name="cohort flows", sql=sql, order=("customer",), combine=combine)


def open_sums_kernel(as_of: dt.date, *, known_at: dt.datetime | None = None) -> Kernel:
    """Per customer and currency: ``open`` (the open amount of the items open on ``as_of`` as
    known at ``known_at`` and dated by then; credits negative) and ``over_applied`` (items
    settled beyond their amount: the domain refuses them)."""
    columns = "i.customer, i.currency, i.document, i.amount"
    sql = f"""
        SELECT customer, currency,
               CAST(COALESCE(SUM(open) FILTER (WHERE document <= {date_sql(as_of)}), 0)
                    AS BIGINT) AS open,
               CAST(COUNT(*) FILTER (WHERE over_applied) AS BIGINT) AS over_applied
        FROM ({open_items_sql(as_of, known_at, columns=columns)})
        GROUP BY customer, currency ORDER BY customer, currency
    """
    return Kernel(name="open sums", sql=sql, order=("customer", "currency"))
