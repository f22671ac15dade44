"""Open items on a date as known at a time: the read model's one rule, as SQL for every kernel.

:func:`open_items_sql` is the query every kernel that needs open amounts starts from (aging,
candidates, KPIs): an item counts when it was issued by ``as_of`` and recorded by ``known_at``;
its open amount is its amount less (for a credit: plus) the settlements effective by ``as_of``
and recorded by ``known_at``.  :func:`open_items_table` answers the open items themselves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from o2c.errors import ValidationError
from o2c.portfolio.engine import Engine, Kernel, run
from o2c.portfolio.model import KIND_CODES, ReadModel

__all__ = ["date_sql", "known_filter", "open_items_kernel", "open_items_sql", "open_items_table"]


def date_sql(value: dt.date) -> str:
    """A date as a SQL literal."""
    return f"DATE '{value.isoformat()}'"


def known_filter(alias: str, known_at: dt.datetime | None) -> str:
    """The SQL condition "recorded by ``known_at``" on a table alias (``TRUE`` for ``None``).

    >>> known_filter("s", None)
    'TRUE'
    >>> known_filter("s", dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
    "(s.recorded IS NULL OR s.recorded <= TIMESTAMPTZ '2026-03-01T12:00:00+00:00')"

    Raises:
        ValidationError: a naive ``known_at``.
    """
    if known_at is None:
        return "TRUE"
    if known_at.tzinfo is None or known_at.utcoffset() is None:
        raise ValidationError(
            f"known_at={known_at!r} must be timezone-aware (recording times are), e.g. "
            "datetime(..., tzinfo=timezone.utc)",
            field="known_at",
            value=known_at,
        )
    moment = known_at.astimezone(dt.UTC).isoformat()
    return f"({alias}.recorded IS NULL OR {alias}.recorded <= TIMESTAMPTZ '{moment}')"


def open_items_sql(
    as_of: dt.date, known_at: dt.datetime | None = None, columns: str = "i.*"
) -> str:
    """A query of the items open on ``as_of`` as known at ``known_at``, with ``open`` (minor
    units, negative for credits) and ``over_applied`` (settled beyond the amount: a read model no
    ledger holds); ``columns`` are the items' columns it keeps (of the alias ``i``, ``amount``
    among them).

    The plan a hand-written query has: the settlements summed per item, one join, one filter.
    """
    day = date_sql(as_of)
    known_s = "" if known_at is None else f" AND {known_filter('s', known_at)}"
    known_i = "" if known_at is None else f" AND {known_filter('i', known_at)}"
    return f"""
        SELECT *, (amount >= 0 AND open < 0) OR (amount < 0 AND open > 0) AS over_applied
        FROM (
            SELECT {columns}, CASE WHEN i.amount >= 0 THEN i.amount - COALESCE(a.done, 0)
                                   ELSE i.amount + COALESCE(a.done, 0) END AS open
            FROM items i
            LEFT JOIN (
                SELECT s.item, SUM(s.amount) AS done FROM settlements s
                WHERE s."on" <= {day}{known_s}
                GROUP BY s.item
            ) a ON a.item = i.item
            WHERE i.issued <= {day}{known_i}
        )
        WHERE open <> 0
    """


def open_items_kernel(as_of: dt.date, *, known_at: dt.datetime | None = None) -> Kernel:
    """The kernel answering the open items (the items table's columns and ``open``; ``kind``
    by its name)."""
    kinds = " ".join(f"WHEN {code} THEN '{name}'" for name, code in KIND_CODES.items())
    sql = f"""
        SELECT item, customer, item_id, CASE kind {kinds} END AS kind, currency, document, due,
               amount, CAST(open AS BIGINT) AS open, over_applied
        FROM ({open_items_sql(as_of, known_at)})
        ORDER BY customer, item
    """
    return Kernel(name="open items", sql=sql, order=("customer", "item"))


def open_items_table(
    model: ReadModel, as_of: dt.date, engine: Engine, *, known_at: dt.datetime | None = None
) -> Any:
    """The items open on ``as_of`` as known at ``known_at``, as an Arrow table.

    Raises:
        OverApplicationError: an item settled beyond its amount on ``as_of``.
    """
    table = run(engine, open_items_kernel(as_of, known_at=known_at), model)
    check_not_over_applied(table.column("over_applied").to_pylist(), as_of)
    return table.drop_columns(["over_applied"])


def check_not_over_applied(flags: list[Any], as_of: dt.date) -> None:
    """Raise when any of ``flags`` (booleans or counts) says an item was over-applied.

    Raises:
        OverApplicationError: naming how many.
    """
    from o2c.errors import OverApplicationError

    over = sum(int(f) for f in flags)
    if over:
        raise OverApplicationError(
            f"{over} item(s) are settled beyond their amount on {as_of}: settle at most the "
            "open amount",
            field="settlements",
            value=over,
        )
