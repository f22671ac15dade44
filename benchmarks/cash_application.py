"""Cash application end to end on both public sets, from their files.

Run: ``.venv/bin/python benchmarks/cash_application.py [--set cashapp2|cashapp|both] [--out DIR]``.

``cashapp2`` (``../shared/bench/cashapp2``): the bank files are read with o2c's own readers
(camt.053/camt.054, MT940, BAI2; a folder of any mix), the master data (customers, payer
accounts, open items with their customer PO) and nine months of confirmed history; the history
is learnt, the lines are matched, ``matches.csv`` is written and scored by the set's own
``score.py`` (imported, not copied).  ``cashapp`` (``../shared/bench/cashapp``): the CSV
payments and open items of the first set, the same way.

Printed per set: the scorer's figures (auto-match rate, precision, wrong postings), the table per
scenario, a table per channel (``truth_meta.csv`` is read here, for the report only: the matcher
never sees it), the reliability table (per confidence bin: payments, those posted, and the
observed precision of the best proposal), and speed (payments/s matching; history learning).
A set with remittance advices (``test/advices/*.eml``) is run twice: without them, then with
them read by :func:`o2c.adapters.advices.read_advice_folder`, linked to the bank lines by
:func:`~o2c.cash_application.advices.link_advices` and given to the payments by
:func:`~o2c.cash_application.advices.apply_advices`.
"""

from __future__ import annotations

import argparse
import collections
import csv
import datetime as dt
import gc
import importlib.util
import re
import sys
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
from moneyed import Money

from o2c.adapters.advices import read_advice_folder
from o2c.adapters.bai2 import read_bai2_statements
from o2c.adapters.camt import read_camt053_statements, read_camt054_statements
from o2c.adapters.match_folder import read_open_items as read_item_file
from o2c.adapters.mt940 import read_mt940_statements
from o2c.cash_application import (
    ConfirmedPayment,
    CustomerProfile,
    MatchDecision,
    MatchPolicy,
    MatchResult,
    learn_payers,
    match_payments,
)
from o2c.cash_application.advices import RemittanceAdvice, apply_advices, link_advices
from o2c.cash_application.amounts import home_countries
from o2c.cash_application.calibration import ConfidenceMap, fit_confidence, labelled_outcomes
from o2c.fx import InMemoryRates
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.statement import Payment, Statement
from o2c.terms import DiscountOffer

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "bench"
#: The upper edges of the reliability table's confidence bins.
BINS = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 1.0001)


@attrs.frozen
class World:
    """What a matcher is given: payments, open items, customers, rates (and the learning time)."""

    payments: tuple[Payment, ...]
    items: tuple[OpenItem, ...]
    customers: tuple[CustomerProfile, ...]
    rates: InMemoryRates | None
    shared_payers: Mapping[str, frozenset[str]] = attrs.field(factory=dict)
    purchase_orders: dict[str, str] = attrs.field(factory=dict)
    #: Remittance advices (e-mails) sent apart from the payments (``test/advices``).
    advices: tuple[RemittanceAdvice, ...] = ()
    learn_seconds: float = 0.0
    history_payments: int = 0
    #: The creditor's country (from the statements' own accounts): a payer account there is
    #: domestic, and a domestic short payment is never read as bank charges.
    creditor_countries: frozenset[str] = frozenset()


# --------------------------------------------------------------------------------------------
# Reading the files (the benchmark's own loaders: file reading stays outside the core).


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _money(text: str, code: str) -> Money:
    return Money(Decimal(text), code)


def read_open_items(path: Path) -> tuple[list[OpenItem], dict[str, str], dict[str, str]]:
    """Open items, customer names by id (every customer of an item; from the file) and customer
    POs by item id: :func:`o2c.adapters.match_folder.read_open_items`, the one reader."""
    items, names, pos = read_item_file(path)
    for item in items:
        names.setdefault(str(item.customer_id), "")
    return items, names, pos


def read_csv_payments(path: Path) -> list[Payment]:
    """The payments of the first set's ``payments.csv``."""
    return [
        Payment(
            payment_id=row["payment_id"],
            value_date=dt.date.fromisoformat(row["value_date"]),
            amount=_money(row["amount"], row["currency"]),
            payer_name=row.get("payer_name", ""),
            payer_account=row.get("payer_account", ""),
            reference=row.get("reference", ""),
            remittance_info=row.get("remittance_info", ""),
        )
        for row in _rows(path)
    ]


