"""Portfolio kernels the engine-run reports need and :mod:`o2c.portfolio` does not have yet.

Each is a :class:`o2c.portfolio.Kernel` over the columnar read model (one row per customer,
integer minor units), built from the portfolio's own open-items rule
(:func:`o2c.portfolio.items.open_items_sql`), answered by :func:`o2c.portfolio.run` and turned
into domain values by the domain's own arithmetic; tests hold each report's answer equal to the
domain path's.  They belong in :mod:`o2c.portfolio` (beside :mod:`o2c.portfolio.items`); they
live here until that package takes them.

- :func:`open_sums_kernel`: per customer and currency, the open amount of the items open on a
  date (what :class:`o2c.credit.exposure.OpenReceivables` sums for a customer without
  disputes).
"""

from __future__ import annotations

import datetime as dt

from o2c.portfolio import Kernel
from o2c.portfolio.items import date_sql, open_items_sql

__all__ = ["open_sums_kernel"]


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
