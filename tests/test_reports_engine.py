"""Reports over the portfolio engine answer what the domain path answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.adapters.sqlite import SQLiteLedgerStore
from o2c.cli import main
from o2c.collecting.priorities import collector_worklist
from o2c.credit.behaviour import RiskClass
from o2c.credit.from_ledger import settlement_trails
from o2c.credit.provisioning import DEFAULT_BUCKETS, AgeBucket, cohort_items, cohort_loss_rates
from o2c.errors import ValidationError
from o2c.ledger import Fact, Ledger
from o2c.reports import build_report
from tests.test_reports_ledger import AS_OF, sample_facts, sample_ledger

pytest.importorskip("duckdb")

from o2c.adapters.duckdb import DuckDBEngine
from o2c.portfolio import from_facts, run
from o2c.reports.columns import ledger_columns
from o2c.reports.kernels import cohort_flows_kernel
from tests.test_portfolio import START, knowledge, portfolios

ENGINE = DuckDBEngine(threads=1)


@pytest.fixture(scope="module")
def ledger() -> Ledger:
    return sample_ledger(200, per_customer=20)


def test_the_aged_balance_on_the_engine_is_the_domain_one(ledger: Ledger) -> None:
    for known_at in (None, dt.datetime.combine(AS_OF, dt.time(), tzinfo=dt.UTC)):
        domain = build_report("aged-balance", ledger, as_of=AS_OF, known_at=known_at)
        engine = build_report("aged-balance", ledger, as_of=AS_OF, known_at=known_at, engine=ENGINE)
        assert engine.aging.rows == domain.aging.rows
        assert engine.aging.totals == domain.aging.totals
        assert engine.to_frame().equals(domain.to_frame())
    customer = domain.aging.rows[0].customer_id
    one = build_report("aged-balance", ledger, as_of=AS_OF, customer_id=customer, engine=ENGINE)
    assert {r.customer_id for r in one.aging.rows} == {customer}
    with pytest.raises(ValidationError, match="detail") as caught:
        build_report("aged-balance", ledger, as_of=AS_OF, detail=True, engine=ENGINE)
    assert caught.value.field == "detail"


def test_the_dso_trend_on_the_engine_is_the_domain_one(ledger: Ledger) -> None:
    domain = build_report("dso-trend", ledger, as_of=AS_OF, months=6)
    engine = build_report("dso-trend", ledger, as_of=AS_OF, months=6, engine=ENGINE)
    assert engine.currency == domain.currency
    assert engine.months == domain.months
    assert len(engine.months) == 6


def test_o2c_report_takes_an_engine(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "ledger.sqlite"
    Ledger(SQLiteLedgerStore(db)).load_history(sample_facts(60, per_customer=10))
    for name, extra in (
        ("aged-balance", []),
        ("provision", ["--currency", "EUR"]),
        ("exposure", []),
    ):
        outs = {}
        for engine in ("python", "duckdb"):
            out = tmp_path / f"{name}-{engine}.csv"
            args = ["report", name, "--db", str(db), "--as-of", AS_OF.isoformat(), *extra]
            assert main([*args, "--engine", engine, "--out", str(out)]) == 0
            outs[engine] = out.read_bytes()
        assert outs["python"] == outs["duckdb"], name
    capsys.readouterr()
    args = ["report", "statement", "--db", str(db), "--as-of", AS_OF.isoformat()]
    assert main([*args, "--engine", "duckdb", "--out", str(tmp_path / "s.csv")]) == 2
    assert "--engine" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# Provision matrix, exposure and worklist on the engine


FINE = (
    AgeBucket("not due", None, 0),
    AgeBucket("1-7", 1, 7),
    AgeBucket("8-20", 8, 20),
    AgeBucket("21+", 21, None),
)


# Each example runs the engine: a fixed budget keeps the CI profile in minutes.
@settings(max_examples=60)
@given(
    portfolios(),
    st.integers(0, 90),
    knowledge,
    st.sampled_from(["EUR", "JPY", "USD"]),
    st.sampled_from([DEFAULT_BUCKETS, FINE]),
    st.sampled_from([None, 0, 20, 365]),
)
def test_property_cohort_flows_on_the_engine_are_the_domain_ones(
    facts: list[Fact],
    day: int,
    known_at: dt.datetime | None,
    code: str,
    buckets: tuple[AgeBucket, ...],
    loss_after: int | None,
) -> None:
    """Reversed allocations, write-off parts and write-offs, knowledge times, young and old
    open invoices: the kernel's flows are cohort_loss_rates' over the settlement trails."""
    as_of = START + dt.timedelta(days=day)
    issued = (START, START + dt.timedelta(days=day // 2 + 5))
    trails = [
        t
        for t in settlement_trails(facts, as_of=as_of, known_at=known_at)
        if t.amount.currency.code == code
    ]
    cohort = cohort_items(
        trails,
        issued_from=issued[0],
        issued_to=issued[1],
        as_of=as_of,
        open_as_loss_after_days=loss_after,
    )
    expected = cohort_loss_rates(cohort, buckets=buckets)
    kernel = cohort_flows_kernel(
        as_of,
        currency_code=code,
        issued_from=issued[0],
        issued_to=issued[1],
        known_at=known_at,
        open_as_loss_after_days=loss_after,
        buckets=buckets,
    )
    [row] = run(ENGINE, kernel, from_facts(facts)).to_pylist()
    scale = Decimal(1).scaleb(-{"EUR": 2, "JPY": 0, "USD": 2}[code])
    got = [Decimal(row[f"e{i}"] or 0) * scale for i in range(len(buckets))]
    assert got == list(expected.open_on_entering)
    assert Decimal(row["never"] or 0) * scale == expected.never_collected


def test_the_provision_matrix_on_the_engine_is_the_domain_one(ledger: Ledger) -> None:
    columns = ledger_columns(ledger)
    lost = False
    for known_at in (None, dt.datetime.combine(AS_OF, dt.time(), tzinfo=dt.UTC)):
        for code in ("EUR", "USD"):
            options = {"known_at": known_at, "currency_code": code}
            domain = build_report("provision", ledger, as_of=AS_OF, **options)
            engine = build_report(
                "provision", ledger, as_of=AS_OF, engine=ENGINE, columns=columns, **options
            )
            assert engine.rates == domain.rates
            assert engine.matrix == domain.matrix
            assert engine.to_frame().equals(domain.to_frame())
            lost = lost or any(r > 0 for r in domain.rates.rates)
    assert lost  # the sample loses something: the rates are not all zero
    # without a currency both take the ledger's main one
    assert build_report("provision", ledger, as_of=AS_OF, engine=ENGINE).matrix.currency == "EUR"


def test_the_exposure_on_the_engine_is_the_domain_one(ledger: Ledger) -> None:
    columns = ledger_columns(ledger)
    assert any(i.disputed_amount for i in ledger.open_items(AS_OF))  # the sample has disputes
    for known_at in (None, dt.datetime.combine(AS_OF, dt.time(), tzinfo=dt.UTC)):
        domain = build_report("exposure", ledger, as_of=AS_OF, known_at=known_at)
        engine = build_report(
            "exposure", ledger, as_of=AS_OF, known_at=known_at, engine=ENGINE, columns=columns
        )
        assert engine.rows == domain.rows
        assert engine.to_frame().equals(domain.to_frame())
    customer = domain.rows[0].customer_id
    one = build_report("exposure", ledger, as_of=AS_OF, customer_id=customer, engine=ENGINE)
    assert one.rows == tuple(r for r in domain.rows if r.customer_id == customer)
    with pytest.raises(ValidationError, match="columns") as caught:
        build_report(
            "exposure", ledger, as_of=AS_OF, customer_id=customer, engine=ENGINE, columns=columns
        )
    assert caught.value.field == "columns"


def test_the_worklist_on_the_engine_ranks_as_the_domain(ledger: Ledger) -> None:
    """Ranked by collector_worklist over the engine's open invoices, without a model: the
    domain's ranking of the same items without predictions, to the minor unit."""
    rates = {"USD": Decimal("0.9")}
    risk = {"C00001": RiskClass.E, "C00002": RiskClass.A}
    engine = build_report(
        "worklist",
        ledger,
        as_of=AS_OF,
        engine=ENGINE,
        currency_code="EUR",
        rates=rates,
        risk=risk,
    )
    domain = collector_worklist(
        ledger.open_items(AS_OF), (), AS_OF, risk=risk, rates=rates, currency_code="EUR"
    )

    def ranking(rows):  # type: ignore[no-untyped-def]
        return [
            (
                r.rank,
                r.item_id,
                r.customer_id,
                r.open_amount,
                r.predicted_days_late,
                r.risk_class,
                r.value_at_risk,
                r.ranked_value,
            )
            for r in rows
        ]

    assert len(engine.worklist.rows) > 50
    assert ranking(engine.worklist.rows) == ranking(domain.rows)
    assert engine.worklist.total_at_risk == domain.total_at_risk
    assert {r.risk_class for r in engine.worklist.rows} >= {RiskClass.E, RiskClass.A}