def read_bank_folder(folder: Path) -> list[Statement]:
    """Every statement of every bank file under ``folder`` (camt, MT940, BAI2), by content."""
    statements: list[Statement] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        head = path.read_bytes()[:4096]
        if b"camt.053" in head:
            statements += read_camt053_statements(path)
        elif b"camt.054" in head:
            statements += read_camt054_statements(path)
        elif head.lstrip().startswith(b"01,"):
            statements += read_bai2_statements(path)
        elif b":20:" in head and b":61:" in path.read_bytes():
            statements += read_mt940_statements(path)
    return statements


def read_rates(path: Path) -> InMemoryRates:
    """The rates file as an in-memory rate table (pivot EUR)."""
    return InMemoryRates.from_rows(_rows(path), pivot="EUR")


def load_cashapp2(bench: Path) -> World:
    """The second set: bank files, master data and history."""
    statements = read_bank_folder(bench / "test")
    # The set names each line by the bank's own reference (camt AcctSvcrRef, MT940 //, BAI2).
    payments = tuple(
        attrs.evolve(p, payment_id=p.bank_reference or p.payment_id)
        for s in statements
        for p in s.lines
    )
    items, item_names, pos = read_open_items(bench / "open_items.csv")
    names = {r["customer_id"]: r["name"] for r in _rows(bench / "customers.csv")}
    for cid, name in item_names.items():
        names.setdefault(cid, name)
    payer_accounts = [(r["customer_id"], r["account"]) for r in _rows(bench / "payer_accounts.csv")]
    started = time.perf_counter()
    hist_payments = {r["payment_id"]: r for r in _rows(bench / "history" / "payments.csv")}
    paid_for: dict[str, set[str]] = collections.defaultdict(set)
    for alloc in _rows(bench / "history" / "allocations.csv"):
        paid_for[alloc["payment_id"]].add(alloc["customer_id"])
    history = [
        ConfirmedPayment(
            payer_name=row["payer_name"],
            payer_account=row["payer_account"],
            customer_ids=frozenset(paid_for.get(pid, ())),
        )
        for pid, row in hist_payments.items()
        if paid_for.get(pid)
    ]
    accounts: dict[str, set[str]] = collections.defaultdict(set)
    for cid, account in payer_accounts:
        accounts[cid].add(account)
    master = [
        CustomerProfile(cid, name, frozenset(accounts.get(cid, ())))
        for cid, name in sorted(names.items())
    ]
    known = learn_payers(master, history)
    learn_s = time.perf_counter() - started
    return World(
        payments=payments,
        items=tuple(items),
        customers=known.customers,
        shared_payers=known.serves,
        purchase_orders=pos,
        advices=tuple(read_advice_folder(bench / "test" / "advices"))
        if (bench / "test" / "advices").is_dir()
        else (),
        rates=read_rates(bench / "rates.csv"),
        learn_seconds=learn_s,
        history_payments=len(hist_payments),
        creditor_countries=home_countries(s.account for s in statements),
    )


def load_cashapp(bench: Path) -> World:
    """The first set: CSV payments and open items."""
    items, names, _pos = read_open_items(bench / "open_items.csv")
    customers = [CustomerProfile(cid, name) for cid, name in sorted(names.items())]
    return World(
        payments=tuple(read_csv_payments(bench / "payments.csv")),
        items=tuple(items),
        customers=tuple(customers),
        rates=read_rates(bench / "rates.csv"),
    )


# --------------------------------------------------------------------------------------------
# Writing and scoring.

MATCH_COLUMNS = (
    "payment_id",
    "item_id",
    "applied_amount",
    "residual_kind",
    "residual_amount",
    "confidence",
    "auto",
    "explanation",
)


def _proposal(result: MatchResult) -> tuple[Any, ...]:
    """The allocations of a result's best proposal (posted or suggested)."""
    if result.decision is MatchDecision.AUTO:
        return result.allocations
    if result.suggestions:
        return result.suggestions[0].allocations
    return ()


