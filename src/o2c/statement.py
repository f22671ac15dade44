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
import re
from collections.abc import Iterator

import attrs
from moneyed import Money

from o2c.ledger import account_key

__all__ = [
    "Adjustment",
    "IBAN_LENGTHS",
    "Payment",
    "RemittanceDocument",
    "Statement",
    "StatementFormat",
    "bic_problem",
    "iban_country",
    "iban_problem",
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
    #: The payer's bank as the file names it (camt ``DbtrAgt/FinInstnId/BICFI``, MT940 ``?30``
    #: or ``/BIC/``), upper case; not checked here (pre-validation does, :func:`bic_problem`).
    payer_bic: str = ""
    #: The payer's country (ISO 3166 alpha-2): the country of the payer's address when the file
    #: states one (camt ``Dbtr/PstlAdr/Ctry``), else the country of a valid payer IBAN, else
    #: empty (:func:`iban_country`).
    payer_country: str = ""

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


# --------------------------------------------------------------------------------------------
# accounts

#: IBAN lengths by country (SWIFT's IBAN registry, as python-stdnum 2.2 ships it).
# fmt: off
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}
# fmt: on

_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[0-9A-Z]+")
_BIC_SHAPE = re.compile(r"[A-Z]{4}([A-Z]{2})[0-9A-Z]{2}([0-9A-Z]{3})?")


def iban_problem(account: str) -> str | None:
    """What is wrong with ``account`` as an IBAN (ISO 13616), or ``None`` when it is valid.

    Checked in the core (no dependency): the characters, the country's length from
    :data:`IBAN_LENGTHS`, and the mod-97 check digits.

    >>> iban_problem("DE89 3704 0044 0532 0130 00") is None
    True
    >>> iban_problem("DE88370400440532013000")
    'the check digits do not verify (mod 97 gives 0, not 1)'
    >>> iban_problem("DE8937040044053201300")
    'a DE IBAN has 22 characters, not 21'
    """
    key = account_key(account)
    if not _IBAN_SHAPE.fullmatch(key) or len(account.replace(" ", "")) != len(key):
        return "not an IBAN: two letters, two check digits, then letters and digits"
    length = IBAN_LENGTHS.get(key[:2])
    if length is None:
        return f"{key[:2]} issues no IBANs (not in the IBAN registry)"
    if len(key) != length:
        return f"a {key[:2]} IBAN has {length} characters, not {len(key)}"
    digits = "".join(str(int(ch, 36)) for ch in key[4:] + key[:4])
    remainder = int(digits) % 97
    if remainder != 1:
        return f"the check digits do not verify (mod 97 gives {remainder}, not 1)"
    return None


def bic_problem(bic: str) -> str | None:
    """What is wrong with ``bic`` as a BIC (ISO 9362), or ``None`` when its form is valid.

    >>> bic_problem("COBADEFFXXX") is None, bic_problem("COBA DE FF")
    (True, 'a BIC has 8 or 11 characters: 4 letters (bank), 2 (country), 2 and optionally 3 more')
    """
    key = bic.strip().upper()
    match = _BIC_SHAPE.fullmatch(key)
    if match is None:
        return (
            "a BIC has 8 or 11 characters: 4 letters (bank), 2 (country), 2 and optionally 3 more"
        )
    if match[1] not in IBAN_LENGTHS and match[1] not in _NON_IBAN_COUNTRIES:
        return f"{match[1]} is not a country code a BIC may carry"
    return None


# Countries that issue no IBANs but have banks with BICs (most of the world): BICs are checked
# against ISO 3166 through this set and the IBAN table.
# fmt: off
_NON_IBAN_COUNTRIES = frozenset({
    "AF", "AG", "AI", "AM", "AO", "AR", "AS", "AU", "AW", "BB", "BD", "BF", "BJ", "BM", "BN", "BO",
    "BS", "BT", "BW", "BZ", "CA", "CD", "CF", "CG", "CI", "CK", "CL", "CM", "CN", "CO", "CU", "CV",
    "CW", "DM", "DZ", "EC", "ER", "ET", "FJ", "FM", "GA", "GD", "GF", "GG", "GH", "GM", "GN", "GP",
    "GQ", "GU", "GW", "GY", "HK", "HT", "ID", "IM", "IN", "IR", "JE", "JM", "JP", "KE", "KG", "KH",
    "KI", "KM", "KN", "KP", "KR", "KY", "LA", "LK", "LR", "LS", "MA", "MG", "MH", "ML", "MM", "MO",
    "MP", "MQ", "MS", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NG", "NP", "NR", "NZ", "PA",
    "PE", "PF", "PG", "PH", "PR", "PW", "PY", "RE", "RW", "SB", "SG", "SL", "SN", "SR", "SS", "SX",
    "SY", "SZ", "TC", "TD", "TG", "TH", "TJ", "TM", "TO", "TT", "TV", "TW", "TZ", "UG", "US", "UY",
    "UZ", "VC", "VE", "VI", "VN", "VU", "WS", "YT", "ZA", "ZM", "ZW",
})
# fmt: on


def iban_country(account: str) -> str:
    """The country of ``account`` when it is a valid IBAN (:func:`iban_problem`), else ``""``.

    >>> iban_country("DE89 3704 0044 0532 0130 00"), iban_country("DE88370400440532013000")
    ('DE', '')
    """
    key = account_key(account)
    if len(key) < 4 or not key[:2].isalpha() or not key[2:4].isdigit():
        return ""
    return "" if iban_problem(account) else key[:2]
