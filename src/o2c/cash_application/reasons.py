"""Why a payment differs from the items: ONE table of words and codes, whatever the channel.

Every way a payer says why it paid less or differently is a row of :data:`DEFAULT_REASONS`:
words in English, German and French found in free text, ISO 20022 (camt.054
``AdjstmntAmtAndRsn/Rsn``, UN/EDIFACT 4465) and X12 820 ``ADX`` reason codes found in structured
remittance.  A row says what the words or the code mean (:class:`ReasonKind`): a deduction with
a reason, a credit note netted, a bank charge, a payment stated as partial, or a payment stated
as settling the document in full.  :class:`~o2c.cash_application.MatchPolicy` carries the table
(``reasons``), so a user adds a word or a code in one place and every channel (free text,
camt.054, X12 820) reads it the same way.

>>> row = DEFAULT_REASONS.in_text("Rg 4711 ./. aktionsrabatt 12,34")
>>> row.kind, row.label
(<ReasonKind.DEDUCTION: 'deduction'>, 'promotion or rebate')
>>> DEFAULT_REASONS.for_code("DAMG").label, DEFAULT_REASONS.for_code("11").kind.value
('damaged goods', 'fee')
>>> DEFAULT_REASONS.in_text("INV 4711 less credit note CN 000034").kind.value
'credit_note'
>>> DEFAULT_REASONS.in_text("Teilzahlung Rechnung 4711").kind.value
'partial'
"""

from __future__ import annotations

import enum
import re
from functools import cached_property

import attrs

__all__ = ["DEFAULT_REASONS", "Reason", "ReasonKind", "ReasonTable"]


class ReasonKind(enum.Enum):
    """What a reason says about the difference between the payment and the items."""

    #: A deduction the payer took, with its reason (damage, short delivery, price, rebate ...):
    #: the item is closed, the difference is a deduction for the collector.
    DEDUCTION = "deduction"
    #: A credit note the payer netted: the difference is an open credit memo of the customer.
    CREDIT_NOTE = "credit_note"
    #: Bank charges: the difference is a bank fee (within the currency's band).
    FEE = "fee"
    #: The payer says the payment is partial (instalment, on account): the item stays open.
    PARTIAL = "partial"
    #: The payer says the payment settles the document ("Saldo", "final payment"): a short
    #: payment closes the item like a stated deduction.
    SETTLED = "settled"


@attrs.frozen(cache_hash=True)
class Reason:
    """One row of the table: words (regular expressions, upper case) and codes with a meaning.

    ``label`` is what the residual's reason reads; ``source`` says where the row comes from.
    """

    kind: ReasonKind
    label: str
    words: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    source: str = ""


@attrs.frozen(slots=False, cache_hash=True)
class ReasonTable:
    """The rows, searched in order: the first row whose words occur in a text gives its reason.

    Rows of kind ``FEE`` and ``PARTIAL`` come first so that "less 15.00 bank charges" is a fee
    and "Teilzahlung" a partial payment, whatever else the text says.
    """

    rows: tuple[Reason, ...]

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        parts = [f"(?P<r{k}>{'|'.join(row.words)})" for k, row in enumerate(self.rows) if row.words]
        return re.compile(r"(?<![0-9A-Z])(?:" + "|".join(parts) + r")(?![A-Z])")

    @cached_property
    def _codes(self) -> dict[str, Reason]:
        out: dict[str, Reason] = {}
        for row in self.rows:
            for code in row.codes:
                out.setdefault(code.upper(), row)
        return out

    def in_text(self, text: str) -> Reason | None:
        """The reason a free text states (first row in table order that occurs), or ``None``."""
        upper = text.upper()
        found: list[int] = []
        for m in self._pattern.finditer(upper):
            found.append(int(next(k for k, v in m.groupdict().items() if v)[1:]))
        return self.rows[min(found)] if found else None

    def all_in_text(self, text: str) -> tuple[tuple[Reason, int], ...]:
        """Every reason a free text states, with where it starts, in text order."""
        upper = text.upper()
        return tuple(
            (self.rows[int(next(k for k, v in m.groupdict().items() if v)[1:])], m.start())
            for m in self._pattern.finditer(upper)
        )

    def for_code(self, code: str) -> Reason | None:
        """The reason a structured code (camt ``Rsn``, X12 ``ADX02``) names, or ``None``."""
        return self._codes.get(code.strip().upper())

    def label(self, code: str) -> str:
        """What a structured code reads as: its row's label with the code, else the code."""
        row = self.for_code(code)
        if row is None:
            return f"adjustment reason {code}" if code else "adjustment stated in the remittance"
        return f"{row.label} ({code})"


