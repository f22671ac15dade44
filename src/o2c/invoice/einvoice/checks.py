"""Validated billing of master data: what an e-invoice's parties must be for its format.

:func:`check_invoice` returns :class:`~o2c.invoice.Violation` s: VAT ids (BT-31, BT-48, BT-63),
company ids by their ICD scheme (BT-30, BT-47) and electronic addresses by their EAS scheme
(BT-34, BT-49) checked by their check digits and the country's rules with ``python-stdnum``;
IBANs (BT-84, BT-91) and BICs (BT-86) with ``schwifty``; the addresses, contacts and references
EN 16931 and the chosen specification require (Peppol BIS 3: both electronic addresses, a buyer
or order reference; XRechnung: the buyer reference, seller contact, city and postcode, payment
means).  Codes are the official rule's where one exists (``BR-DE-15``,
``PEPPOL-EN16931-R010``), else o2c's (``O2C-VAT-ID`` ...).

Code lists are checked too: the payment means code (UNTDID 4461), the unit codes (UN/ECE
Rec 20 / 21 form) and the exemption reason codes (VATEX form).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from o2c._optional import require
from o2c.invoice.document import Invoice, Violation
from o2c.invoice.parties import Address, Customer, Party, PaymentInstructions

__all__ = ["check_iban", "check_invoice", "check_vat_id"]

#: ICD schemes (ISO 6523) of company ids whose check digits python-stdnum knows, to the
#: stdnum module that checks them.  Source: the Peppol ICD code list and stdnum's modules.
ICD_CHECKS: dict[str, str] = {
    "0002": "stdnum.fr.siren",
    "0007": "stdnum.se.orgnr",
    "0009": "stdnum.fr.siret",
    "0088": "stdnum.gln",
    "0096": "stdnum.dk.cvr",
    "0184": "stdnum.dk.cvr",
    "0192": "stdnum.no.orgnr",
    "0196": "stdnum.is_.kennitala",
    "0208": "stdnum.be.vat",
    "0211": "stdnum.it.iva",
    "0212": "stdnum.fi.ytunnus",
    "0213": "stdnum.fi.alv",
    "0151": "stdnum.au.abn",
}
#: EAS schemes that are a country's VAT number (CEF EAS code list: 9901 ... 9959 VAT-based).
EAS_VAT = {
    "9906": "it",
    "9914": "at",
    "9915": "at",
    "9920": "es",
    "9925": "be",
    "9930": "de",
    "9931": "ee",
    "9933": "gr",
    "9934": "hr",
    "9935": "ie",
    "9936": "li",
    "9937": "lt",
    "9938": "lu",
    "9939": "lv",
    "9940": "mc",
    "9941": "me",
    "9942": "mk",
    "9943": "mt",
    "9944": "nl",
    "9945": "pl",
    "9946": "pt",
    "9947": "ro",
    "9948": "rs",
    "9949": "si",
    "9950": "sk",
    "9951": "sm",
    "9952": "tr",
    "9953": "va",
    "9957": "fr",
    "9959": "us",
}
#: UNTDID 4461 payment means codes (EN 16931 code list, 2023 release: 1-97 and ZZZ).
_MEANS = re.compile(r"^(?:[1-9]|[1-8][0-9]|9[0-7]|ZZZ)$")
_UNIT = re.compile(r"^[A-Z0-9]{2,3}$")
_VATEX = re.compile(r"^VATEX-[A-Z]{2,3}-[A-Z0-9-]+$", re.IGNORECASE)

_Add = Callable[[str, str, str], None]


def _stdnum(name: str) -> object:
    return require(
        name, extra="einvoice", feature="VAT and company id checks", package="python-stdnum"
    )


def check_vat_id(vat_id: str) -> str | None:
    """Why ``vat_id`` is not a valid VAT number of its country (``None`` when it is, or when
    python-stdnum has no rule for the country).

    >>> check_vat_id("BE0477472701") is None
    True
    >>> check_vat_id("DE123456789")
    "'DE123456789' fails the DE VAT check"
    """
    eu = _stdnum("stdnum.eu.vat")
    text = vat_id.strip().upper()
    if len(text) < 3 or not text[:2].isalpha():
        return f"{vat_id!r} does not start with a two-letter country code"
    country = text[:2].lower()
    if country in {c.lower() for c in eu.MEMBER_STATES} or country == "el":  # type: ignore[attr-defined]
        return None if eu.is_valid(text) else f"{vat_id!r} fails the {text[:2]} VAT check"  # type: ignore[attr-defined]
    util = _stdnum("stdnum.util")
    try:
        module = util.get_cc_module(country, "vat")  # type: ignore[attr-defined]
    except Exception:  # pragma: no cover - stdnum's lookups differ between versions
        module = None
    if module is None:
        return None
    return (
        None
        if module.is_valid(text) or module.is_valid(text[2:])
        else (f"{vat_id!r} fails the {text[:2]} VAT check")
    )


def check_iban(iban: str) -> str | None:
    """Why ``iban`` is not a valid IBAN (``None`` when it is).

    >>> check_iban("BE71096123456769") is None, check_iban("BE71096123456760") is not None
    (True, True)
    """
    schwifty = require("schwifty", extra="einvoice", feature="IBAN checks")
    try:
        schwifty.IBAN(iban)
    except Exception as exc:  # schwifty raises its own SchwiftyException subclasses
        return f"{iban!r} is not a valid IBAN: {exc}"
    return None


def _check_bic(bic: str) -> str | None:
    schwifty = require("schwifty", extra="einvoice", feature="BIC checks")
    try:
        schwifty.BIC(bic)
    except Exception as exc:
        return f"{bic!r} is not a valid BIC: {exc}"
    return None


def _check_legal(value: str, scheme: str | None) -> str | None:
    name = ICD_CHECKS.get(scheme or "")
    if name is None:
        return None
    module = _stdnum(name)
    return None if module.is_valid(value) else f"{value!r} fails the check of scheme {scheme}"  # type: ignore[attr-defined]


def _check_endpoint(value: str, scheme: str) -> str | None:
    if scheme in EAS_VAT:
        prefix = EAS_VAT[scheme].upper()
        text = value if value[:2].isalpha() else prefix + value
        return check_vat_id(text)
    if scheme == "EM":
        return (
            None
            if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value)
            else (f"{value!r} is not an e-mail address")
        )
    return _check_legal(value, scheme)


def _address(add: _Add, address: Address | None, field: str, codes: tuple[str, str]) -> None:
    if address is None:
        add(codes[0], field, "the postal address is missing")
    elif not address.country:
        add(codes[1], f"{field}.country", "the country code is missing")
    elif len(address.country) != 2 or not address.country.isalpha():
        add("BR-CL-14", f"{field}.country", f"{address.country!r} is not an ISO 3166 code")


#: What each party's checks name: the rules of a missing address and country, the attribute
#: holding its VAT id, the Peppol rule of a missing electronic address and its business term.
_PARTY_RULES: dict[str, tuple[tuple[str, str], str, str, str]] = {
    "seller": (("BR-08", "BR-09"), "vat_id", "PEPPOL-EN16931-R020", "BT-34"),
    "customer": (("BR-10", "BR-11"), "tax_id", "PEPPOL-EN16931-R010", "BT-49"),
}


def _party(add: _Add, who: str, party: Party | Customer, peppol: bool) -> None:
    """A party's address, VAT id, company id (by its ICD scheme) and electronic address (by its
    EAS scheme), the ids checked by their check digits; Peppol needs the electronic address."""
    address_rules, vat_field, missing_rule, bt = _PARTY_RULES[who]
    _address(add, party.address, f"{who}.address", address_rules)
    vat = getattr(party, vat_field)
    if vat:
        why = check_vat_id(vat)
        if why:
            add("O2C-VAT-ID", f"{who}.{vat_field}", why)
    if party.legal_id:
        why = _check_legal(party.legal_id, party.legal_id_scheme)
        if why:
            add("O2C-COMPANY-ID", f"{who}.legal_id", why)
    endpoint = party.electronic_address
    if endpoint is not None:
        why = _check_endpoint(endpoint.id, endpoint.scheme)
        if why:
            add("O2C-ENDPOINT", f"{who}.electronic_address", why)
    elif peppol:
        role = "seller's" if who == "seller" else "buyer's"
        add(
            missing_rule,
            f"{who}.electronic_address",
            f"Peppol needs the {role} electronic address ({bt})",
        )


def _seller(add: _Add, seller: Party, peppol: bool, xrechnung: bool) -> None:
    _party(add, "seller", seller, peppol)
    if not xrechnung:
        return
    c = seller.contact
    if c is None or not c.name:
        add("BR-DE-5", "seller.contact.name", "XRechnung needs the seller contact's name")
    if c is None or not c.phone:
        add("BR-DE-6", "seller.contact.phone", "XRechnung needs the seller's telephone")
    if c is None or not c.email:
        add("BR-DE-7", "seller.contact.email", "XRechnung needs the seller's e-mail")
    _xrechnung_city(add, seller.address, "seller.address", ("BR-DE-3", "BR-DE-4"))
    if not (seller.vat_id or seller.tax_registration_id):
        add("BR-DE-16", "seller.vat_id", "XRechnung needs the seller's VAT id or tax number")


def _xrechnung_city(add: _Add, address: Address | None, field: str, codes: tuple[str, str]) -> None:
    whose = "seller's" if field.startswith("seller") else "buyer's"
    if address is not None and not address.city:
        add(codes[0], f"{field}.city", f"XRechnung needs the {whose} city")
    if address is not None and not address.postal_code:
        add(codes[1], f"{field}.postal_code", f"XRechnung needs the {whose} postcode")


def _buyer(add: _Add, invoice: Invoice, peppol: bool, xrechnung: bool) -> None:
    customer = invoice.customer
    if not customer.name:
        add("BR-07", "customer.name", "the buyer's name is missing")
    _party(add, "customer", customer, peppol)
    refs = invoice.references
    if peppol and not (refs.buyer_reference or refs.customer_po):
        add(
            "PEPPOL-EN16931-R003",
            "references.buyer_reference",
            "Peppol needs a buyer reference (BT-10) or a purchase order reference (BT-13)",
        )
    if xrechnung:
        if not refs.buyer_reference:
            add(
                "BR-DE-15",
                "references.buyer_reference",
                "XRechnung needs the buyer reference (BT-10, the Leitweg-ID)",
            )
        if invoice.payment is None:
            add("BR-DE-1", "payment", "XRechnung needs the payment instructions (BG-16)")
        _xrechnung_city(add, customer.address, "customer.address", ("BR-DE-8", "BR-DE-9"))
    rep = invoice.tax_representative
    if rep is not None:
        _address(add, rep.address, "tax_representative.address", ("BR-19", "BR-20"))
        why = check_vat_id(rep.vat_id)
        if why:
            add("O2C-VAT-ID", "tax_representative.vat_id", why)


def _payment(add: _Add, pay: PaymentInstructions | None) -> None:
    if pay is None:
        return
    if not _MEANS.match(pay.means_code):
        add("BR-CL-16", "payment.means_code", f"{pay.means_code!r} is not a UNTDID 4461 code")
    if pay.account is not None:
        why = check_iban(pay.account.iban) if pay.account.iban[:2].isalpha() else None
        if why:
            add("O2C-IBAN", "payment.account.iban", why)
        if pay.account.bic:
            why = _check_bic(pay.account.bic)
            if why:
                add("O2C-BIC", "payment.account.bic", why)
    if pay.direct_debit is not None:
        why = check_iban(pay.direct_debit.debited_account)
        if why:
            add("O2C-IBAN", "payment.direct_debit.debited_account", why)
    if pay.means_code in {"49", "59"} and pay.direct_debit is None:
        add(
            "PEPPOL-EN16931-R061",
            "payment.direct_debit",
            "a direct debit needs its mandate reference (BT-89)",
        )
    if pay.means_code in {"30", "58"} and pay.account is None:
        add("BR-61", "payment.account", "a credit transfer needs the account to pay to (BT-84)")


def _lines(add: _Add, invoice: Invoice) -> None:
    for i, line in enumerate(invoice.lines):
        if not _UNIT.match(line.unit):
            add("BR-CL-23", f"lines[{i}].unit", f"{line.unit!r} is not a UN/ECE Rec 20 code")
        for t in line.taxes:
            code = t.exemption_reason_code
            if code and not _VATEX.match(code):
                add("BR-CL-22", f"lines[{i}].taxes", f"{code!r} is not a VATEX code")


def check_invoice(invoice: Invoice, format: str = "ubl") -> tuple[Violation, ...]:
    """The master-data problems of ``invoice`` for ``format`` (one of
    :data:`o2c.invoice.einvoice.FORMATS`), empty when there are none."""
    found: list[Violation] = []

    def add(code: str, field: str, message: str) -> None:
        found.append(Violation(code, field, message))

    xrechnung = format.startswith("xrechnung")
    peppol = format == "peppol" or xrechnung
    if invoice.seller is None:
        add("BR-06", "seller", "the seller is missing")
    else:
        _seller(add, invoice.seller, peppol, xrechnung)
    _buyer(add, invoice, peppol, xrechnung)
    _payment(add, invoice.payment)
    _lines(add, invoice)
    return tuple(found)
