"""Pay by scanning: the EPC QR code ("GiroCode") and the Swiss QR-bill's QR code.

Two payload builders, pure functions that check every field against its specification and raise
one :class:`QRCodeError` (a :class:`~o2c.errors.ValidationError`) naming the field and the value:

- :func:`epc_payload`: a SEPA credit transfer as the European Payments Council's QR code
  (EPC069-12 "Quick Response Code: guidelines to enable data capture for the initiation of a SEPA
  credit transfer", versions 001 and 002): twelve lines at most, 331 bytes at most, amounts in
  euro written ``EUR12.34``, remittance either a creditor reference (ISO 11649, the RF reference
  o2c makes for every invoice) or free text;
- :func:`swiss_payload`: the Swiss QR-bill (``SPC`` version ``0200``, Swiss Payment Standards,
  "Swiss Implementation Guidelines for the QR-bill" 2.3): 31 to 34 lines in a fixed order,
  997 characters at most, a QR-IBAN with a 27-digit QR reference (``QRR``, made by
  :func:`swiss_qr_reference`) or an IBAN with an ISO 11649 reference (``SCOR``) or none (``NON``).

:func:`epc_for_invoice` and :func:`swiss_for_invoice` take the account, amount due and RF reference
from an :class:`~o2c.invoice.Invoice`; statements and reminders call the builders with their own
open amount and reference.  :func:`render_svg` and :func:`render_png` draw a payload as a QR code
(``segno``, extra ``qr``) at error-correction level M, as both specifications require; the Swiss
code gets its 7 mm Swiss cross on a 46 mm symbol.

>>> from o2c.money import money
>>> print(epc_payload(name="Red Cross of Belgium", iban="BE72000000001616", bic="BPOTBEB1",
...                   amount=money("1", "EUR"), purpose="CHAR", text="Urgency fund",
...                   information="Sample EPC QR code", version="001"))
BCD
001
1
SCT
BPOTBEB1
Red Cross of Belgium
BE72000000001616
EUR1
CHAR
<BLANKLINE>
Urgency fund
Sample EPC QR code
>>> epc_payload(name="Muster GmbH", iban="DE89 3704 0044 0532 0130 00",
...             amount=money("71.36", "EUR"), reference="RF73INV20260042").split("\\n")[4:]
['', 'Muster GmbH', 'DE89370400440532013000', 'EUR71.36', '', 'RF73INV20260042']
>>> swiss_qr_reference("21000000000313947143000901")
'210000000003139471430009017'
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import attrs
from moneyed import Money

from o2c._checks import shown
from o2c._optional import require
from o2c.errors import ValidationError
from o2c.invoice import references

if TYPE_CHECKING:
    from o2c.invoice.document import Invoice

__all__ = [
    "EPC_MAX_BYTES",
    "EPC_MAX_VERSION",
    "QRCodeError",
    "SWISS_MAX_CHARACTERS",
    "SWISS_MAX_VERSION",
    "SwissAddress",
    "epc_for_invoice",
    "epc_payload",
    "is_qr_iban",
    "qr_symbol",
    "render_png",
    "render_svg",
    "swiss_for_invoice",
    "swiss_payload",
    "swiss_qr_reference",
]


class QRCodeError(ValidationError):
    """A payment QR code field that its specification does not allow (``field`` names it)."""


# ---------------------------------------------------------------------------------------------
# Limits, each from its specification.

#: EPC069-12 section 5: the whole payload is at most 331 bytes (in the chosen character set).
EPC_MAX_BYTES = 331
#: EPC069-12: QR code version 13 at most, error correction level M.
EPC_MAX_VERSION = 13
#: EPC069-12: the amount is 0.01 to 999,999,999.99 euro (the Swiss QR-bill has the same range).
_MIN_AMOUNT = Decimal("0.01")
_MAX_AMOUNT = Decimal("999999999.99")
#: EPC069-12 character sets (line 3): the code and the Python codec.
_EPC_CHARSETS: dict[int, str] = {
    1: "utf-8",
    2: "iso-8859-1",
    3: "iso-8859-2",
    4: "iso-8859-4",
    5: "iso-8859-5",
    6: "iso-8859-7",
    7: "iso-8859-10",
    8: "iso-8859-15",
}
#: EPC069-12 field lengths (characters).
_EPC_NAME, _EPC_REFERENCE, _EPC_TEXT, _EPC_INFORMATION = 70, 35, 140, 70

#: Swiss Implementation Guidelines QR-bill 2.3, section 4.2: at most 997 characters.
SWISS_MAX_CHARACTERS = 997
#: Swiss IG 2.3 section 5.1: QR code version 25 at most, error correction level M.
SWISS_MAX_VERSION = 25
#: Swiss IG 2.3 section 5.2: the code is 46 x 46 mm (quiet zone not included) and its Swiss
#: cross 7 x 7 mm, in the middle.
SWISS_CODE_MM, SWISS_CROSS_MM = Decimal(46), Decimal(7)
#: Swiss IG 2.3 field lengths (characters).
_CH_NAME, _CH_STREET, _CH_BUILDING, _CH_POSTAL, _CH_TOWN = 70, 70, 16, 16, 35
_CH_MESSAGE, _CH_ALTERNATIVE, _CH_ALTERNATIVES = 140, 100, 2
#: Swiss IG 2.3: the QR-bill is paid in these currencies only.
_CH_CURRENCIES = frozenset({"CHF", "EUR"})
#: Swiss IG 2.3 section 4.1.1: the characters allowed (Latin: Basic Latin, Latin-1 Supplement,
#: Latin Extended-A, S/T with comma below, the euro sign).
_CH_CHARACTERS = re.compile("^[\u0020-\u007e\u00a0-\u017f\u0218-\u021b\u20ac]*$")
#: A QR-IBAN's institution id (IBAN characters 5 to 9) is 30000 to 31999.
_QR_IID = range(30000, 32000)
#: The recursive modulo-10 table of the QR reference (Swiss IG annex B, as the ISR reference).
_MOD10 = (0, 9, 4, 6, 8, 2, 7, 1, 3, 5)

_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[0-9A-Z]{11,30}$")
_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[0-9A-Z]{2}([0-9A-Z]{3})?$")
_PURPOSE = re.compile(r"^[A-Z0-9]{4}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
#: Characters that would break a line-based payload (line feeds above all) or mean nothing.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _fail(field: str, value: object, message: str) -> QRCodeError:
    return QRCodeError(f"{field}={shown(value)!r} {message}", field=field, value=shown(value))


def _text(
    field: str, value: object, limit: int, *, required: bool = False, pattern: Any = None
) -> str:
    """``value`` stripped, checked for type, control characters, length and ``pattern``."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _fail(field, value, f"must be text, not {type(value).__name__}")
    text = value.strip()
    if required and not text:
        raise _fail(field, value, "is required")
    if _CONTROL.search(text):
        raise _fail(field, value, "has a line break or another control character")
    if len(text) > limit:
        raise _fail(field, value, f"has {len(text)} characters, more than {limit}")
    if pattern is not None and not pattern.match(text):
        raise _fail(field, value, "has a character the Swiss QR-bill does not allow")
    return text


