"""Charts of the reports drawn by matplotlib (the ``charts`` extra) to SVG or PNG bytes.

Drawing uses matplotlib's object API on its own ``Figure`` (no pyplot, no global state, no
display), so it is safe in servers and threads.  Values are exact ``Decimal`` in the report;
they become floats here only to be drawn.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from o2c._optional import require
from o2c.reports.messages import format_date, text
from o2c.reports.model import Chart, ChartKind, Label

__all__ = ["chart_png", "chart_svg"]

_COLOURS = ("#3b6ea5", "#d9822b", "#6a9f58", "#b5455b")


def _category(value: str | dt.date, locale: str) -> str:
    if isinstance(value, dt.date):
        return format_date(value, locale)
    if isinstance(value, Label):
        return text(str(value), locale)
    return str(value)


def _figure(chart: Chart, locale: str) -> Any:
    require("matplotlib", extra="charts", feature="report charts")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = [_category(c, locale) for c in chart.categories]
    positions = list(range(len(labels)))
    if chart.kind is ChartKind.BAR:
        values = [float(v) for v in chart.series[0].values]
        colours = [_COLOURS[1] if v < 0 else _COLOURS[0] for v in values]
        axes.bar(positions, values, color=colours)
    elif chart.kind is ChartKind.BAND:
        mid, low, high = chart.series[:3]
        axes.fill_between(
            positions,
            [float(v) for v in low.values],
            [float(v) for v in high.values],
            color=_COLOURS[0],
            alpha=0.2,
            label=f"{text(low.key, locale)} - {text(high.key, locale)}",
        )
        axes.plot(
            positions,
            [float(v) for v in mid.values],
            color=_COLOURS[0],
            label=text(mid.key, locale),
        )
        axes.legend(fontsize=7)
    else:
        for i, series in enumerate(chart.series):
            axes.plot(
                positions,
                [float(v) for v in series.values],
                marker="o",
                markersize=3,
                color=_COLOURS[i % len(_COLOURS)],
                label=text(series.key, locale),
            )
        axes.legend(fontsize=7)
    step = max(1, len(labels) // 8)
    axes.set_xticks(positions[::step], labels[::step], rotation=30, ha="right", fontsize=7)
    axes.tick_params(axis="y", labelsize=7)
    axes.axhline(0, color="#888", linewidth=0.5)
    axes.grid(axis="y", linewidth=0.3)
    unit = text(f"unit.{chart.unit}", locale) if chart.unit == "days" else chart.unit
    axes.set_ylabel(unit, fontsize=7)
    figure.tight_layout()
    return figure


def chart_svg(chart: Chart, locale: str = "en") -> bytes:
    """The chart as SVG bytes (deterministic: no date or random ids in the file)."""
    import matplotlib

    figure = _figure(chart, locale)
    out = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "o2c"}):  # ids from a fixed salt, not random
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def chart_png(chart: Chart, locale: str = "en", *, dpi: int = 100) -> bytes:
    """The chart as PNG bytes."""
    figure = _figure(chart, locale)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=dpi)
    return out.getvalue()
