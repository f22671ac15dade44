"""The command line and the demo."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from o2c.cli import demos, main


def test_demo_runs_every_section_and_completes(tmp_path: Path) -> None:
    out = io.StringIO()
    assert demos.run(db_path=tmp_path / "demo.sqlite", out=out) == 0
    text = out.getvalue()
    assert "== Money" in text
    assert "33.34, 33.33, 33.33" in text
    assert text.rstrip().endswith("demo complete")


def test_cli_demo_entry_point(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["demo", "--db", str(tmp_path / "d.sqlite")]) == 0
    assert "demo complete" in capsys.readouterr().out


def test_python_dash_m_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "o2c", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "demo" in result.stdout


def test_demo_sections_hand_customer_names_to_cash_application(tmp_path: Path) -> None:
    out = io.StringIO()
    demos.run(db_path=tmp_path / "demo.sqlite", out=out)
    cash = out.getvalue().split("== Cash application")[1].split("\n== ")[0]
    assert "from ?" not in cash
    assert "from Muster GmbH: auto" in cash
    assert "payer 'EXAMPLE TRADING LTD' ~ 'Example Trading Ltd'" in cash


def test_demo_statement_escapes_names_and_numbers() -> None:
    import datetime as dt

    from o2c.adapters.camt import read_camt053
    from o2c.cli.demos.cash_application import statement_xml
    from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
    from o2c.money import money

    day = dt.date(2026, 3, 31)
    items = [
        OpenItem(
            item_id=ItemId(f"I{n}"),
            customer_id=CustomerId("C1"),
            kind=ItemKind.INVOICE,
            document_number=f"A&B<{n}>",
            document_date=day,
            due_date=day,
            original_amount=money("100.00", "EUR"),
            open_amount=money("100.00", "EUR"),
        )
        for n in range(4)
    ]
    statement = read_camt053(statement_xml(items, {"C1": "Smith & Sons <Ltd>"}, day))
    payers = {p.payer_name for p in statement.incoming}
    assert {"Smith & Sons <Ltd>", "SMITH & SONS <LTD>"} <= payers
    assert any("A&B<" in p.remittance_info for p in statement.incoming)
