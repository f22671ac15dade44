"""Bank statements and incoming payments: the one type every bank-format reader yields.

(Seed: the cash-application area owns this module and extends it; these names and fields are a
contract: fields may be added with defaults, not renamed.)
"""

from __future__ import annotations

import datetime as dt

import attrs
from moneyed import Money

__all__ = ["Payment", "RemittanceDocument", "Statement"]


@attrs.frozen(kw_only=True)
class RemittanceDocument:
    """A document a payment's structured remittance names (camt ``RfrdDocInf``/``RfrdDocAmt``)."""

    number: str
    amount_paid: Money | None = None
    amount_due: Money | None = None
    discount: Money | None = None
    adjustment: Money | None = None
    adjustment_reason: str | None = None
    #: True for a credit note the payer nets against the payment.
    is_credit_note: bool = False


@attrs.frozen(kw_only=True)
class Payment:
    """One incoming payment (a credit line of a bank statement, a lockbox item, a CSV row).

    ``amount`` is positive for money received (debit lines are negative).
    """

    payment_id: str
    value_date: dt.date
    amount: Money
    payer_name: str = ""
    payer_account: str = ""
    #: The structured or end-to-end reference field.
    reference: str = ""
    #: Free remittance text (unstructured ``Ustrd``, MT940 ``:86:``, BAI2 88 records ...).
    remittance_info: str = ""
    documents: tuple[RemittanceDocument, ...] = ()
    booking_date: dt.date | None = None


@attrs.frozen(kw_only=True)
class Statement:
    """A bank statement: its account, currency, balances and lines."""

    statement_id: str
    account: str
    currency: str
    lines: tuple[Payment, ...]
    opening_balance: Money | None = None
    closing_balance: Money | None = None
    created: dt.datetime | None = None