def test_the_dashboard_on_the_engine_shares_one_read(ledger: Ledger, tmp_path: Path) -> None:
    from o2c.reports.dashboard import dashboard

    options = {"as_of": AS_OF, "months": 3, "weeks": 2, "top": 5, "currency_code": "EUR"}
    rates = {"USD": Decimal("0.9")}
    domain = dashboard(ledger, rates=rates, **options)  # type: ignore[arg-type]
    engine = dashboard(ledger, rates=rates, engine=ENGINE, **options)  # type: ignore[arg-type]
    assert engine.aged.aging.rows == domain.aged.aging.rows
    assert engine.trend.months == domain.trend.months
    assert engine.forecast == domain.forecast
    assert engine.worklist is not None
    assert len(engine.worklist.worklist.rows) == 5
    # the CLI takes --engine
    db = tmp_path / "ledger.sqlite"
    Ledger(SQLiteLedgerStore(db)).load_history(sample_facts(60, per_customer=10))
    out = tmp_path / "board.html"
    args = ["dashboard", "--db", str(db), "--as-of", AS_OF.isoformat(), "--out", str(out)]
    assert main([*args, "--engine", "duckdb", "--currency", "EUR", "--rate", "USD=0.9"]) == 0
    assert b"<html" in out.read_bytes()[:200].lower()