def _compact(value: object) -> str:
    """An IBAN, BIC or reference without spaces, upper case (non-text is refused later)."""
    return "".join(value.split()).upper() if isinstance(value, str) else ""


def _iban(field: str, value: object) -> str:
    """``value`` as an IBAN: its form and its ISO 7064 mod-97 check digits.

    The country's IBAN length is :func:`o2c.statement.iban_problem`'s to check (that module sits
    above the invoice area); a QR code only needs an account the bank will take, and a wrong
    digit anywhere fails the check digits.
    """
    iban = _compact(value)
    if not isinstance(value, str) or not _IBAN.match(iban):
        raise _fail(field, value, "is not an IBAN: two letters, two digits, 11 to 30 more")
    if int("".join(str(int(c, 36)) for c in iban[4:] + iban[:4])) % 97 != 1:
        raise _fail(field, value, "is not an IBAN: its check digits do not verify")
    return iban


def _amount(field: str, value: object, currencies: Iterable[str]) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, Money):
        raise _fail(field, value, "must be a Money amount or None")
    code = value.currency.code
    allowed = sorted(currencies)
    if code not in allowed:
        raise _fail(field, value, f"is in {code}; the code takes {' or '.join(allowed)} only")
    amount = value.amount
    if not amount.is_finite() or amount != amount.quantize(_MIN_AMOUNT):
        raise _fail(field, value, "must be in whole cents")
    if not _MIN_AMOUNT <= amount <= _MAX_AMOUNT:
        raise _fail(field, value, f"must be {_MIN_AMOUNT} to {_MAX_AMOUNT:,}")
    return amount.quantize(_MIN_AMOUNT)


