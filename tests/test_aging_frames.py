"""Aging reports as pandas DataFrames (the ``frames`` extra)."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal

import pytest

from o2c.adapters.frames import aged_items_frame, aging_frame
from o2c.errors import MissingExtraError
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import money
from o2c.receivables.aging import age


def _items() -> list[OpenItem]:
    def item(n: str, customer: str, due: dt.date, amount: str, code: str = "EUR") -> OpenItem:
        kind = ItemKind.CREDIT_MEMO if amount.startswith("-") else ItemKind.INVOICE
        return OpenItem(
            item_id=ItemId(n),
            customer_id=CustomerId(customer),
            kind=kind,
            document_number=n,
            document_date=due - dt.timedelta(days=30),
            due_date=due,
            original_amount=money(amount, code),
            open_amount=money(amount, code),
        )

    return [
        item("A", "C1", dt.date(2026, 3, 1), "100.10"),
        item("B", "C1", dt.date(2026, 5, 1), "0.20"),
        item("C", "C2", dt.date(2025, 5, 1), "7"),
        item("D", "C2", dt.date(2026, 3, 1), "-3.30"),
        item("E", "C2", dt.date(2026, 3, 1), "1000", "JPY"),
    ]


def test_frame_rows_sum_to_their_balance_exactly() -> None:
    report = age(_items(), dt.date(2026, 3, 31))
    frame = aging_frame(report)
    labels = list(report.column_labels)
    assert len(frame) == len(report.rows) + len(report.totals)
    for _, row in frame.iterrows():
        assert sum((row[label] for label in labels), Decimal(0)) == row["balance"]
        assert all(isinstance(row[label], Decimal) for label in labels)
    eur_total = frame[frame["customer_id"].isna() & (frame["currency"] == "EUR")].iloc[0]
    assert eur_total["balance"] == Decimal("104.00")
    assert eur_total["items"] == 4
    only_rows = aging_frame(report, totals=False)
    assert only_rows["customer_id"].tolist() == ["C1", "C2", "C2"]


def test_item_frame() -> None:
    report = age(_items(), dt.date(2026, 3, 31))
    frame = aged_items_frame(report)
    assert frame["item_id"].tolist() == ["A", "B", "C", "D", "E"]
    assert frame["column"].tolist() == ["1-30", "not due", "121+", "credits", "1-30"]
    assert frame["age_days"].tolist() == [30, -31, 334, 30, 30]


def test_missing_pandas_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingExtraError, match=r"o2c\[frames\]"):
        aging_frame(age(_items(), dt.date(2026, 3, 31)))


def test_kpi_frame() -> None:
    from o2c.adapters.frames import kpi_frame
    from o2c.receivables.kpi import PeriodFigures, kpi_summary

    figures = PeriodFigures(
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 31),
        beginning_receivables=money("6200", "EUR"),
        ending_receivables=money("6340", "EUR"),
        ending_current_receivables=money("3590", "EUR"),
        credit_sales=money("10890", "EUR"),
        write_offs=money("0", "EUR"),
    )
    frame = kpi_frame(kpi_summary(figures))
    assert list(frame.columns) == ["name", "value", "unit", "formula"]
    cei = frame.set_index("name").loc["CEI", "value"]
    assert isinstance(cei, Decimal)
    assert round(cei, 2) == Decimal("79.63")
