"""o2c dashboard: one self-contained HTML page, opened in headless Chromium (Debian's
``chromium``): a screenshot is taken, and the test fails on console or page errors, on a figure
(chart) that does not load, and on anything the page would fetch."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from o2c.cli.main import main
from o2c.ledger import Ledger
from o2c.reports.dashboard import dashboard
from tests.test_reports_ledger import AS_OF, sample_facts

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Put at the top of a copy of the page: records page errors, console errors and failed
#: resources, then (once loaded) the images and how many of them did not load, in the DOM.
_PROBE = """<script>
window.__errors = [];
window.addEventListener("error", function (e) {
  var what = e.target && e.target.tagName ? "failed to load " + e.target.tagName : e.message;
  window.__errors.push(String(what));
}, true);
var __consoleError = console.error;
console.error = function () {
  window.__errors.push(Array.prototype.join.call(arguments, " "));
  __consoleError.apply(console, arguments);
};
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var broken = images.filter(function (i) { return !i.complete || i.naturalWidth === 0; });
  document.body.setAttribute("data-images", String(images.length));
  document.body.setAttribute("data-broken", String(broken.length));
  document.body.setAttribute("data-errors", JSON.stringify(window.__errors));
});
</script>"""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from o2c.adapters.sqlite import SQLiteLedgerStore

    folder = tmp_path_factory.mktemp("dashboard")
    db = folder / "ledger.sqlite"
    store = SQLiteLedgerStore(str(db))
    try:
        Ledger(store).load_history(sample_facts(160, per_customer=20))
    finally:
        store.close()
    out = folder / "dashboard.html"
    status = main(
        [
            "dashboard",
            "--db",
            str(db),
            "--as-of",
            AS_OF.isoformat(),
            "--out",
            str(out),
            "--currency",
            "EUR",
            "--rate",
            "USD=0.9",
            "--locale",
            "de",
        ]
    )
    assert status == 0
    return out


def _expected_charts() -> int:
    ledger = Ledger()
    ledger.load_history(sample_facts(160, per_customer=20))
    board = dashboard(ledger, as_of=AS_OF, currency_code="EUR")
    return len(board.charts())


def test_the_page_is_self_contained_with_every_figure(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "Forderungs-Dashboard" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)  # nothing fetched
    assert "<link" not in html
    assert html.count('src="data:image/svg+xml;base64,') == _expected_charts() >= 3
    assert html.count('class="o2c-figure"') >= 8
    assert "Arbeitsvorrat" in html  # the worklist's table


def test_the_dashboard_refuses_a_customer() -> None:
    from o2c.errors import ValidationError

    with pytest.raises(ValidationError, match="whole ledger"):
        dashboard(Ledger(), as_of=AS_OF, customer_id="C1")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (CI installs it)")
def test_the_page_opens_in_headless_chromium_without_errors(page: Path, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    shot = tmp_path / "dashboard.png"
    run = subprocess.run(
        [
            CHROMIUM,
            *_FLAGS,
            f"--user-data-dir={tmp_path / 'profile-shot'}",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1300,1800",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.stat().st_size > 20_000  # a page with charts, not a blank one
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console

    probe = tmp_path / "probe.html"
    html = page.read_text(encoding="utf-8")
    probe.write_text(html.replace("<head>", "<head>\n" + _PROBE, 1), encoding="utf-8")
    dom = subprocess.run(
        [
            CHROMIUM,
            *_FLAGS,
            f"--user-data-dir={tmp_path / 'profile-dom'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", dom.stdout)
    assert body is not None, dom.stdout[:500]
    attributes = dict(re.findall(r'data-(\w+)="([^"]*)"', body.group(1)))
    assert int(attributes["images"]) == _expected_charts()
    assert attributes["broken"] == "0"
    errors = json.loads(attributes["errors"].replace("&quot;", '"'))
    assert errors == []


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (CI installs it)")
def test_the_probe_sees_a_broken_figure_and_an_error(tmp_path: Path) -> None:
    # the check can fail: a page with a broken image and a script error is caught
    assert CHROMIUM is not None
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head>\n" + _PROBE + "</head><body>"
        '<img src="data:image/svg+xml;base64,bm90IGFuIHN2Zw=="><script>nope();</script>'
        "</body></html>",
        encoding="utf-8",
    )
    dom = subprocess.run(
        [
            CHROMIUM,
            *_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            bad.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    body = re.search(r"<body([^>]*)>", dom.stdout)
    assert body is not None
    attributes = dict(re.findall(r'data-(\w+)="([^"]*)"', body.group(1)))
    assert attributes["broken"] == "1"
    assert "nope" in attributes["errors"]
