"""Bank statements exported as CSV, read through a column mapping.

Banks and ERPs export payments as CSV in every layout; a :class:`CsvMapping` names which column
is which, how dates and amounts are written (date format, decimal mark, thousands separator)
and how the sign is conveyed (:class:`SignConvention`), plus a default currency for files
without a currency column.  Amounts are exact and must fit the currency's minor unit (an amount
with more decimals is refused, never rounded) and the documented amount limit.  A bad option is
refused when the mapping is built, with a :class:`~o2c.errors.ValidationError` naming it.

A plain CSV file carries nothing that says where it ends, so **a CSV file cut after a whole row
cannot be told from a complete one**.  A mapping may declare a trailer (:class:`CsvTrailer`): the
file's last non-empty line states the number of rows, the sum of their amounts and/or a SHA-256
digest of the lines before it, and a file that does not match is refused.

>>> mapping = CsvMapping(value_date="Date", amount="Amount", payer_name="Payer",
...                      remittance_info="Text", date_format="%d.%m.%Y", decimal_mark=",",
...                      thousands_separator=".", delimiter=";", default_currency="EUR")
>>> text = "Date;Amount;Payer;Text\\n02.03.2026;1.234,50;Acme GmbH;RE 4711\\n"
>>> st = read_csv(text, mapping, statement_id="2026-03")
>>> p = st.lines[0]
>>> p.payment_id, p.amount, p.payer_name, p.remittance_info
('2026-03/2', Money('1234.50', 'EUR'), 'Acme GmbH', 'RE 4711')

With a trailer holding the row count and the control sum, a cut file is refused:

>>> counted = attrs.evolve(mapping, trailer=CsvTrailer(marker="TOTAL", count_field=1,
...                                                    total_field=2))
>>> full = text + "TOTAL;1;1.234,50\\n"
>>> len(read_csv(full, counted).lines)
1
>>> read_csv(full.replace("TOTAL;1", "TOTAL;2"), counted)
Traceback (most recent call last):
...
o2c.errors.StatementFormatError: the trailer counts 2 rows but the file has 1: ... (at line 3)
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs
from moneyed import Money

from o2c.adapters._bank import (
    Source,
    check_encoding,
    content_id,
    creditor_reference,
    decimal_text,
    exact_money,
    integer_text,
    payer_country,
    read_text,
    shown,
)
from o2c.errors import StatementFormatError, UnknownCurrencyError, ValidationError
from o2c.money import currency as _currency
from o2c.statement import Payment, Statement, StatementFormat

__all__ = ["CsvMapping", "CsvTrailer", "SignConvention", "read_csv"]


class SignConvention(enum.Enum):
    """How a CSV file tells credits (money received) from debits.

    A mapping also takes the value (``"split"``) or the name (``"SPLIT"``) as text.
    """

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
#: Which columns each sign convention reads; naming another amount column is a conflict.
_SIGN_COLUMNS = {
    "SIGNED": ("amount",),
    "INVERTED": ("amount",),
    "SPLIT": ("credit", "debit"),
    "INDICATOR": ("amount", "indicator"),
}
_AMOUNT_COLUMNS = ("amount", "credit", "debit", "indicator")
#: The longest date text read (``strptime`` runs on nothing longer).
_MAX_DATE = 64


def _option_error(field: str, value: object, wanted: str) -> ValidationError:
    return ValidationError(
        f"CsvMapping option {field}={shown(value)!r} {wanted}", field=field, value=shown(value)
    )


def _markers(field: str, values: object) -> frozenset[str]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise _option_error(field, values, "must be a set of strings")
    result = []
    for v in values:
        if not isinstance(v, str) or not v.strip():
            raise _option_error(field, values, "must hold non-empty strings only")
        result.append(v.strip().upper())
    return frozenset(result)


def _credit_markers(values: object) -> frozenset[str]:
    return _markers("credit_markers", values)


def _debit_markers(values: object) -> frozenset[str]:
    return _markers("debit_markers", values)


def _columns(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, Iterable) or not all(isinstance(v, str) for v in value):
        raise _option_error("remittance_info", value, "must be a column name or a list of them")
    return tuple(value)


def _sign(value: object) -> SignConvention:
    if isinstance(value, SignConvention):
        return value
    if isinstance(value, str):
        for sign in SignConvention:
            if value in (sign.value, sign.name):
                return sign
    names = ", ".join(s.name for s in SignConvention)
    raise _option_error("sign", value, f"must be a SignConvention ({names})")


def _column(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None and attribute.name != "value_date":
        return
    if not isinstance(value, str) or not value.strip():
        raise _option_error(attribute.name, value, "must be a column name (a non-empty str)")


def _count(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _option_error(attribute.name, value, "must be a whole number, 0 or more")


def _text(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise _option_error(attribute.name, value, "must be a str")


@attrs.frozen(kw_only=True)
class CsvTrailer:
    """The last non-empty line of a CSV file, stating what the file holds.

    Fields are counted from 0 and split with the mapping's delimiter.  At least one of
    ``count_field`` (the number of payment rows), ``total_field`` (the sum of their signed
    amounts, a hash total over all currencies, written like the amounts) and ``sha256_field``
    (the SHA-256 hex digest of the file's text before the trailer line, line ends written
    ``\\n``) is needed.  ``marker`` is the text the trailer's first field must hold (``""``:
    any), so a file cut before its trailer is refused.
    """

    marker: str = attrs.field(default="", validator=_text)
    count_field: int | None = None
    total_field: int | None = None
    sha256_field: int | None = None

    def __attrs_post_init__(self) -> None:
        fields = {"count_field", "total_field", "sha256_field"}
        for name in sorted(fields):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise _option_error(f"trailer.{name}", value, "must be a field index, 0 or more")
        given = [getattr(self, n) for n in sorted(fields) if getattr(self, n) is not None]
        if not given:
            raise _option_error(
                "trailer", self, "states nothing: give count_field, total_field or sha256_field"
            )
        if len(set(given)) != len(given):
            raise _option_error("trailer", self, "names one field for two values")
        if self.marker and 0 in given:
            raise _option_error("trailer", self, "reads a value from field 0, the marker's")


def _check_mapping(instance: CsvMapping) -> None:
    sign = instance.sign
    needs = _SIGN_COLUMNS[sign.name]
    for name in needs:
        if getattr(instance, name) is None:
            raise ValidationError(
                f"sign={sign.name} needs the {name!r} column: name it in the mapping",
                field=name,
                value=None,
            )
    for name in _AMOUNT_COLUMNS:
        if name not in needs and getattr(instance, name) is not None:
            raise ValidationError(
                f"CsvMapping option {name}={getattr(instance, name)!r} conflicts with "
                f"sign={sign.name}, which reads {' and '.join(needs)}: drop it or change sign",
                field=name,
                value=getattr(instance, name),
            )
    if instance.currency is None and instance.default_currency is None:
        raise ValidationError(
            "name a currency column or give default_currency", field="currency", value=None
        )
    if instance.default_currency is not None:
        try:
            if not isinstance(instance.default_currency, str):
                raise UnknownCurrencyError(str(instance.default_currency))
            _currency(instance.default_currency)
        except UnknownCurrencyError:
            raise _option_error(
                "default_currency", instance.default_currency, "is not an ISO 4217 code"
            ) from None
    if instance.decimal_mark not in {".", ","}:
        raise _option_error("decimal_mark", instance.decimal_mark, "must be '.' or ','")
    if len(instance.thousands_separator) > 1:
        raise _option_error("thousands_separator", instance.thousands_separator, "is one char")
    if instance.thousands_separator == instance.decimal_mark:
        raise ValidationError(
            "thousands_separator and decimal_mark must differ",
            field="thousands_separator",
            value=instance.thousands_separator,
        )
    if len(instance.delimiter) != 1 or instance.delimiter in '"\r\n':
        raise _option_error("delimiter", instance.delimiter, "must be one character, not a quote")
    if not instance.date_format.strip():
        raise _option_error("date_format", instance.date_format, "must be a strptime format")
    overlap = instance.credit_markers & instance.debit_markers
    if overlap:
        raise _option_error("debit_markers", sorted(overlap), "are credit markers too")
    check_encoding(instance.encoding)
    if instance.trailer is not None and not isinstance(instance.trailer, CsvTrailer):
        raise _option_error("trailer", instance.trailer, "must be a CsvTrailer")


_column_field = attrs.field(default=None, validator=_column)


@attrs.frozen(kw_only=True)
class CsvMapping:
    """Which CSV column is which, and how its values are written.

    Column fields name a header (``None``: not in the file).  ``remittance_info`` may name
    several columns, joined with a space.  ``date_format`` is a ``strptime`` format.  Only the
    amount columns of the ``sign`` convention may be named (``credit`` and ``debit`` for
    ``SPLIT``, ``amount`` and ``indicator`` for ``INDICATOR``, ``amount`` otherwise).

    Without a ``trailer`` a file cut after a whole row reads as a shorter, valid file: nothing
    in a plain CSV says where it ends.  Declare the bank's trailer line (:class:`CsvTrailer`)
    to have it checked.

    Raises:
        ValidationError: for an option of the wrong type, an unknown or conflicting one.
    """

    value_date: str = attrs.field(validator=_column)
    amount: str | None = _column_field
    credit: str | None = _column_field
    debit: str | None = _column_field
    indicator: str | None = _column_field
    payment_id: str | None = _column_field
    currency: str | None = _column_field
    payer_name: str | None = _column_field
    payer_account: str | None = _column_field
    reference: str | None = _column_field
    remittance_info: tuple[str, ...] = attrs.field(default=(), converter=_columns)
    booking_date: str | None = _column_field
    end_to_end_id: str | None = _column_field
    bank_transaction_code: str | None = _column_field
    bank_reference: str | None = _column_field
    #: The payer's BIC, the payer's country (ISO 3166 two letters; else a valid payer IBAN's)
    #: and the bank charges deducted (unsigned, in the row's currency, written as the amounts).
    payer_bic: str | None = _column_field
    payer_country: str | None = _column_field
    charges: str | None = _column_field
    date_format: str = attrs.field(default="%Y-%m-%d", validator=_text)
    decimal_mark: str = attrs.field(default=".", validator=_text)
    thousands_separator: str = attrs.field(default="", validator=_text)
    sign: SignConvention = attrs.field(default=SignConvention.SIGNED, converter=_sign)
    credit_markers: frozenset[str] = attrs.field(
        default=_DEFAULT_CREDIT_MARKERS, converter=_credit_markers
    )
    debit_markers: frozenset[str] = attrs.field(
        default=_DEFAULT_DEBIT_MARKERS, converter=_debit_markers
    )
    default_currency: str | None = None
    delimiter: str = attrs.field(default=",", validator=_text)
    #: Lines before the header row to skip (a bank's preamble).
    skip_lines: int = attrs.field(default=0, validator=_count)
    #: Non-empty lines at the end to skip (a bank's totals row), above the trailer if any.
    footer_lines: int = attrs.field(default=0, validator=_count)
    #: The encoding of ``bytes`` sources (a byte-order mark decides when there is one).
    encoding: str = attrs.field(default="utf-8", validator=_text)
    #: The trailer line that states the row count, control sum or digest (see above).
    trailer: CsvTrailer | None = None

    def __attrs_post_init__(self) -> None:
        _check_mapping(self)

    @classmethod
    def from_dict(cls, options: Mapping[str, Any]) -> CsvMapping:
        """A mapping from a configuration's options (``sign`` may be text).

        >>> CsvMapping.from_dict({"value_date": "Date", "amount": "Amount",
        ...                       "default_currency": "EUR"}).sign
        <SignConvention.SIGNED: 'signed'>
        >>> CsvMapping.from_dict({"value_date": "Date", "amout": "Amount"})
        Traceback (most recent call last):
        ...
        o2c.errors.ValidationError: unknown CsvMapping option 'amout': the options are ...

        Raises:
            ValidationError: for an unknown option, or a bad value (naming the option).
        """
        known = {f.name for f in attrs.fields(cls)}
        for key in options:
            if key not in known:
                raise ValidationError(
                    f"unknown CsvMapping option {shown(key)!r}: the options are "
                    f"{', '.join(sorted(known))}",
                    field=str(shown(key)),
                    value=shown(options[key]),
                )
        if "value_date" not in options:
            raise _option_error("value_date", None, "is required: name the value date column")
        values = dict(options)
        trailer = values.get("trailer")
        if isinstance(trailer, Mapping):
            trailer_known = {f.name for f in attrs.fields(CsvTrailer)}
            unknown = sorted(set(trailer) - trailer_known)
            if unknown:
                raise _option_error(f"trailer.{unknown[0]}", trailer, "is not a trailer option")
            values["trailer"] = CsvTrailer(**trailer)
        return cls(**values)

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
        "trailer",
    }
)
_PLAIN = re.compile(r"[0-9]+(\.[0-9]+)?")


def read_csv(
    source: Source,
    mapping: CsvMapping,
    *,
    statement_id: str | None = None,
    account: str = "",
) -> Statement:
    """Read a CSV export of payments as one statement.

    A file cut after a whole row cannot be detected unless ``mapping.trailer`` declares the
    file's trailer line; a row cut in the middle is refused when a value no longer reads.

    Args:
        source: a ``pathlib.Path``, the content as ``bytes`` or ``str``, or an open file.
        mapping: the column mapping and value formats.
        statement_id: the statement's id; defaults to a hash of the content (stable).
        account: the account the file belongs to (CSV exports rarely say).

    Returns:
        A statement whose lines are the rows in file order; a row without an id column gets
        ``"<statement_id>/<line>"`` when ``statement_id`` is given, else ``"csv-"`` and a hash
        of the account and the row's mapped values (``#2``, ``#3`` ... for a repeated row).
        Neither depends on line endings, trailing blanks or the rows after it.  The
        statement's currency is ``default_currency``, else the first row's.

    Raises:
        StatementFormatError: for a missing column (at the header line), a bad value (at its
            line) or a trailer that does not match: nothing is imported from a file with one
            bad row.
    """
    text = read_text(source, mapping.encoding)
    body = _body(text, mapping)
    reader = csv.reader(
        io.StringIO(body.text, newline=""), delimiter=mapping.delimiter, strict=True
    )
    header = _header(reader, mapping, body.header_line)
    sid = statement_id if statement_id is not None else content_id(_normalised(text))
    trailer = body.trailer
    del text, body
    ids = _RowIds(statement_id=statement_id, account=account, mapping=mapping, index=header.index)
    payments: list[Payment] = []
    next_line = header.line + 1
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
        next_line = header.line + reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header.names):
            raise StatementFormatError(
                f"the row has {len(row)} fields, the header {len(header.names)}",
                location=f"line {line_no}",
                value=shown(row),
            )
        payments.append(ids.identified(_payment(row, header.index, mapping, line_no), row, line_no))
    if trailer is not None:
        _check_trailer(trailer, payments, mapping)
    return Statement(
        statement_id=sid,
        account=account,
        currency=_statement_currency(mapping, payments, next_line),
        lines=tuple(payments),
        format=StatementFormat.CSV,
    )


@attrs.frozen
class _Body:
    """A file's header and rows as one text, without the lines before the header, the footer
    lines and the trailer (read apart)."""

    text: str
    #: The header's line number (from 1).
    header_line: int
    trailer: _TrailerLine | None


def _body(text: str, mapping: CsvMapping) -> _Body:
    """Cut the lines to skip, the trailer and the footer lines off ``text``."""
    lines = text.split("\n")
    if len(lines) <= mapping.skip_lines:
        raise StatementFormatError(
            "the file has no header row", location=f"line {mapping.skip_lines + 1}"
        )
    header_line = mapping.skip_lines + 1
    kept = lines[mapping.skip_lines :]
    trailer: _TrailerLine | None = None
    if mapping.trailer is not None:
        trailer = _take_trailer(kept, mapping, header_line, lines)
    footer = mapping.footer_lines
    while footer and kept:
        if kept.pop().strip():
            footer -= 1
    return _Body(text="\n".join(kept), header_line=header_line, trailer=trailer)


@attrs.frozen
class _Header:
    names: list[str]
    #: Each column's position by name.
    index: dict[str, int]
    #: Its line number (from 1).
    line: int


def _header(reader: Iterator[list[str]], mapping: CsvMapping, line: int) -> _Header:
    """Read the header row; every column the mapping names must be in it."""
    try:
        names = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise StatementFormatError(
            f"the header row cannot be read: {exc}", location=f"line {line}"
        ) from None
    index = {name: i for i, name in enumerate(names)}
    for name in mapping.named_columns():
        if name not in index:
            raise StatementFormatError(
                f"column {name!r} is not in the header {shown(names)}: fix the mapping",
                location=f"line {line}",
                field=name,
                value=shown(names),
            )
    return _Header(names=names, index=index, line=line)


class _RowIds:
    """Gives each row its payment id and refuses an id seen on an earlier line."""

    __slots__ = ("account", "derived", "index", "mapping", "seen", "statement_id")

    def __init__(
        self,
        *,
        statement_id: str | None,
        account: str,
        mapping: CsvMapping,
        index: dict[str, int],
    ) -> None:
        self.statement_id = statement_id
        self.account = account
        self.mapping = mapping
        self.index = index
        #: The line each payment id was first seen on.
        self.seen: dict[str, int] = {}
        #: How many rows derived each hash id so far (a repeated row gets ``#2``, ``#3`` ...).
        self.derived: dict[str, int] = {}

    def identified(self, payment: Payment, row: list[str], line_no: int) -> Payment:
        """``payment`` with its id: the id column's, else ``<statement_id>/<line>``, else the
        row's hash."""
        if not payment.payment_id:
            if self.statement_id is not None:
                payment_id = f"{self.statement_id}/{line_no}"
            else:
                payment_id = _row_id(row, self.index, self.mapping, self.account)
                count = self.derived.get(payment_id, 0) + 1
                self.derived[payment_id] = count
                payment_id = payment_id if count == 1 else f"{payment_id}#{count}"
            payment = attrs.evolve(payment, payment_id=payment_id)
        if payment.payment_id in self.seen:
            raise StatementFormatError(
                f"payment id {shown(payment.payment_id)!r} repeats the one on line "
                f"{self.seen[payment.payment_id]}",
                location=f"line {line_no}",
                field=self.mapping.payment_id or "payment_id",
                value=shown(payment.payment_id),
            )
        self.seen[payment.payment_id] = line_no
        return payment


