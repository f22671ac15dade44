"""The columnar read model and its engines give the domain path's answers to the minor unit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.adapters.duckdb import DuckDBEngine, read_layout
from o2c.errors import InvalidFactError, OverApplicationError, ValidationError
from o2c.fx import InMemoryRates
from o2c.ledger import (
    AllocationReversed,
    CreditMemoIssued,
    DisputeOpened,
    Fact,
    InvoiceIssued,
    Ledger,
    PaymentAllocated,
    PaymentReceived,
    Refunded,
    WrittenOff,
)
from o2c.ledger.history import open_items
from o2c.money import money, to_minor
from o2c.portfolio import (
    age_portfolio,
    aging_table,
    check_exact,
    from_facts,
    from_tables,
    open_items_table,
)
from o2c.portfolio.engine import Kernel, run
from o2c.receivables.aging import (
    AgingBasis,
    AgingReport,
    BucketScheme,
    CreditPlacement,
    DueToday,
    age,
    convert_report,
)
from o2c.terms import Instalment

pa = pytest.importorskip("pyarrow")

T0 = dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)
START = dt.date(2026, 1, 1)
ENGINE = DuckDBEngine(threads=1)

_OPS = ("invoice", "invoice2", "credit", "payment", "allocate", "reverse", "refund", "write_off")


@st.composite
def portfolios(draw: st.DrawFn) -> list[Fact]:
    """Facts of one to three customers (in EUR, JPY or USD), kept as a ledger accepts them:
    invoices with one or two instalments, credit memos, payments, allocations of payments and
    credit memos, reversals, refunds, write-offs and disputes; effective dates out of order."""
    ledger = Ledger()
    kept: list[Fact] = []
    n = 0
    customers = draw(st.lists(st.sampled_from(["A", "B", "C"]), min_size=1, max_size=3))
    for customer in dict.fromkeys(customers):
        code = draw(st.sampled_from(["EUR", "JPY", "USD"]))
        ops = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(_OPS),
                    st.integers(0, 9),
                    st.integers(0, 9),
                    st.integers(1, 5000),
                    st.integers(0, 40),
                    st.integers(0, 4),
                ),
                min_size=1,
                max_size=14,
            )
        )
        docs: list[str] = []
        sources: list[str] = []
        allocations: list[str] = []
        for op, a, b, units, days, variant in ops:
            n += 1
            amount = money(Decimal(units).scaleb(-2 if code != "JPY" else 0), code)
            common: dict[str, Any] = {
                "fact_id": f"f{n}",
                "customer_id": customer,
                "effective": START + dt.timedelta(days=days),
                "recorded_at": T0 + dt.timedelta(hours=n),
            }
            fact: Fact
            if op in ("invoice", "invoice2"):
                parts = [
                    Instalment(number=1, due_date=START + dt.timedelta(days=a * 7), amount=amount)
                ]
                if op == "invoice2":
                    parts.append(
                        Instalment(
                            number=2, due_date=START + dt.timedelta(days=30 + b * 9), amount=amount
                        )
                    )
                fact = InvoiceIssued.from_instalments(
                    fact_id=f"f{n}",
                    customer_id=customer,
                    item_id=f"I{n}",
                    document_number=f"I{n}",
                    document_date=common["effective"],
                    recorded_at=common["recorded_at"],
                    instalments=parts,
                )
                if variant == 4:  # a migration's stand-in for documents settled before it
                    fact = attrs.evolve(fact, stand_in=True)
                docs.extend([f"I{n}"] if op == "invoice" else [f"I{n}-1", f"I{n}-2"])
            elif op == "credit":
                fact = CreditMemoIssued(
                    item_id=f"M{n}",
                    document_number=f"M{n}",
                    document_date=common["effective"],
                    amount=amount,
                    **common,
                )
                sources.append(f"M{n}")
            elif op == "payment":
                fact = PaymentReceived(
                    payment_id=f"P{n}", amount=amount, value_date=common["effective"], **common
                )
                sources.append(f"P{n}")
            elif op == "allocate" and docs and sources:
                part = money(Decimal(1 + units // 7).scaleb(-2 if code != "JPY" else 0), code)
                parts_of = ("write_off", "bank_fee", "discount", "deduction")
                extra: dict[str, Any] = {parts_of[variant - 1]: part} if variant else {}
                if variant == 4:
                    extra["deduction_reason"] = "short shipped"
                fact = PaymentAllocated(
                    source_id=sources[a % len(sources)],
                    item_id=docs[b % len(docs)],
                    applied=amount,
                    **extra,
                    **common,
                )
                allocations.append(f"f{n}")
            elif op == "reverse" and allocations:
                fact = AllocationReversed(allocation_id=allocations[a % len(allocations)], **common)
            elif op == "refund" and sources:
                fact = Refunded(source_id=sources[a % len(sources)], amount=amount, **common)
            elif op == "write_off" and docs:
                fact = WrittenOff(item_id=docs[b % len(docs)], amount=amount, **common)
            elif docs:
                fact = DisputeOpened(
                    item_id=docs[a % len(docs)], amount=amount, reason_code="price", **common
                )
            else:
                continue
            try:
                ledger.append([fact])
            except InvalidFactError:
                continue
            kept.append(fact)
    return sorted(kept, key=lambda f: f.customer_id)  # grouped by customer, streams in order


knowledge = st.none() | st.integers(0, 60).map(lambda h: T0 + dt.timedelta(hours=h))
as_of_dates = st.integers(-2, 90).map(lambda d: START + dt.timedelta(days=d))
schemes = st.sampled_from(
    [
        BucketScheme.standard(),
        BucketScheme.standard((7, 14), due_today=DueToday.OVERDUE),
        BucketScheme.standard((1,)),
        BucketScheme.standard((10, 20, 45)),
    ]
)


def _rows(report: AgingReport) -> list[tuple[Any, ...]]:
    return [
        (
            r.customer_id,
            r.currency,
            [to_minor(c) for c in r.columns],
            to_minor(r.balance),
            r.item_count,
        )
        for r in (*report.rows, *report.totals)
    ]


# Each example runs the engine twice: 300 examples keep the CI profile (1,000) near a minute.
@settings(max_examples=300)
@given(
    portfolios(),
    as_of_dates,
    knowledge,
    schemes,
    st.sampled_from(AgingBasis),
    st.sampled_from(CreditPlacement),
)
def test_property_portfolio_aging_is_the_domain_aging_to_the_minor_unit(
    facts: list[Fact],
    as_of: dt.date,
    known_at: dt.datetime | None,
    scheme: BucketScheme,
    basis: AgingBasis,
    credits: CreditPlacement,
) -> None:
    model = from_facts(facts)
    domain_items = open_items(facts, as_of, known_at=known_at)
    expected = age(domain_items, as_of, scheme=scheme, basis=basis, credits=credits, detail=False)
    got = age_portfolio(
        model, as_of, ENGINE, known_at=known_at, scheme=scheme, basis=basis, credits=credits
    )
    assert _rows(got) == _rows(expected)
    assert got.column_labels == expected.column_labels
    table = open_items_table(model, as_of, ENGINE, known_at=known_at)
    assert sorted(
        zip(
            table.column("customer").to_pylist(),
            table.column("item_id").to_pylist(),
            table.column("kind").to_pylist(),
            table.column("due").to_pylist(),
            table.column("open").to_pylist(),
            strict=True,
        )
    ) == sorted(
        (i.customer_id, i.item_id, i.kind.value, i.due_date, to_minor(i.open_amount))
        for i in domain_items
    )


def test_a_report_currency_goes_through_the_rate_port_like_the_domain_report() -> None:
    facts = _two_currencies()
    rates = InMemoryRates.from_rows([(dt.date(2026, 3, 31), "USD", "EUR", Decimal("0.9"))])
    as_of = dt.date(2026, 3, 31)
    got = age_portfolio(from_facts(facts), as_of, ENGINE, report_currency="EUR", rates=rates)
    expected = convert_report(
        age(open_items(facts, as_of), as_of, detail=False), "EUR", as_of, rates
    )
    assert _rows(got) == _rows(expected)
    assert got.report_currency == "EUR"
    assert [r.currency for r in got.rows] == ["EUR", "EUR"]
    assert got.rates_used == expected.rates_used
    with pytest.raises(ValidationError, match="rates"):
        age_portfolio(from_facts(facts), as_of, ENGINE, report_currency="EUR")


def _two_currencies() -> list[Fact]:
    out: list[Fact] = []
    for n, (customer, code, units) in enumerate([("A", "EUR", "100.00"), ("B", "USD", "55.55")]):
        out.append(
            InvoiceIssued.from_instalments(
                fact_id=f"i{n}",
                customer_id=customer,
                item_id=f"I{n}",
                document_number=f"I{n}",
                document_date=dt.date(2026, 1, 5),
                recorded_at=T0,
                instalments=[
                    Instalment(number=1, due_date=dt.date(2026, 2, 4), amount=money(units, code))
                ],
            )
        )
    return out


def test_the_model_streams_from_a_sqlite_store_like_from_the_facts(tmp_path: Any) -> None:
    from o2c.adapters.sqlite import SQLiteLedgerStore

    facts = _two_currencies()
    with SQLiteLedgerStore(tmp_path / "ledger.db") as store:
        Ledger(store).append(facts)
        model = from_facts(store.iter_by_customer())
    assert model.items.equals(from_facts(facts).items)
    assert model.items.column("amount").to_pylist() == [10000, 5555]


@pytest.mark.postgres
def test_the_model_streams_from_postgresql(postgres_url: str) -> None:
    from o2c.adapters.sqlalchemy import SQLAlchemyLedgerStore

    facts = [attrs_evolve_id(f, f"pf-{n}") for n, f in enumerate(_two_currencies())]
    with SQLAlchemyLedgerStore(postgres_url) as store:
        Ledger(store).append(facts)
        model = from_facts(f for f in store.iter_by_customer() if f.fact_id.startswith("pf-"))
    assert model.items.column("amount").to_pylist() == [10000, 5555]
    assert model.items.column("customer").to_pylist() == ["pg-A", "pg-B"]


def attrs_evolve_id(fact: Fact, fact_id: str) -> Fact:
    import attrs

    return attrs.evolve(fact, fact_id=fact_id, customer_id=f"pg-{fact.customer_id}")


def test_facts_not_grouped_by_customer_are_refused() -> None:
    a, b = _two_currencies()
    c = attrs_evolve_id(a, "again")
    c = __import__("attrs").evolve(c, customer_id="A", item_id="I9")
    with pytest.raises(ValueError, match="two groups"):
        from_facts([a, b, c])


# ------------------------------------------------------------------------------ layouts


def _layout() -> tuple[Any, Any]:
    items = pa.table(
        {
            "customer": ["C1", "C1", "C2"],
            "document": [dt.date(2026, 1, 1).toordinal()] * 3,
            "due": [dt.date(2026, 1, 31).toordinal(), dt.date(2026, 3, 31).toordinal(), 738000],
            "amount": pa.array([10000, -2500, 700], pa.int64()),
        }
    )
    settlements = pa.table(
        {
            "item": pa.array([0, 0, 1], pa.int64()),
            "on": [dt.date(2026, 2, 1), dt.date(2026, 4, 1), dt.date(2026, 2, 1)],
            "amount": pa.array([4000, 6000, 500], pa.int64()),
        }
    )
    return items, settlements


def test_a_layout_ages_like_the_domain_columns() -> None:
    items, settlements = _layout()
    model = from_tables(items, settlements, currency_code="EUR")
    report = age_portfolio(model, dt.date(2026, 3, 31), ENGINE)
    (c1, c2) = report.rows
    assert [to_minor(m) for m in c1.columns] == [0, 0, 6000, 0, 0, 0, -2000]
    assert c2.balance == money("7.00", "EUR")
    assert c2.item_count == 1
    assert model.items.column("kind").to_pylist() == [0, 1, 0]  # KIND_CODES
    named = from_tables(
        items.append_column("kind", pa.array(["invoice", "credit_memo", "unapplied_cash"])),
        settlements.append_column("cause", pa.array(["allocation", None, "write_off"])),
        currency_code="EUR",
    )
    assert named.items.column("kind").to_pylist() == [0, 1, 2]
    assert named.settlements.column("cause").to_pylist() == [0, None, 3]
    coded = from_tables(
        items.append_column("kind", pa.array([0, 1, 2], pa.int8())),
        settlements,
        currency_code="EUR",
    )
    assert coded.items.equals(named.items)
    with pytest.raises(ValidationError, match="'kind' holds 'refund'"):
        from_tables(
            items.append_column("kind", pa.array(["invoice", "refund", "invoice"])),
            settlements,
            currency_code="EUR",
        )
    with pytest.raises(ValidationError, match="'cause' holds 7"):
        from_tables(
            items, settlements.append_column("cause", pa.array([0, 7, 1])), currency_code="EUR"
        )


def test_a_layout_with_float_or_decimal_amounts_is_refused_never_rounded() -> None:
    items, settlements = _layout()
    floats = items.set_column(3, "amount", pa.array([100.0, -25.0, 7.0]))
    with pytest.raises(ValidationError, match="never a float"):
        from_tables(floats, settlements, currency_code="EUR")
    with pytest.raises(ValidationError, match="currency"):
        from_tables(items, settlements)
    with pytest.raises(ValidationError, match="no column 'due'"):
        from_tables(items.drop_columns(["due"]), settlements, currency_code="EUR")


def test_over_applied_settlements_are_refused() -> None:
    items, settlements = _layout()
    too_much = settlements.set_column(2, "amount", pa.array([11000, 6000, 500], pa.int64()))
    model = from_tables(items, too_much, currency_code="EUR")
    with pytest.raises(OverApplicationError, match="1 item"):
        aging_table(model, dt.date(2026, 3, 31), ENGINE)


def test_layout_files_parquet_and_csv(tmp_path: Any) -> None:
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    items, settlements = _layout()
    items = items.append_column("currency", pa.array(["EUR"] * 3))
    pq.write_table(items, tmp_path / "items.parquet")
    pq.write_table(settlements, tmp_path / "settlements.parquet")
    from_parquet = read_layout(tmp_path)
    (tmp_path / "csv").mkdir()
    pcsv.write_csv(items, tmp_path / "csv" / "items.csv")
    pcsv.write_csv(settlements, tmp_path / "csv" / "settlements.csv")
    from_csv = read_layout(tmp_path / "csv")
    as_of = dt.date(2026, 3, 31)
    assert aging_table(from_parquet, as_of, ENGINE).equals(aging_table(from_csv, as_of, ENGINE))
    (tmp_path / "csv" / "items.csv").write_text(
        "customer,document,due,amount,currency\nC1,2026-01-01,2026-01-31,10.5,EUR\n"
    )
    with pytest.raises(ValidationError, match="csv"):
        read_layout(tmp_path / "csv")
    with pytest.raises(ValidationError, match="no items"):
        read_layout(tmp_path / "nowhere")


def test_the_guard_refuses_a_float_or_decimal_answer() -> None:
    items, settlements = _layout()
    model = from_tables(items, settlements, currency_code="EUR")
    divided = Kernel(
        name="average",
        sql="SELECT customer, SUM(amount) / COUNT(*) AS mean FROM items GROUP BY customer",
        order=("customer",),
    )
    with pytest.raises(ValidationError, match="mean"):
        run(ENGINE, divided, model)
    hugeint = Kernel(name="sum", sql="SELECT SUM(amount) AS total FROM items", order=())
    with pytest.raises(ValidationError, match="total"):
        run(ENGINE, hugeint, model)  # SUM(BIGINT) is HUGEINT: Arrow gets it as a decimal
    assert check_exact(items, what="x") is items


def _portfolio_benchmark() -> Any:
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "portfolio.py"
    spec = importlib.util.spec_from_file_location("portfolio_benchmark", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_paths_answer_the_same_aging() -> None:
    """benchmarks/portfolio.py's paths (o2c engine and report, hand-written SQL, pandas, pure
    Python) agree on its data to the minor unit and the item, so its timings compare one job."""
    pytest.importorskip("pandas")
    bench = _portfolio_benchmark()
    model = bench.generate(3000)
    assert model.items.num_rows == 3000
    assert model.settlements.num_rows == 9000
    expected = bench.o2c_answer(bench.run_o2c(model, None))
    assert len(expected) == 30  # 30 customers, one currency
    assert sum(row[-1] for row in expected.values()) > 0  # open items
    assert any(row[bench.WIDTH - 1] < 0 for row in expected.values())  # credits
    assert bench.sql_answer(bench.run_sql(model, None)) == expected
    assert bench.pandas_answer(bench.run_pandas(*bench.frames(model))) == expected
    assert bench.report_answer(bench.run_report(model)) == expected
    assert bench.report_answer(bench.run_python(bench.python_lists(model))) == expected
