"""X12 820 remittance carried in a payment's text: ``RMR`` documents and ``ADX`` adjustments.

An ACH CTX (or CCD+) entry carries the payer's 820 remittance as addenda; the bank readers leave
the segments in :attr:`~o2c.statement.Payment.remittance_info`.  :func:`read_820` turns them into
the :class:`~o2c.statement.RemittanceDocument` values a camt.054 would have given, so structured
remittance is weighed by one set of rules whatever the channel:

- ``RMR*IV*<number>*PI*<paid>*<total>*<discount>`` names an invoice (``IV``; also ``IK``, ``OI``
  and an empty qualifier), what was paid, its total (the amount due) and the discount taken;
- ``RMR*CM*<number>*PI*<amount>`` names a credit memo the payer nets against the payment (its
  amount counts negatively, whatever sign the payer wrote);
- ``ADX*<amount>*<reason>*IV*<number>`` is an adjustment with its reason code: a negative amount
  is a deduction, a positive one an increase; it belongs to the document it names, else to the
  document before it.

Segments end with ``~`` (``\\`` ends a CCD+ addenda record); elements are separated by ``*``.
Anything else (``BPR``, ``TRN``, ``REF``, ``DTM``, ``N1`` ...) is left to the text rules.  A
segment that cannot be read (an amount that is not a number) makes the whole remittance
unreadable: :func:`read_820` then returns no documents and the text is weighed as text.
Nothing raises: the text is untrusted input.

>>> text = ("BPR*C*2725.65*C*ACH*CTX~RMR*IV*INV2026013227*PI*2725.65*2750.65~"
...         "ADX*-25.00*DAMG*IV*INV2026013227~DTM*003*20260212~")
>>> [doc] = read_820(text, "USD")
>>> doc.number, doc.amount_paid, doc.amount_due, doc.adjustment, doc.adjustment_reason
('INV2026013227', Money('2725.65', 'USD'), Money('2750.65', 'USD'), Money('25.00', 'USD'), 'DAMG')
>>> [(d.number, d.is_credit_note, str(d.signed_amount_paid.amount))
...  for d in read_820("RMR*IV*A1*PI*100.00~RMR*CM*CN7*PI*-30.00~", "EUR")]
[('A1', False, '100.00'), ('CN7', True, '-30.00')]
>>> read_820("RMR*IV*A1*PI*12,5O~", "EUR"), read_820("RMR*IV*A1*PI*12.505~", "EUR")
((), ())
"""

from __future__ import annotations

import re
from decimal import Decimal

import attrs
from moneyed import Money

from o2c.money import minor_units
from o2c.statement import Adjustment, RemittanceDocument

__all__ = ["read_820"]

#: ``RMR01`` qualifiers of an invoice (X12 128: ``IV`` invoice, ``IK`` invoice by the payee's
#: number, ``OI`` original invoice) and of a credit memo (``CM``); others are not documents.
_INVOICE_QUALIFIERS = frozenset({"IV", "IK", "OI", ""})
_CREDIT_QUALIFIERS = frozenset({"CM"})
#: A segment of interest: its id and its elements up to the terminator.
_SEGMENT = re.compile(r"(?<![A-Z0-9])(RMR|ADX)\*([^~\\]*)")
_AMOUNT = re.compile(r"-?\d{1,15}(?:\.\d{1,4})?")


#: Where the amounts stand among a segment's elements (after ``RMR*`` / ``ADX*``).
_AMOUNT_POSITIONS = {"RMR": (3, 4, 5), "ADX": (0,)}


def _element(elements: list[str], position: int) -> str:
    return elements[position].strip() if position < len(elements) else ""


def _exact(text: str, digits: int) -> bool:
    """Whether ``text`` is an X12 ``R`` number exact at ``digits`` decimals."""
    if not _AMOUNT.fullmatch(text):
        return False
    scaled = Decimal(text).scaleb(digits)
    return scaled == scaled.to_integral_value()


def _readable(segment: str, elements: list[str], currency: str) -> bool:
    """Whether every amount of the segment is empty or a number exact in ``currency``."""
    digits = minor_units(currency)
    return all(
        not _element(elements, k) or _exact(_element(elements, k), digits)
        for k in _AMOUNT_POSITIONS[segment]
    )


def _amount(text: str, currency: str) -> Money | None:
    """An amount element (checked by :func:`_readable`) as money; ``None`` when empty."""
    return Money(Decimal(text), currency) if text else None


def _document(elements: list[str], currency: str) -> RemittanceDocument | None:
    """The document of an ``RMR`` segment's elements (after ``RMR*``), or ``None``."""
    qualifier = _element(elements, 0).upper()
    credit = qualifier in _CREDIT_QUALIFIERS
    if not credit and qualifier not in _INVOICE_QUALIFIERS:
        return None
    number = _element(elements, 1)
    paid = _amount(_element(elements, 3), currency)
    due = _amount(_element(elements, 4), currency)
    discount = _amount(_element(elements, 5), currency)
    if not number or paid is None:
        return None
    return RemittanceDocument(
        number=number,
        amount_paid=abs(paid) if credit else paid,
        amount_due=abs(due) if due is not None and credit else due,
        discount=discount,
        is_credit_note=credit,
        document_type="CREN" if credit else "CINV",
    )


def _with_adjustment(doc: RemittanceDocument, adjustment: Adjustment) -> RemittanceDocument:
    adjustments = (*doc.adjustments, adjustment)
    net = sum((a.deduction for a in adjustments), Money(0, adjustment.amount.currency))
    reason = next((a.reason for a in adjustments if a.reason), None)
    return attrs.evolve(doc, adjustments=adjustments, adjustment=net, adjustment_reason=reason)


def _adjust(docs: list[RemittanceDocument], elements: list[str], currency: str) -> None:
    """Attach the adjustment of an ``ADX`` segment to the document it names, else the last."""
    amount = _amount(_element(elements, 0), currency)
    if amount is None or not amount.amount or not docs:
        return
    adjustment = Adjustment(
        amount=abs(amount), reason=_element(elements, 1), increases=amount.amount > 0
    )
    named = _element(elements, 3)
    at = next((k for k, d in enumerate(docs) if named and d.number == named), len(docs) - 1)
    docs[at] = _with_adjustment(docs[at], adjustment)


def read_820(text: str, currency: str) -> tuple[RemittanceDocument, ...]:
    """The documents an X12 820 remittance in ``text`` names, with their adjustments.

    Args:
        text: a payment's remittance text (``RMR``/``ADX`` segments anywhere in it).
        currency: the payment's currency (X12 amounts carry none).

    Returns:
        The documents in text order; empty when the text holds no ``RMR`` segment or one that
        cannot be read.
    """
    if "RMR*" not in text:
        return ()
    segments = [(m.group(1), m.group(2).split("*")) for m in _SEGMENT.finditer(text)]
    if not all(_readable(kind, elements, currency) for kind, elements in segments):
        return ()
    docs: list[RemittanceDocument] = []
    for kind, elements in segments:
        if kind == "RMR":
            doc = _document(elements, currency)
            if doc is not None:
                docs.append(doc)
        else:
            _adjust(docs, elements, currency)
    return tuple(docs)
