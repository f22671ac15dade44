"""Remittance advices: what a payer says it paid, read from text and linked to bank lines.

Customers tell the seller what a payment covers apart from the payment itself: an e-mail with
an SAP-style payment advice note, a few lines of prose (German or English), a CSV attachment,
the text of a PDF (with OCR noise: ``O``/``0``, ``l``/``1``, ``S``/``5``, broken lines), or a
total only.  This module is core (pure, no I/O): the adapter :mod:`o2c.adapters.advices` reads
the files (``.eml``, ``.txt``, ``.csv``) and hands their text here.

The API:

- :class:`RemittanceAdvice` (its :class:`AdviceLine` values and :class:`AdviceStyle`): sender
  name and e-mail, dates (sent, and the payment date the text states), the stated total and
  currency, the lines (document reference, amount paid, deduction and its reason, credit notes),
  the payer's advice number and the raw text (kept for explanations).
- :func:`parse_advice` reads one advice from its text (e-mail body, CSV or table text, text of a
  PDF); ``attachments`` are further texts of the same advice (CSV files).  It never raises
  anything but :class:`~o2c.errors.O2CError` (a text beyond ``policy.max_text_chars``); text
  it cannot read gives an advice without lines or total.
- :class:`AdvicePolicy`: every threshold of parsing and linking, with where its value comes from.
- :func:`link_advices` links each advice to its bank line(s) by amount (the stated total, the sum
  of the lines, the lines the payment covers when the advice lists more than was paid, bank fees
  within the matcher's fee bands), date window, sender (payer name, the customer master data's
  names and accounts) and references (the open items its lines name).  Duplicates (the same
  advice sent twice) are recognised; an advice that more than one payment (or set of payments)
  could explain equally well is left unlinked; a payment claimed by two advices goes to the
  stronger one, to neither when they are equally strong.  Decisions do not depend on the order
  of the inputs.  Each :class:`AdviceLink` says why.
- :func:`apply_advices` gives each linked payment its advice lines as remittance, so
  :func:`~o2c.cash_application.match_payments` uses them unchanged: the covered lines become
  :class:`~o2c.statement.RemittanceDocument` values (when the payment names none and the lines
  add up to it) and their references are added to its ``remittance_info``.  Lines the payment
  does not cover are kept in the link's explanation, never applied.

>>> import datetime as dt
>>> from o2c.money import money
>>> from o2c.statement import Payment
>>> text = '''Please be advised that we have sent a payment of EUR 1,500.00.
... Invoices paid:
... INV/2026/000101   EUR 1,000.00
... INV/2026/000102   EUR 500.00  (damaged goods 200.00)
... Total: EUR 1,500.00'''
>>> advice = parse_advice(text, advice_id="A1", sender_name="Acme GmbH",
...                       sent=dt.date(2026, 3, 2))
>>> advice.style.value, advice.currency, str(advice.stated_total)
('prose_en', 'EUR', '1500.00')
>>> [(x.reference, str(x.amount_paid), str(x.deduction), x.reason) for x in advice.lines]
[('INV/2026/000101', '1000.00', '0', ''), ('INV/2026/000102', '500.00', '200.00', 'damaged goods')]
>>> pay = Payment(payment_id="P1", value_date=dt.date(2026, 3, 3),
...               amount=money("1500.00", "EUR"), payer_name="ACME GMBH")
>>> [link] = link_advices([advice], [pay])
>>> link.status.value, link.payment_ids
('linked', ('P1',))
>>> [p] = apply_advices([pay], [link])
>>> [(d.number, str(d.amount_paid.amount)) for d in p.documents]
[('INV/2026/000101', '1000.00'), ('INV/2026/000102', '500.00')]
>>> p.remittance_info
'INV/2026/000101 INV/2026/000102 damaged goods'
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation

import attrs
from moneyed import Money

from o2c.cash_application.model import CustomerProfile
from o2c.cash_application.policy import MatchPolicy
from o2c.errors import ValidationError
from o2c.ledger import OpenItem
from o2c.money import minor_units
from o2c.names import NameIndex, normalize
from o2c.remittance import DocumentIndex, find_references
from o2c.statement import Adjustment, Payment, RemittanceDocument

__all__ = [
    "AdviceLine",
    "AdviceLink",
    "AdvicePolicy",
    "AdviceStyle",
    "LinkStatus",
    "RemittanceAdvice",
    "apply_advices",
    "link_advices",
    "parse_advice",
]


# --------------------------------------------------------------------------------------------
# Values


class AdviceStyle(enum.Enum):
    """How an advice is written (for explanations and measurement; parsing reads every style)."""

    #: An ERP payment advice note (``Document  Reference  Doc. date  Gross  Deduction  Net``).
    SAP = "sap"
    #: A CSV table (attached, or pasted into the text).
    CSV = "csv"
    #: The text of a PDF remittance advice (columns, broken lines, OCR noise).
    PDF = "pdf"
    #: German prose (``Rg.-Nr. ... vom ... 1.234,56 EUR``).
    PROSE_DE = "prose_de"
    #: English prose (``INV-123   EUR 1,234.56``).
    PROSE_EN = "prose_en"
    #: A total and no lines ("for open invoices as per your statement").
    TOTAL_ONLY = "total_only"
    #: Nothing readable: no lines and no total.
    UNKNOWN = "unknown"


@attrs.frozen(kw_only=True)
class AdviceLine:
    """One document an advice names.

    ``amount_paid`` is the cash the payer says went to the document, negative for a credit
    note it nets; ``deduction`` what it took off (positive: paid less) with ``reason`` in its
    words; ``gross`` the document's amount when the advice states it.
    """

    reference: str
    amount_paid: Decimal
    deduction: Decimal = Decimal(0)
    reason: str = ""
    gross: Decimal | None = None
    document_date: dt.date | None = None
    #: The payer's own document number for the line (the first column of an ERP advice).
    payer_document: str = ""
    #: The text the line was read from.
    raw: str = ""

    @property
    def is_credit_note(self) -> bool:
        """Whether the payer nets this document against the payment (a negative amount)."""
        return self.amount_paid < 0


@attrs.frozen(kw_only=True)
class RemittanceAdvice:
    """What a payer says a payment covers.

    Amounts are exact decimals in ``currency`` (an ISO code; empty when the advice does not say,
    e.g. a bare CSV table: the linked payment's currency is then taken).
    """

    advice_id: str
    sender_name: str = ""
    sender_email: str = ""
    #: When the advice was sent (the e-mail's date).
    sent: dt.date | None = None
    #: The payment date the text states, if any.
    payment_date: dt.date | None = None
    stated_total: Decimal | None = None
    currency: str = ""
    lines: tuple[AdviceLine, ...] = ()
    style: AdviceStyle = AdviceStyle.UNKNOWN
    #: The payer's number of the advice or payment run (``EFT No``, ``Payment document``,
    #: the number in the subject); names no document of the seller.
    advice_number: str = ""
    subject: str = ""
    #: The text the advice was read from (kept for explanations).
    text: str = ""

    @property
    def lines_total(self) -> Decimal | None:
        """The sum of the lines' amounts paid (``None`` without lines)."""
        if not self.lines:
            return None
        return sum((x.amount_paid for x in self.lines), Decimal(0))

    @property
    def total(self) -> Decimal | None:
        """The amount the advice announces: the stated total, else the sum of its lines."""
        return self.stated_total if self.stated_total is not None else self.lines_total

    @property
    def date(self) -> dt.date | None:
        """The date linking is anchored on: the stated payment date, else the sending date."""
        return self.payment_date or self.sent

    def money(self, amount: Decimal, currency_code: str = "") -> Money:
        """``amount`` as Money in the advice's currency (or ``currency_code`` when it has none).

        Raises:
            ValidationError: neither the advice nor the caller names a currency.
        """
        code = self.currency or currency_code
        if not code:
            raise ValidationError(
                f"advice {self.advice_id!r} states no currency: pass the payment's",
                field="currency",
                value="",
            )
        return Money(amount, code)


@attrs.frozen(kw_only=True)
class AdvicePolicy:
    """The thresholds of reading and linking advices, each with where its value comes from."""

    #: The longest advice text read (characters).  A remittance advice is a page or two; the
    #: longest of the public set is under 3,000 characters.  A larger text is refused.
    max_text_chars: int = 200_000
    #: The most lines read from one advice (a payment run rarely names more than a few hundred
    #: documents; beyond, the advice is read no further).
    max_lines: int = 2_000
    #: How many days before the advice's date the payment may be valued.  On the public set
    #: payments come up to 6 days before the e-mail (a customer sends the advice later); the
    #: hidden sets move every rate by up to 20%, so 6 * 1.2 rounded up plus a weekend.
    days_before: int = 10
    #: How many days after the advice's date the payment may be valued (public set: up to 7
    #: days, the bank's value date after a weekend; 7 * 1.2 plus a weekend).
    days_after: int = 11
    #: The most lines of an advice that a linked payment may leave uncovered (an advice that
    #: lists an invoice the payment does not cover: one on the public set; a margin of two).
    max_uncovered: int = 3
    #: The most bank lines one advice may be split across (public set: two; one more for the
    #: hidden sets).  A split is only linked when every part comes from the advice's sender.
    max_split: int = 3
    #: Subsets of lines are searched only for advices with at most this many lines (2**n
    #: subsets; the longest advice of the public set has 9 lines).
    max_subset_lines: int = 14
    #: A payer name must score at least this against the advice's sender (o2c.names: 0.85 is a
    #: name cut short by the bank, "HOFMANN AUT." for "Hofmann Automation AG"; fuzzy matches
    #: of other names stay below).
    sender_score: float = 0.85
    #: Bank charges between the advice's amount and the payment are read with the matcher's
    #: fee bands (one rule for fees: :meth:`MatchPolicy.fee_limit`).
    match_policy: MatchPolicy = attrs.field(factory=MatchPolicy)


class LinkStatus(enum.Enum):
    """What became of an advice."""

    #: Linked to its payment(s); its covered lines are remittance.
    LINKED = "linked"
    #: The same advice sent again: linked to the payments of ``duplicate_of``, used once.
    DUPLICATE = "duplicate"
    #: Several payments (or sets of payments) explain it equally well: left alone.
    AMBIGUOUS = "ambiguous"
    #: No payment explains it (yet): left alone.
    UNLINKED = "unlinked"


@attrs.frozen(kw_only=True)
class AdviceLink:
    """An advice and the payment(s) it was linked to, with why.

    ``covered`` maps each payment id to the lines that payment pays; ``uncovered`` are lines the
    advice lists that no linked payment covers (kept for explanation, never applied); ``fee``
    is the difference read as bank charges (advice minus payment, in the payment's currency).
    """

    advice: RemittanceAdvice
    status: LinkStatus
    payment_ids: tuple[str, ...] = ()
    covered: Mapping[str, tuple[AdviceLine, ...]] = attrs.field(factory=dict)
    uncovered: tuple[AdviceLine, ...] = ()
    fee: Decimal = Decimal(0)
    duplicate_of: str = ""
    explanation: tuple[str, ...] = ()
    #: Per payment id, the advice's amount that explains it: the stated total or the lines'
    #: sum (the payment plus ``fee``), or the sum of the lines it covers.
    explained: Mapping[str, Decimal] = attrs.field(factory=dict)

    @property
    def advice_id(self) -> str:
        """The advice's id."""
        return self.advice.advice_id


# --------------------------------------------------------------------------------------------
# Parsing

#: Characters an OCR reads for digits, inside a group that is otherwise digits.
_OCR = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "Q": "0",
        "l": "1",
        "I": "1",
        "i": "1",
        "|": "1",
        "S": "5",
        "s": "5",
        "Z": "2",
        "z": "2",
        "B": "8",
        "G": "6",
    }
)
_OCR_GROUP = re.compile(r"[0-9OoDQlIi|SsZzBG]+")
#: An amount: digits with grouping marks and two decimals (``1.234,56``, ``1,234.56``,
#: ``1234.56``, ``1 234,56``, ``1'234.56``), an optional sign.
_AMOUNT = re.compile(
    r"(?<![\w/.,-])(-\s?)?(\d{1,3}(?:[.,' ]\d{3})+|\d+)([.,])(\d{2})(?![\w]|[.,]\d)"
)
_CURRENCY_WORDS = {
    "EUR": "EUR",
    "€": "EUR",
    "USD": "USD",
    "$": "USD",
    "US$": "USD",
    "GBP": "GBP",
    "£": "GBP",
    "CHF": "CHF",
    "JPY": "JPY",
    "¥": "JPY",
    "SEK": "SEK",
    "NOK": "NOK",
    "DKK": "DKK",
    "PLN": "PLN",
    "CZK": "CZK",
    "CAD": "CAD",
    "AUD": "AUD",
}
_CURRENCY = re.compile(
    r"(?<![A-Z])(EUR|USD|GBP|CHF|JPY|SEK|NOK|DKK|PLN|CZK|CAD|AUD)(?![A-Z])|([€$£¥])"
)
_DATE = re.compile(
    r"(?<!\d)(?:(\d{4})-(\d{2})-(\d{2})|(\d{1,2})\.(\d{1,2})\.(\d{4})|(\d{1,2})/(\d{1,2})/(\d{4}))(?!\d)"
)
_TOTAL_LABEL = re.compile(
    r"^\s*(?:TOTAL|GESAMT\w*|SUMME|SUM|ZAHLBETRAG|TOTAL AMOUNT|TOTAL PAID|AMOUNT PAID TOTAL|"
    r"ENDBETRAG|MONTANT TOTAL)\b",
    re.IGNORECASE,
)
#: Sentences that announce the amount paid (total-only and prose advices).
_ANNOUNCE = re.compile(
    r"(?:PAYMENT OF|TRANSFERRED|REMITTED|ZAHLUNG\b.*?\b(?:UEBER|ÜBER|IN HÖHE VON|IN HOEHE VON)|"
    r"UEBERWIESEN|ÜBERWIESEN|VIREMENT DE|PAIEMENT DE)",
    re.IGNORECASE,
)
_PAREN = re.compile(r"\(([^()]*)\)")
_LABELS = re.compile(
    r"\b(?:RG\.?-?\s?NR\.?|RE\.?-?\s?NR\.?|RECHNUNG(?:SNR\.?|SNUMMER)?|INVOICE(?:\s+NO\.?)?|"
    r"INV\.?\s?NO\.?|VOM|DATED|OF|NO\.|NR\.)(?=\s|$)",
    re.IGNORECASE,
)
_ADVICE_NUMBER = re.compile(
    r"(?:EFT NO|PAYMENT DOCUMENT|ZAHLUNGSBELEG|BELEG(?:NUMMER)?|ADVICE NO|AVIS(?:NUMMER)?|"
    r"PAYMENT ADVICE|REMITTANCE ADVICE|PAYMENT NOTIFICATION|ZAHLUNGSAVIS)\W{0,3}\s*(\d[\d-]{3,})",
    re.IGNORECASE,
)
_CSV_HEADER_WORDS = re.compile(
    r"INVOICE|RECHNUNG|DOCUMENT|REFERENCE|BELEG|FACTURE|REF", re.IGNORECASE
)
_CREDIT_WORDS = re.compile(r"\b(?:CN|CREDIT\s*NOTE|GUTSCHRIFT|AVOIR|CR)\b", re.IGNORECASE)
_REF_CHARS = re.compile(r"[^\w/.\-]+")


