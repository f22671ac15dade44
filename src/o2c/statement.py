"""Bank statements and incoming payments: the one type every bank-format reader yields.

Every reader in :mod:`o2c.adapters` (camt.053/camt.054, BAI2, MT940, CSV) returns a
:class:`Statement` whose ``lines`` are :class:`Payment` values: credits (money received) are
positive, debits negative, amounts are exact and at the currency's minor unit.  Structured
remittance (the documents a payer names, with amounts, discounts, credit notes and adjustments)
travels as :class:`RemittanceDocument` values on each payment.

(The names and fields of the seed are a contract: fields may be added with defaults, not renamed.)

>>> import datetime as dt
>>> from o2c.money import money
>>> credit = Payment(payment_id="P1", value_date=dt.date(2026, 3, 2), amount=money("980.00", "EUR"))
>>> fee = Payment(payment_id="P2", value_date=dt.date(2026, 3, 2), amount=money("-4.50", "EUR"))
>>> st = Statement(statement_id="S1", account="DE89370400440532013000", currency="EUR",
...                lines=(credit, fee))
>>> [p.payment_id for p in st.incoming]
['P1']
>>> [p.payment_id for p in iter_payments(st, st)]
['P1', 'P1']
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator

import attrs
from moneyed import Money

__all__ = [
    "Adjustment",
    "Payment",
    "RemittanceDocument",
    "Statement",
    "StatementFormat",
    "iter_payments",
]


class StatementFormat(enum.Enum):
    """The bank format a statement was read from."""

    CAMT053 = "camt.053"
    CAMT054 = "camt.054"
    BAI2 = "bai2"
    MT940 = "mt940"
    CSV = "csv"


@attrs.frozen(kw_only=True)
class Adjustment:
    """An adjustment a payer states for a document (camt ``AdjstmntAmtAndRsn``).

    ``amount`` is as the payer wrote it (not negative).  ``increases`` is True when the
    adjustment adds to the amount paid (camt ``CdtDbtInd`` = ``CRDT``); otherwise (``DBIT`` or
    no indicator) it is a deduction the payer took.  ``reason`` is the payer's code (camt
    ``Rsn``, up to four characters, e.g. ``DAMG``), ``additional_info`` its text.
    """

    amount: Money
    reason: str = ""
    additional_info: str = ""
    increases: bool = False

    @property
    def deduction(self) -> Money:
        """The amount by which this adjustment reduced the payment (negative if it added)."""
        return -self.amount if self.increases else self.amount


@attrs.frozen(kw_only=True)
class RemittanceDocument:
    """A document a payment's structured remittance names (camt ``RfrdDocInf``/``RfrdDocAmt``).

    Amounts are as remitted (not negative, in the remittance currency); ``is_credit_note``
    says the payer nets this document against the payment, so it counts negatively (see
    :attr:`signed_amount_paid`).  ``adjustment`` is the net deduction of ``adjustments``
    (positive when the payer paid less), ``adjustment_reason`` the reason code of the first
    one that has a code.
    """

    number: str
    amount_paid: Money | None = None
    amount_due: Money | None = None
    discount: Money | None = None
    adjustment: Money | None = None
    adjustment_reason: str | None = None
    #: True for a credit note the payer nets against the payment.
    is_credit_note: bool = False
    #: The document type code (camt ``CINV`` invoice, ``CREN`` credit note, ``DEBN`` debit
    #: note ...) or the proprietary type as sent; empty when not given.
    document_type: str = ""
    document_date: dt.date | None = None
    #: A credit note amount the payer deducted from this document (camt ``CdtNoteAmt``).
    credit_note_amount: Money | None = None
    #: Every stated adjustment, in file order (``adjustment`` is their net deduction).
    adjustments: tuple[Adjustment, ...] = ()
    #: A creditor reference given in the same structured block (ISO 11649 ``RF...`` or
    #: another scheme); may be the only identification when ``number`` is empty.
    creditor_reference: str = ""
    #: The party the document was issued to when the block names it (camt ``Invcee``): a
    #: parent paying for a subsidiary names the subsidiary here.
    invoicee_name: str = ""

    @property
    def signed_amount_paid(self) -> Money | None:
        """``amount_paid``, negative for a credit note: the document's share of the payment."""
        if self.amount_paid is None:
            return None
        return -self.amount_paid if self.is_credit_note else self.amount_paid


