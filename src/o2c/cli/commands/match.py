"""``o2c match``: apply payments to open items (cash application).

The payments come from a CSV file (``--payments``), from bank files (``--bank DIR_OR_FILE``,
repeatable, or the paths given after the options: any mix of camt.053/054, MT940, BAI2 and
payment CSV files, folders read recursively), or from a whole match folder (``--folder DIR``:
bank files, ``open_items.csv``, ``customers.csv``, ``payer_accounts.csv``, ``rates.csv``,
``history/`` and advices, as :mod:`o2c.adapters.match_folder` describes).  Besides the open items,
``--customers`` (``customer_id, name``) and ``--payer-accounts`` (``customer_id, account``) give
the master data, ``--history DIR`` the confirmed past payments to learn payers from (its
``payments.csv`` and ``allocations.csv``, learnt by
:func:`~o2c.cash_application.learn_payers`), and ``--advices DIR`` the remittance advices
(``.eml``, ``.txt``, ``.csv``) that are linked to their bank lines and used as their remittance
(:mod:`o2c.cash_application.advices`); a summary of the linking goes to standard error.

It reads and writes the CSV contract of the cash-application benchmark:

- ``--open-items``: ``item_id, customer_id, customer_name, document_number, payment_reference,
  document_date, due_date, currency, original_amount, open_amount, discount_date,
  discount_amount`` (a negative open amount is a credit memo);
- ``--payments``: ``payment_id, value_date, currency, amount, payer_name, payer_account,
  reference, remittance_info``;
- ``--rates`` (optional): ``date, base, quote, rate``;
- ``--out`` (default: standard output): ``payment_id, item_id, applied_amount, residual_kind,
  residual_amount, confidence, auto, explanation``, one row per allocation (a payment left
  alone gets one row without an item).  ``confidence`` is the expected precision of the
  proposal (:attr:`MatchResult.confidence <o2c.cash_application.MatchResult.confidence>`, the
  raw score through the policy's calibrated map), written with four decimals rounded down so
  that 0.9998 never reads as a certain 1.000.

What is posted without a person: ``--auto-precision P`` (``MatchPolicy.auto_precision``,
default 0.998) is the least expected precision; ``--auto-threshold X`` (or its older name
``--threshold``; ``MatchPolicy.auto_threshold``, default 0.9) is the least *raw score*, a bar of
the scoring rules that posting must clear as well.  Before confidence was calibrated (issue 17)
``--threshold`` compared the raw score and was the only bar; it still compares the raw score,
but ``--auto-precision`` now decides what auto means.

A progress bar goes to standard error for long files, and a summary at the end.  Malformed rows
are skipped and counted on standard error (``o2c: skipped N rows: ...``); a file without the
required columns, or none of whose rows can be read, stops the command (exit status 2) before
anything is written.  Amounts are taken as written: one with more decimals than its currency
has (``100.005`` EUR) is refused, never rounded.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import math
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import attrs

from o2c.adapters.advices import read_advice_folder
from o2c.adapters.match_folder import (
    OPEN_ITEM_COLUMNS,
    csv_amount,
    csv_date,
    open_items_from_rows,
    read_bank_paths,
    read_history,
    read_match_folder,
)
from o2c.cash_application import (
    CustomerProfile,
    MatchDecision,
    MatchPolicy,
    MatchResult,
    match_payments,
)
from o2c.cash_application.advices import (
    AdviceLink,
    LinkStatus,
    RemittanceAdvice,
    apply_advices,
    link_advices,
)
from o2c.cli.commands import input_file, output_file, read_csv, skipped_rows
from o2c.errors import O2CError, ValidationError
from o2c.ledger import OpenItem
from o2c.statement import Payment

__all__ = [
    "OUTPUT_COLUMNS",
    "advice_summary",
    "read_open_items",
    "read_payments",
    "read_rates",
    "register",
    "result_rows",
    "run",
    "write_results",
]

#: The columns of the output file.
OUTPUT_COLUMNS = (
    "payment_id",
    "item_id",
    "applied_amount",
    "residual_kind",
    "residual_amount",
    "confidence",
    "auto",
    "explanation",
)


#: The columns of the payments file; the first four are required.
PAYMENT_COLUMNS = (
    "payment_id",
    "value_date",
    "currency",
    "amount",
    "payer_name",
    "payer_account",
    "reference",
    "remittance_info",
)
RATE_COLUMNS = ("date", "base", "quote", "rate")


def _rows(
    path: Path, required: Sequence[str], expected: Sequence[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    return read_csv(path, required=required, expected=expected)


_date = csv_date
_money = csv_amount


def _fail(
    path: Path, line: int, exc: Exception, row: dict[str, str], errors: list[ValidationError] | None
) -> None:
    error = ValidationError(f"{path}:{line}: {exc}", field=f"{path.name}:{line}", value=row)
    if errors is None:
        raise error from exc
    errors.append(error)


def read_open_items(
    path: Path, *, errors: list[ValidationError] | None = None
) -> tuple[list[OpenItem], list[CustomerProfile]]:
    """The open items and the customers (id and name) of an open-items CSV file.

    The rows are read by :func:`o2c.adapters.match_folder.open_items_from_rows` (the one reading
    of an open-items row, the match folder's too).

    Args:
        path: the file.
        errors: when given, malformed rows are appended to it and skipped instead of raised.

    Raises:
        ValidationError: for a malformed row (the message names the file line).
    """
    rows = _rows(path, OPEN_ITEM_COLUMNS[:4], OPEN_ITEM_COLUMNS)
    items, names, _pos = open_items_from_rows(rows, path, errors=errors)
    customers = [CustomerProfile(cid, name) for cid, name in sorted(names.items())]
    return items, customers


def read_payments(path: Path, *, errors: list[ValidationError] | None = None) -> list[Payment]:
    """The payments of a payments CSV file.

    Args:
        path: the file.
        errors: when given, malformed rows are appended to it and skipped instead of raised.

    Raises:
        ValidationError: for a malformed row (the message names the file line).
    """
    out: list[Payment] = []
    for line, row in _rows(path, PAYMENT_COLUMNS[:4], PAYMENT_COLUMNS):
        try:
            out.append(
                Payment(
                    payment_id=row["payment_id"],
                    value_date=_date(row["value_date"], "value_date"),
                    amount=_money(row["amount"], row["currency"], "amount"),
                    payer_name=row.get("payer_name", ""),
                    payer_account=row.get("payer_account", ""),
                    reference=row.get("reference", ""),
                    remittance_info=row.get("remittance_info", ""),
                )
            )
        except (O2CError, LookupError, ValueError) as exc:
            _fail(path, line, exc, row, errors)
    return out


def read_rates(path: Path) -> Any:
    """An in-memory rate table (pivot EUR) from a ``date, base, quote, rate`` CSV file.

    Raises:
        ValidationError: the file cannot be read or a row is malformed (the message names it).
    """
    from o2c.fx import InMemoryRates

    rows = [row for _line, row in _rows(path, RATE_COLUMNS, RATE_COLUMNS)]
    try:
        return InMemoryRates.from_rows(rows, pivot="EUR")
    except O2CError as exc:
        raise ValidationError(f"{path}: {exc}", field=str(path), value=None) from exc


def _confidence(value: float) -> str:
    """``value`` with four decimals, rounded down (an expected precision never rounds up)."""
    return f"{math.floor(value * 10_000) / 10_000:.4f}"


def _amount(value: Any) -> str:
    return str(value.amount)


def result_rows(result: MatchResult) -> list[dict[str, str]]:
    """The output rows of one result (auto allocations, or the top suggestion not posted)."""
    pid = result.payment_id
    explanation = "; ".join(result.explanation)
    auto = result.decision is MatchDecision.AUTO
    confidence = _confidence(result.confidence)
    if auto:
        allocations = result.allocations
        on_account = result.on_account
    elif result.suggestions:
        allocations = result.suggestions[0].allocations
        on_account = result.suggestions[0].on_account
    else:
        allocations = ()
        on_account = result.on_account
    rows: list[dict[str, str]] = []
    for allocation in allocations:
        kinds = [r.kind.value for r in allocation.residuals]
        total = sum((r.amount.amount for r in allocation.residuals), Decimal(0))
        rows.append(
            {
                "payment_id": pid,
                "item_id": allocation.item_id,
                "applied_amount": _amount(allocation.applied),
                "residual_kind": "+".join(kinds),
                "residual_amount": str(total) if kinds else "0",
                "confidence": confidence,
                "auto": "true" if auto else "false",
                "explanation": explanation,
            }
        )
    if on_account.amount != 0 or not rows:
        kind = "on_account" if allocations or auto else "unmatched"
        if rows and not rows[-1]["residual_kind"]:
            rows[-1]["residual_kind"] = kind
            rows[-1]["residual_amount"] = _amount(on_account)
        else:
            rows.append(
                {
                    "payment_id": pid,
                    "item_id": "",
                    "applied_amount": "0",
                    "residual_kind": kind,
                    "residual_amount": _amount(on_account),
                    "confidence": confidence,
                    "auto": "true" if auto else "false",
                    "explanation": explanation,
                }
            )
    return rows


def write_results(results: Iterable[MatchResult], handle: IO[str]) -> int:
    """Write the results as CSV rows to ``handle``; returns the number of rows."""
    writer = csv.DictWriter(handle, fieldnames=OUTPUT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for result in results:
        rows = result_rows(result)
        writer.writerows(rows)
        count += len(rows)
    return count


class _Progress:
    """A plain-text progress bar on a stream (only for long files)."""

    def __init__(self, stream: IO[str], total: int, *, enabled: bool, width: int = 30) -> None:
        self.stream = stream
        self.total = total
        self.enabled = enabled and total >= 500
        self.width = width
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total == 0:
            return
        step = done * 100 // total
        if step == self.last:
            return
        self.last = step
        filled = self.width * done // total
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\rmatching [{bar}] {done}/{total} payments")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def run(args: argparse.Namespace, *, stderr: IO[str] | None = None) -> int:
    """Execute ``o2c match`` with parsed arguments; returns the exit status (0).

    Raises:
        ValidationError: a file cannot be read, lacks a required column, or none of its rows
            can be read (rows that cannot be read are otherwise skipped and counted on
            ``stderr``).
    """
    # Reading and matching allocate many short-lived objects and no cycles: the cyclic garbage
    # collector would only rescan the loaded items again and again (a third of the time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(args, stderr)
    finally:
        if collecting:
            gc.enable()


def _none_read(path: Path, problems: Sequence[ValidationError]) -> ValidationError:
    first = " ".join(str(problems[0]).split())
    return ValidationError(
        f"no row of {path} could be read ({len(problems)} skipped; the first: {first})",
        field=str(path),
        value=len(problems),
    )


@attrs.frozen(kw_only=True)
class _Inputs:
    payments: list[Payment]
    items: list[OpenItem]
    customers: list[CustomerProfile]
    shared: Mapping[str, frozenset[str]]
    rates: Any
    advices: tuple[RemittanceAdvice, ...]


def _master(args: argparse.Namespace, customers: list[CustomerProfile]) -> list[CustomerProfile]:
    """The customers of the open items with the names and accounts of the master-data files."""
    table = {c.customer_id: c for c in customers}
    if args.customers:
        path = Path(args.customers)
        for _line, row in _rows(path, ("customer_id", "name"), ("customer_id", "name")):
            old = table.get(row["customer_id"])
            table[row["customer_id"]] = CustomerProfile(
                row["customer_id"], row["name"] or (old.name if old else "")
            )
    if args.payer_accounts:
        path = Path(args.payer_accounts)
        columns = ("customer_id", "account")
        for _line, row in _rows(path, columns, columns):
            cid = row["customer_id"]
            old = table.get(cid) or CustomerProfile(cid, "")
            table[cid] = attrs.evolve(old, accounts=old.accounts | {row["account"]})
    return [table[k] for k in sorted(table)]


def _inputs(args: argparse.Namespace, err: IO[str]) -> _Inputs:
    if args.folder:
        folder = read_match_folder(Path(args.folder), advices=not args.advices)
        advices = folder.advices
        if args.advices:
            advices = read_advice_folder(Path(args.advices))
        rates = read_rates(Path(args.rates)) if args.rates else folder.rates
        return _Inputs(
            payments=list(folder.payments),
            items=list(folder.items),
            customers=list(folder.customers),
            shared=folder.shared_payers,
            rates=rates,
            advices=advices,
        )
    item_problems: list[ValidationError] = []
    payment_problems: list[ValidationError] = []
    items, customers = read_open_items(Path(args.open_items), errors=item_problems)
    if item_problems and not items:
        raise _none_read(Path(args.open_items), item_problems)
    payments: list[Payment] = []
    if args.payments:
        payments = read_payments(Path(args.payments), errors=payment_problems)
        if payment_problems and not payments:
            raise _none_read(Path(args.payments), payment_problems)
    bank = [*(args.bank or ()), *(args.bank_files or ())]
    if bank:
        lines, _files = read_bank_paths(bank)
        payments += lines
    problems = item_problems + payment_problems
    if problems:
        err.write(skipped_rows(problems) + "\n")
    customers = _master(args, customers)
    shared: Mapping[str, frozenset[str]] = {}
    if args.history:
        learnt, shared, _count = read_history(Path(args.history), customers)
        customers = list(learnt)
    advices = read_advice_folder(Path(args.advices)) if args.advices else ()
    rates = read_rates(Path(args.rates)) if args.rates else None
    return _Inputs(
        payments=payments,
        items=items,
        customers=customers,
        shared=shared,
        rates=rates,
        advices=advices,
    )


def advice_summary(links: Sequence[AdviceLink]) -> str:
    """One line: how many advices were read and what became of them."""
    counts = dict.fromkeys(LinkStatus, 0)
    for link in links:
        counts[link.status] += 1
    paid = len({pid for k in links if k.status is LinkStatus.LINKED for pid in k.payment_ids})
    return (
        f"o2c match: {len(links)} advices: {counts[LinkStatus.LINKED]} linked to {paid} "
        f"payments, {counts[LinkStatus.DUPLICATE]} duplicates, "
        f"{counts[LinkStatus.AMBIGUOUS]} ambiguous, {counts[LinkStatus.UNLINKED]} not linked"
    )


def _run(args: argparse.Namespace, stderr: IO[str] | None) -> int:
    err = stderr if stderr is not None else sys.stderr
    started = time.perf_counter()
    given = _inputs(args, err)
    payments = given.payments
    if given.advices:
        links = link_advices(
            given.advices, payments, customers=given.customers, open_items=given.items
        )
        payments = list(apply_advices(payments, links, open_items=given.items))
        err.write(advice_summary(links) + "\n")
    policy = MatchPolicy()
    if args.threshold is not None:
        policy = attrs.evolve(policy, auto_threshold=args.threshold)
    if args.auto_precision is not None:
        policy = attrs.evolve(policy, auto_precision=args.auto_precision)
    if args.creditor_countries:
        policy = attrs.evolve(policy, creditor_countries=frozenset(args.creditor_countries))
    progress = _Progress(err, len(payments), enabled=not args.quiet)
    results = match_payments(
        payments,
        given.items,
        customers=given.customers,
        shared_payers=given.shared,
        rates=given.rates,
        policy=policy,
        progress=progress,
    )
    if args.out:
        with Path(args.out).open("w", newline="", encoding="utf-8") as handle:
            write_results(results, handle)
    else:
        buffer = io.StringIO()
        write_results(results, buffer)
        sys.stdout.write(buffer.getvalue())
    elapsed = time.perf_counter() - started
    err.write(summary(results, elapsed) + "\n")
    return 0


def summary(results: Sequence[MatchResult], elapsed: float) -> str:
    """One paragraph: how many payments were posted, suggested and left, and how fast."""
    counts = dict.fromkeys(MatchDecision, 0)
    for r in results:
        counts[r.decision] += 1
    n = len(results)
    rate = n / elapsed if elapsed > 0 else float("inf")
    share = counts[MatchDecision.AUTO] / n if n else 0.0
    return (
        f"o2c match: {n} payments: {counts[MatchDecision.AUTO]} auto ({share:.1%}), "
        f"{counts[MatchDecision.SUGGEST]} suggested, {counts[MatchDecision.LEAVE]} left; "
        f"{elapsed:.2f}s ({rate:,.0f} payments/s)"
    )


def _fraction(what: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number between 0 and 1") from None
        if not 0.0 <= value <= 1.0:
            raise argparse.ArgumentTypeError(f"{what} {text} must be between 0 and 1")
        return value

    return parse


def register(subparsers: Any) -> None:
    """Add the ``match`` sub-command to the ``o2c`` parser."""
    parser = subparsers.add_parser(
        "match",
        help="apply payments to open items (cash application)",
        description="Match payments (a CSV file, bank files, or a whole match folder) to open "
        "items and write the allocations.",
    )
    _input_arguments(parser)
    parser.add_argument(
        "--out", default=None, type=output_file, help="output CSV file (default: standard output)"
    )
    _policy_arguments(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=_main, match_parser=parser)


def _input_arguments(parser: Any) -> None:
    """What ``o2c match`` reads: bank files, open items, the master data, history and advices."""
    parser.add_argument(
        "bank_files",
        nargs="*",
        metavar="BANK_FILE",
        help="bank files or folders (camt.053/054, MT940, BAI2, payment CSV; any mix)",
    )
    parser.add_argument("--open-items", type=input_file, help="open items CSV file")
    parser.add_argument("--payments", type=input_file, help="payments CSV file")
    parser.add_argument(
        "--bank",
        action="append",
        type=input_path,
        metavar="DIR_OR_FILE",
        help="a bank file or a folder of them (repeatable)",
    )
    parser.add_argument(
        "--folder",
        type=input_folder,
        metavar="DIR",
        help="a match folder: bank files, open_items.csv, customers.csv, payer_accounts.csv, "
        "rates.csv, history/ and advices",
    )
    parser.add_argument(
        "--customers", type=input_file, help="customers CSV (customer_id, name, ...)"
    )
    parser.add_argument(
        "--payer-accounts", type=input_file, help="payer accounts CSV (customer_id, account)"
    )
    parser.add_argument(
        "--history",
        type=input_folder,
        metavar="DIR",
        help="confirmed history: DIR/payments.csv and DIR/allocations.csv, learnt first",
    )
    parser.add_argument(
        "--advices",
        type=input_folder,
        metavar="DIR",
        help="remittance advices (.eml, .txt, .csv) to link to the bank lines",
    )
    parser.add_argument(
        "--rates", default=None, type=input_file, help="exchange rates CSV (date,base,quote,rate)"
    )


def _policy_arguments(parser: Any) -> None:
    """The matching policy's settings a run may change."""
    parser.add_argument(
        "--auto-precision",
        type=_fraction("auto precision"),
        default=None,
        metavar="P",
        help="what auto means: the least expected precision (confidence) posted without a "
        f"person (default {MatchPolicy().auto_precision})",
    )
    parser.add_argument(
        "--auto-threshold",
        dest="threshold",
        type=_fraction("threshold"),
        default=None,
        metavar="X",
        help="the least raw score posted without a person, a bar of the scoring rules "
        f"posting must clear besides --auto-precision (default {MatchPolicy().auto_threshold})",
    )
    parser.add_argument(
        "--threshold",
        dest="threshold",
        type=_fraction("threshold"),
        default=None,
        metavar="X",
        help="the older name of --auto-threshold: a raw score, not a confidence, since "
        "confidence became an expected precision (issue 17)",
    )
    parser.add_argument(
        "--creditor-country",
        dest="creditor_countries",
        action="append",
        type=_country,
        default=None,
        metavar="CC",
        help="the country (ISO 3166 alpha-2) of the accounts the payments arrive on, repeatable: "
        "a payer account there is domestic, and a domestic short payment is never read as "
        "bank charges (MatchPolicy.creditor_countries; default: not known)",
    )


def _country(text: str) -> str:
    code = text.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise argparse.ArgumentTypeError(f"--creditor-country: not a country code: {text!r}")
    return code


def _main(args: argparse.Namespace) -> int:
    parser = args.match_parser
    if args.folder:
        parts = (args.open_items, args.payments, args.bank, args.bank_files, args.customers)
        if any(parts) or args.payer_accounts or args.history:
            parser.error(
                "--folder reads the open items, bank files, master data and history itself: "
                "give it alone (with --advices, --rates, --out, --auto-precision, "
                "--auto-threshold, --quiet)"
            )
    else:
        if not args.open_items:
            parser.error("the following arguments are required: --open-items (or --folder)")
        if not (args.payments or args.bank or args.bank_files):
            parser.error(
                "the following arguments are required: --payments (or --bank, bank files, "
                "or --folder)"
            )
    return run(args)


def input_path(text: str) -> str:
    """An existing file or folder (argparse type)."""
    if not Path(text).exists():
        raise argparse.ArgumentTypeError(f"{text!r}: no such file or folder")
    return text


def input_folder(text: str) -> str:
    """An existing folder (argparse type)."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text!r}: no such folder")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not a folder")
    return text


_ProgressCallback = Callable[[int, int], None]