def _ocr_fix(token: str) -> str:
    """``token`` with OCR confusions inside digit groups turned into digits (``16O73``)."""

    def fix(m: re.Match[str]) -> str:
        group = m.group(0)
        digits = sum(ch.isdigit() for ch in group)
        if digits == 0 or digits * 2 < len(group):
            return group
        return group.translate(_OCR)

    return _OCR_GROUP.sub(fix, token)


def _ocr_line(line: str) -> str:
    """A line with OCR noise read away in number-like tokens (whole words are left alone)."""
    out = []
    for token in re.split(r"(\s+)", line):
        if token.strip() and any(ch.isdigit() for ch in token):
            token = _ocr_fix(token)
        out.append(token)
    return "".join(out)


def _amount(m: re.Match[str]) -> Decimal:
    sign, whole, _mark, cents = m.group(1), m.group(2), m.group(3), m.group(4)
    digits = re.sub(r"[.,' ]", "", whole)
    value = Decimal(f"{digits}.{cents}")
    return -value if sign else value


def _amounts(text: str) -> list[tuple[Decimal, int, int]]:
    out = []
    for m in _AMOUNT.finditer(text):
        try:
            out.append((_amount(m), m.start(), m.end()))
        except InvalidOperation:  # pragma: no cover - the pattern admits only digits
            continue
    return out


