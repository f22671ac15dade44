"""A "match folder": everything cash application needs, read from one folder.

The layout of the public benchmark sets (``../shared/bench/cashapp2``, ``../shared/bench/cashapp``)
and of a user's export alike; every part but the open items and one bank file is optional:

- ``open_items.csv``: ``item_id, customer_id, customer_name, document_number,
  payment_reference, document_date, due_date, currency, original_amount, open_amount,
  discount_date, discount_amount`` and optionally ``customer_po``;
- ``customers.csv``: ``customer_id, name`` (more columns are ignored);
- ``payer_accounts.csv``: ``customer_id, account``, the accounts the master data knows;
- ``rates.csv``: ``date, base, quote, rate``;
- ``history/payments.csv`` and ``history/allocations.csv``: confirmed past payments
  (``payment_id, payer_name, payer_account``) and their allocations (``payment_id,
  customer_id``), learnt with :func:`~o2c.cash_application.learn_payers`;
- bank files anywhere below, recognised by their suffix and content: camt.053 / camt.054
  (``.xml``), MT940 (``.sta``, ``.mt940``, ``.940``, ``.txt``), BAI2 (``.bai``, ``.bai2``,
  ``.txt``) and CSV payments (``payment_id, value_date, currency, amount, ...``);
- remittance advices: ``*.eml`` anywhere, and ``.txt``/``.csv`` files in a folder named
  ``advices`` (read by :mod:`o2c.adapters.advices`).

Files that hold answers or results are never read: ``truth*.csv``, ``*_truth.csv``,
``matches*.csv`` and the ``score.py`` of a benchmark.  Each bank line's id is the bank's own
reference (camt ``AcctSvcrRef``, MT940 ``//``, BAI2 bank reference) when it has one, else the
reader's id.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = (root / "open_items.csv").write_text(
...     "item_id,customer_id,customer_name,document_number,payment_reference,document_date,"
...     "due_date,currency,original_amount,open_amount,discount_date,discount_amount\\n"
...     "I1,C1,Acme GmbH,INV-1001,,2026-03-01,2026-03-31,EUR,100.00,100.00,,\\n")
>>> _ = (root / "payments.csv").write_text(
...     "payment_id,value_date,currency,amount,payer_name,payer_account,reference,"
...     "remittance_info\\nP1,2026-03-10,EUR,100.00,ACME,,INV-1001,\\n")
>>> folder = read_match_folder(root)
>>> [p.payment_id for p in folder.payments], [i.item_id for i in folder.items]
(['P1'], ['I1'])
>>> [(c.customer_id, c.name) for c in folder.customers]
[('C1', 'Acme GmbH')]
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import io
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import attrs
from moneyed import Money

from o2c.adapters._bank import read_text
from o2c.adapters.advices import ADVICE_SUFFIXES, read_advice
from o2c.adapters.bai2 import read_bai2_statements
from o2c.adapters.camt import read_camt053_statements, read_camt054_statements
from o2c.adapters.mt940 import read_mt940_statements
from o2c.cash_application import ConfirmedPayment, CustomerProfile, learn_payers
from o2c.cash_application.advices import AdvicePolicy, RemittanceAdvice
from o2c.errors import InvalidAmountError, O2CError, ValidationError
from o2c.fx import InMemoryRates
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import check_amount, currency, minor_unit, to_decimal
from o2c.statement import Payment, Statement
from o2c.terms import DiscountOffer

__all__ = [
    "MatchFolder",
    "OPEN_ITEM_COLUMNS",
    "csv_amount",
    "csv_date",
    "open_items_from_rows",
    "read_bank_files",
    "read_bank_paths",
    "read_bank_paths_with_accounts",
    "read_csv_payments",
    "read_history",
    "read_match_folder",
    "read_open_items",
]

#: Files never read: the answers and results of a benchmark.
_NEVER = re.compile(r"^(?:truth.*|.*_truth|matches.*)\.csv$|^score\.py$", re.IGNORECASE)
#: Master-data files at the folder's top (read as such, never as payments).
_MASTER = frozenset({"open_items.csv", "customers.csv", "payer_accounts.csv", "rates.csv"})
_BANK_SUFFIXES = frozenset({".xml", ".sta", ".mt940", ".940", ".txt", ".bai", ".bai2"})
_PAYMENT_COLUMNS = ("payment_id", "value_date", "currency", "amount")
#: The columns of an open-items file; the first four are required, and one of the dates.
OPEN_ITEM_COLUMNS = (
    "item_id",
    "customer_id",
    "currency",
    "open_amount",
    "customer_name",
    "document_number",
    "payment_reference",
    "document_date",
    "due_date",
    "original_amount",
    "discount_date",
    "discount_amount",
    "customer_po",
)
_DATE_FORMATS = ("%Y/%m/%d", "%d.%m.%Y", "%Y%m%d")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


@attrs.frozen(kw_only=True)
class MatchFolder:
    """What a match folder holds, ready for :func:`~o2c.cash_application.match_payments`.

    ``customers`` are the master data with what the history taught (accounts, aliases);
    ``shared_payers`` the payers that paid for several customers, each with the customers it
    served (:attr:`~o2c.cash_application.PayerKnowledge.serves`); ``customer_pos`` the customer
    PO of each item that has one; ``files`` the bank files read, in order.
    """

    payments: tuple[Payment, ...]
    items: tuple[OpenItem, ...]
    customers: tuple[CustomerProfile, ...]
    shared_payers: Mapping[str, frozenset[str]] = attrs.field(factory=dict)
    rates: InMemoryRates | None = None
    advices: tuple[RemittanceAdvice, ...] = ()
    customer_pos: dict[str, str] = attrs.field(factory=dict)
    history_payments: int = 0
    files: tuple[str, ...] = ()


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a CSV file with their line numbers; the required columns checked."""
    text = read_text(path, "utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in required if c not in (reader.fieldnames or ())]
    if missing:
        raise ValidationError(
            f"{path}: missing columns {', '.join(missing)}", field=str(path), value=missing
        )
    try:
        for row in reader:
            yield reader.line_num, {k: v or "" for k, v in row.items() if k}
    except csv.Error as exc:
        raise ValidationError(f"{path}: not valid CSV: {exc}", field=str(path)) from None


def csv_date(text: str, field: str) -> dt.date:
    """A date of a CSV file: ISO ``YYYY-MM-DD``, or ``YYYY/MM/DD``, ``DD.MM.YYYY``, ``YYYYMMDD``.

    Raises:
        ValidationError: none of these (naming ``field``).
    """
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError(
        f"{field}={text!r} is not a date (YYYY-MM-DD)", field=field, value=text
    ) from None


def csv_amount(text: str, code: str, field: str) -> Money:
    """An amount of a CSV file: a decimal string (``1,234.56`` thousands commas tolerated).

    Raises:
        InvalidAmountError: not a number, beyond the amount limit, or more decimals than the
            currency has (amounts are never rounded on the way in).
        UnknownCurrencyError: ``code`` is not an ISO 4217 code.
    """
    unit = minor_unit(code)
    compact = text.replace(" ", "")
    if _THOUSANDS.fullmatch(compact):
        compact = compact.replace(",", "")
    value = check_amount(to_decimal(compact, field=field), field=field)
    if value % unit:
        raise InvalidAmountError(
            f"{field}={text!r} has more decimals than {currency(code).code} allows: o2c does not"
            " round the amounts it reads; correct the file",
            field=field,
            value=text,
        )
    return Money(value, currency(code))


def _bad(path: Path, line: int, exc: Exception) -> ValidationError:
    return ValidationError(f"{path}:{line}: {exc}", field=f"{path.name}:{line}", value=None)


def open_items_from_rows(
    rows: Iterable[tuple[int, Mapping[str, str]]],
    path: Path,
    *,
    errors: list[ValidationError] | None = None,
) -> tuple[list[OpenItem], dict[str, str], dict[str, str]]:
    """The open items of the rows of an open-items file (:data:`OPEN_ITEM_COLUMNS`), the customer
    names they give (customer id -> name) and the customer PO per item (item id -> PO).

    The one reading of an open-items row, whoever read the file (:func:`read_open_items`, the
    ``o2c match`` command's reader).  ``rows``: ``(line, row)`` pairs; ``path`` names the file
    in errors; ``errors``: when given, malformed rows are appended to it and skipped.

    Raises:
        ValidationError: a malformed row (naming the file and line), when ``errors`` is None.
    """
    items: list[OpenItem] = []
    names: dict[str, str] = {}
    pos: dict[str, str] = {}
    for line, row in rows:
        try:
            code = row["currency"]
            open_amount = csv_amount(row["open_amount"], code, "open_amount")
            offers: tuple[DiscountOffer, ...] = ()
            if row.get("discount_date") and row.get("discount_amount"):
                offers = (
                    DiscountOffer(
                        deadline=csv_date(row["discount_date"], "discount_date"),
                        amount=csv_amount(row["discount_amount"], code, "discount_amount"),
                    ),
                )
            issued = row.get("document_date") or row.get("due_date", "")
            items.append(
                OpenItem(
                    item_id=ItemId(row["item_id"]),
                    customer_id=CustomerId(row["customer_id"]),
                    kind=ItemKind.CREDIT_MEMO if open_amount.amount < 0 else ItemKind.INVOICE,
                    document_number=row.get("document_number", ""),
                    document_date=csv_date(issued, "document_date"),
                    due_date=csv_date(row.get("due_date") or issued, "due_date"),
                    original_amount=csv_amount(
                        row.get("original_amount") or row["open_amount"], code, "original_amount"
                    ),
                    open_amount=open_amount,
                    payment_reference=row.get("payment_reference") or None,
                    discounts=offers,
                )
            )
        except (O2CError, LookupError, ValueError) as exc:
            error = ValidationError(
                f"{path}:{line}: {exc}", field=f"{path.name}:{line}", value=dict(row)
            )
            if errors is None:
                raise error from None
            errors.append(error)
            continue
        if row.get("customer_name"):
            names.setdefault(row["customer_id"], row["customer_name"])
        if row.get("customer_po"):
            pos[row["item_id"]] = row["customer_po"]
    return items, names, pos


def read_open_items(
    path: str | os.PathLike[str], *, errors: list[ValidationError] | None = None
) -> tuple[list[OpenItem], dict[str, str], dict[str, str]]:
    """The open items of ``path``, the customer names it gives, and the customer PO per item.

    Raises:
        ValidationError: a missing column or a malformed row (naming the file and line).
    """
    source = Path(path)
    return open_items_from_rows(_rows(source, OPEN_ITEM_COLUMNS[:4]), source, errors=errors)


def read_csv_payments(path: str | os.PathLike[str]) -> list[Payment]:
    """The payments of a CSV file (``payment_id, value_date, currency, amount, payer_name,
    payer_account, reference, remittance_info``).

    Raises:
        ValidationError: a missing column or a malformed row (naming the file and line).
    """
    source = Path(path)
    out = []
    for line, row in _rows(source, _PAYMENT_COLUMNS):
        try:
            out.append(
                Payment(
                    payment_id=row["payment_id"],
                    value_date=csv_date(row["value_date"], "value_date"),
                    amount=csv_amount(row["amount"], row["currency"], "amount"),
                    payer_name=row.get("payer_name", ""),
                    payer_account=row.get("payer_account", ""),
                    reference=row.get("reference", ""),
                    remittance_info=row.get("remittance_info", ""),
                )
            )
        except (O2CError, LookupError, ValueError) as exc:
            raise _bad(source, line, exc) from None
    return out


def _kind(path: Path) -> str:
    """What a file under the folder is: camt053, camt054, bai2, mt940, payments, or ''."""
    if path.suffix.lower() == ".csv":
        with path.open("rb") as handle:
            first = handle.readline(4096).decode("utf-8", "replace").lstrip("\ufeff")
        columns = {c.strip().strip('"') for c in first.strip().split(",")}
        return "payments" if set(_PAYMENT_COLUMNS) <= columns else ""
    suffix = path.suffix.lower()
    if suffix not in _BANK_SUFFIXES:
        return ""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if suffix == ".xml" and b"camt.053" in head:
        return "camt053"
    if suffix == ".xml" and b"camt.054" in head:
        return "camt054"
    if suffix in (".bai", ".bai2", ".txt") and head.lstrip().startswith(b"01,"):
        return "bai2"
    if suffix in (".sta", ".mt940", ".940", ".txt") and b":20:" in head and b":25:" in head:
        return "mt940"
    return ""


def _is_advice(path: Path, root: Path) -> bool:
    parts = [p.lower() for p in path.relative_to(root).parts[:-1]]
    return path.suffix.lower() == ".eml" or (
        "advices" in parts and path.suffix.lower() in ADVICE_SUFFIXES
    )


def read_bank_files(paths: list[Path]) -> tuple[list[Payment], list[str]]:
    """Every line of every bank file in ``paths`` (any mix of formats, recognised by content),
    each named by the bank's own reference; the files read.

    Raises:
        StatementFormatError: a malformed bank file (naming it).
        ValidationError: a path that is no bank file in a known format.
    """
    lines, used, _accounts = _read_bank_files(paths)
    return lines, used


def read_bank_paths_with_accounts(
    paths: list[str | os.PathLike[str]],
) -> tuple[list[Payment], list[str], list[str]]:
    """As :func:`read_bank_paths`, with the statements' own accounts (the creditor's, one per
    statement) as well: what :func:`~o2c.cash_application.amounts.home_countries` reads the
    creditor's country from (``plan_intake(..., creditor_accounts=...)``).  Payments CSV files
    name no account of their own.
    """
    return _read_bank_files(_bank_files(paths))


def _read_bank_files(paths: list[Path]) -> tuple[list[Payment], list[str], list[str]]:
    """The lines, the files read and the statements' own accounts."""
    statements: list[Statement] = []
    payments: list[Payment] = []
    used: list[str] = []
    for path in paths:
        kind = _kind(path)
        try:
            if kind == "camt053":
                statements += read_camt053_statements(path)
            elif kind == "camt054":
                statements += read_camt054_statements(path)
            elif kind == "bai2":
                statements += read_bai2_statements(path)
            elif kind == "mt940":
                statements += read_mt940_statements(path)
            elif kind == "payments":
                payments += read_csv_payments(path)
            else:
                raise ValidationError(
                    f"{path} is no bank file o2c reads (camt.053/054, MT940, BAI2, payments CSV)",
                    field="bank",
                    value=str(path),
                )
        except ValidationError as exc:
            if str(path) in str(exc):
                raise
            raise ValidationError(f"{path}: {exc}", field="bank", value=str(path)) from None
        used.append(str(path))
    lines = [
        attrs.evolve(p, payment_id=p.bank_reference or p.payment_id)
        for s in statements
        for p in s.lines
    ]
    return lines + payments, used, [s.account for s in statements if s.account]


def read_bank_paths(paths: list[str | os.PathLike[str]]) -> tuple[list[Payment], list[str]]:
    """The lines of the bank files named by ``paths``: files, or folders read recursively (only
    the files recognised as bank files, advices and answer files left out).

    Raises:
        ValidationError: a path that does not exist, a named file that is no bank file, a
            folder without any, or a malformed file (naming it).
    """
    return read_bank_files(_bank_files(paths))


def _bank_files(paths: list[str | os.PathLike[str]]) -> list[Path]:
    """The bank files named by ``paths`` (see :func:`read_bank_paths`)."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = [p for p in _files(path) if not _is_advice(p, path) and _kind(p)]
            if not found:
                raise ValidationError(
                    f"{path} holds no bank file (camt.053/054, MT940, BAI2, payments CSV)",
                    field="bank",
                    value=str(path),
                )
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise ValidationError(f"{path}: no such file or folder", field="bank", value=str(path))
    return files


def read_history(
    folder: str | os.PathLike[str], customers: list[CustomerProfile]
) -> tuple[tuple[CustomerProfile, ...], Mapping[str, frozenset[str]], int]:
    """What ``folder``'s ``payments.csv`` and ``allocations.csv`` teach about payers.

    Returns the customers with the accounts and names they paid from, the shared payers, and
    the number of history payments read.
    """
    root = Path(folder)
    payers = {
        row["payment_id"]: row
        for _line, row in _rows(
            root / "payments.csv", ("payment_id", "payer_name", "payer_account")
        )
    }
    paid_for: dict[str, set[str]] = collections.defaultdict(set)
    for _line, row in _rows(root / "allocations.csv", ("payment_id", "customer_id")):
        paid_for[row["payment_id"]].add(row["customer_id"])
    history = [
        ConfirmedPayment(
            payer_name=row["payer_name"],
            payer_account=row["payer_account"],
            customer_ids=frozenset(paid_for[pid]),
        )
        for pid, row in payers.items()
        if paid_for.get(pid)
    ]
    known = learn_payers(customers, history)
    return known.customers, known.serves, len(payers)


def _files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(".") and not _NEVER.match(p.name)
    )


def read_match_folder(
    folder: str | os.PathLike[str],
    *,
    advices: bool = True,
    history: bool = True,
    policy: AdvicePolicy | None = None,
) -> MatchFolder:
    """Read a whole match folder (see the module docstring for its layout).

    Args:
        folder: the folder.
        advices: read the remittance advices found in it.
        history: learn from ``history/`` when it is there.
        policy: the advice reading limits.

    Raises:
        ValidationError: no ``open_items.csv``, no bank file, or a file that cannot be read
            (naming it).
    """
    root = Path(folder)
    if not root.is_dir():
        raise ValidationError(f"{root} is not a folder", field="folder", value=str(root))
    if not (root / "open_items.csv").is_file():
        raise ValidationError(f"{root} holds no open_items.csv", field="folder", value=str(root))
    items, item_names, pos = read_open_items(root / "open_items.csv")
    names: dict[str, str] = {}
    if (root / "customers.csv").is_file():
        names = {
            r["customer_id"]: r.get("name", "")
            for _, r in _rows(root / "customers.csv", ("customer_id", "name"))
        }
    for cid, name in item_names.items():
        names.setdefault(cid, name)
    for item in items:
        names.setdefault(str(item.customer_id), "")
    accounts: dict[str, set[str]] = collections.defaultdict(set)
    if (root / "payer_accounts.csv").is_file():
        for _, r in _rows(root / "payer_accounts.csv", ("customer_id", "account")):
            accounts[r["customer_id"]].add(r["account"])
    master = [
        CustomerProfile(cid, name, frozenset(accounts.get(cid, ())))
        for cid, name in sorted(names.items())
    ]
    customers: tuple[CustomerProfile, ...] = tuple(master)
    shared: Mapping[str, frozenset[str]] = {}
    counted = 0
    hist = root / "history"
    if history and (hist / "payments.csv").is_file() and (hist / "allocations.csv").is_file():
        customers, shared, counted = read_history(hist, master)
    bank: list[Path] = []
    notes: list[Path] = []
    for path in _files(root):
        relative = path.relative_to(root)
        if relative.parts[0] == "history" or (len(relative.parts) == 1 and path.name in _MASTER):
            continue
        if _is_advice(path, root):
            notes.append(path)
        elif _kind(path):
            bank.append(path)
    if not bank:
        raise ValidationError(f"{root} holds no bank file", field="folder", value=str(root))
    payments, used = read_bank_files(bank)
    rates = None
    if (root / "rates.csv").is_file():
        rows = [r for _, r in _rows(root / "rates.csv", ("date", "base", "quote", "rate"))]
        rates = InMemoryRates.from_rows(rows, pivot="EUR")
    read = tuple(read_advice(p, policy=policy) for p in notes) if advices else ()
    return MatchFolder(
        payments=tuple(payments),
        items=tuple(items),
        customers=customers,
        shared_payers=shared,
        rates=rates,
        advices=read,
        customer_pos=pos,
        history_payments=counted,
        files=tuple(used),
    )