def _rf_reference(field: str, value: object) -> str:
    ref = _compact(value)
    if not isinstance(value, str) or not references.is_valid(ref):
        raise _fail(field, value, "is not a valid ISO 11649 creditor reference (RF...)")
    return ref


# ---------------------------------------------------------------------------------------------
# EPC QR code


def epc_payload(
    *,
    name: str,
    iban: str,
    amount: Money | None = None,
    bic: str | None = None,
    reference: str | None = None,
    text: str | None = None,
    purpose: str | None = None,
    information: str | None = None,
    version: Literal["001", "002"] = "002",
    charset: int = 1,
) -> str:
    """The EPC QR code payload of a SEPA credit transfer (EPC069-12).

    ``name`` is the beneficiary (70 characters), ``iban`` its account, ``bic`` its bank (required
    by version 001, optional in 002), ``amount`` in euro (0.01 to 999,999,999.99, whole cents;
    ``None`` lets the payer type it), ``reference`` an ISO 11649 creditor reference *or* ``text``
    (140 characters) as remittance information, ``purpose`` a four-character ISO 20022 purpose
    code, ``information`` a note to the payer (70 characters).  ``charset`` is EPC's character
    set number (1 UTF-8, 2 ISO 8859-1 ... 8 ISO 8859-15).  Lines are separated by a line feed
    and the last one is the last field given.

    Raises:
        QRCodeError: any field its specification does not allow, or a payload of more than 331
            bytes.
    """
    if version not in ("001", "002"):
        raise _fail("version", version, "must be '001' or '002'")
    if charset not in _EPC_CHARSETS:
        raise _fail("charset", charset, "must be an EPC character set number, 1 to 8")
    name_ = _text("name", name, _EPC_NAME, required=True)
    iban_ = _iban("iban", iban)
    bic_ = _compact(bic) if bic is not None else ""
    if bic is not None and (not isinstance(bic, str) or not _BIC.match(bic_)):
        raise _fail("bic", bic, "is not a BIC: 8 or 11 letters and digits")
    if version == "001" and not bic_:
        raise _fail("bic", bic, "is required by EPC QR version 001")
    value = _amount("amount", amount, ("EUR",))
    purpose_ = _text("purpose", purpose, 4)
    if purpose_ and not _PURPOSE.match(purpose_):
        raise _fail("purpose", purpose, "must be a four-character ISO 20022 purpose code")
    text_ = _text("text", text, _EPC_TEXT)
    reference_ = _rf_reference("reference", reference) if reference is not None else ""
    if len(reference_) > _EPC_REFERENCE:  # pragma: no cover - RF references have 25 at most
        raise _fail("reference", reference, f"has more than {_EPC_REFERENCE} characters")
    if reference_ and text_:
        raise _fail("text", text, "cannot go with a reference: EPC takes one or the other")
    information_ = _text("information", information, _EPC_INFORMATION)
    fields = [
        "BCD",
        version,
        str(charset),
        "SCT",
        bic_,
        name_,
        iban_,
        "" if value is None else "EUR" + _short_amount(value),
        purpose_,
        reference_,
        text_,
        information_,
    ]
    while not fields[-1]:
        fields.pop()
    payload = "\n".join(fields)
    try:
        size = len(payload.encode(_EPC_CHARSETS[charset]))
    except UnicodeEncodeError as exc:
        raise _fail(
            "charset", charset, f"cannot write {exc.object[exc.start : exc.end]!r}: use 1 (UTF-8)"
        ) from None
    if size > EPC_MAX_BYTES:
        raise _fail("payload", payload, f"has {size} bytes, more than EPC's {EPC_MAX_BYTES}")
    return payload