def write_matches(results: Sequence[MatchResult], path: Path) -> None:
    """``matches.csv`` as ``../cashapp/README.md`` describes it (one row per allocation)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=MATCH_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in results:
            if not r.payment.is_incoming:
                continue
            auto = "true" if r.decision is MatchDecision.AUTO else "false"
            common = {
                "payment_id": r.payment_id,
                "confidence": f"{r.confidence:.4f}",
                "auto": auto,
                "explanation": "; ".join(r.explanation)[:300],
            }
            allocations = _proposal(r)
            for a in allocations:
                kinds = "+".join(x.kind.value for x in a.residuals)
                total = sum((x.amount.amount for x in a.residuals), Decimal(0))
                writer.writerow(
                    common
                    | {
                        "item_id": a.item_id,
                        "applied_amount": str(a.applied.amount),
                        "residual_kind": kinds,
                        "residual_amount": str(total),
                    }
                )
            if not allocations:
                writer.writerow(
                    common
                    | {
                        "item_id": "",
                        "applied_amount": "0",
                        "residual_kind": "unmatched",
                        "residual_amount": str(r.payment.amount.amount),
                    }
                )


def _scorer(bench: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("cashapp_score", bench / "score.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:7.2%}" if whole else "      -"


def report(
    results: Sequence[MatchResult], matches: Path, bench: Path, scorer: ModuleType
) -> dict[str, Any]:
    """Print the scorer's figures, per scenario, per channel and the reliability table."""
    truth_path = bench / "truth.csv"
    out, table = scorer.score(str(truth_path), str(matches))
    print(
        f"auto-match {out['auto_match_rate']:.2%}  precision {out['auto_precision']:.2%}  "
        f"wrong postings {out['wrong_auto']}  suggested-right {out['suggested_ok_rate']:.2%}  "
        f"(payments {out['payments']}, left alone rightly {out['unmatchable_left_alone']})"
    )
    print(f"\n{'scenario':28} {'n':>5} {'ok':>5} {'wrong':>5} {'sugg':>5}")
    for scenario, c in table.items():
        print(f"{scenario:28} {c['n']:5} {c['ok']:5} {c['wrong']:5} {c['suggested']:5}")
    truth, _scen = scorer.load_truth(str(truth_path))
    auto, _proposed = scorer.load_matches(str(matches))
    meta_path = bench / "truth_meta.csv"
    if meta_path.exists():
        # For the report only: the matcher never reads truth_meta.csv.
        channel = {r["payment_id"]: r["channel"] for r in _rows(meta_path)}
        per: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        for pid, t in truth.items():
            c = per[channel.get(pid, "?")]
            a = auto.get(pid, {})
            c["n"] += 1
            c["matchable"] += bool(t)
            if a:
                c["auto"] += 1
                c["ok" if t and scorer.same(a, t) else "wrong"] += 1
        print(f"\n{'channel':16} {'n':>5} {'match':>5} {'ok':>5} {'wrong':>5}", end="")
        print(f" {'rate':>7} {'prec':>7}")
        for name, c in sorted(per.items(), key=lambda kv: -kv[1]["n"]):
            print(
                f"{name:16} {c['n']:5} {c['matchable']:5} {c['ok']:5} {c['wrong']:5} "
                f"{_pct(c['ok'], c['matchable'])} {_pct(c['ok'], c['auto'])}"
            )
    # Reliability: per confidence bin, how often the best proposal is the truth.
    bins: dict[float, collections.Counter[str]] = {b: collections.Counter() for b in BINS}
    for r in results:
        if not r.payment.is_incoming or r.payment_id not in truth:
            continue
        t = truth[r.payment_id]
        got = {a.item_id: a.applied.amount for a in _proposal(r)}
        edge = next(b for b in BINS if r.confidence < b)
        c = bins[edge]
        c["n"] += 1
        right = (not got and not t) or (bool(got) and bool(t) and scorer.same(got, t))
        c["right"] += right
        if r.decision is MatchDecision.AUTO:
            c["auto"] += 1
            c["auto_right"] += right
    policy = MatchPolicy()
    print(
        f"\nreliability (confidence = expected precision; auto means >= "
        f"{policy.auto_precision:.1%} expected precision)"
    )
    print(f"{'confidence':13} {'n':>5} {'right':>7} {'posted':>6} {'prec':>7}")
    low = 0.0
    held = True
    for edge in BINS:
        c = bins[edge]
        print(
            f"[{low:.3f},{min(edge, 1.0):.3f}{']' if edge > 1 else ')'} {c['n']:5} "
            f"{_pct(c['right'], c['n'])} {c['auto']:6} {_pct(c['auto_right'], c['auto'])}"
        )
        if low >= policy.auto_precision and c["n"] and c["right"] / c["n"] < low:
            held = False
        low = edge
    print(
        "every bin at or above the auto threshold: observed precision >= its lower edge: "
        + ("yes" if held else "NO")
    )
    out["calibrated"] = held
    return dict(out)


