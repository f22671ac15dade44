"""The match folder: the public set's layout read as the benchmark reads it, and its errors."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from o2c.adapters.match_folder import read_bank_paths, read_match_folder
from o2c.errors import ValidationError

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench"
DATA = Path(__file__).resolve().parent / "data" / "bank"
ITEMS = (
    "item_id,customer_id,customer_name,document_number,payment_reference,document_date,due_date,"
    "currency,original_amount,open_amount,discount_date,discount_amount,customer_po\n"
    "I1,C1,Alpha SARL,F-2026-001,,2026-02-01,2026-03-03,EUR,1000.00,1000.00,,,PO-77\n"
)


def _benchmark() -> ModuleType:
    path = ROOT / "benchmarks" / "cash_application.py"
    spec = importlib.util.spec_from_file_location("cash_application_benchmark", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # attrs classes need their module while being built
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not (BENCH / "cashapp2").is_dir(), reason="../shared/bench is not here")
def test_the_public_sets_read_as_the_benchmark_reads_them() -> None:
    bench = _benchmark()
    world = bench.load_cashapp2(BENCH / "cashapp2")
    folder = read_match_folder(BENCH / "cashapp2")
    assert folder.payments == world.payments
    assert folder.items == world.items
    assert folder.customers == world.customers
    assert dict(folder.shared_payers) == dict(world.shared_payers)
    assert len(folder.advices) == 328
    assert folder.history_payments == world.history_payments
    assert not any("truth" in f for f in folder.files)
    first = bench.load_cashapp(BENCH / "cashapp")
    plain = read_match_folder(BENCH / "cashapp")
    assert (plain.payments, plain.items, plain.customers) == (
        first.payments,
        first.items,
        first.customers,
    )


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "open_items.csv").write_text(ITEMS, encoding="utf-8")
    (tmp_path / "bank").mkdir()
    shutil.copy(DATA / "camt053_v08_structured.xml", tmp_path / "bank")
    shutil.copy(DATA / "mt940_de_two_days.sta", tmp_path / "bank")
    (tmp_path / "truth.csv").write_text("payment_id,value_date,currency,amount\nX,1,2,3\n")
    (tmp_path / "README.md").write_text("camt.053 :20: :25: 01,\n", encoding="utf-8")
    return tmp_path


def test_a_small_folder_of_mixed_bank_files(tmp_path: Path) -> None:
    folder = read_match_folder(_folder(tmp_path))
    assert len(folder.files) == 2
    ids = [p.payment_id for p in folder.payments]
    assert "B20260304-0004" in ids  # camt AcctSvcrRef
    assert "8327000090031789" in ids  # MT940 bank reference
    assert folder.customer_pos == {"I1": "PO-77"}
    assert folder.rates is None
    assert folder.advices == ()


def test_bank_paths_mix_files_and_folders(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    lines, used = read_bank_paths([root / "bank"])
    assert len(used) == 2
    more, _ = read_bank_paths([root / "bank" / "mt940_de_two_days.sta"])
    assert {p.payment_id for p in more} <= {p.payment_id for p in lines}
    with pytest.raises(ValidationError, match="holds no bank file"):
        read_bank_paths([tmp_path / "empty"] if (tmp_path / "empty").mkdir() is None else [])
    with pytest.raises(ValidationError, match="no such file or folder"):
        read_bank_paths([tmp_path / "nope"])
    with pytest.raises(ValidationError, match="is no bank file"):
        read_bank_paths([root / "README.md"])


def test_folder_errors_name_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"holds no open_items\.csv"):
        read_match_folder(tmp_path)
    (tmp_path / "open_items.csv").write_text(ITEMS, encoding="utf-8")
    with pytest.raises(ValidationError, match="holds no bank file"):
        read_match_folder(tmp_path)
    (tmp_path / "open_items.csv").write_text(ITEMS.replace("1000.00,1000.00", "1000.00,x"))
    (tmp_path / "p.sta").write_bytes((DATA / "mt940_de_two_days.sta").read_bytes())
    with pytest.raises(ValidationError, match=r"open_items.csv:2: .*open_amount"):
        read_match_folder(tmp_path)