def _short_amount(value: Decimal) -> str:
    """``12.30`` as ``12.3`` and ``1.00`` as ``1`` (EPC069-12's own examples: ``EUR1``)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def epc_for_invoice(invoice: Invoice, *, version: Literal["001", "002"] = "002") -> str:
    """The EPC payload paying ``invoice``: its seller's account (``invoice.payment.account``;
    the beneficiary's name is the account's name or the seller's), the amount due and the
    invoice's RF payment reference.

    Raises:
        QRCodeError: no account, an invoice not in euro, nothing due (a credit memo), or a field
            EPC does not allow.
    """
    account = invoice.payment.account if invoice.payment is not None else None
    if account is None:
        raise _fail("payment.account", None, "is needed: the code pays into the seller's account")
    name = account.name or (invoice.seller.name if invoice.seller is not None else None)
    due = invoice.totals.amount_due
    if due.amount <= 0:
        raise _fail("amount_due", due, "leaves nothing to pay")
    return epc_payload(
        name=name or "",
        iban=account.iban,
        bic=account.bic,
        amount=due,
        reference=invoice.references.payment_reference,
        version=version,
    )


# ---------------------------------------------------------------------------------------------
# Swiss QR-bill


def _ch(field: str, value: object, limit: int, *, required: bool = False) -> str:
    return _text(field, value, limit, required=required, pattern=_CH_CHARACTERS)


def _country(field: str, value: object) -> str:
    if not isinstance(value, str) or not _COUNTRY.match(value.strip().upper()):
        raise _fail(field, value, "must be an ISO 3166-1 two-letter country code")
    return value.strip().upper()


def _ch_name(value: object) -> str:
    return _ch("name", value, _CH_NAME, required=True)


def _ch_postal_code(value: object) -> str:
    return _ch("postal_code", value, _CH_POSTAL, required=True)


def _ch_town(value: object) -> str:
    return _ch("town", value, _CH_TOWN, required=True)


def _ch_country(value: object) -> str:
    return _country("country", value)


def _ch_street(value: object) -> str:
    return _ch("street", value, _CH_STREET)


def _ch_building(value: object) -> str:
    return _ch("building", value, _CH_BUILDING)


@attrs.frozen(kw_only=True)
class SwissAddress:
    """A structured address of the Swiss QR-bill (type ``S``, the only one from version 2.3).

    ``name`` 70 characters, ``street`` 70 and ``building`` number 16 (both optional),
    ``postal_code`` 16, ``town`` 35, ``country`` a two-letter code.
    """

    name: str = attrs.field(converter=_ch_name)
    postal_code: str = attrs.field(converter=_ch_postal_code)
    town: str = attrs.field(converter=_ch_town)
    country: str = attrs.field(converter=_ch_country)
    street: str = attrs.field(default="", converter=_ch_street)
    building: str = attrs.field(default="", converter=_ch_building)

    def fields(self) -> list[str]:
        """The seven lines of an address block: ``S``, name, street, building, postal code,
        town, country."""
        return [
            "S",
            self.name,
            self.street,
            self.building,
            self.postal_code,
            self.town,
            self.country,
        ]


def is_qr_iban(iban: str) -> bool:
    """Whether ``iban`` is a Swiss or Liechtenstein QR-IBAN (institution id 30000 to 31999),
    which takes QR references (``QRR``) only.

    >>> is_qr_iban("CH44 3199 9123 0008 8901 2"), is_qr_iban("CH93 0076 2011 6238 5295 7")
    (True, False)
    """
    key = _compact(iban)
    return key[:2] in ("CH", "LI") and key[4:9].isdigit() and int(key[4:9]) in _QR_IID


def swiss_qr_reference(digits: str) -> str:
    """A 27-digit QR reference: ``digits`` (1 to 26, spaces allowed) padded with zeros on the
    left, and the recursive modulo-10 check digit.

    Raises:
        QRCodeError: anything but 1 to 26 digits.
    """
    body = _compact(digits)
    if not isinstance(digits, str) or not body.isdigit() or not body.isascii() or len(body) > 26:
        raise _fail("reference", digits, "must be 1 to 26 digits")
    body = body.rjust(26, "0")
    return body + _mod10(body)


def _mod10(digits: str) -> str:
    carry = 0
    for d in digits:
        carry = _MOD10[(carry + int(d)) % 10]
    return str((10 - carry) % 10)


def _qr_reference(value: object) -> str:
    ref = _compact(value)
    if not isinstance(value, str) or len(ref) != 27 or not ref.isdigit() or not ref.isascii():
        raise _fail("reference", value, "must be a 27-digit QR reference with a QR-IBAN")
    if _mod10(ref[:26]) != ref[26]:
        raise _fail("reference", value, "is not a QR reference: its check digit does not verify")
    return ref


def _swiss_amount(amount: Money | None, currency: str | None) -> tuple[Decimal | None, str]:
    """The QR-bill's amount (``None``: the payer fills it in) and its currency code."""
    value = _amount("amount", amount, _CH_CURRENCIES)
    if amount is not None:
        code = amount.currency.code
        if currency is not None and currency != code:
            raise _fail("currency", currency, f"differs from the amount's {code}")
    elif currency not in _CH_CURRENCIES:
        raise _fail("currency", currency, "must be CHF or EUR when there is no amount")
    else:
        code = currency
    return value, code


