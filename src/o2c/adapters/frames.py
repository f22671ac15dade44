"""pandas DataFrames of aging reports (the ``frames`` extra).

Amounts stay exact: the money columns hold ``Decimal`` values (``object`` dtype), never floats;
convert deliberately if a float column is really wanted.

>>> import datetime as dt
>>> from o2c.receivables.aging import age
>>> from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
>>> from o2c.money import money
>>> item = OpenItem(item_id=ItemId("I1"), customer_id=CustomerId("C1"), kind=ItemKind.INVOICE,
...     document_number="I1", document_date=dt.date(2026, 1, 1), due_date=dt.date(2026, 2, 1),
...     original_amount=money("10.00", "EUR"), open_amount=money("10.00", "EUR"))
>>> frame = aging_frame(age([item], dt.date(2026, 3, 31)))
>>> list(frame.columns)[:3], list(frame.columns)[-4:]
(['customer_id', 'currency', 'not due'], ['121+', 'credits', 'balance', 'items'])
>>> frame.loc[0, "31-60"], frame["customer_id"].isna().tolist()
(Decimal('10.00'), [False, True])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from o2c.adapters import require
from o2c.receivables.aging import AgingReport
from o2c.receivables.kpi import Kpi

__all__ = ["aged_items_frame", "aging_frame", "kpi_frame"]


def _pandas() -> Any:
    return require("pandas", extra="frames", feature="aging DataFrames")


def aging_frame(report: AgingReport, *, totals: bool = True) -> Any:
    """One row per customer and currency (and the total rows, ``customer_id`` None).

    Columns: ``customer_id``, ``currency``, one per aging column (by label), ``balance``,
    ``items``.
    """
    pd = _pandas()
    labels = report.column_labels
    records = []
    rows = (*report.rows, *report.totals) if totals else report.rows
    for row in rows:
        record: dict[str, Any] = {"customer_id": row.customer_id, "currency": row.currency}
        for label, amount in zip(labels, row.columns, strict=True):
            record[label] = amount.amount
        record["balance"] = row.balance.amount
        record["items"] = row.item_count
        records.append(record)
    columns = ["customer_id", "currency", *labels, "balance", "items"]
    return pd.DataFrame.from_records(records, columns=columns)


def aged_items_frame(report: AgingReport) -> Any:
    """One row per aged item: ids, dates, open amount, age in days and column label."""
    pd = _pandas()
    labels = report.column_labels
    records = [
        {
            "customer_id": a.item.customer_id,
            "item_id": a.item.item_id,
            "document_number": a.item.document_number,
            "kind": a.item.kind.value,
            "document_date": a.item.document_date,
            "due_date": a.item.due_date,
            "currency": a.item.open_amount.currency.code,
            "open_amount": a.item.open_amount.amount,
            "age_days": a.age_days,
            "column": labels[a.column + 1],
        }
        for a in report.items
    ]
    columns = [
        "customer_id",
        "item_id",
        "document_number",
        "kind",
        "document_date",
        "due_date",
        "currency",
        "open_amount",
        "age_days",
        "column",
    ]
    return pd.DataFrame.from_records(records, columns=columns)


def kpi_frame(kpis: Iterable[Kpi]) -> Any:
    """One row per KPI: ``name``, ``value`` (an exact ``Decimal``), ``unit``, ``formula``."""
    pd = _pandas()
    records = [
        {"name": k.name, "value": k.value, "unit": k.unit, "formula": k.formula} for k in kpis
    ]
    return pd.DataFrame.from_records(records, columns=["name", "value", "unit", "formula"])
