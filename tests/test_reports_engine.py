"""Reports over the portfolio engine answer what the domain path answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from o2c.adapters.sqlite import SQLiteLedgerStore
from o2c.cli import main
from o2c.errors import ValidationError
from o2c.ledger import Ledger
from o2c.reports import build_report
from tests.test_reports_ledger import AS_OF, sample_facts, sample_ledger

pytest.importorskip("duckdb")

from o2c.adapters.duckdb import DuckDBEngine

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
    outs = {}
    for engine in ("python", "duckdb"):
        out = tmp_path / f"aged-{engine}.csv"
        args = ["report", "aged-balance", "--db", str(db), "--as-of", AS_OF.isoformat()]
        assert main([*args, "--engine", engine, "--out", str(out)]) == 0
        outs[engine] = out.read_bytes()
    assert outs["python"] == outs["duckdb"]
    capsys.readouterr()
    args = ["report", "statement", "--db", str(db), "--as-of", AS_OF.isoformat()]
    assert main([*args, "--engine", "duckdb", "--out", str(tmp_path / "s.csv")]) == 2
    assert "--engine" in capsys.readouterr().err