def _swiss_reference(iban: str, reference: str | None) -> tuple[str, str]:
    """The reference type (``QRR``, ``SCOR`` or ``NON``) the account allows, and the reference."""
    if is_qr_iban(iban):
        if reference is None:
            raise _fail("reference", None, "is required with a QR-IBAN (a 27-digit QR reference)")
        return "QRR", _qr_reference(reference)
    if reference is None or not _compact(reference):
        return "NON", ""
    if _compact(reference).isdigit():
        raise _fail("reference", reference, "is a QR reference: it needs a QR-IBAN")
    return "SCOR", _rf_reference("reference", reference)


def _swiss_texts(
    message: str | None, billing_information: str | None, alternative_procedures: Sequence[str]
) -> tuple[str, str, list[str]]:
    """The unstructured message, the bill information (140 characters together) and the
    alternative procedures' lines."""
    message_ = _ch("message", message, _CH_MESSAGE)
    billing = _ch("billing_information", billing_information, _CH_MESSAGE)
    if len(message_) + len(billing) > _CH_MESSAGE:
        raise _fail(
            "billing_information",
            billing_information,
            f"and the message have {len(message_) + len(billing)} characters together, "
            f"more than {_CH_MESSAGE}",
        )
    if isinstance(alternative_procedures, str):
        raise _fail("alternative_procedures", alternative_procedures, "must be a list of lines")
    alternatives = [
        _ch(f"alternative_procedures[{i}]", a, _CH_ALTERNATIVE, required=True)
        for i, a in enumerate(alternative_procedures)
    ]
    if len(alternatives) > _CH_ALTERNATIVES:
        raise _fail("alternative_procedures", alternatives, f"has more than {_CH_ALTERNATIVES}")
    return message_, billing, alternatives


def swiss_payload(
    *,
    account: str,
    creditor: SwissAddress,
    amount: Money | None = None,
    currency: str | None = None,
    debtor: SwissAddress | None = None,
    reference: str | None = None,
    message: str | None = None,
    billing_information: str | None = None,
    alternative_procedures: Sequence[str] = (),
) -> str:
    """The QR code payload of a Swiss QR-bill (``SPC`` version ``0200``, Swiss IG 2.3).

    ``account`` is a CH or LI IBAN: a QR-IBAN needs a QR ``reference`` (27 digits,
    :func:`swiss_qr_reference`), any other IBAN takes an ISO 11649 ``reference`` (``SCOR``) or
    none (``NON``).  ``amount`` is in CHF or EUR (whole cents; ``None`` lets the payer fill it
    in, then ``currency`` says which), ``debtor`` the payer's address when known, ``message``
    the unstructured message and ``billing_information`` the structured bill information (140
    characters together), ``alternative_procedures`` up to two lines of 100 characters.

    Raises:
        QRCodeError: any field the guidelines do not allow, or a payload of more than 997
            characters.
    """
    iban = _iban("account", account)
    if iban[:2] not in ("CH", "LI") or len(iban) != 21:
        raise _fail("account", account, "must be a Swiss or Liechtenstein IBAN (21 characters)")
    if not isinstance(creditor, SwissAddress):
        raise _fail("creditor", creditor, "must be a SwissAddress")
    if debtor is not None and not isinstance(debtor, SwissAddress):
        raise _fail("debtor", debtor, "must be a SwissAddress or None")
    value, code = _swiss_amount(amount, currency)
    kind, ref = _swiss_reference(iban, reference)
    message_, billing, alternatives = _swiss_texts(
        message, billing_information, alternative_procedures
    )
    fields = [
        "SPC",
        "0200",
        "1",
        iban,
        *creditor.fields(),
        *[""] * 7,  # the ultimate creditor: for future use, empty
        "" if value is None else f"{value:.2f}",
        code,
        *(debtor.fields() if debtor is not None else [""] * 7),
        kind,
        ref,
        message_,
        "EPD",
        billing,
        *alternatives,
    ]
    while not fields[-1]:
        fields.pop()
    payload = "\n".join(fields)
    if len(payload) > SWISS_MAX_CHARACTERS:
        raise _fail(
            "payload", payload, f"has {len(payload)} characters, more than {SWISS_MAX_CHARACTERS}"
        )
    return payload


