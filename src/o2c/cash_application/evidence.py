"""What the words of a remittance text say: partial payment, deduction, fees, not receivables."""

from __future__ import annotations

import enum
import re
from functools import lru_cache
from typing import TYPE_CHECKING

import attrs

from o2c.cash_application.reasons import DEFAULT_REASONS, Reason, ReasonKind, ReasonTable

if TYPE_CHECKING:
    pass


__all__ = ["Evidence", "EvidenceKind", "NumberKind", "classify_numbers", "mask_explained_numbers"]


class EvidenceKind(enum.Enum):
    """What one piece of evidence for a hypothesis is about."""

    #: A document the remittance names (by number, structured block, PO, or one edit away).
    REFERENCE = "reference"
    #: Who the payer is (account, name, customer number), or that it is not recognised.
    PAYER = "payer"
    #: How the amount fits (exact, discount, fee, deduction, partial, subset sum ...).
    AMOUNT = "amount"
    #: Why the hypothesis is not posted without a person (a cap below the auto bar) or costs
    #: score: the text, the amount or the payer points elsewhere too.
    DOUBT = "doubt"


@attrs.frozen
class Evidence:
    """One piece of evidence for a hypothesis: its kind, what it did to the raw score, and the
    sentence a person reads (:attr:`MatchResult.explanation` is these sentences).

    ``weight``: the change of the raw score it made (negative for a doubt's cost or cap; 0 for
    evidence the score was computed from as a whole, as for the reference, payer and amount of
    one hypothesis).

    >>> e = Evidence(EvidenceKind.DOUBT, "but the text names other open documents", -0.05)
    >>> str(e), e.kind.value
    ('but the text names other open documents', 'doubt')
    """

    kind: EvidenceKind
    detail: str
    weight: float = 0.0

    def __str__(self) -> str:
        return self.detail


_NOT_INVOICE_WORDS = re.compile(
    r"\b(?:SALARY|WAGES|PAYROLL|GEHALT|LOHN|REFUND|RUECKERSTATTUNG|ERSTATTUNG|INTEREST|ZINSEN|"
    r"RENT|MIETE|LOAN|DARLEHEN|DIVIDEND|TAX REFUND|DEPOSIT|KAUTION|TRANSFER BETWEEN|"
    r"OWN ACCOUNT|INTERNAL)\b"
)


@lru_cache(maxsize=8192)
def _partial_stated(text: str, table: ReasonTable = DEFAULT_REASONS) -> bool:
    """Whether the remittance text says the payment is partial (instalment, on account ...)."""
    return any(r.kind is ReasonKind.PARTIAL for r, _ in table.all_in_text(text))


@lru_cache(maxsize=8192)
def _deduction_reason(text: str, table: ReasonTable = DEFAULT_REASONS) -> Reason | None:
    """The row of the reason table that explains a deduction in the text, if any.

    Charges named as such ("less 15.00 fees") are bank fees, not a deduction; a text that says
    the payment is partial states no deduction either.
    """
    found = table.all_in_text(text)
    if any(r.kind in (ReasonKind.FEE, ReasonKind.PARTIAL) for r, _ in found):
        return None
    stated = [r for r, _ in found]
    return min(stated, key=table.rows.index) if stated else None


def _reason_text(text: str, reason: Reason | None, table: ReasonTable = DEFAULT_REASONS) -> str:
    """The residual's reason: the table row's label and the words the payer wrote."""
    if reason is None:
        return "short payment"
    at = next((start for r, start in table.all_in_text(text) if r is reason), 0)
    return f"{reason.label}: {text[at : at + 40].strip().lower()}"


class NumberKind(enum.Enum):
    """What a number in a remittance text is, when its label or its shape says so."""

    #: A bank's or a payment scheme's reference (ACH trace and originator ids, SEPA
    #: end-to-end and mandate references, X12 envelope segments, the bank's own reference).
    SCHEME_REFERENCE = "scheme_reference"
    #: The payer's customer number with the seller (or the seller's vendor number with it).
    CUSTOMER_NUMBER = "customer_number"
    #: A purchase order, order or delivery note number.
    ORDER = "order"
    #: A payment run or advice number of the payer.
    PAYMENT_RUN = "payment_run"
    #: A tax or VAT number.
    TAX_NUMBER = "tax_number"
    #: A date.
    DATE = "date"
    #: An amount (digits with decimals).
    AMOUNT = "amount"