def run(name: str, bench: Path, world: World, out_dir: Path) -> dict[str, Any]:
    """Match ``world`` without and (when it has any) with its advices; print both."""
    figures = _run(name, bench, world, out_dir)
    if world.advices:
        started = time.perf_counter()
        links = link_advices(
            world.advices, world.payments, customers=world.customers, open_items=world.items
        )
        payments = apply_advices(world.payments, links)
        seconds = time.perf_counter() - started
        linked = sum(link.status.value == "linked" for link in links)
        print(
            f"\n--- {name} with advices: {len(world.advices)} advices read, {linked} linked "
            f"({seconds:.2f} s) ---"
        )
        figures["with_advices"] = _run(
            f"{name}_advices", bench, attrs.evolve(world, payments=payments), out_dir
        )
    return figures


def _run(name: str, bench: Path, world: World, out_dir: Path) -> dict[str, Any]:
    """Match ``world``, write its matches, score and print everything for one set."""
    print(f"\n=== {name}: {len(world.payments):,} lines, {len(world.items):,} open items ===")
    if world.history_payments:
        print(f"history: {world.history_payments:,} payments learnt in {world.learn_seconds:.2f} s")
    gc.disable()
    started = time.perf_counter()
    results = match_payments(
        world.payments,
        world.items,
        customers=world.customers,
        shared_payers=world.shared_payers,
        purchase_orders=world.purchase_orders,
        rates=world.rates,
        policy=MatchPolicy(creditor_countries=world.creditor_countries),
    )
    seconds = time.perf_counter() - started
    gc.enable()
    incoming = sum(p.is_incoming for p in world.payments)
    print(f"matching: {seconds:.2f} s = {incoming / seconds:,.0f} payments/s")
    out_dir.mkdir(parents=True, exist_ok=True)
    matches = out_dir / f"matches_{name}.csv"
    write_matches(results, matches)
    figures = report(results, matches, bench, _scorer(SHARED / "cashapp"))
    figures["payments_per_s"] = round(incoming / seconds)
    return figures


# --------------------------------------------------------------------------------------------
# Fitting the confidence map on the confirmed history (never on the test lines or their truth).


#: The policy the history is matched with: posting on the raw score alone (every score
#: "calibrated" to 1), so the batch settles items the way it did before there was a map.
RAW_POLICY = MatchPolicy(confidence=ConfidenceMap(edges=(0.0,), values=(1.0,)))


def _terms_days(terms: str) -> int:
    """Days from document to due date of a customer's terms (``NET30``, ``2/10 NET30``, ...)."""
    found = re.search(r"NET\s*(\d+)", terms.upper())
    return int(found.group(1)) if found else 0


def document_dates(bench: Path) -> dict[str, tuple[float, float]]:
    """Per document series (``INV/2025``, ``CN/2026``, ...): ``(ordinal at 0, days per number)``.

    A ledger knows each invoice's date; the history's allocations name only its number.
    Numbers run in date order within a series, so a straight line fitted by least squares on
    the open-items list (master data: numbers with their dates; never the test truth) dates the
    history's documents too.  A series the list lacks borrows the slope of the others.
    """
    points: dict[str, list[tuple[int, int]]] = collections.defaultdict(list)
    for row in _rows(bench / "open_items.csv"):
        series, _, number = row["document_number"].rpartition("/")
        if number.isdigit():
            day = dt.date.fromisoformat(row["document_date"]).toordinal()
            points[series].append((int(number), day))
    lines: dict[str, tuple[float, float]] = {}
    for series, xy in points.items():
        n = len(xy)
        mx = sum(x for x, _ in xy) / n
        my = sum(y for _, y in xy) / n
        sxx = sum((x - mx) ** 2 for x, _ in xy)
        slope = sum((x - mx) * (y - my) for x, y in xy) / sxx if sxx else 0.0
        lines[series] = (my - slope * mx, slope)
    return lines