def swiss_for_invoice(
    invoice: Invoice,
    *,
    creditor: SwissAddress | None = None,
    debtor: SwissAddress | None = None,
    qr_reference: str | None = None,
    message: str | None = None,
) -> str:
    """The Swiss QR-bill payload paying ``invoice``: the seller's account
    (``invoice.payment.account``), the amount due in CHF or EUR, the creditor made from the
    seller (name, first address line as street, postal code, city, country) unless given, and
    the reference: ``qr_reference`` for a QR-IBAN, else the invoice's RF payment reference.

    Raises:
        QRCodeError: no account or seller address, nothing due, or a field the guidelines do not
            allow.
    """
    account = invoice.payment.account if invoice.payment is not None else None
    if account is None:
        raise _fail("payment.account", None, "is needed: the code pays into the seller's account")
    if creditor is None:
        seller = invoice.seller
        address = seller.address if seller is not None else None
        if seller is None or address is None:
            raise _fail("seller.address", None, "is needed for the QR-bill's creditor")
        creditor = SwissAddress(
            name=account.name or seller.name,
            street=address.lines[0] if address.lines else "",
            postal_code=address.postal_code,
            town=address.city,
            country=address.country,
        )
    due = invoice.totals.amount_due
    if due.amount <= 0:
        raise _fail("amount_due", due, "leaves nothing to pay")
    reference = qr_reference if is_qr_iban(account.iban) else invoice.references.payment_reference
    return swiss_payload(
        account=account.iban,
        creditor=creditor,
        amount=due,
        debtor=debtor,
        reference=reference,
        message=message,
    )


# ---------------------------------------------------------------------------------------------
# Rendering


def qr_symbol(payload: str) -> Any:
    """The ``segno`` QR code of ``payload``: UTF-8 bytes, error-correction level M (not raised),
    the smallest version; the version limit of the payload's kind is checked (EPC 13, Swiss 25).

    Raises:
        QRCodeError: a payload that is neither EPC's nor the Swiss QR-bill's, or too large.
        MissingExtraError: segno is missing (extra ``qr``).
    """
    if not isinstance(payload, str) or not payload.startswith(("BCD\n", "SPC\n")):
        raise _fail("payload", payload, "is not an EPC (BCD) or Swiss QR-bill (SPC) payload")
    segno = require("segno", extra="qr", feature="payment QR codes")
    limit = EPC_MAX_VERSION if payload.startswith("BCD") else SWISS_MAX_VERSION
    encoding = "utf-8"
    if payload.startswith("BCD"):
        lines = payload.split("\n")
        charset = lines[2] if len(lines) > 2 else ""
        if not charset.isdigit() or int(charset) not in _EPC_CHARSETS:
            raise _fail("payload", payload, "has no EPC character set number on its third line")
        encoding = _EPC_CHARSETS[int(charset)]
    try:
        symbol = segno.make_qr(payload.encode(encoding), error="m", boost_error=False, version=None)
    except (segno.DataOverflowError, UnicodeEncodeError):
        raise _fail("payload", payload, "does not fit a QR code of its kind") from None
    if symbol.version > limit:
        raise _fail("payload", payload, f"needs QR version {symbol.version}, more than {limit}")
    return symbol