def _date_of(m: re.Match[str]) -> dt.date | None:
    g = m.groups()
    try:
        if g[0]:
            return dt.date(int(g[0]), int(g[1]), int(g[2]))
        if g[3]:
            return dt.date(int(g[5]), int(g[4]), int(g[3]))
        # m/d/Y (US) unless the first part cannot be a month.
        a, b, y = int(g[6]), int(g[7]), int(g[8])
        return dt.date(y, b, a) if a > 12 else dt.date(y, a, b)
    except ValueError:
        return None


def _dates(text: str) -> list[tuple[dt.date | None, int, int]]:
    return [(_date_of(m), m.start(), m.end()) for m in _DATE.finditer(text)]


def _currency(text: str) -> str:
    counts: dict[str, int] = defaultdict(int)
    for m in _CURRENCY.finditer(text):
        code = _CURRENCY_WORDS.get(m.group(1) or m.group(2), "")
        if code:
            counts[code] += 1
    if not counts:
        return ""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            chars[i] = " "
    return "".join(chars)


def _reference(rest: str) -> str:
    """The document reference left on a line once amounts, dates and labels are removed."""
    rest = _CURRENCY.sub(" ", rest)
    rest = _LABELS.sub(" ", rest)
    words = [w.strip(".,;:") for w in rest.split()]
    words = [w for w in words if w and w not in ("-", "/")]
    return " ".join(words)


def _has_reference(text: str) -> bool:
    return sum(ch.isdigit() for ch in text) >= 3


@attrs.define
class _Header:
    """Columns of a table the advice announces, when it does."""

    payer_document_first: bool = False
    gross_deduction_net: bool = False


def _table_header(line: str) -> _Header | None:
    upper = line.upper()
    if "DOCUMENT" in upper and "REFERENCE" in upper:
        return _Header(payer_document_first=True, gross_deduction_net="NET" in upper)
    if ("INVOICE" in upper or "RECHNUNG" in upper) and ("AMOUNT" in upper or "BETRAG" in upper):
        return _Header(gross_deduction_net="DEDUCTION" in upper and "NET" in upper)
    return None


def _split_deduction(body: str) -> tuple[str, Decimal, str]:
    """A line without its ``(reason 12.34)``: the rest, the deduction and its reason."""
    deduction, reason = Decimal(0), ""
    for m in _PAREN.finditer(body):
        inner = m.group(1)
        found = _amounts(inner)
        if not found:
            continue
        value, start, _end = found[-1]
        deduction += abs(value)
        words = re.sub(r"\s+", " ", _blank(inner, [(a, b) for _, a, b in found])).strip(" :-")
        reason = words if not reason else f"{reason}; {words}"
        _ = start
    return _PAREN.sub(" ", body), deduction, reason


def _sniff_delimiter(line: str) -> str | None:
    for delimiter in (";", "\t", ",", "|"):
        if line.count(delimiter) >= 2:
            return delimiter
    return None


_CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "reference": (
        "invoice_no",
        "invoice",
        "invoice number",
        "document",
        "reference",
        "doc_no",
        "rechnung",
        "rechnungsnummer",
        "beleg",
        "belegnummer",
        "facture",
        "ref",
    ),
    "paid": (
        "paid",
        "amount paid",
        "net",
        "payment",
        "zahlbetrag",
        "bezahlt",
        "netto",
        "montant paye",
    ),
    "gross": ("amount", "gross", "invoice amount", "betrag", "brutto", "montant"),
    "deduction": ("deduction", "abzug", "discount", "skonto", "deductions", "retenue"),
    "reason": ("reason", "grund", "comment", "remark", "motif"),
    "date": ("invoice_date", "date", "doc_date", "datum", "rechnungsdatum"),
}


def _csv_index(header: list[str]) -> dict[str, int] | None:
    names = [h.strip().strip('"').lower().replace("-", "_") for h in header]
    index: dict[str, int] = {}
    for key, choices in _CSV_COLUMNS.items():
        for choice in choices:
            for i, name in enumerate(names):
                if i in index.values():
                    continue
                if name == choice or name.replace("_", " ") == choice:
                    index.setdefault(key, i)
            if key in index:
                break
    if "reference" not in index or not ({"paid", "gross"} & set(index)):
        return None
    return index