@attrs.frozen(kw_only=True)
class Payment:
    """One incoming payment (a credit line of a bank statement, a lockbox item, a CSV row).

    ``amount`` is positive for money received (debit lines are negative), in the currency the
    bank booked (the account's).  ``instructed_amount`` is what the payer instructed when that
    differs (another currency, or before ``charges`` were deducted).
    """

    payment_id: str
    value_date: dt.date
    amount: Money
    payer_name: str = ""
    payer_account: str = ""
    #: The structured or end-to-end reference field (the creditor reference when there is one,
    #: else the end-to-end id or the customer reference the format carries).
    reference: str = ""
    #: Free remittance text (unstructured ``Ustrd``, MT940 ``:86:``, BAI2 88 records ...).
    remittance_info: str = ""
    documents: tuple[RemittanceDocument, ...] = ()
    booking_date: dt.date | None = None
    #: The payer's end-to-end identification (never the placeholder ``NOTPROVIDED``).
    end_to_end_id: str = ""
    #: The first structured creditor reference (camt ``CdtrRefInf/Ref``, e.g. ``RF18...``).
    creditor_reference: str = ""
    #: The bank's transaction code: camt ``Domn/Fmly/SubFmlyCd`` (``PMNT/RCDT/ESCT``) or the
    #: proprietary code, BAI2 type code (``195``), MT940 type (``NTRF``) or GVC (``166``).
    bank_transaction_code: str = ""
    #: The bank's own reference for the line (camt ``AcctSvcrRef``, MT940 ``//``, BAI2 bank ref).
    bank_reference: str = ""
    #: The amount the payer instructed, when the file states it (its currency may differ).
    instructed_amount: Money | None = None
    #: Bank charges deducted from this payment, when the file states them.
    charges: Money | None = None
    #: The party on whose behalf the payer paid (camt ``UltmtDbtr``).
    ultimate_payer_name: str = ""
    #: True for a reversal (camt ``RvslInd``, MT940 ``RC``/``RD``): not a customer payment.
    is_reversal: bool = False
    #: False for an entry the bank has not booked yet (camt status ``PDNG``/``INFO``).
    booked: bool = True

    @property
    def is_incoming(self) -> bool:
        """Whether this is money received from a payer: a booked credit that is no reversal."""
        return self.booked and not self.is_reversal and self.amount.amount > 0


@attrs.frozen(kw_only=True)
class Statement:
    """A bank statement: its account, currency, balances and lines.

    ``lines`` holds every line in file order, debits included; :attr:`incoming` (or
    :func:`iter_payments`) gives the payments to apply.
    """

    statement_id: str
    account: str
    currency: str
    lines: tuple[Payment, ...]
    opening_balance: Money | None = None
    closing_balance: Money | None = None
    created: dt.datetime | None = None
    format: StatementFormat | None = None
    #: The bank's sequence number (camt ``ElctrncSeqNb``, MT940 ``:28C:``).
    sequence_number: str = ""
    from_date: dt.date | None = None
    to_date: dt.date | None = None

    @property
    def incoming(self) -> tuple[Payment, ...]:
        """The lines that are incoming payments (booked credits that are not reversals)."""
        return tuple(p for p in self.lines if p.is_incoming)


def iter_payments(*statements: Statement) -> Iterator[Payment]:
    """The incoming payments of ``statements``, in order: what cash application applies.

    Debits, reversals and unbooked entries are left out; use ``Statement.lines`` for all lines.
    """
    for statement in statements:
        yield from statement.incoming
