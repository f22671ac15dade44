"""Aging: conventions, vectors and invariants."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.errors import (
    CurrencyMismatchError,
    OverApplicationError,
    RateNotFoundError,
    ValidationError,
)
from o2c.fx import InMemoryRates
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import money, to_minor
from o2c.receivables.aging import (
    AgingBasis,
    ApplicationColumns,
    BucketScheme,
    CreditPlacement,
    DueToday,
    ItemColumns,
    ItemSettlement,
    age,
    age_columns,
    age_from_ledger,
    convert_report,
    open_items_as_of,
)
from tests.conftest import load_vectors
from tests.strategies import open_items

VECTORS = {v["id"]: v for v in load_vectors("kpi.json")}


def _params(*ids: str) -> list[Any]:
    """The vectors ``ids`` as pytest params named by their id (every one must exist)."""
    return [pytest.param(VECTORS[i], id=i) for i in ids]


def _item(
    item_id: str,
    *,
    due: dt.date,
    amount: str,
    doc: dt.date | None = None,
    kind: ItemKind = ItemKind.INVOICE,
    customer: str = "C1",
    code: str = "EUR",
) -> OpenItem:
    return OpenItem(
        item_id=ItemId(item_id),
        customer_id=CustomerId(customer),
        kind=kind,
        document_number=item_id,
        document_date=doc or due,
        due_date=due,
        original_amount=money(amount, code),
        open_amount=money(amount, code),
    )


# ------------------------------------------------------------------ vectors


@pytest.mark.parametrize("v", _params("aging_erpnext_bucket_edges"))
def test_vector_erpnext_bucket_edges(v: dict[str, Any]) -> None:
    scheme = BucketScheme.standard(
        v["inputs"]["ranges"], due_today=DueToday.OVERDUE, older_label="121-Above"
    )
    as_of = dt.date(2026, 3, 31)
    items = [
        _item(f"I{i}", due=as_of - dt.timedelta(days=a), amount="1.00")
        for i, a in enumerate(v["inputs"]["ages"])
    ]
    report = age(items, as_of, scheme=scheme)
    got_index = [None if a.column < 0 else a.column + 1 for a in report.items]
    got_labels = [None if a.column < 0 else scheme.labels[a.column] for a in report.items]
    assert got_index == v["expected"]["bucket_index_1_based"]
    assert got_labels == v["expected"]["bucket_labels"]
    # the future-due item is in no bucket, but unlike ERPNext it is in "not due"
    total = report.total("EUR")
    assert v["expected"]["future_due_amount_in_any_bucket"] is False
    assert total.not_due.amount == Decimal("1.00")
    assert total.balance.amount == Decimal(len(items))
    assert total.overdue.amount + total.not_due.amount == total.balance.amount


@pytest.mark.parametrize("vector", _params("aging_asof_payment_after_date_oca707"))
def test_vector_as_of_ignores_a_later_payment_oca707(vector: dict[str, Any]) -> None:
    v, exp = vector["inputs"], vector["expected"]
    day = dt.date.fromisoformat(v["invoice_and_due_date"])
    inv = _item("INV", due=day, amount=f"{Decimal(str(v['invoice_amount'])):.2f}")
    pay = ItemSettlement(
        item_id=ItemId("INV"),
        on=dt.date.fromisoformat(v["payment_date"]),
        amount=money(f"{Decimal(str(v['payment_amount'])):.2f}", "EUR"),
    )
    as_of = dt.date.fromisoformat(v["as_of"])
    for convention, key in (
        (DueToday.NOT_DUE, "odoo_bucket"),
        (DueToday.OVERDUE, "erpnext_bucket"),
    ):
        report = age(
            open_items_as_of([inv], [pay], as_of),
            as_of,
            scheme=BucketScheme.standard(due_today=convention),
        )
        [aged] = report.items
        assert aged.item.open_amount.amount == Decimal(str(exp["open_amount_as_of"]))
        assert aged.age_days == exp["days_overdue"]
        assert report.scheme.labels[aged.column] == exp[key]
    today = dt.date.fromisoformat(v["payment_date"])
    assert sum(i.open_amount.amount for i in open_items_as_of([inv], [pay], today)) == Decimal(
        str(exp["open_amount_today"])
    )


@pytest.mark.parametrize("v", _params("aging_partial_payments_odoo16235"))
def test_vector_partial_payments_odoo16235(v: dict[str, Any]) -> None:
    inp, exp = v["inputs"], v["expected"]
    inv = _item(
        "INV",
        doc=dt.date.fromisoformat(inp["invoice_date"]),
        due=dt.date.fromisoformat(inp["due_date"]),
        amount=str(inp["invoice_amount"]),
    )
    pays = [
        ItemSettlement(
            item_id=ItemId("INV"),
            on=dt.date.fromisoformat(p["date"]),
            amount=money(str(p["amount"]), "EUR"),
        )
        for p in inp["payments"]
    ]
    as_of = dt.date.fromisoformat(inp["as_of"])
    report = age(open_items_as_of([inv], pays, as_of), as_of)
    [aged] = report.items
    assert aged.item.open_amount.amount == Decimal(exp["residual"])
    assert aged.age_days == exp["days_overdue"]
    assert report.scheme.labels[aged.column] == exp["bucket"]
    assert report.scheme.labels[aged.column] != exp["buggy_bucket_reported"]


# ------------------------------------------------------------------ conventions


def test_due_today_convention_is_a_parameter() -> None:
    as_of = dt.date(2026, 3, 31)
    items = [_item("A", due=as_of, amount="10.00")]
    odoo = age(items, as_of).total("EUR")
    erp = age(items, as_of, scheme=BucketScheme.standard(due_today=DueToday.OVERDUE)).total("EUR")
    assert odoo.not_due.amount == Decimal("10.00")
    assert odoo.overdue.amount == 0
    assert erp.not_due.amount == 0
    assert erp.buckets[0].amount == Decimal("10.00")


def test_document_date_basis_ages_from_the_invoice_date() -> None:
    as_of = dt.date(2026, 3, 31)
    items = [_item("A", doc=dt.date(2026, 1, 15), due=dt.date(2026, 4, 15), amount="10.00")]
    by_due = age(items, as_of)
    by_doc = age(items, as_of, basis=AgingBasis.DOCUMENT_DATE)
    assert by_due.items[0].age_days == -15
    assert by_due.total("EUR").not_due.amount == Decimal("10.00")
    assert by_doc.items[0].age_days == 75
    assert by_doc.total("EUR").buckets[2].amount == Decimal("10.00")


def test_credits_have_their_own_column_or_are_aged() -> None:
    as_of = dt.date(2026, 3, 31)
    items = [
        _item("INV", due=dt.date(2026, 1, 1), amount="100.00"),
        _item("CM", due=dt.date(2026, 1, 1), amount="-30.00", kind=ItemKind.CREDIT_MEMO),
        _item("CASH", due=dt.date(2026, 3, 1), amount="-5.00", kind=ItemKind.UNAPPLIED_CASH),
    ]
    own = age(items, as_of).total("EUR")
    assert own.credits.amount == Decimal("-35.00")
    assert own.buckets[2].amount == Decimal("100.00")
    aged = age(items, as_of, credits=CreditPlacement.AGED).total("EUR")
    assert aged.credits.amount == 0
    assert aged.buckets[2].amount == Decimal("70.00")
    assert aged.buckets[0].amount == Decimal("-5.00")
    assert own.balance == aged.balance == money("65.00", "EUR")


def test_rows_per_customer_and_currency_and_totals() -> None:
    as_of = dt.date(2026, 3, 31)
    items = [
        _item("A", due=dt.date(2026, 3, 1), amount="10.00", customer="C2"),
        _item("B", due=dt.date(2026, 3, 1), amount="20.00", customer="C1"),
        _item("C", due=dt.date(2026, 3, 1), amount="1000", customer="C1", code="JPY"),
    ]
    report = age(items, as_of)
    assert [(r.customer_id, r.currency) for r in report.rows] == [
        ("C1", "EUR"),
        ("C1", "JPY"),
        ("C2", "EUR"),
    ]
    assert report.currencies == ("EUR", "JPY")
    assert report.total("EUR").balance == money("30.00", "EUR")
    assert report.total("EUR").item_count == 2
    assert [r.currency for r in report.rows_for("C1")] == ["EUR", "JPY"]
    with pytest.raises(ValidationError):
        report.total()
    assert report.total("USD").balance.amount == 0


def test_bucket_scheme_validation() -> None:
    with pytest.raises(ValidationError):
        BucketScheme.standard((30, 30))
    with pytest.raises(ValidationError):
        BucketScheme.standard(())
    with pytest.raises(ValidationError):
        BucketScheme(edges=(10,), labels=("only one",))
    s = BucketScheme.standard((7, 14))
    assert s.bucket_range(0) == (1, 7)
    assert s.bucket_range(2) == (15, None)


def test_conversion_to_a_report_currency_keeps_the_sum() -> None:
    as_of = dt.date(2026, 3, 31)
    items = [
        _item("A", due=dt.date(2026, 3, 1), amount="10.01", code="USD"),
        _item("B", due=dt.date(2026, 4, 30), amount="10.01", code="USD"),
        _item("C", due=dt.date(2025, 3, 1), amount="1001", code="JPY"),
        _item("D", due=dt.date(2026, 3, 1), amount="1.00", customer="C2"),
    ]
    rates = InMemoryRates.from_rows(
        [
            (dt.date(2026, 3, 30), "USD", "EUR", Decimal("0.92345")),
            (dt.date(2026, 3, 30), "JPY", "EUR", Decimal("0.0061")),
        ]
    )
    converted = convert_report(age(items, as_of), "EUR", dt.date(2026, 3, 30), rates)
    assert converted.report_currency == "EUR"
    assert converted.rate_date == dt.date(2026, 3, 30)
    assert [r.base for r in converted.rates_used] == ["JPY", "USD"]
    c1 = converted.rows_for("C1")[0]
    assert c1.not_due.amount == Decimal("9.24")
    assert c1.buckets[0].amount == Decimal("9.24")
    assert c1.buckets[-1].amount == Decimal("6.11")
    total = converted.total()
    assert total.balance.amount == sum(c.amount for c in total.columns)
    assert total.balance.amount == Decimal("25.59")
    with pytest.raises(RateNotFoundError):
        convert_report(age(items, as_of), "GBP", as_of, rates)


def test_open_items_as_of_refuses_over_application_and_other_currencies() -> None:
    inv = _item("INV", due=dt.date(2026, 1, 1), amount="10.00")
    over = ItemSettlement(
        item_id=ItemId("INV"), on=dt.date(2026, 1, 2), amount=money("10.01", "EUR")
    )
    with pytest.raises(OverApplicationError):
        open_items_as_of([inv], [over], dt.date(2026, 2, 1))
    usd = ItemSettlement(item_id=ItemId("INV"), on=dt.date(2026, 1, 2), amount=money("1", "USD"))
    with pytest.raises(CurrencyMismatchError):
        open_items_as_of([inv], [usd], dt.date(2026, 2, 1))


def test_known_at_hides_facts_recorded_later() -> None:
    inv = _item("INV", due=dt.date(2026, 1, 1), amount="10.00")
    late = ItemSettlement(
        item_id=ItemId("INV"),
        on=dt.date(2026, 1, 15),
        amount=money("4.00", "EUR"),
        recorded_at=dt.datetime(2026, 2, 10, 9, 0),
    )
    as_of = dt.date(2026, 1, 31)
    known_then = open_items_as_of([inv], [late], as_of, known_at=dt.datetime(2026, 2, 1))
    known_now = open_items_as_of([inv], [late], as_of)
    assert known_then[0].open_amount.amount == Decimal("10.00")
    assert known_now[0].open_amount.amount == Decimal("6.00")


def test_age_ledger_uses_the_projection() -> None:
    seen: dict[str, Any] = {}

    class FakeLedger:
        def open_items(
            self,
            as_of: dt.date,
            *,
            known_at: dt.datetime | None = None,
            customer_id: CustomerId | None = None,
        ) -> list[OpenItem]:
            seen.update(as_of=as_of, known_at=known_at, customer_id=customer_id)
            return [_item("A", due=dt.date(2026, 1, 1), amount="5.00")]

    known = dt.datetime(2026, 3, 1, 12)
    report = age_from_ledger(FakeLedger(), dt.date(2026, 2, 1), known_at=known)
    assert seen == {"as_of": dt.date(2026, 2, 1), "known_at": known, "customer_id": None}
    assert report.known_at == known
    assert report.total("EUR").buckets[1].amount == Decimal("5.00")  # 31 days


# ------------------------------------------------------------------ properties

schemes = st.builds(
    BucketScheme.standard,
    st.lists(st.integers(min_value=1, max_value=200), min_size=1, max_size=6, unique=True).map(
        sorted
    ),
    due_today=st.sampled_from(DueToday),
)
dates = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31))


@given(
    open_items(),
    dates,
    schemes,
    st.sampled_from(AgingBasis),
    st.sampled_from(CreditPlacement),
)
def test_columns_always_sum_to_the_balance(
    items: list[OpenItem],
    as_of: dt.date,
    scheme: BucketScheme,
    basis: AgingBasis,
    credits: CreditPlacement,
) -> None:
    report = age(items, as_of, scheme=scheme, basis=basis, credits=credits)
    for row in (*report.rows, *report.totals):
        assert sum(c.amount for c in row.columns) == row.balance.amount
    for aged in report.items:
        is_credit = aged.item.kind is not ItemKind.INVOICE
        if is_credit and credits is CreditPlacement.OWN_COLUMN:
            assert aged.column == len(scheme.labels)
        else:
            assert aged.column == scheme.column(aged.age_days)
            lower, upper = (None, None) if aged.column < 0 else scheme.bucket_range(aged.column)
            assert lower is None or aged.age_days >= lower
            assert upper is None or aged.age_days <= upper
    for code in report.currencies:
        expected = sum(
            (i.open_amount.amount for i in items if i.open_amount.currency.code == code),
            Decimal(0),
        )
        assert report.total(code).balance.amount == expected
        rows = [r for r in report.rows if r.currency == code]
        assert sum(r.balance.amount for r in rows) == expected


@st.composite
def _settled(draw: st.DrawFn) -> tuple[list[OpenItem], list[ItemSettlement]]:
    items = draw(open_items(min_size=1))
    settlements = []
    for item in items:
        full = abs(item.original_amount.amount)
        for _ in range(draw(st.integers(min_value=0, max_value=3))):
            share = draw(st.integers(min_value=0, max_value=3))
            part = (full * share / 10).quantize(full, rounding=ROUND_DOWN)
            on = item.document_date + dt.timedelta(days=draw(st.integers(0, 120)))
            settlements.append(
                ItemSettlement(
                    item_id=item.item_id,
                    on=on,
                    amount=money(part, item.original_amount.currency.code),
                )
            )
    return items, settlements


@given(_settled(), dates, st.integers(min_value=1, max_value=400))
def test_an_application_after_the_date_never_changes_the_aging(
    data: tuple[list[OpenItem], list[ItemSettlement]], as_of: dt.date, later: int
) -> None:
    items, settlements = data
    before = age(open_items_as_of(items, settlements, as_of), as_of)
    target = items[0]
    extra = ItemSettlement(
        item_id=target.item_id,
        on=as_of + dt.timedelta(days=later),
        amount=money(abs(target.original_amount.amount) * 2, target.original_amount.currency.code),
    )
    after = age(open_items_as_of(items, [*settlements, extra], as_of), as_of)
    assert after.rows == before.rows
    assert after.totals == before.totals


@given(_settled(), dates, schemes, st.sampled_from(AgingBasis), st.sampled_from(CreditPlacement))
def test_columnar_fast_path_agrees_with_the_domain_path(
    data: tuple[list[OpenItem], list[ItemSettlement]],
    as_of: dt.date,
    scheme: BucketScheme,
    basis: AgingBasis,
    credits: CreditPlacement,
) -> None:
    items, settlements = data
    items = [i for i in items if i.original_amount.currency.code == "EUR"]
    ids = {i.item_id: n for n, i in enumerate(items)}
    settlements = [s for s in settlements if s.item_id in ids]
    customers = tuple(sorted({i.customer_id for i in items}))
    cols = ItemColumns(
        currency="EUR",
        customers=customers,
        customer=[customers.index(i.customer_id) for i in items],
        document=[i.document_date.toordinal() for i in items],
        due=[i.due_date.toordinal() for i in items],
        amount=[to_minor(i.original_amount) for i in items],
    )
    apps = ApplicationColumns(
        item=[ids[s.item_id] for s in settlements],
        on=[s.on.toordinal() for s in settlements],
        amount=[to_minor(s.amount) for s in settlements],
    )
    fast = age_columns(cols, apps, as_of, scheme=scheme, basis=basis, credits=credits)
    slow = age(
        open_items_as_of(items, settlements, as_of),
        as_of,
        scheme=scheme,
        basis=basis,
        credits=credits,
        detail=False,
    )
    assert [attrs.astuple(r) for r in fast.rows] == [attrs.astuple(r) for r in slow.rows]
    assert [r.balance for r in fast.totals] == [r.balance for r in slow.totals]


def test_columnar_path_refuses_over_application_and_handles_far_future_dates() -> None:
    cols = ItemColumns(
        currency="EUR",
        customers=(CustomerId("C1"),),
        customer=[0, 0],
        document=[dt.date(2026, 1, 1).toordinal()] * 2,
        due=[dt.date(2026, 1, 1).toordinal(), dt.date(9999, 12, 31).toordinal()],
        amount=[1000, -500],
    )
    as_of = dt.date(2026, 3, 31)
    ok = ApplicationColumns(item=[0, 1], on=[cols.document[0]] * 2, amount=[400, 100])
    report = age_columns(cols, ok, as_of, credits=CreditPlacement.AGED)
    assert report.total("EUR").buckets[2].amount == Decimal("6.00")  # 89 days
    assert report.total("EUR").not_due.amount == Decimal("-4.00")  # due in year 9999
    for over in ([0], [1]):
        bad = ApplicationColumns(item=over, on=[cols.document[0]], amount=[1001])
        with pytest.raises(OverApplicationError):
            age_columns(cols, bad, as_of)


def test_conversion_asks_the_provider_once_per_currency() -> None:
    from o2c.fx import Rate, RateKind

    inner = InMemoryRates.from_rows([(dt.date(2026, 3, 31), "USD", "EUR", Decimal("0.9"))])
    asked: list[tuple[str, str]] = []

    class Counting:
        def rate(self, base: str, quote: str, on: dt.date, kind: RateKind = RateKind.SPOT) -> Rate:
            asked.append((base, quote))
            return inner.rate(base, quote, on, kind)

    items = [
        _item(f"I{n}", due=dt.date(2026, 3, 1), amount="10.00", code="USD", customer=f"C{n % 3}")
        for n in range(9)
    ]
    converted = convert_report(
        age(items, dt.date(2026, 3, 31)), "EUR", dt.date(2026, 3, 31), Counting()
    )
    assert asked == [("USD", "EUR")]
    assert converted.total().balance == money("81.00", "EUR")