def _csv_number(cell: str) -> Decimal | None:
    cell = _ocr_fix(cell.strip().strip('"'))
    if not cell:
        return None
    m = _AMOUNT.fullmatch(cell)
    if m:
        return _amount(m)
    try:
        value = Decimal(cell.replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _csv_block(
    lines: Sequence[str], start: int, policy: AdvicePolicy
) -> tuple[list[AdviceLine], Decimal | None, int] | None:
    """The rows of a CSV table whose header is ``lines[start]``; ``None`` when it is none."""
    delimiter = _sniff_delimiter(lines[start])
    if delimiter is None or not _CSV_HEADER_WORDS.search(lines[start]):
        return None
    index = _csv_index(lines[start].split(delimiter))
    if index is None:
        return None
    out: list[AdviceLine] = []
    total: Decimal | None = None
    end = start + 1
    for end in range(start + 1, len(lines)):
        raw = lines[end]
        cells = raw.split(delimiter)
        if not raw.strip() or len(cells) < 2 or len(out) >= policy.max_lines:
            break
        first = cells[0].strip().strip('"')
        numbers = [_csv_number(c) for c in cells]
        if _TOTAL_LABEL.match(first):
            given = [n for n in numbers if n is not None]
            total = given[-1] if given else None
            end += 1
            break

        def cell(key: str, cells: list[str] = cells) -> str:
            i = index.get(key)
            return cells[i].strip().strip('"') if i is not None and i < len(cells) else ""

        reference = _ocr_fix(cell("reference"))
        paid = _csv_number(cell("paid")) if "paid" in index else None
        gross = _csv_number(cell("gross")) if "gross" in index else None
        deduction = _csv_number(cell("deduction")) or Decimal(0)
        if paid is None and gross is not None:
            paid = gross - deduction
        if not reference or paid is None:
            continue
        found_dates = _dates(cell("date"))
        out.append(
            AdviceLine(
                reference=reference,
                amount_paid=paid,
                deduction=abs(deduction) if paid >= 0 and deduction else Decimal(0),
                reason=cell("reason"),
                gross=gross,
                document_date=found_dates[0][0] if found_dates else None,
                raw=raw,
            )
        )
    else:
        end = len(lines)
    return out, total, end


def _total_in(line: str) -> Decimal | None:
    found = _amounts(line)
    return found[-1][0] if found else None


def _read_lines(
    text: str, policy: AdvicePolicy
) -> tuple[list[AdviceLine], Decimal | None, Decimal | None, bool, bool]:
    """The lines, the total, the amount announced, and whether a CSV / an ERP table was read."""
    raw_lines = text.splitlines()[: policy.max_lines * 4]
    lines = [_ocr_line(x) for x in raw_lines]
    out: list[AdviceLine] = []
    total: Decimal | None = None
    announced: Decimal | None = None
    header: _Header | None = None
    pending: tuple[str, dt.date | None, str] | None = None  # reference read, amount to come
    fragment = ""  # a reference cut at the end of a line ("INV/2026/" + "013832 ...")
    saw_csv = saw_erp = False
    i = 0
    while i < len(lines) and len(out) < policy.max_lines:
        line = lines[i]
        block = _csv_block(lines, i, policy) if _sniff_delimiter(line) else None
        if block is not None:
            rows, block_total, end = block
            out.extend(rows)
            total = block_total if block_total is not None else total
            saw_csv = saw_csv or bool(rows)
            i = max(end, i + 1)
            pending, fragment = None, ""
            continue
        i += 1
        stripped = line.strip()
        if not stripped:
            continue
        found_header = _table_header(stripped)
        if found_header is not None and not _amounts(stripped):
            header = found_header
            saw_erp = saw_erp or found_header.payer_document_first
            pending, fragment = None, ""
            continue
        if _TOTAL_LABEL.match(stripped):
            value = _total_in(stripped)
            if value is not None:
                total = value
            pending, fragment = None, ""
            continue
        if announced is None and _ANNOUNCE.search(stripped):
            value = _total_in(stripped)
            if value is not None:
                announced = value
                continue
        body, deduction, reason = _split_deduction(stripped)
        amounts = _amounts(body)
        tail = " ".join(_CURRENCY.sub(" ", body[amounts[-1][2] :]).split()) if amounts else ""
        if re.search(r"[^\W\d_]{3}", tail):
            # Words after the last amount: the reason of the line's deduction ("pricing error").
            reason = f"{reason}; {tail}" if reason else tail
            body = body[: amounts[-1][2]]
        dates = _dates(body)
        rest = _reference(
            _blank(body, [(a, b) for _, a, b in amounts] + [(a, b) for _, a, b in dates])
        )
        if ":" in rest or len(rest) > 60:
            # A labelled field ("Payment date: ...") or a sentence: no table line.
            pending, fragment = None, ""
            continue
        if not amounts:
            if (rest and (dates or header is not None) and _has_reference(rest)) or (
                rest.endswith(("/", "-", ".")) and not dates
            ):
                if rest.endswith(("/", "-", ".")) and not dates:
                    fragment = fragment + rest
                    continue
                pending = (fragment + rest, dates[0][0] if dates else None, line)
                fragment = ""
            continue
        if not rest and pending is not None:
            reference, doc_date, first_raw = pending
            raw = f"{first_raw}\n{line}"
            pending = None
        elif rest:
            if fragment:
                rest = fragment + rest
                fragment = ""
            reference, doc_date, raw = rest, dates[0][0] if dates else None, line
        else:
            continue
        payer_document = ""
        if header is not None and header.payer_document_first and " " in reference:
            payer_document, reference = reference.split(" ", 1)
        if not _has_reference(reference):
            continue
        values = [v for v, _, _ in amounts]
        gross: Decimal | None = None
        if header is not None and header.gross_deduction_net and len(values) >= 3:
            gross, deduction, paid = values[-3], abs(values[-2]), values[-1]
        else:
            paid = values[-1]
            if len(values) >= 2:
                gross = values[0]
        if _CREDIT_WORDS.search(reference) and paid > 0 and "CN" in reference.upper()[:4]:
            paid = -paid
        out.append(
            AdviceLine(
                reference=reference,
                amount_paid=paid,
                deduction=deduction if paid >= 0 and deduction else Decimal(0),
                reason=reason,
                gross=gross,
                document_date=doc_date,
                payer_document=payer_document,
                raw=raw,
            )
        )
    return out, total, announced, saw_csv, saw_erp


def _style(text: str, lines: Sequence[AdviceLine], csv: bool, erp: bool) -> AdviceStyle:
    upper = text.upper()
    if not lines:
        return AdviceStyle.TOTAL_ONLY if _amounts(text) else AdviceStyle.UNKNOWN
    if csv:
        return AdviceStyle.CSV
    if erp or ("ZAHLUNGSAVIS" in upper and "DEDUCTION" in upper):
        return AdviceStyle.SAP
    if "EFT NO" in upper or "PAGE 1 OF" in upper or "REMITTANCE ADVICE" in upper.split("\n")[0]:
        return AdviceStyle.PDF
    if re.search(r"\b(?:RECHNUNG|ZAHLUNG|GESAMTBETRAG|RG\.-NR)", upper):
        return AdviceStyle.PROSE_DE
    return AdviceStyle.PROSE_EN


def _payment_date(text: str) -> dt.date | None:
    for line in text.splitlines():
        upper = line.upper()
        if "PAYMENT DATE" in upper or "ZAHLUNG VOM" in upper or "ZAHLUNGSDATUM" in upper:
            found = _dates(line)
            if found and found[0][0] is not None:
                return found[0][0]
    return None


def parse_advice(
    text: str,
    *,
    advice_id: str = "",
    sender_name: str = "",
    sender_email: str = "",
    sent: dt.date | None = None,
    subject: str = "",
    attachments: Iterable[str] = (),
    policy: AdvicePolicy | None = None,
) -> RemittanceAdvice:
    """Read one remittance advice from its text (and the texts of its attachments).

    Args:
        text: the advice's text: an e-mail body, a CSV or table text, the text of a PDF.
        advice_id: the advice's id (a file name, an e-mail's id).
        sender_name, sender_email: who sent it (the e-mail's ``From``), when known.
        sent: when it was sent.
        subject: the e-mail's subject (may hold the payer's advice number).
        attachments: further texts of the same advice (CSV attachments, PDF text).
        policy: the limits (defaults: :class:`AdvicePolicy`).

    Returns:
        The advice; a text with nothing readable gives one without lines or total
        (:attr:`AdviceStyle.UNKNOWN`).

    Raises:
        ValidationError: a text longer than ``policy.max_text_chars``, or not text.
    """
    policy = policy or AdvicePolicy()
    texts = [text, *attachments]
    for part in texts:
        if not isinstance(part, str):
            raise ValidationError(
                f"advice {advice_id!r}: the text must be str, not {type(part).__name__}",
                field="text",
                value=type(part).__name__,
            )
    size = sum(len(t) for t in texts)
    if size > policy.max_text_chars:
        raise ValidationError(
            f"advice {advice_id!r} is {size:,} characters long, more than the "
            f"{policy.max_text_chars:,} an advice may have (AdvicePolicy.max_text_chars)",
            field="text",
            value=size,
        )
    whole = "\n".join(texts)
    lines, total, announced, csv, erp = _read_lines(whole, policy)
    stated = total if total is not None else announced
    number = ""
    for source in (subject, whole):
        m = _ADVICE_NUMBER.search(source)
        if m:
            number = m.group(1)
            break
    return RemittanceAdvice(
        advice_id=advice_id,
        sender_name=sender_name.strip(),
        sender_email=sender_email.strip().lower(),
        sent=sent,
        payment_date=_payment_date(whole),
        stated_total=stated,
        currency=_currency(whole),
        lines=tuple(lines),
        style=_style(whole, lines, csv, erp),
        advice_number=number,
        subject=subject,
        text=whole,
    )


# --------------------------------------------------------------------------------------------
# Linking


class _Tier(enum.IntEnum):
    """How surely an advice explains a payment (lower is stronger)."""

    EXACT_SENDER = 1  # the advice's amount, from its sender
    EXACT = 2  # the advice's amount, the payer unnamed or only sharing a word of the name
    SPLIT_SENDER = 3  # the advice's lines, split across payments from its sender
    FEE_SENDER = 4  # the advice's amount less bank charges, from its sender
    SUBSET_SENDER = 5  # some of the advice's lines, from its sender
    SUBSET_FEE_SENDER = 6  # some of the advice's lines less bank charges, from its sender


class _Sender(enum.IntEnum):
    """Whether a payment comes from an advice's sender."""

    DIFFERENT = 0  # the payment names another payer
    UNKNOWN = 1  # the payment names no payer, or one sharing a distinctive word only
    SAME = 2  # the sender's name or customer
    QUOTED = 3  # the payment's text quotes the advice's number


@attrs.frozen
class _Candidate:
    tier: _Tier
    payment_ids: tuple[str, ...]
    covered: tuple[tuple[str, tuple[int, ...]], ...]  # payment id -> line positions
    fee: Decimal
    note: str
    #: Whether every payment of the reading quotes the advice's number.
    quoted: bool = False
    #: payment id -> the advice's amount that explains it (a total, or a sum of lines).
    explained: tuple[tuple[str, Decimal], ...] = ()


def _units(value: Decimal, code: str) -> int:
    return int(value.scaleb(minor_units(code)))


def _duplicate_key(a: RemittanceAdvice) -> tuple[object, ...]:
    who = a.sender_email or normalize(a.sender_name)
    lines = tuple(sorted((re.sub(r"\W", "", x.reference.upper()), x.amount_paid) for x in a.lines))
    return (who, a.advice_number, a.currency, a.total, lines)


def _duplicates(advices: Sequence[RemittanceAdvice]) -> dict[str, str]:
    """Each repeated advice's id -> the id of the first one sent (by date, then id)."""
    groups: dict[tuple[object, ...], list[RemittanceAdvice]] = defaultdict(list)
    for a in advices:
        if a.total is None or not (a.advice_number or a.lines):
            continue
        groups[_duplicate_key(a)].append(a)
    out: dict[str, str] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda a: (a.sent or dt.date.min, a.advice_id))
        for a in group[1:]:
            out[a.advice_id] = group[0].advice_id
    return out