#: Labels that say what the number after them is (upper-case text).  Only a number that none
#: of these explains, and that is shaped like a document number, can name another document.
_LABELS: tuple[tuple[NumberKind, str], ...] = (
    (
        NumberKind.SCHEME_REFERENCE,
        (
            r"ORIG\s*ID|ORIG\s*CO\s*NAME|TRACE\s*#?|EED|DESC\s*DATE|IND\s*ID|ENTRY\s*DESCR|EREF\+?|"
            r"MREF\+?|KREF\+?|CRED\+?|END\s*TO\s*END|E2E|OUR\s*REF|REF\s*\*\s*VR|TRN|BPR|SEC|"
            r"UETR|TRANSACTION\s*ID|BANK\s*REF"
        ),
    ),
    (
        NumberKind.CUSTOMER_NUMBER,
        (
            r"CUSTOMER\s*NO|CUST(?:OMER)?|KD(?:-?NR)?|KUNDEN?(?:-?NR)?|CLIENT|DEBITOR|DEBTOR|"
            r"VENDOR(?:\s*NO)?|SUPPLIER(?:\s*NO)?|LIEFERANT(?:EN)?(?:-?NR)?|KREDITOR(?:EN)?(?:-?NR)?|"
            # "Lief 75704": the seller's number as the payer's supplier (Lieferant), abridged.
            r"LIEF\.?|"
            r"N[°O]\s*CLIENT|N[°O]\s*FOURNISSEUR"
        ),
    ),
    (
        NumberKind.ORDER,
        (
            r"P\.?\s*O\.?|PO|PURCHASE\s*ORDER|YOUR\s*ORDER|ORDER|BESTELL(?:UNG|-?NR)?|AUFTRAG|"
            r"COMMANDE|LIEFERSCHEIN|LIEF-?NR|DELIVERY(?:\s*NOTE)?|BON\s*DE\s*COMMANDE"
        ),
    ),
    (
        NumberKind.PAYMENT_RUN,
        # ZAHLBELEG: the payer's own payment voucher ("Zahlbeleg 1941766254").
        (
            r"PAYRUN|PAYMENT\s*RUN|ZAHLLAUF|ZAHLUNGSNR|ZAHLUNGS-?NR|AVIS(?:-?NR)?|ADVICE(?:\s*NO)?|"
            r"ZAHLBELEG(?:-?NR)?"
        ),
    ),
    (
        NumberKind.TAX_NUMBER,
        r"VAT(?:\s*NO)?|UST-?ID(?:NR)?|STEUER-?NR|STEUERNUMMER|ST\.?-?NR|TVA|TAX\s*(?:ID|NO)",
    ),
    (NumberKind.DATE, r"VOM|DD|DATED|DU|DATE"),
)
_LABELLED = re.compile(
    r"\b(?:"
    + "|".join(f"(?P<{kind.name}>{pattern})" for kind, pattern in _LABELS)
    + r")\s*(?:NO\.?|NR\.?)?\s*[:#.]?\s*(?P<number>[A-Z]{0,3}[-/]?[0-9][0-9A-Z./-]*)"
)
_TAX_LABEL = re.compile(dict(_LABELS)[NumberKind.TAX_NUMBER])
_DATES = re.compile(
    r"\b(?:\d{1,2}[./]\d{1,2}[./](?:\d{4}|\d{2})|20\d{2}-\d{2}-\d{2}|"
    r"20\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))\b"
)
_AMOUNTS = re.compile(r"\b\d{1,3}(?:[.,' ]\d{3})*[.,]\d{2}\b")
#: X12 820 segments that carry no document (envelope, parties, dates): ``BPR*...~``.
_X12_ENVELOPE = re.compile(r"\b(?:BPR|TRN|REF|N1|N3|N4|DTM|ST|SE|ISA|GS)\*[^~]*~?")


def classify_numbers(text: str) -> tuple[tuple[str, NumberKind], ...]:
    """The numbers of ``text`` that a label or their shape explains, with what they are.

    >>> classify_numbers("ORIG ID:9207883730 KD-NR 265202 vom 02.03.2026 PO 4543125093")
    ... # doctest: +NORMALIZE_WHITESPACE
    (('9207883730', <NumberKind.SCHEME_REFERENCE: 'scheme_reference'>),
     ('265202', <NumberKind.CUSTOMER_NUMBER: 'customer_number'>),
     ('02.03.2026', <NumberKind.DATE: 'date'>),
     ('4543125093', <NumberKind.ORDER: 'order'>))
    """
    upper = text.upper()
    found: list[tuple[int, str, NumberKind]] = []
    for m in _LABELLED.finditer(upper):
        kind = next(NumberKind[k] for k, v in m.groupdict().items() if v and k != "number")
        found.append((m.start("number"), m.group("number"), kind))
    for m in _DATES.finditer(upper):
        found.append((m.start(), m.group(0), NumberKind.DATE))
    for m in _AMOUNTS.finditer(upper):
        found.append((m.start(), m.group(0), NumberKind.AMOUNT))
    seen: set[int] = set()
    out = []
    for start, number, kind in sorted(found, key=lambda f: f[0]):
        if start not in seen:
            seen.add(start)
            out.append((number, kind))
    return tuple(out)


@lru_cache(maxsize=8192)
def mask_tax_numbers(text: str) -> str:
    """``text`` with the numbers labelled as tax or VAT numbers blanked out (any case).

    A tax number never names a document, however its tail looks: references are sought in
    what is left.

    >>> mask_tax_numbers("Erstattung USt 03/2026 StNr 43/778/65768")
    'Erstattung USt 03/2026 StNr |'
    """
    upper = text.upper()
    if not _TAX_LABEL.search(upper):
        return text
    out, at = [], 0
    for m in _LABELLED.finditer(upper):
        if m.group(NumberKind.TAX_NUMBER.name):
            out.append(text[at : m.start("number")] + "|")
            at = m.end("number")
    return "".join(out) + text[at:]


@lru_cache(maxsize=8192)
def mask_explained_numbers(text: str) -> str:
    """``text`` (upper case) with every number :func:`classify_numbers` explains blanked out.

    What is left are the numbers nothing explains: only those may name another document.

    >>> mask_explained_numbers("INV 4711 ORIG ID:9207883730 TRACE#:582152638814523")
    'INV 4711 ORIG ID:| TRACE#:|'
    """
    masked = _X12_ENVELOPE.sub(" | ", text)
    masked = _LABELLED.sub(lambda m: m.group(0)[: m.start("number") - m.start()] + "|", masked)
    masked = _DATES.sub("|", masked)
    return _AMOUNTS.sub("|", masked)
