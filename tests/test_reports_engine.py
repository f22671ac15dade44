"""Reports over the portfolio engine answer what the domain path answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from o2c.adapters.sqlite import SQLiteLedgerStore
from o2c.cli import main
from o2c.collecting.priorities import collector_worklist
from o2c.credit.behaviour import RiskClass
from o2c.errors import ValidationError
from o2c.ledger import Ledger
from o2c.reports import build_report
from tests.test_reports_ledger import AS_OF, sample_facts, sample_ledger

pytest.importorskip("duckdb")

from o2c.adapters.duckdb import DuckDBEngine
from o2c.reports.columns import ledger_columns

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