@attrs.frozen
class _World:
    """What linking knows besides advices and payments: customers and open documents."""

    names: NameIndex | None
    accounts: Mapping[str, str]
    documents: DocumentIndex | None
    customer_of_item: Mapping[str, str]
    #: customer id -> the open amounts (and originals) of its items.
    open_amounts: Mapping[str, frozenset[Decimal]]
    payer_customers: dict[str, frozenset[str]] = attrs.field(factory=dict)


def _world(customers: Iterable[CustomerProfile], items: Iterable[OpenItem]) -> _World:
    profiles = list(customers)
    names = (
        NameIndex.build(
            [(c.customer_id, c.name) for c in profiles if c.name],
            aliases=[(c.customer_id, a) for c in profiles for a in c.aliases],
        )
        if profiles
        else None
    )
    accounts: dict[str, str] = {}
    for c in profiles:
        for account in c.accounts:
            accounts[_account(account)] = c.customer_id
    item_list = list(items)
    documents = (
        DocumentIndex.build(
            (str(i.item_id), i.document_number, i.payment_reference, str(i.customer_id))
            for i in item_list
        )
        if item_list
        else None
    )
    amounts: dict[str, set[Decimal]] = defaultdict(set)
    for i in item_list:
        amounts[str(i.customer_id)] |= {i.open_amount.amount, i.original_amount.amount}
    return _World(
        names,
        accounts,
        documents,
        {str(i.item_id): str(i.customer_id) for i in item_list},
        {cid: frozenset(v) for cid, v in amounts.items()},
    )