def _swiss(payload: str) -> bool:
    return payload.startswith("SPC\n")


def _cross_squares(size: Decimal) -> list[tuple[Decimal, Decimal, Decimal, Decimal, str]]:
    """The Swiss cross as squares (x, y, width, height, colour) in a box of ``size``: a white
    border, a black square, and the white cross in the flag's proportions (arms 7 long and 6 wide
    on a 32 square, 6 from its edges)."""
    border = size / 14  # 0.5 mm of the 7 mm
    black = size - 2 * border
    unit = black / 32
    out = [(Decimal(0), Decimal(0), size, size, "#fff"), (border, border, black, black, "#000")]
    out.append((border + 13 * unit, border + 6 * unit, 6 * unit, 20 * unit, "#fff"))
    out.append((border + 6 * unit, border + 13 * unit, 20 * unit, 6 * unit, "#fff"))
    return out


def render_svg(payload: str, *, border: int = 4) -> bytes:
    """``payload`` as an SVG QR code (millimetres: the Swiss code's symbol is 46 mm wide with its
    7 mm cross; an EPC code takes 0.5 mm per module), ``border`` modules of quiet zone."""
    symbol = qr_symbol(payload)
    n = symbol.symbol_size(border=0)[0]
    module = SWISS_CODE_MM / n if _swiss(payload) else Decimal("0.5")
    total = (n + 2 * border) * module
    rects = []
    for y, row in enumerate(symbol.matrix):
        x = 0
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                rects.append(f"M{start + border} {y + border}h{x - start}v1h{start - x}z")
            else:
                x += 1
    size = f"{_mm(total)}mm"
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
            f'viewBox="0 0 {n + 2 * border} {n + 2 * border}" shape-rendering="crispEdges">'
        ),
        f'<rect width="{n + 2 * border}" height="{n + 2 * border}" fill="#fff"/>',
        f'<path fill="#000" d="{"".join(rects)}"/>',
    ]
    if _swiss(payload):
        cross = SWISS_CROSS_MM / module  # in modules
        origin = Decimal(border) + (Decimal(n) - cross) / 2
        parts.append('<g class="swiss-cross">')
        for x0, y0, w, h, colour in _cross_squares(cross):
            parts.append(
                f'<rect x="{_mm(origin + x0)}" y="{_mm(origin + y0)}" width="{_mm(w)}" '
                f'height="{_mm(h)}" fill="{colour}"/>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts).encode("utf-8")


def _mm(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.0001')).normalize():f}"


def render_png(payload: str, *, scale: int = 10, border: int = 4) -> bytes:
    """``payload`` as a PNG QR code, ``scale`` pixels per module (8-bit grey), ``border`` modules
    of quiet zone; the Swiss code gets its cross (7/46 of the symbol's width)."""
    if not isinstance(scale, int) or isinstance(scale, bool) or not 1 <= scale <= 100:
        raise _fail("scale", scale, "must be 1 to 100 pixels per module")
    if not isinstance(border, int) or isinstance(border, bool) or not 0 <= border <= 40:
        raise _fail("border", border, "must be 0 to 40 modules")
    symbol = qr_symbol(payload)
    n = symbol.symbol_size(border=0)[0]
    side = (n + 2 * border) * scale
    pixels = [bytearray(b"\xff" * side) for _ in range(side)]
    for y, row in enumerate(symbol.matrix):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    line = pixels[(y + border) * scale + dy]
                    start = (x + border) * scale
                    line[start : start + scale] = b"\x00" * scale
    if _swiss(payload):
        cross = SWISS_CROSS_MM / SWISS_CODE_MM * n * scale  # in pixels
        origin = Decimal(border * scale) + (Decimal(n * scale) - cross) / 2
        for x0, y0, w, h, colour in _cross_squares(cross):
            grey = 0xFF if colour == "#fff" else 0
            left, top = int(origin + x0), int(origin + y0)
            right, bottom = int(origin + x0 + w), int(origin + y0 + h)
            for yy in range(top, bottom):
                pixels[yy][left:right] = bytes([grey]) * (right - left)
    return _png(pixels, side)


def _png(rows: list[bytearray], side: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
