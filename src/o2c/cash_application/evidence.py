"""What the words of a remittance text say: partial payment, deduction, fees, not receivables."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


__all__ = []


_PARTIAL_WORDS = re.compile(
    r"\b(?:PARTIAL|PART PAYMENT|PART-PAYMENT|INSTAL+MENT|TEILZAHLUNG|RATE|ACOMPTE|A/C|"
    r"ON ACCOUNT|ABSCHLAG|ANZAHLUNG|PAGO PARCIAL|1ST|2ND|3RD|\d+TH)\b"
)
_DEDUCTION_WORDS = re.compile(
    r"\b(?:DED|DEDUCT\w*|LESS|SHORT\w*|DAMAGE\w*|DAMG|PRICE DIFF\w*|PRICING|RETURN\w*|"
    r"DISPUTE\w*|CLAIM\w*|DEFECT\w*|MISSING|QUALITY|REBATE|ALLOWANCE|ABZUG|MINDERUNG|"
    r"KUERZUNG|KÜRZUNG|SKONTO|DISCOUNT|CREDIT NOTE|GUTSCHRIFT|ESCOMPTE|REMISE)\b"
)
_FEE_WORDS = re.compile(
    r"\b(?:FEES?|CHARGES?|BANK CHARGES|GEBUEHR\w*|GEBÜHR\w*|SPESEN|FRAIS|COMMISSIONS?|"
    r"COMISION\w*|OUR|SHA)\b"
)
_NOT_INVOICE_WORDS = re.compile(
    r"\b(?:SALARY|WAGES|PAYROLL|GEHALT|LOHN|REFUND|RUECKERSTATTUNG|ERSTATTUNG|INTEREST|ZINSEN|"
    r"RENT|MIETE|LOAN|DARLEHEN|DIVIDEND|TAX REFUND|DEPOSIT|KAUTION|TRANSFER BETWEEN|"
    r"OWN ACCOUNT|INTERNAL)\b"
)


@lru_cache(maxsize=4096)
def _partial_stated(text: str) -> bool:
    """Whether the remittance text says the payment is partial (instalment, on account ...)."""
    return _PARTIAL_WORDS.search(text) is not None


@lru_cache(maxsize=4096)
def _deduction_reason(text: str) -> re.Match[str] | None:
    """The words of the remittance text that give a reason for a deduction, if any.

    Charges named as such ("less 15.00 fees") are bank fees, not a deduction.
    """
    if _FEE_WORDS.search(text):
        return None
    return _DEDUCTION_WORDS.search(text)


def _reason_text(text: str, match: re.Match[str] | None) -> str:
    if match is None:
        return "short payment"
    start = max(0, match.start())
    return text[start : start + 40].strip().lower()