def _account(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def _named_customers(name: str, world: _World, policy: AdvicePolicy) -> set[str]:
    if world.names is None or not name.strip():
        return set()
    return {m.customer_id for m in world.names.lookup(name) if m.score >= policy.sender_score}


def _payment_customers(p: Payment, world: _World, policy: AdvicePolicy) -> frozenset[str]:
    """The customers the payer is, by its account or its names (cached per payment)."""
    cached = world.payer_customers.get(p.payment_id)
    if cached is not None:
        return cached
    out = set()
    account = _account(p.payer_account)
    if account and account in world.accounts:
        out.add(world.accounts[account])
    for name in (p.payer_name, p.ultimate_payer_name):
        out |= _named_customers(name, world, policy)
    found = frozenset(out)
    world.payer_customers[p.payment_id] = found
    return found


def _line_customers(line: AdviceLine, world: _World) -> set[str]:
    if world.documents is None:
        return set()
    hits = find_references(line.reference, world.documents)
    return {world.customer_of_item[h.item_id] for h in hits if h.item_id in world.customer_of_item}


def _line_is_open(line: AdviceLine, world: _World, customers: Iterable[str]) -> bool:
    """Whether the line may name an open document: its reference, or its amount among the
    open items of the advice's customers (a reference written too loosely to be found)."""
    if world.documents is None:
        return False
    if find_references(line.reference, world.documents):
        return True
    gross = abs(line.amount_paid) + line.deduction
    return any(
        gross in world.open_amounts.get(cid, ()) or -gross in world.open_amounts.get(cid, ())
        for cid in customers
    )


#: Words too common in company names to say who a payer is.
_GENERIC_WORDS = frozenset(
    (  # noqa: SIM905 (a list of words, kept readable)
        "industrial industries supplies supply trading trade services service solutions "
        "systems group holding international technik technology technologies handel finance "
        "financial shared center centre management logistics products company global europe "
        "maschinenbau automation controls direct online"
    ).split()
)


def _distinctive(name: str) -> set[str]:
    return {w for w in normalize(name).split() if len(w) >= 4 and w not in _GENERIC_WORDS}


def _cut_short(payer: str, sender: str) -> bool:
    """Whether every word of ``payer`` begins a word of ``sender`` (a name cut short, reordered).

    ``"INDUSTRIAL SUPPL"`` and ``"CONTROLS BAKER L"`` are names the bank cut; they only weigh
    as a payer that does not contradict the sender (never as the sender itself).
    """
    theirs = normalize(sender).split()
    words = normalize(payer).split()
    if not words or not theirs or max(len(w) for w in words) < 4:
        return False
    return all(any(t.startswith(w) for t in theirs) for w in words)


@attrs.frozen
class _Sheet:
    """An advice prepared for linking: who sent it, its customers and its amounts."""

    advice: RemittanceAdvice
    sender_index: NameIndex
    customers: frozenset[str]
    words: frozenset[str]
    number: str
    #: minor units -> the line positions of each subset of that sum (strict subsets only).
    subsets: Mapping[int, tuple[tuple[int, ...], ...]]
    sums: tuple[int, ...]  # the keys of ``subsets``, sorted
    #: (what, minor units, the largest bank fee on it) of the stated total and the lines' sum.
    targets: tuple[tuple[str, int, int], ...]
    #: The largest bank fee on any target or subset (a payment further below is no fit).
    fee_cap: int
    scale: int


def _sheet(a: RemittanceAdvice, code: str, world: _World, policy: AdvicePolicy) -> _Sheet:
    customers = _named_customers(a.sender_name, world, policy)
    for line in a.lines:
        customers |= _line_customers(line, world)
    subsets: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    amounts = [_units(x.amount_paid, code) for x in a.lines]
    if 2 <= len(amounts) <= policy.max_subset_lines:
        for size in range(max(1, len(amounts) - policy.max_uncovered), len(amounts)):
            for subset in itertools.combinations(range(len(amounts)), size):
                subsets[sum(amounts[i] for i in subset)].append(subset)
    scale = minor_units(code)
    targets = []
    if a.stated_total is not None:
        targets.append(("stated total", _units(a.stated_total, code)))
    lines_total = a.lines_total
    if lines_total is not None and lines_total != a.stated_total:
        targets.append(("sum of the lines", _units(lines_total, code)))
    fees = policy.match_policy
    top = max([t for _, t in targets] + list(subsets), default=0)
    return _Sheet(
        targets=tuple((label, t, fees.fee_limit(code, t)) for label, t in targets),
        fee_cap=fees.fee_limit(code, top),
        scale=scale,
        advice=a,
        sender_index=NameIndex.build([("sender", a.sender_name)] if a.sender_name else []),
        customers=frozenset(customers),
        words=frozenset(_distinctive(a.sender_name)),
        number=a.advice_number if len(a.advice_number) >= 6 else "",
        subsets={k: tuple(v) for k, v in subsets.items()},
        sums=tuple(sorted(subsets)),
    )


def _sender(sheet: _Sheet, p: Payment, world: _World, policy: AdvicePolicy) -> _Sender:
    """Whether ``p`` comes from the advice's sender."""
    text = f"{p.reference} {p.remittance_info}"
    if sheet.number and sheet.number in re.sub(r"\s", "", text):
        return _Sender.QUOTED
    names = [n for n in (p.payer_name, p.ultimate_payer_name) if n.strip()]
    for name in names:
        if any(m.score >= policy.sender_score for m in sheet.sender_index.lookup(name)):
            return _Sender.SAME
    paying = _payment_customers(p, world, policy)
    if paying & sheet.customers:
        return _Sender.SAME
    if (
        sheet.advice.sender_name
        and not names
        and normalize(sheet.advice.sender_name) in (normalize(text))
    ):
        return _Sender.SAME  # a bank that writes the ordering customer into the text
    shared = set().union(*(_distinctive(n) for n in names)) if names else _distinctive(text)
    if sheet.words & shared or any(_cut_short(n, sheet.advice.sender_name) for n in names):
        return _Sender.UNKNOWN
    return _Sender.UNKNOWN if not names and not paying else _Sender.DIFFERENT


def _fits(
    sheet: _Sheet, pay: int, code: str, policy: AdvicePolicy
) -> list[tuple[str, tuple[int, ...], Decimal, str]]:
    """How a payment of ``pay`` minor units is explained: (kind, covered lines, fee, note)."""
    near = bisect.bisect_left(sheet.sums, pay)
    if (near == len(sheet.sums) or sheet.sums[near] - pay > sheet.fee_cap) and not any(
        0 <= target - pay <= limit for _, target, limit in sheet.targets
    ):
        return []  # the common case: nothing near
    out: list[tuple[str, tuple[int, ...], Decimal, str]] = []
    every = tuple(range(len(sheet.advice.lines)))
    for label, target, limit in sheet.targets:
        if target == pay:
            out.append(("exact", every, Decimal(0), f"the payment is the advice's {label}"))
        elif 0 < target - pay <= limit:
            fee = Decimal(target - pay).scaleb(-sheet.scale)
            out.append(("fee", every, fee, f"the advice's {label} less {fee} charges"))
    if any(k == "exact" for k, *_ in out):
        return out
    for subset in sheet.subsets.get(pay, ()):
        out.append(("subset", subset, Decimal(0), "the payment is some of the advice's lines"))
    if not out and sheet.sums:
        low = bisect.bisect_right(sheet.sums, pay)
        for total in sheet.sums[low:]:
            if total - pay > sheet.fee_cap:
                break
            if total - pay > policy.match_policy.fee_limit(code, total):
                continue
            fee = Decimal(total - pay).scaleb(-sheet.scale)
            for subset in sheet.subsets[total]:
                out.append(
                    ("subset_fee", subset, fee, f"some of the advice's lines less {fee} charges")
                )
    return out


_TIERS = {
    ("exact", _Sender.QUOTED): _Tier.EXACT_SENDER,
    ("fee", _Sender.QUOTED): _Tier.FEE_SENDER,
    ("subset", _Sender.QUOTED): _Tier.SUBSET_SENDER,
    ("subset_fee", _Sender.QUOTED): _Tier.SUBSET_FEE_SENDER,
    ("exact", _Sender.SAME): _Tier.EXACT_SENDER,
    ("exact", _Sender.UNKNOWN): _Tier.EXACT,
    ("fee", _Sender.SAME): _Tier.FEE_SENDER,
    ("subset", _Sender.SAME): _Tier.SUBSET_SENDER,
    ("subset_fee", _Sender.SAME): _Tier.SUBSET_FEE_SENDER,
}


def _candidates(
    a: RemittanceAdvice,
    payments: Sequence[tuple[Payment, int]],
    dates: Sequence[dt.date],
    world: _World,
    policy: AdvicePolicy,
) -> tuple[list[_Candidate], frozenset[str]]:
    """Every reading of the advice by the payments of its date window, and its customers."""
    anchor = a.date
    if anchor is None or (a.total is None and not a.lines):
        return [], frozenset()
    low = anchor - dt.timedelta(days=policy.days_before)
    high = anchor + dt.timedelta(days=policy.days_after)
    sheets: dict[str, _Sheet] = {}
    out: list[_Candidate] = []
    parts: list[tuple[Payment, tuple[int, ...], bool]] = []
    customers: frozenset[str] = frozenset()
    open_lines: dict[int, bool] = {}

    def still_open(covered: tuple[int, ...]) -> bool:
        for i, x in enumerate(a.lines):
            if i not in covered:
                if i not in open_lines:
                    open_lines[i] = _line_is_open(x, world, customers)
                if open_lines[i]:
                    return True
        return False

    for p, pay in payments[bisect.bisect_left(dates, low) : bisect.bisect_right(dates, high)]:
        code = p.amount.currency.code
        if a.currency and code != a.currency:
            continue
        sheet = sheets.get(code)
        if sheet is None:
            sheet = sheets[code] = _sheet(a, code, world, policy)
            customers = sheet.customers
        fits = _fits(sheet, pay, code, policy)
        if not fits:
            continue
        sender = _sender(sheet, p, world, policy)
        for kind, covered, fee, note in fits:
            tier = _TIERS.get((kind, sender))
            if tier is None:
                continue
            quoted = sender is _Sender.QUOTED
            if kind == "subset":
                parts.append((p, covered, quoted))
            if kind.startswith("subset") and not quoted and still_open(covered):
                # A payment for some of the lines while the others are still open: it may be
                # another payment of the sender; only a split (below) or a quote says so.
                continue
            who = {
                _Sender.QUOTED: "quoting the advice's number",
                _Sender.SAME: "from the advice's sender",
            }.get(sender, "payer not named")
            out.append(
                _Candidate(
                    tier,
                    (p.payment_id,),
                    ((p.payment_id, covered),),
                    fee,
                    f"{note}, {who}",
                    quoted,
                    ((p.payment_id, p.amount.amount + fee),),
                )
            )
    out.extend(_splits(a, parts, world, customers, policy))
    return out, customers


def _splits(
    a: RemittanceAdvice,
    parts: Sequence[tuple[Payment, tuple[int, ...], bool]],
    world: _World,
    customers: frozenset[str],
    policy: AdvicePolicy,
) -> list[_Candidate]:
    """Sets of payments from the sender whose covered lines partition all the advice's lines."""
    out: list[_Candidate] = []
    n = len(a.lines)
    for size in range(2, policy.max_split + 1):
        for combo in itertools.combinations(parts, size):
            ids = {p.payment_id for p, _, _ in combo}
            if len(ids) != size:
                continue
            covered = [set(c) for _, c, _ in combo]
            union = set().union(*covered)
            if sum(len(c) for c in covered) != len(union) or n - len(union) > policy.max_uncovered:
                continue
            quoted = all(q for _, _, q in combo)
            if (
                len(union) != n
                and not quoted
                and any(
                    _line_is_open(x, world, customers)
                    for i, x in enumerate(a.lines)
                    if i not in union
                )
            ):
                # Lines left out that are still open: the parts may be other payments.
                continue
            order = sorted(combo, key=lambda pc: pc[0].payment_id)
            out.append(
                _Candidate(
                    _Tier.SPLIT_SENDER,
                    tuple(p.payment_id for p, _, _ in order),
                    tuple((p.payment_id, c) for p, c, _ in order),
                    Decimal(0),
                    f"the advice's lines are paid by {size} payments from its sender",
                    all(q for _, _, q in order),
                    tuple((p.payment_id, p.amount.amount) for p, _, _ in order),
                )
            )
    return out


def _pick(
    a: RemittanceAdvice, candidates: list[_Candidate], world: _World, customers: frozenset[str]
) -> tuple[_Candidate | None, str]:
    """The one best reading, or ``None`` and why (nothing fits, or a tie).

    Within the strongest tier, a reading is preferred when the lines it leaves uncovered name
    no open document (they were paid before), then when its payments quote the advice's
    number, then when it leaves fewer lines uncovered (a sum of several lines is a rarer
    coincidence than one line's amount).  Readings that name the same payments and differ
    only in which of two equal lines each pays are one reading: each payment gets only the
    lines every reading gives it.
    """
    if not candidates:
        return None, "no payment in the date window explains its amount"
    best_tier = min(c.tier for c in candidates)
    best = [c for c in candidates if c.tier == best_tier]

    def uncovered(c: _Candidate) -> list[AdviceLine]:
        used = {i for _, cov in c.covered for i in cov}
        return [x for i, x in enumerate(a.lines) if i not in used]

    def rank(c: _Candidate) -> tuple[bool, bool, int]:
        left = uncovered(c)
        closed = bool(left) and not any(_line_is_open(x, world, customers) for x in left)
        return (not closed, not c.quoted, len(left))

    if len({c.payment_ids for c in best}) > 1:
        ranks = {id(c): rank(c) for c in best}
        top = min(ranks.values())
        best = [c for c in best if ranks[id(c)] == top]
    readings = {c.payment_ids for c in best}
    if len(readings) > 1:
        ids = sorted({i for c in best for i in c.payment_ids})
        return None, f"ambiguous: {len(readings)} readings fit equally ({', '.join(ids[:6])})"
    best.sort(key=lambda c: (c.fee, c.covered))
    if len({c.covered for c in best}) == 1:
        return best[0], ""
    # The same payments; equal lines may be paid by either: each payment gets only the lines
    # every reading gives it (the others stay unapplied: the matcher must not guess).
    kept: dict[str, set[int]] = {}
    for c in best:
        for pid, cov in c.covered:
            kept[pid] = kept[pid] & set(cov) if pid in kept else set(cov)
    first = best[0]
    return (
        attrs.evolve(
            first,
            covered=tuple((pid, tuple(sorted(kept[pid]))) for pid in first.payment_ids),
            note=first.note + " (lines of equal amounts: which payment paid which is not said)",
        ),
        "",
    )


def link_advices(
    advices: Iterable[RemittanceAdvice],
    payments: Iterable[Payment],
    *,
    customers: Iterable[CustomerProfile] = (),
    open_items: Iterable[OpenItem] = (),
    policy: AdvicePolicy | None = None,
) -> tuple[AdviceLink, ...]:
    """Link each advice to the bank line(s) it announces; one :class:`AdviceLink` per advice.

    Args:
        advices: the advices (from :func:`parse_advice`).
        payments: the bank lines (debits and reversals are never linked).
        customers: the master data (names, aliases, known payer accounts): a payer whose name
            differs from the advice's sender but is known as the same customer agrees with it.
        open_items: the open items; lines whose references name an open document are preferred
            as the lines a payment covers when the amount alone leaves a choice.
        policy: the thresholds (defaults: :class:`AdvicePolicy`).

    Returns:
        The links, sorted by advice id (the result does not depend on the order of the inputs).
    """
    policy = policy or AdvicePolicy()
    todo = sorted(advices, key=lambda a: a.advice_id)
    pays = [
        (p, _units(p.amount.amount, p.amount.currency.code))
        for p in sorted(payments, key=lambda p: (p.value_date, p.payment_id))
        if p.is_incoming
    ]
    dates = [p.value_date for p, _ in pays]
    world = _world(customers, open_items)
    duplicate_of = _duplicates(todo)
    chosen: dict[str, tuple[_Candidate | None, str]] = {}
    for a in todo:
        if a.advice_id in duplicate_of:
            continue
        candidates, theirs = _candidates(a, pays, dates, world, policy)
        chosen[a.advice_id] = _pick(a, candidates, world, theirs)
    # A payment claimed by two advices goes to the stronger claim, to neither on a tie.
    claims: dict[str, list[tuple[_Tier, str]]] = defaultdict(list)
    for advice_id, (cand, _why) in chosen.items():
        if cand is not None:
            for pid in cand.payment_ids:
                claims[pid].append((cand.tier, advice_id))
    losers: dict[str, str] = {}
    for pid, claimants in claims.items():
        if len(claimants) < 2:
            continue
        claimants.sort()
        strongest = claimants[0][0]
        winners = [aid for tier, aid in claimants if tier == strongest]
        for tier, aid in claimants:
            if len(winners) > 1 or tier != strongest:
                losers[aid] = f"payment {pid} is claimed as well by advice " + ", ".join(
                    x for _, x in claimants if x != aid
                )
    out: list[AdviceLink] = []
    for a in todo:
        original = duplicate_of.get(a.advice_id, a.advice_id)
        cand, why = chosen.get(original, (None, ""))
        if original in losers:
            cand, why = None, losers[original]
        if cand is None:
            status = (
                LinkStatus.AMBIGUOUS
                if why.startswith(("ambiguous", "payment "))
                else (LinkStatus.UNLINKED)
            )
            if a.advice_id != original:
                why = f"the same advice as {original}, which is not linked: {why}"
            out.append(
                AdviceLink(
                    advice=a,
                    status=status,
                    duplicate_of=(original if original != a.advice_id else ""),
                    explanation=(why,),
                )
            )
            continue
        covered = {pid: tuple(a.lines[i] for i in idx) for pid, idx in cand.covered}
        used = {i for _, idx in cand.covered for i in idx}
        uncovered = tuple(x for i, x in enumerate(a.lines) if i not in used)
        notes = [cand.note]
        if uncovered:
            notes.append(
                "not covered by the payment (kept as explanation, not applied): "
                + ", ".join(f"{x.reference} {x.amount_paid}" for x in uncovered)
            )
        if a.advice_id != original:
            notes.insert(0, f"the same advice as {original} (sent again)")
        out.append(
            AdviceLink(
                advice=a,
                status=LinkStatus.DUPLICATE if a.advice_id != original else LinkStatus.LINKED,
                payment_ids=cand.payment_ids,
                covered=covered,
                uncovered=uncovered,
                fee=cand.fee,
                explained=dict(cand.explained),
                duplicate_of=original if a.advice_id != original else "",
                explanation=tuple(notes),
            )
        )
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Remittance for the matcher


def _documents(lines: Sequence[AdviceLine], code: str) -> tuple[RemittanceDocument, ...]:
    docs = []
    for x in lines:
        adjustments: tuple[Adjustment, ...] = ()
        if x.deduction:
            adjustments = (
                Adjustment(
                    amount=Money(x.deduction, code), reason=x.reason[:40], additional_info=x.reason
                ),
            )
        docs.append(
            RemittanceDocument(
                number=x.reference,
                amount_paid=Money(abs(x.amount_paid), code),
                adjustment=Money(x.deduction, code) if x.deduction else None,
                adjustment_reason=(x.reason or "deduction stated in the advice")
                if x.deduction
                else None,
                adjustments=adjustments,
                is_credit_note=x.is_credit_note,
                document_date=x.document_date,
            )
        )
    return tuple(docs)


def _text(lines: Sequence[AdviceLine]) -> str:
    words = []
    for x in lines:
        words.append(x.reference)
        if x.reason:
            words.append(x.reason)
    return " ".join(words)


def apply_advices(
    payments: Iterable[Payment],
    links: Iterable[AdviceLink],
    *,
    open_items: Iterable[OpenItem] = (),
) -> tuple[Payment, ...]:
    """The payments with their linked advices' lines added as remittance, in the given order.

    For each payment that a :attr:`LinkStatus.LINKED` advice covers (a duplicate adds nothing):

    - the references (and deduction reasons) of the lines it covers are added to its
      ``remittance_info``;
    - when the payment names no documents of its own and the lines' amounts add up to it, they
      become its ``documents`` (what was paid, deductions with their reason as adjustments,
      credit notes netted); lines whose reference names one of ``open_items`` come first (the
      matcher reads them in order, and a document found by its number is not offered again
      to one found only by its amount);
    - when the payment names no ultimate payer, the advice's sender becomes it (the party that
      says it paid: a bank line that names the payer poorly is still the sender's).

    Lines the payment does not cover are never added.
    """
    items = list(open_items)
    index = (
        DocumentIndex.build(
            (str(i.item_id), i.document_number, i.payment_reference, str(i.customer_id))
            for i in items
        )
        if items
        else None
    )
    covered: dict[str, list[AdviceLine]] = defaultdict(list)
    senders: dict[str, str] = {}
    for link in sorted(links, key=lambda k: k.advice_id):
        if link.status is not LinkStatus.LINKED:
            continue
        for pid, given in link.covered.items():
            covered[pid].extend(given)
            if link.advice.sender_name:
                senders.setdefault(pid, link.advice.sender_name)
    out = []
    for p in payments:
        lines = covered.get(p.payment_id, [])
        if not lines:
            out.append(p)
            continue
        if index is not None:
            found = [x for x in lines if find_references(x.reference, index)]
            lines = found + [x for x in lines if x not in found]
        code = p.amount.currency.code
        text = _text(lines)
        info = f"{p.remittance_info} | {text}" if p.remittance_info.strip() else text
        changes: dict[str, object] = {"remittance_info": info}
        if not p.documents and sum((x.amount_paid for x in lines), Decimal(0)) == p.amount.amount:
            changes["documents"] = _documents(lines, code)
        if not p.ultimate_payer_name and p.payment_id in senders:
            changes["ultimate_payer_name"] = senders[p.payment_id]
        out.append(attrs.evolve(p, **changes))  # type: ignore[arg-type]
    return tuple(out)
