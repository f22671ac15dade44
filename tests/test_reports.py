"""The report catalogue (o2c.reports): every report builds from a ledger and renders in every
format and language; frames are exact and keep totals apart; statements add up; o2c report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moneyed import Money

from o2c.cli.main import main
from o2c.errors import InvalidFactError, ValidationError
from o2c.ledger import Fact, Ledger
from o2c.money import minor_units
from o2c.reports import REPORTS, build_report, render, report_names
from o2c.reports.charts import chart_png, chart_svg
from o2c.reports.messages import MESSAGES, text
from o2c.reports.model import ColumnKind, Label
from o2c.reports.receivables import StatementOfAccount, statement_from_history
from tests.strategies import ledger_streams
from tests.test_reports_ledger import AS_OF, sample_facts, sample_ledger

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CUSTOMER = "C00001"


@pytest.fixture(scope="module")
def ledger() -> Ledger:
    return sample_ledger(200, per_customer=20)


def _build(name: str, ledger: Ledger, **options: object) -> object:
    if name == "statement":
        options.setdefault("customer_id", CUSTOMER)
    if name == "worklist":
        options.setdefault("currency_code", "EUR")
        options.setdefault("rates", {"USD": Decimal("0.9")})
    return build_report(name, ledger, as_of=AS_OF, **options)  # type: ignore[arg-type]


def test_the_catalogue_has_every_report_the_issue_names() -> None:
    assert set(report_names()) == {
        "aged-balance",
        "statement",
        "open-items",
        "payments",
        "unapplied",
        "exceptions",
        "disputes",
        "dunning",
        "dso-trend",
        "worklist",
        "exposure",
        "forecast",
        "provision",
    }


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_every_report_renders_in_csv_xlsx_and_html_in_every_language(
    name: str, ledger: Ledger
) -> None:
    report = _build(name, ledger)
    for locale in ("en", "de", "fr"):
        html = render(report, "html", locale, charts=False).decode("utf-8")  # type: ignore[arg-type]
        assert html.startswith("<!DOCTYPE html>")
        assert f'lang="{locale}"' in html
        assert text(f"title.{name}", locale) in html
        assert "http://" not in html.replace("http://www.w3.org", "")  # nothing to fetch
    data = render(report, "csv", "de")  # type: ignore[arg-type]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    table = report.table()  # type: ignore[attr-defined]
    assert len(rows) == 1 + len(table.rows)
    xlsx = render(report, "xlsx", "fr")  # type: ignore[arg-type]
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        assert "xl/workbook.xml" in book.namelist()


@pytest.mark.parametrize("name", ["aged-balance", "statement", "dso-trend", "forecast"])
def test_reports_with_charts_render_to_pdf_with_the_charts(name: str, ledger: Ledger) -> None:
    report = _build(name, ledger)
    assert report.charts()  # type: ignore[attr-defined]
    html = render(report, "html", "de").decode("utf-8")  # type: ignore[arg-type]
    assert html.count("data:image/svg+xml;base64,") == len(report.charts())  # type: ignore[attr-defined]
    pdf = render(report, "pdf", "de", max_rows=20)  # type: ignore[arg-type]
    assert pdf.startswith(b"%PDF-")


def test_html_and_pdf_show_at_most_max_rows_and_say_how_many_were_left_out(
    ledger: Ledger,
) -> None:
    report = build_report("open-items", ledger, as_of=AS_OF)
    assert len(report.table().rows) > 10
    html = render(report, "html", "en", max_rows=10).decode("utf-8")
    assert html.count("<tr>") == 1 + 10 + len(report.table().totals)
    assert f"first 10 of {len(report.table().rows)} rows" in html
    full = render(report, "html", "en", max_rows=None).decode("utf-8")
    assert "rows; the XLSX" not in full


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_frames_are_exact_and_keep_totals_apart(name: str, ledger: Ledger) -> None:
    report = _build(name, ledger)
    table = report.table()  # type: ignore[attr-defined]
    frame = report.to_frame()  # type: ignore[attr-defined]
    totals = report.totals_frame()  # type: ignore[attr-defined]
    assert len(frame) == len(table.rows)
    assert len(totals) == len(table.totals)
    for column in frame.columns:
        values = [v for v in frame[column].tolist() if v is not None]
        assert not any(isinstance(v, Decimal | Money) for v in values), column
    money = [c for c in table.columns if c.kind is ColumnKind.MONEY]
    for column in money:
        assert str(frame[f"{column.key}_minor"].dtype) == "Int64"
    # the rows' money sums to the totals, per currency, to the minor unit
    for column in money:
        key = f"{column.key}_minor"
        if totals.empty or totals[key].isna().all() or name == "statement":
            continue
        for code, group in frame.groupby("currency"):
            expected = totals.loc[totals["currency"] == code, key]
            if expected.isna().all():
                continue
            assert int(group[key].sum()) == int(expected.iloc[0]), (column.key, code)


def test_aged_balance_frame_sums_to_the_ledger_balance(ledger: Ledger) -> None:
    report = build_report("aged-balance", ledger, as_of=AS_OF)
    frame = report.to_frame()
    for code, balance in ledger.balance(AS_OF).items():
        units = int(frame.loc[frame["currency"] == code, "balance_minor"].sum())
        assert units == int(balance.amount.scaleb(minor_units(code)))


def test_known_at_shows_what_was_recorded_then(ledger: Ledger) -> None:
    early = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    then = build_report("aged-balance", ledger, as_of=AS_OF, known_at=early)
    now = build_report("aged-balance", ledger, as_of=AS_OF)
    assert then.aging.totals != now.aging.totals  # type: ignore[attr-defined]
    assert then.known_at == early
    html = render(then, "html", "en", charts=False).decode("utf-8")
    assert "As known at" in html
    assert "2025-06-01T00:00+00:00" in html


def test_the_german_statement_speaks_german(ledger: Ledger) -> None:
    report = build_report(
        "statement", ledger, as_of=AS_OF, customer_id=CUSTOMER, start=dt.date(2026, 1, 1)
    )
    html = render(report, "html", "de", charts=False).decode("utf-8")
    for word in ("Kontoauszug", "Saldovortrag", "Endsaldo", "Nicht fällig", "Gutschriften"):
        assert word in html
    for word in ("Balance forward", "Not due", "Credits", "Statement of account"):
        assert word not in html
    assert "€" in html
    assert "," in html  # 1.234,56 €


def test_a_statement_with_a_payee_carries_an_epc_qr_code(ledger: Ledger) -> None:
    report = build_report(
        "statement",
        ledger,
        as_of=AS_OF,
        customer_id=CUSTOMER,
        payee_name="Muster GmbH",
        payee_iban="DE89370400440532013000",
    )
    assert report.closing[0].amount > 0  # type: ignore[attr-defined]
    assert "<svg" in report.qr_svg  # type: ignore[attr-defined]
    html = render(report, "html", "de", charts=False).decode("utf-8")
    assert "Code scannen" in html
    assert html.count("<svg") == 1
    plain = build_report("statement", ledger, as_of=AS_OF, customer_id=CUSTOMER)
    assert "<svg" not in render(plain, "html", "de", charts=False).decode("utf-8")


def test_every_language_has_every_message() -> None:
    keys = set(MESSAGES["en"])
    for lang, table in MESSAGES.items():
        assert set(table) == keys, lang
    assert text("title.statement", "fr") == "Relevé de compte"


def test_every_label_a_report_shows_has_a_message(ledger: Ledger) -> None:
    for name in REPORTS:
        report = _build(name, ledger)
        for table in report.tables():  # type: ignore[attr-defined]
            for column in table.columns:
                assert column.label is not None or column.key in MESSAGES["en"], column.key
            for row in (*table.rows, *table.totals):
                for cell in row:
                    if isinstance(cell, Label):
                        assert str(cell) in MESSAGES["en"], (name, cell)
        for figure in report.figures():  # type: ignore[attr-defined]
            assert figure.key in MESSAGES["en"], figure.key


def test_the_dso_trend_has_the_figures_of_period_figures_from_ledger(ledger: Ledger) -> None:
    from o2c.receivables.kpi import period_figures_from_ledger

    trend = build_report("dso-trend", ledger, as_of=AS_OF, months=4)
    assert len(trend.months) == 4  # type: ignore[attr-defined]
    for month in trend.months:  # type: ignore[attr-defined]
        f = month.figures
        assert f == period_figures_from_ledger(ledger, f.start, f.end, "EUR")


def test_figures_keep_the_exact_value_and_round_for_display(ledger: Ledger) -> None:
    report = build_report("dso-trend", ledger, as_of=AS_OF)
    dso = next(f for f in report.figures() if f.key == "figure.dso")
    assert dso.rounded == dso.value.quantize(Decimal("0.1"))
    assert dso.value != dso.rounded  # the exact quotient is kept
    html = render(report, "html", "en", charts=False).decode("utf-8")
    assert f"{dso.rounded} days" in html


def test_repr_html_is_a_fragment_for_notebooks(ledger: Ledger) -> None:
    fragment = build_report("aged-balance", ledger, as_of=AS_OF)._repr_html_()
    assert fragment.startswith('<div class="o2c-report">')
    assert "<html" not in fragment


def test_charts_are_svg_and_png_bytes(ledger: Ledger) -> None:
    chart = build_report("forecast", ledger, as_of=AS_OF).charts()[0]
    assert b"<svg" in chart_svg(chart, "fr")
    assert chart_png(chart).startswith(b"\x89PNG")
    assert chart_svg(chart, "de") == chart_svg(chart, "de")  # no date or random ids


def test_bad_input_is_one_clear_error(ledger: Ledger) -> None:
    with pytest.raises(ValidationError, match="no report 'nope'"):
        build_report("nope", ledger, as_of=AS_OF)
    with pytest.raises(ValidationError, match="customer"):
        build_report("statement", ledger, as_of=AS_OF)
    with pytest.raises(ValidationError, match="does not take"):
        build_report("aged-balance", ledger, as_of=AS_OF, months=3)
    report = build_report("aged-balance", ledger, as_of=AS_OF)
    with pytest.raises(ValidationError, match="format"):
        render(report, "docx")
    with pytest.raises(ValidationError, match="locale"):
        render(report, "csv", "it")


def test_payments_show_where_each_payment_went(ledger: Ledger) -> None:
    report = build_report("payments", ledger, as_of=AS_OF, start=dt.date(2025, 4, 1))
    assert report.payments  # type: ignore[attr-defined]
    for p in report.payments:  # type: ignore[attr-defined]
        applied = sum((m.amount for _, m in p.applied_to), Decimal(0))
        assert p.applied == p.payment.amount - p.unapplied
        if p.applied_to:
            # what the payment gave its items, plus any deduction the customer took
            assert applied >= p.applied.amount
        else:
            assert p.unapplied == p.payment.amount


# ------------------------------------------------------------------------------ statements


def _accept(facts: list[object]) -> Ledger:
    ledger = Ledger()
    for fact in facts:
        try:
            ledger.append([fact])  # type: ignore[list-item]
        except InvalidFactError:
            continue
    return ledger


def _check_statement(report: StatementOfAccount, ledger: Ledger) -> None:
    lines_by: dict[str, Decimal] = {}
    for line in report.lines:
        code = line.amount.currency.code
        lines_by[code] = lines_by.get(code, Decimal(0)) + line.amount.amount
    forward = {m.currency.code: m.amount for m in report.forward}
    balance = ledger.balance(report.as_of, customer_id=report.customer_id)
    for closing in report.closing:
        code = closing.currency.code
        # closing balance = balance forward + the movements
        assert closing.amount == forward.get(code, 0) + lines_by.get(code, 0)
        # the aging's buckets sum to the statement's closing balance
        row = report.aging.total(code)
        assert sum((c.amount for c in row.columns), Decimal(0)) == closing.amount
        # and both are the ledger's balance
        assert closing.amount == balance.get(code, Money(0, code)).amount


@settings(max_examples=150, deadline=None)
@given(ledger_streams(max_facts=30), st.integers(0, 8), st.integers(0, 8))
def test_property_statement_buckets_sum_to_the_statement_balance(
    facts: list[object], start: int, end: int
) -> None:
    ledger = _accept(facts)
    first = dt.date(2026, 1, 1)
    as_of = first + dt.timedelta(days=max(start, end))
    begin = first + dt.timedelta(days=min(start, end))
    report = build_report("statement", ledger, as_of=as_of, customer_id="C1", start=begin)
    assert isinstance(report, StatementOfAccount)
    _check_statement(report, ledger)
    running = {m.currency.code: m.amount for m in report.forward}
    for line in report.lines:
        code = line.amount.currency.code
        running[code] = running.get(code, Decimal(0)) + line.amount.amount
        assert line.balance.amount == running[code]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 9), st.dates(dt.date(2025, 4, 1), AS_OF))
def test_property_sample_statements_add_up(customer: int, start: dt.date) -> None:
    facts: list[Fact] = _SAMPLE
    ledger = _SAMPLE_LEDGER
    history = ledger.read(AS_OF, customer_id=f"C{customer:05d}")
    report = statement_from_history(history, f"C{customer:05d}", as_of=AS_OF, start=start)
    _check_statement(report, ledger)
    assert facts


_SAMPLE = sample_facts(200, per_customer=20)
_SAMPLE_LEDGER = Ledger()
_SAMPLE_LEDGER.load_history(_SAMPLE)


# ------------------------------------------------------------------------------ the CLI


@pytest.fixture(scope="module")
def ledger_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from o2c.adapters.sqlite import SQLiteLedgerStore

    path = tmp_path_factory.mktemp("reports") / "ledger.sqlite"
    store = SQLiteLedgerStore(str(path))
    try:
        Ledger(store).load_history(sample_facts(120, per_customer=20))
    finally:
        store.close()
    return path


@pytest.mark.parametrize(
    ("name", "fmt", "extra"),
    [
        ("aged-balance", "xlsx", ["--detail"]),
        ("statement", "html", ["--customer", CUSTOMER, "--locale", "de"]),
        ("dso-trend", "csv", ["--months", "6"]),
        ("worklist", "html", ["--currency", "EUR", "--rate", "USD=0.9", "--limit", "20"]),
        ("unapplied", "csv", []),
        ("forecast", "pdf", ["--weeks", "4", "--locale", "fr"]),
    ],
)
def test_cli_writes_each_report(
    name: str,
    fmt: str,
    extra: list[str],
    ledger_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / f"report.{fmt}"
    status = main(
        [
            "report",
            name,
            "--db",
            str(ledger_file),
            "--as-of",
            "2026-03-31",
            "--out",
            str(out),
            *extra,
        ]
    )
    assert status == 0, capsys.readouterr().err
    data = out.read_bytes()
    assert data
    if fmt == "pdf":
        assert data.startswith(b"%PDF-")
    if fmt == "xlsx":
        assert data.startswith(b"PK")
    assert f"{len(data):,} bytes of {fmt}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["statement"], "name it"),
        (["aged-balance", "--months", "3"], "--months does not apply"),
        (["aged-balance", "--customer", "NOPE"], "no such customer"),
        (["nope"], "invalid choice"),
        (["aged-balance", "--as-of", "2026-02-30"], "not an ISO date"),
        (["aged-balance", "--format", "docx"], "invalid choice"),
        (["aged-balance", "--known-at", "2026-03-01"], "UTC offset"),
        (["worklist", "--rate", "USD"], "CODE=RATE"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(
    args: list[str],
    message: str,
    ledger_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["--db", str(ledger_file), "--out", str(tmp_path / "x.html")]
    if "--as-of" not in args:
        base += ["--as-of", "2026-03-31"]
    status = main(["report", *args, *base])
    err = capsys.readouterr().err
    assert status == 2
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert not (tmp_path / "x.html").exists()


def test_cli_refuses_a_missing_ledger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        [
            "report",
            "aged-balance",
            "--db",
            str(tmp_path / "none.sqlite"),
            "--as-of",
            "2026-03-31",
            "--out",
            str(tmp_path / "x.csv"),
        ]
    )
    assert status == 2
    assert "no such ledger" in capsys.readouterr().err