def _statement_currency(mapping: CsvMapping, payments: Sequence[Payment], end_line: int) -> str:
    """The mapping's default currency, else the first row's."""
    if mapping.default_currency is not None:
        return _currency(mapping.default_currency).code
    if payments:
        return payments[0].amount.currency.code
    raise StatementFormatError(
        "an empty file with no default_currency has no currency", location=f"line {end_line}"
    )


def _normalised(text: str) -> str:
    """``text`` with ``\\n`` line ends and no trailing blanks: what a re-export keeps."""
    return "\n".join(line.rstrip() for line in text.splitlines())


def _row_id(row: list[str], index: dict[str, int], mapping: CsvMapping, account: str) -> str:
    """A row's id from its mapped values (blanks collapsed): the same in any re-export."""
    values = [account] + [" ".join(row[index[c]].split()) for c in mapping.named_columns()]
    return "csv-" + content_id("\x1f".join(values))


@attrs.frozen
class _TrailerLine:
    fields: list[str]
    line: int
    #: SHA-256 of the text before the trailer (``\\n`` line ends), when the trailer states one.
    digest: str


def _take_trailer(
    kept: list[str], mapping: CsvMapping, header_line: int, lines: list[str]
) -> _TrailerLine:
    """Remove the trailer (the last non-empty line) from ``kept`` and read it."""
    declared = mapping.trailer
    assert declared is not None
    while kept and not kept[-1].strip():
        kept.pop()
    line_no = header_line + len(kept) - 1
    if len(kept) < 2:
        raise StatementFormatError(
            "the file ends before its trailer line: it is cut", location=f"line {line_no + 1}"
        )
    raw = kept.pop()
    try:
        fields = [f.strip() for f in next(csv.reader([raw], delimiter=mapping.delimiter))]
    except csv.Error as exc:
        raise StatementFormatError(
            f"the trailer line cannot be read: {exc}", location=f"line {line_no}"
        ) from None
    if declared.marker and (not fields or fields[0] != declared.marker):
        raise StatementFormatError(
            f"the last line is not the trailer (its first field is not {declared.marker!r}): "
            "the file is cut",
            location=f"line {line_no}",
            field="trailer",
            value=shown(raw),
        )
    digest = ""
    if declared.sha256_field is not None:
        before = lines[: mapping.skip_lines] + kept
        digest = hashlib.sha256(
            "".join(f"{line.removesuffix(chr(13))}\n" for line in before).encode(
                "utf-8", "surrogatepass"
            )
        ).hexdigest()
    return _TrailerLine(fields, line_no, digest)