_EDIFACT = "UN/EDIFACT 4465 adjustment reason (camt.054 Rsn)"
_X12 = "X12 426 adjustment reason (820 ADX02)"
_WORDS = "remittance texts of EU and US payers (English, German, French)"

#: The default table.  The words come from the remittance texts payers write (the issue-17
#: bank-file set and the usual German/French/English AP wording); the codes from the
#: UN/EDIFACT 4465 list that camt.054 ``Rsn`` carries and the X12 426 list of 820 ``ADX02``.
DEFAULT_REASONS = ReasonTable(
    rows=(
        Reason(
            ReasonKind.FEE,
            "bank charges",
            words=(
                r"FEES?",
                r"CHARGES?",
                r"BANK ?CHARGES",
                r"GEB(?:UE|Ü)HR\w*",
                r"SPESEN",
                r"FRAIS(?: BANCAIRES)?",
                r"COMMISSIONS?",
                r"COMISION\w*",
                r"CHGS",
                r"SHA",
            ),
            codes=("11", "BCHG"),
            source=_EDIFACT,
        ),
        Reason(
            ReasonKind.PARTIAL,
            "partial payment",
            words=(
                r"PARTIAL",
                r"PART[- ]PAYMENT",
                r"INSTAL+MENT",
                r"TEILZAHLUNG",
                r"RATE",
                r"ACOMPTE",
                r"A/C",
                r"ON ACCOUNT",
                r"ABSCHLAG\w*",
                r"ANZAHLUNG",
                r"PAIEMENT PARTIEL",
                r"PAGO PARCIAL",
                r"1ST",
                r"2ND",
                r"3RD",
                r"\d+TH",
            ),
            codes=("07",),
            source=f"{_WORDS}; {_EDIFACT} 07 payment on account",
        ),
        Reason(
            ReasonKind.CREDIT_NOTE,
            "credit note deducted",
            words=(
                r"CREDIT ?NOTE",
                r"CREDIT ?MEMO",
                r"CN(?=\W{0,3}\d)",
                r"GUTSCHRIFT",
                r"AVOIR",
                r"NOTE DE CR(?:E|É)DIT",
            ),
            codes=("CM", "CREN", "15", "17"),
            source=f"{_WORDS}; X12 RMR01 CM; camt CREN; {_EDIFACT} 15/17 goods returned for credit",
        ),
        Reason(
            ReasonKind.DEDUCTION,
            "damaged goods",
            words=(
                r"DAMAGE\w*",
                r"DAMG",
                r"BESCH(?:AE|Ä)DIG\w*",
                r"BRUCH",
                r"DEFECT\w*",
                r"DEFEKT\w*",
                r"ENDOMMAG(?:E|É)\w*",
                r"AVARI\w*",
            ),
            codes=("03", "04", "DAMG", "11D"),
            source=f"{_WORDS}; {_EDIFACT} 03 damaged goods; X12 04 item not accepted - damaged",
        ),
        Reason(
            ReasonKind.DEDUCTION,
            "short delivery",
            words=(
                r"SHORT[- ]?SHIP\w*",
                r"SHORT[- ]?DELIVER\w*",
                r"MISSING",
                r"FEHLMENGE",
                r"MINDERLIEFERUNG",
                r"MANQUANT\w*",
                r"QUANTIT(?:Y|E|É) \w+",
                r"QNTY",
            ),
            codes=("06", "QNTY", "SHRT"),
            source=f"{_WORDS}; X12 06 quantity contested",
        ),
        Reason(
            ReasonKind.DEDUCTION,
            "price difference",
            words=(
                r"PRICE ?DIFF\w*",
                r"PRICING",
                r"PREISDIFF\w*",
                r"PREISABWEICHUNG",
                r"(?:E|É)CART DE PRIX",
                r"PRIC",
            ),
            codes=("01", "05", "PRIC"),
            source=f"{_WORDS}; X12 01 pricing error; {_EDIFACT} 05 price query",
        ),
        Reason(
            ReasonKind.DEDUCTION,
            "wrong or returned goods",
            words=(
                r"RETURN\w*",
                r"R(?:UE|Ü)CKSENDUNG",
                r"RETOURE\w*",
                r"WRONG \w+",
                r"FALSCH\w*",
                r"RETOUR\w*",
            ),
            codes=("14", "RETN"),
            source=f"{_WORDS}; {_EDIFACT} 14 wrong delivery",
        ),
        Reason(
            ReasonKind.DEDUCTION,
            "quality claim",
            words=(
                r"QUALITY",
                r"QUALIT(?:AE|Ä)T\w*",
                r"QUALIT(?:E|É)",
                r"REKLAMATION",
                r"M(?:AE|Ä)NGEL\w*",
                r"CLAIM\w*",
                r"DISPUTE\w*",
                r"LITIGE",
                r"R(?:E|É)CLAMATION",
            ),
            codes=("02", "13", "QUAL"),
            source=f"{_WORDS}; {_EDIFACT} 02 below specification, 13 counter claim",
        ),
        Reason(
            ReasonKind.DEDUCTION,
            "promotion or rebate",
            words=(
                r"REBATE",
                r"ALLOWANCE",
                r"PROMOTION\w*",
                r"AKTIONSRABATT",
                r"RABATT\w*",
                r"BONUS",
                r"WERBEKOSTEN\w*",
                r"REMISE",
                r"RISTOURNE",
                r"VOLUME",
            ),
            codes=("19", "57"),
            source=f"{_WORDS}; {_EDIFACT} 19 trade discount",
        ),
        Reason(
            ReasonKind.DEDUCTION,
            "discount",
            words=(
                r"SKONTO\w*",
                r"DISCOUNT",
                r"ESCOMPTE",
                r"CASH DISC\w*",
            ),
            codes=("24",),
            source=_WORDS,
        ),
        Reason(
            ReasonKind.DEDUCTION,
            "freight",
            words=(r"FREIGHT", r"FRACHT\w*", r"FRGT", r"TRANSPORT ?KOSTEN"),
            codes=("FRGT",),
            source=_WORDS,
        ),
        Reason(
            ReasonKind.DEDUCTION,
            "deduction",
            words=(
                r"\./\.",
                r"DED",
                r"DEDUCT\w*",
                r"LESS",
                r"ABZ(?:UG|(?:UE|Ü)GLICH)",
                r"MINDERUNG",
                r"K(?:UE|Ü)RZUNG",
                r"MOINS",
                r"D(?:E|É)DUCTION",
                r"SHORT\w*",
            ),
            codes=("09", "12", "18", "20", "54", "56"),
            source=f"{_WORDS}; {_EDIFACT} 09 invoice error, 12 commission, 18 packing, 20 penalty",
        ),
        Reason(
            ReasonKind.SETTLED,
            "settled in full by the payer",
            words=(
                r"SALDO",
                r"RESTZAHLUNG",
                r"SCHLUSSZAHLUNG",
                r"FINAL PAYMENT",
                r"IN FULL SETTLEMENT",
                r"FULL AND FINAL",
                r"SOLDE",
                r"PAIEMENT FINAL",
            ),
            codes=("01S",),
            source=_WORDS,
        ),
    )
)
