"""Bank statements exported as CSV, read through a column mapping.

Banks and ERPs export payments as CSV in every layout; a :class:`CsvMapping` names which column
is which, how dates and amounts are written (date format, decimal mark, thousands separator)
and how the sign is conveyed (:class:`SignConvention`), plus a default currency for files
without a currency column.  Amounts are exact and must fit the currency's minor unit.

>>> mapping = CsvMapping(value_date="Date", amount="Amount", payer_name="Payer",
...                      remittance_info="Text", date_format="%d.%m.%Y", decimal_mark=",",
...                      thousands_separator=".", delimiter=";", default_currency="EUR")
>>> text = "Date;Amount;Payer;Text\\n02.03.2026;1.234,50;Acme GmbH;RE 4711\\n"
>>> st = read_csv(text, mapping, statement_id="2026-03")
>>> p = st.lines[0]
>>> p.payment_id, p.amount, p.payer_name, p.remittance_info
('2026-03/2', Money('1234.50', 'EUR'), 'Acme GmbH', 'RE 4711')
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import re
from decimal import Decimal
from typing import Any

import attrs
from moneyed import Money

from o2c.adapters._bank import Source, content_id, creditor_reference, exact_money, read_text
from o2c.errors import StatementFormatError, ValidationError
from o2c.money import currency as _currency
from o2c.statement import Payment, Statement, StatementFormat

__all__ = ["CsvMapping", "SignConvention", "read_csv"]


class SignConvention(enum.Enum):
    """How a CSV file tells credits (money received) from debits."""

    #: One amount column; credits positive, debits negative (``-12.00``, ``12.00-``, ``(12.00)``).
    SIGNED = "signed"
    #: One amount column with the opposite sign: credits negative (some bookkeeping exports).
    INVERTED = "inverted"
    #: Two unsigned columns, ``credit`` and ``debit``; exactly one is filled per row.
    SPLIT = "split"
    #: An unsigned ``amount`` column and an ``indicator`` column (``C``/``D``, ``CRDT``/``DBIT``).
    INDICATOR = "indicator"


_DEFAULT_CREDIT_MARKERS = frozenset({"C", "CR", "CRDT", "CREDIT", "H", "HABEN", "+"})
_DEFAULT_DEBIT_MARKERS = frozenset({"D", "DR", "DBIT", "DEBIT", "S", "SOLL", "-"})


def _upper_set(values: object) -> frozenset[str]:
    if isinstance(values, str) or not hasattr(values, "__iter__"):
        raise ValidationError(
            f"markers must be a set of strings, not {values!r}", field="markers", value=values
        )
    return frozenset(str(v).strip().upper() for v in values)


def _columns(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)  # type: ignore[attr-defined]


def _check_mapping(instance: CsvMapping, attribute: attrs.Attribute[Any], value: object) -> None:
    sign = instance.sign
    needs = {
        SignConvention.SIGNED: ("amount",),
        SignConvention.INVERTED: ("amount",),
        SignConvention.SPLIT: ("credit", "debit"),
        SignConvention.INDICATOR: ("amount", "indicator"),
    }[sign]
    for name in needs:
        if getattr(instance, name) is None:
            raise ValidationError(
                f"sign={sign.name} needs the {name!r} column: name it in the mapping",
                field=name,
                value=None,
            )
    if instance.currency is None and instance.default_currency is None:
        raise ValidationError(
            "name a currency column or give default_currency", field="currency", value=None
        )
    if instance.default_currency is not None:
        _currency(instance.default_currency)
    if instance.decimal_mark not in {".", ","}:
        raise ValidationError(
            f"decimal_mark={instance.decimal_mark!r} must be '.' or ','",
            field="decimal_mark",
            value=instance.decimal_mark,
        )
    if instance.thousands_separator == instance.decimal_mark:
        raise ValidationError(
            "thousands_separator and decimal_mark must differ",
            field="thousands_separator",
            value=instance.thousands_separator,
        )


@attrs.frozen(kw_only=True)
class CsvMapping:
    """Which CSV column is which, and how its values are written.

    Column fields name a header (``None``: not in the file).  ``remittance_info`` may name
    several columns, joined with a space.  ``date_format`` is a ``strptime`` format.
    """

    value_date: str
    amount: str | None = None
    credit: str | None = None
    debit: str | None = None
    indicator: str | None = None
    payment_id: str | None = None
    currency: str | None = None
    payer_name: str | None = None
    payer_account: str | None = None
    reference: str | None = None
    remittance_info: tuple[str, ...] = attrs.field(default=(), converter=_columns)
    booking_date: str | None = None
    end_to_end_id: str | None = None
    bank_transaction_code: str | None = None
    bank_reference: str | None = None
    date_format: str = "%Y-%m-%d"
    decimal_mark: str = "."
    thousands_separator: str = ""
    sign: SignConvention = attrs.field(default=SignConvention.SIGNED, validator=_check_mapping)
    credit_markers: frozenset[str] = attrs.field(
        default=_DEFAULT_CREDIT_MARKERS, converter=_upper_set
    )
    debit_markers: frozenset[str] = attrs.field(
        default=_DEFAULT_DEBIT_MARKERS, converter=_upper_set
    )
    default_currency: str | None = None
    delimiter: str = ","
    #: Lines before the header row to skip (a bank's preamble).
    skip_lines: int = 0
    #: Non-empty lines at the end to skip (a bank's totals row).
    footer_lines: int = 0
    #: The encoding of ``bytes`` sources (a UTF-8 byte-order mark is dropped).
    encoding: str = "utf-8"

    def named_columns(self) -> tuple[str, ...]:
        """Every column the mapping names, in field order."""
        names: list[str] = []
        for field in attrs.fields(CsvMapping):
            if field.name in _NOT_COLUMNS:
                continue
            names.extend(_columns(getattr(self, field.name)))
        return tuple(names)


_NOT_COLUMNS = frozenset(
    {
        "date_format",
        "decimal_mark",
        "thousands_separator",
        "sign",
        "credit_markers",
        "debit_markers",
        "default_currency",
        "delimiter",
        "skip_lines",
        "footer_lines",
        "encoding",
    }
)
_PLAIN = re.compile(r"\d+(\.\d+)?")


def read_csv(
    source: Source,
    mapping: CsvMapping,
    *,
    statement_id: str | None = None,
    account: str = "",
) -> Statement:
    """Read a CSV export of payments as one statement.

    Args:
        source: a ``pathlib.Path``, the content as ``bytes`` or ``str``, or an open file.
        mapping: the column mapping and value formats.
        statement_id: the statement's id; defaults to a hash of the content (stable).
        account: the account the file belongs to (CSV exports rarely say).

    Returns:
        A statement whose lines are the rows in file order; a row without an id column gets
        ``"<statement_id>/<line>"``.  Its currency is ``default_currency``, else the first row's.

    Raises:
        StatementFormatError: for a missing column (at the header line) or a bad value (at its
            line): nothing is imported from a file with one bad row.
    """
    text = read_text(source, mapping.encoding)
    lines = text.split("\n")
    if len(lines) <= mapping.skip_lines:
        raise StatementFormatError(
            "the file has no header row", location=f"line {mapping.skip_lines + 1}"
        )
    header_line = mapping.skip_lines + 1
    kept = lines[mapping.skip_lines :]
    footer = mapping.footer_lines
    while footer and kept:
        if kept.pop().strip():
            footer -= 1
    body = "\n".join(kept)
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=mapping.delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise StatementFormatError(
            f"the header row cannot be read: {exc}", location=f"line {header_line}"
        ) from None
    index = {name: i for i, name in enumerate(header)}
    for name in mapping.named_columns():
        if name not in index:
            raise StatementFormatError(
                f"column {name!r} is not in the header {header}: fix the mapping",
                location=f"line {header_line}",
                field=name,
                value=header,
            )
    sid = statement_id if statement_id is not None else content_id(text)
    payments: list[Payment] = []
    seen: dict[str, int] = {}
    next_line = header_line + 1
    while True:
        line_no = next_line
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise StatementFormatError(
                f"the row cannot be read: {exc}", location=f"line {line_no}"
            ) from None
        next_line = header_line + reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise StatementFormatError(
                f"the row has {len(row)} fields, the header {len(header)}",
                location=f"line {line_no}",
                value=row,
            )
        payment = _payment(row, index, mapping, sid, line_no)
        if payment.payment_id in seen:
            raise StatementFormatError(
                f"payment id {payment.payment_id!r} repeats the one on line "
                f"{seen[payment.payment_id]}",
                location=f"line {line_no}",
                field=mapping.payment_id or "payment_id",
                value=payment.payment_id,
            )
        seen[payment.payment_id] = line_no
        payments.append(payment)
    if mapping.default_currency is not None:
        code = _currency(mapping.default_currency).code
    elif payments:
        code = payments[0].amount.currency.code
    else:
        raise StatementFormatError(
            "an empty file with no default_currency has no currency", location=f"line {next_line}"
        )
    return Statement(
        statement_id=sid,
        account=account,
        currency=code,
        lines=tuple(payments),
        format=StatementFormat.CSV,
    )


def _payment(
    row: list[str], index: dict[str, int], mapping: CsvMapping, sid: str, line_no: int
) -> Payment:
    at = f"line {line_no}"

    def cell(column: str | None) -> str:
        return "" if column is None else row[index[column]].strip()

    code = cell(mapping.currency) or (mapping.default_currency or "")
    if not code:
        raise StatementFormatError(
            f"column {mapping.currency!r} is empty and there is no default_currency",
            location=at,
            field=mapping.currency or "currency",
        )
    amount = _signed_amount(cell, mapping, code.upper(), at)
    value_date = _date(cell(mapping.value_date), mapping, mapping.value_date, at)
    booking_text = cell(mapping.booking_date)
    booking = _date(booking_text, mapping, mapping.booking_date or "", at) if booking_text else None
    payment_id = cell(mapping.payment_id) or f"{sid}/{line_no}"
    reference = cell(mapping.reference)
    end_to_end = cell(mapping.end_to_end_id)
    if end_to_end.upper() == "NOTPROVIDED":
        end_to_end = ""
    text = " ".join(" ".join(cell(c) for c in mapping.remittance_info).split())
    return Payment(
        payment_id=payment_id,
        value_date=value_date,
        booking_date=booking,
        amount=amount,
        payer_name=cell(mapping.payer_name),
        payer_account=cell(mapping.payer_account),
        reference=reference or end_to_end,
        remittance_info=text,
        end_to_end_id=end_to_end,
        creditor_reference=creditor_reference(reference),
        bank_transaction_code=cell(mapping.bank_transaction_code),
        bank_reference=cell(mapping.bank_reference),
    )


def _signed_amount(cell: Any, mapping: CsvMapping, code: str, at: str) -> Money:
    sign = mapping.sign
    if sign in (SignConvention.SIGNED, SignConvention.INVERTED):
        column = mapping.amount or ""
        value = _number(cell(column), mapping, column, at)
        if sign is SignConvention.INVERTED:
            value = -value
    elif sign is SignConvention.SPLIT:
        credit_col, debit_col = mapping.credit or "", mapping.debit or ""
        credit, debit = cell(credit_col), cell(debit_col)
        if bool(credit) == bool(debit):
            raise StatementFormatError(
                f"exactly one of the columns {credit_col!r} and {debit_col!r} must be filled",
                location=at,
                field=credit_col,
                value=(credit, debit),
            )
        if credit:
            column, value = credit_col, abs(_number(credit, mapping, credit_col, at))
        else:
            column, value = debit_col, -abs(_number(debit, mapping, debit_col, at))
    else:
        column = mapping.amount or ""
        value = abs(_number(cell(column), mapping, column, at))
        marker = cell(mapping.indicator).upper()
        if marker in mapping.debit_markers:
            value = -value
        elif marker not in mapping.credit_markers:
            raise StatementFormatError(
                f"column {mapping.indicator!r}: {marker!r} is neither a credit marker "
                f"{sorted(mapping.credit_markers)} nor a debit marker "
                f"{sorted(mapping.debit_markers)}",
                location=at,
                field=mapping.indicator or "indicator",
                value=marker,
            )
    return exact_money(value, code, location=at, field=column)


def _number(text: str, mapping: CsvMapping, column: str, at: str) -> Decimal:
    """``text`` as an exact Decimal: sign as ``-x``, ``+x``, ``x-`` or ``(x)``."""
    s = text.replace("\u00a0", " ").strip()
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s.endswith("-"):
        negative, s = not negative, s[:-1].strip()
    elif s.startswith(("-", "+")):
        negative, s = (s[0] == "-") != negative, s[1:].strip()
    if mapping.thousands_separator:
        s = s.replace(mapping.thousands_separator, "")
        if mapping.thousands_separator in {" ", "'"}:
            s = s.replace(" ", "")
    if mapping.decimal_mark == ",":
        if "." in s:
            s = "!"  # a '.' that is not the declared thousands separator
        s = s.replace(",", ".")
    if not _PLAIN.fullmatch(s):
        raise StatementFormatError(
            f"column {column!r}: {text!r} is not an amount with decimal mark "
            f"{mapping.decimal_mark!r} and thousands separator {mapping.thousands_separator!r}",
            location=at,
            field=column,
            value=text,
        )
    value = Decimal(s)
    return -value if negative else value


def _date(text: str, mapping: CsvMapping, column: str, at: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, mapping.date_format).date()
    except ValueError:
        raise StatementFormatError(
            f"column {column!r}: {text!r} is not a date in the format {mapping.date_format!r}",
            location=at,
            field=column,
            value=text,
        ) from None