def _document_date(number: str, lines: Mapping[str, tuple[float, float]], paid: dt.date) -> dt.date:
    """The estimated date of document ``number`` (never after the day it was ``paid``)."""
    series, _, digits = number.rpartition("/")
    line = lines.get(series)
    if line is None:
        slopes = [s for _, s in lines.values() if s > 0]
        year = series.rpartition("/")[2]
        if not slopes or not year.isdigit():
            return paid - dt.timedelta(days=30)
        line = (dt.date(int(year), 1, 1).toordinal(), sum(slopes) / len(slopes))
    if not digits.isdigit():
        return paid - dt.timedelta(days=30)
    day = dt.date.fromordinal(round(line[0] + line[1] * int(digits)))
    return min(day, paid)


def history_outcomes(bench: Path, months: Sequence[str] = ()) -> list[tuple[float, bool]]:
    """``(raw score, right?)`` for the confirmed history of ``bench``, month by month.

    Each month's payments are matched against the items the history's allocations name in that
    month and the next (items paid a month later were open too: distractors), each item as a
    ledger would have held it:

    * open for its ``applied_amount``: the allocations' applied amount is what the item's open
      amount went down by, residual included (``../cashapp/README.md``: "discount or deduction
      included"; the history bears it out: a payment is the sum of its applied amounts less
      the sum of its residuals), in the item's currency (its customer's: an ``fx_difference``
      item stays in its own currency; the history's fx residuals are all 0, so the rate is the
      only other thing to know, and ``rates.csv`` gives it);
    * an early-payment discount offer where its allocation took a discount (the invoice's
      terms carried it): the residual, earned up to the payment's value date;
    * dated from its number (:func:`document_dates`) and due by its customer's terms.

    Payers are learnt from the other months only (the month's own confirmations would tell the
    answer).  The label of a payment is its confirmed items and applied amounts, compared as
    the scorer compares (same items, each amount within a cent; none: rightly left alone).
    """
    payments = _rows(bench / "history" / "payments.csv")
    allocations = _rows(bench / "history" / "allocations.csv")
    customers = {r["customer_id"]: r for r in _rows(bench / "customers.csv")}
    accounts: dict[str, set[str]] = collections.defaultdict(set)
    for r in _rows(bench / "payer_accounts.csv"):
        accounts[r["customer_id"]].add(r["account"])
    master = [
        CustomerProfile(cid, r["name"], frozenset(accounts.get(cid, ())))
        for cid, r in sorted(customers.items())
    ]
    lines = document_dates(bench)
    month_of = {r["payment_id"]: r["value_date"][:7] for r in payments}
    by_payment: dict[str, list[dict[str, str]]] = collections.defaultdict(list)
    for a in allocations:
        by_payment[a["payment_id"]].append(a)
    rates = read_rates(bench / "rates.csv")
    all_months = sorted(set(month_of.values()))
    outcomes: list[tuple[float, bool]] = []
    for k, month in enumerate(all_months):
        if months and month not in months:
            continue
        window = {month, *all_months[k + 1 : k + 2]}
        others = [
            ConfirmedPayment(
                payer_name=r["payer_name"],
                payer_account=r["payer_account"],
                customer_ids=frozenset(a["customer_id"] for a in by_payment[r["payment_id"]]),
            )
            for r in payments
            if month_of[r["payment_id"]] != month and by_payment.get(r["payment_id"])
        ]
        known = learn_payers(master, others)
        open_units: dict[str, Decimal] = collections.defaultdict(Decimal)
        taken: dict[str, Decimal] = collections.defaultdict(Decimal)
        first: dict[str, dict[str, str]] = {}
        for r in payments:
            if month_of[r["payment_id"]] in window:
                for a in by_payment.get(r["payment_id"], ()):
                    open_units[a["item_id"]] += Decimal(a["applied_amount"])
                    if a["residual_kind"] == "discount":
                        taken[a["item_id"]] += Decimal(a["residual_amount"])
                    first.setdefault(a["item_id"], a | {"value_date": r["value_date"]})
        items = []
        for item_id, amount in sorted(open_units.items()):
            a = first[item_id]
            customer = customers.get(a["customer_id"], {})
            code = customer.get("currency") or "EUR"
            paid = dt.date.fromisoformat(a["value_date"])
            issued = _document_date(a["document_number"], lines, paid)
            offers: tuple[DiscountOffer, ...] = ()
            if taken.get(item_id):
                offers = (DiscountOffer(deadline=paid, amount=Money(taken[item_id], code)),)
            items.append(
                OpenItem(
                    item_id=ItemId(item_id),
                    customer_id=CustomerId(a["customer_id"]),
                    kind=ItemKind.CREDIT_MEMO if amount < 0 else ItemKind.INVOICE,
                    document_number=a["document_number"],
                    document_date=issued,
                    due_date=issued + dt.timedelta(days=_terms_days(customer.get("terms", ""))),
                    original_amount=Money(amount, code),
                    open_amount=Money(amount, code),
                    discounts=offers,
                )
            )
        batch = [
            Payment(
                payment_id=r["payment_id"],
                value_date=dt.date.fromisoformat(r["value_date"]),
                amount=_money(r["amount"], r["currency"]),
                payer_name=r["payer_name"],
                payer_account=r["payer_account"],
                reference=r["reference"],
                remittance_info=r["remittance_info"],
            )
            for r in payments
            if month_of[r["payment_id"]] == month
        ]
        confirmed = {
            p.payment_id: {
                a["item_id"]: Decimal(a["applied_amount"]) for a in by_payment.get(p.payment_id, ())
            }
            for p in batch
        }
        results = match_payments(
            batch,
            items,
            customers=known.customers,
            shared_payers=known.serves,
            rates=rates,
            policy=RAW_POLICY,
        )
        found = labelled_outcomes(results, confirmed)
        outcomes += found
        right = sum(r for _, r in found)
        print(f"history {month}: {len(batch):,} payments, {len(items):,} items, {right:,} right")
    right = sum(r for _, r in outcomes)
    print(f"history: {len(outcomes):,} payments, {right:,} right ({_pct(right, len(outcomes))})")
    return outcomes