def _check_trailer(trailer: _TrailerLine, payments: list[Payment], mapping: CsvMapping) -> None:
    declared = mapping.trailer
    assert declared is not None
    at = f"line {trailer.line}"

    def field(index: int, what: str) -> str:
        if index >= len(trailer.fields) or not trailer.fields[index]:
            raise StatementFormatError(
                f"the trailer has no {what} in field {index}",
                location=at,
                field="trailer",
                value=shown(trailer.fields),
            )
        return trailer.fields[index]

    if declared.count_field is not None:
        text = field(declared.count_field, "row count")
        count = integer_text(text, location=at, field="trailer row count")
        if count != len(payments):
            raise StatementFormatError(
                f"the trailer counts {count} rows but the file has {len(payments)}: the file "
                "is cut or edited",
                location=at,
                field="trailer",
                value=text,
            )
    if declared.total_field is not None:
        text = field(declared.total_field, "control sum")
        stated = _number(text, mapping, "trailer", at)
        total = sum((p.amount.amount for p in payments), Decimal(0))
        if stated != total:
            raise StatementFormatError(
                f"the trailer's control sum is {stated} but the rows add up to {total}: the "
                "file is cut or edited",
                location=at,
                field="trailer",
                value=text,
            )
    if declared.sha256_field is not None:
        text = field(declared.sha256_field, "SHA-256 digest")
        if text.lower() != trailer.digest:
            raise StatementFormatError(
                f"the trailer's SHA-256 digest {shown(text)!r} is not the digest of the lines "
                "before it: the file is cut or edited",
                location=at,
                field="trailer",
                value=shown(text),
            )


