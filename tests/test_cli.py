"""The command line and the demo."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from o2c import demos
from o2c.cli import main


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