def print_fit(fitted: ConfidenceMap) -> None:
    """The fitted map as the Python table ``calibration.DEFAULT_CONFIDENCE`` ships."""
    print("\nfitted confidence map (raw score >= edge: confidence; outcomes right/n):")
    for e, v, n, r in zip(fitted.edges, fitted.values, fitted.counts, fitted.right, strict=True):
        print(f"  {e:.3f}  {v:.3f}  {r:6}/{n:6}")
    print("DEFAULT_CONFIDENCE = ConfidenceMap(")
    print(f"    edges={fitted.edges!r},")
    print(f"    values={fitted.values!r},")
    print(f"    counts={fitted.counts!r},")
    print(f"    right={fitted.right!r},")
    print(")")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen sets and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", choices=("cashapp2", "cashapp", "both"), default="both")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--out", type=Path, default=Path("/tmp/o2c-cashapp-bench"))
    parser.add_argument(
        "--fit",
        action="store_true",
        help="fit the confidence map on cashapp2's confirmed history and print it",
    )
    args = parser.parse_args(argv)
    shared: Path = args.shared
    if not (shared / "cashapp" / "score.py").exists():
        print(f"benchmark data not found in {shared}", file=sys.stderr)
        return 1
    if args.fit:
        outcomes = history_outcomes(shared / "cashapp2")
        args.out.mkdir(parents=True, exist_ok=True)
        with (args.out / "history_outcomes.csv").open("w", encoding="utf-8") as handle:
            handle.write("score,right\n")
            handle.writelines(f"{s},{int(r)}\n" for s, r in outcomes)
        print_fit(fit_confidence(outcomes))
        return 0
    if args.set in ("cashapp2", "both"):
        bench = shared / "cashapp2"
        run("cashapp2", bench, load_cashapp2(bench), args.out)
    if args.set in ("cashapp", "both"):
        bench = shared / "cashapp"
        run("cashapp", bench, load_cashapp(bench), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