def _payment(row: list[str], index: dict[str, int], mapping: CsvMapping, line_no: int) -> Payment:
    """The payment of a row; its ``payment_id`` is the id column's value or ``""``."""
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
    reference = cell(mapping.reference)
    end_to_end = cell(mapping.end_to_end_id)
    if end_to_end.upper() == "NOTPROVIDED":
        end_to_end = ""
    text = " ".join(" ".join(cell(c) for c in mapping.remittance_info).split())
    charges_text = cell(mapping.charges)
    charges = (
        exact_money(
            abs(_number(charges_text, mapping, mapping.charges or "", at)),
            code.upper(),
            location=at,
            field=mapping.charges or "charges",
        )
        if charges_text
        else None
    )
    account = cell(mapping.payer_account)
    return Payment(
        payment_id=cell(mapping.payment_id),
        value_date=value_date,
        booking_date=booking,
        amount=amount,
        payer_name=cell(mapping.payer_name),
        payer_account=account,
        reference=reference or end_to_end,
        remittance_info=text,
        end_to_end_id=end_to_end,
        creditor_reference=creditor_reference(reference),
        bank_transaction_code=cell(mapping.bank_transaction_code),
        bank_reference=cell(mapping.bank_reference),
        payer_bic=cell(mapping.payer_bic).upper(),
        payer_country=payer_country(cell(mapping.payer_country), account),
        charges=charges,
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
                f"column {mapping.indicator!r}: {shown(marker)!r} is neither a credit marker "
                f"{sorted(mapping.credit_markers)} nor a debit marker "
                f"{sorted(mapping.debit_markers)}",
                location=at,
                field=mapping.indicator or "indicator",
                value=shown(marker),
            )
    return exact_money(value, code, location=at, field=column)


def _number(text: str, mapping: CsvMapping, column: str, at: str) -> Decimal:
    """``text`` as an exact Decimal: sign as ``-x``, ``+x``, ``x-`` or ``(x)``; ASCII digits."""
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
    if len(s) > 60 or not _PLAIN.fullmatch(s):
        raise StatementFormatError(
            f"column {column!r}: {shown(text)!r} is not an amount with decimal mark "
            f"{mapping.decimal_mark!r} and thousands separator {mapping.thousands_separator!r}",
            location=at,
            field=column,
            value=shown(text),
        )
    value = decimal_text(s, location=at, field=column)
    return -value if negative else value


def _date(text: str, mapping: CsvMapping, column: str, at: str) -> dt.date:
    try:
        if len(text) > _MAX_DATE or any(ch.isdigit() and not ch.isascii() for ch in text):
            raise ValueError(text)
        return dt.datetime.strptime(text, mapping.date_format).date()
    except ValueError:
        raise StatementFormatError(
            f"column {column!r}: {shown(text)!r} is not a date in the format "
            f"{mapping.date_format!r}",
            location=at,
            field=column,
            value=shown(text),
        ) from None
