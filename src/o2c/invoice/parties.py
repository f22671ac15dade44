"""The parties of an invoice (EN 16931): the seller (BG-4), the buyer (BG-7, :class:`Customer`),
the payee (BG-10), the seller's tax representative (BG-11), and the payment instructions
(BG-16: means code, the seller's bank account BG-17, direct debit BG-19).

Constructing a party checks only its shape (text, types); whether a VAT id, company id or IBAN
is right by its check digits and the country's rules is checked on the way out, when an
e-invoice is written (:func:`o2c.invoice.einvoice.check_parties`), so that building an invoice
costs nothing for the data it does not use.

>>> seller = Party(name="Acme SA", vat_id="BE0477472701",
...                address=Address(lines=("Rue Neuve 1",), city="Bruxelles",
...                                postal_code="1000", country="BE"),
...                electronic_address=ElectronicAddress("0477472701", "0208"))
>>> seller.electronic_address.scheme
'0208'
>>> PaymentInstructions(means_code="58", account=BankAccount(iban="BE71 0961 2345 6769"))
... # doctest: +ELLIPSIS
PaymentInstructions(means_code='58', ..., account=BankAccount(iban='BE71096123456769', ...)...)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from o2c._checks import as_tuple, shown
from o2c.errors import InvalidInvoiceError

__all__ = [
    "Address",
    "BankAccount",
    "Contact",
    "Customer",
    "DirectDebit",
    "ElectronicAddress",
    "Party",
    "Payee",
    "PaymentInstructions",
    "TaxRepresentative",
]


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInvoiceError(
            f"expected text, got {type(value).__name__}", field="text", value=shown(value)
        )
    return value.strip()


def _optional(value: object) -> str | None:
    if value is None:
        return None
    return _text(value) or None


def _compact(value: object) -> str | None:
    """Text without spaces (IBAN, BIC), upper case."""
    text = _optional(value)
    return None if text is None else "".join(text.split()).upper()


def _text_tuple(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    return tuple(_text(v) for v in as_tuple(value, "lines", "items", InvalidInvoiceError))


def _instance_of(kind: type, *, optional: bool = False) -> Any:
    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not (isinstance(value, kind) or (optional and value is None)):
            raise InvalidInvoiceError(
                f"{attribute.name}={shown(value)!r} must be a {kind.__name__}"
                + (" or None" if optional else ""),
                field=attribute.name,
                value=shown(value),
            )

    return check


@attrs.frozen(kw_only=True)
class Address:
    """A postal address (EN 16931 BG-5 / BG-8 / BG-12 / BG-15).

    ``lines`` are BT-35, BT-36 and BT-162 (at most three in an e-invoice), ``city`` BT-37,
    ``postal_code`` BT-38, ``subdivision`` BT-39, ``country`` an ISO 3166-1 alpha-2 code (BT-40).
    """

    lines: tuple[str, ...] = attrs.field(default=(), converter=_text_tuple)
    city: str | None = attrs.field(default=None, converter=_optional)
    postal_code: str | None = attrs.field(default=None, converter=_optional)
    subdivision: str | None = attrs.field(default=None, converter=_optional)
    country: str | None = attrs.field(default=None, converter=_optional)


@attrs.frozen
class ElectronicAddress:
    """Where a party receives e-invoices (BT-34 / BT-49): an id in a scheme of the EAS code
    list (CEF Electronic Address Scheme: ``0088`` GLN, ``0208`` Belgian company number,
    ``9930`` German VAT, ``0204`` Leitweg-ID, ``EM`` e-mail ...)."""

    id: str = attrs.field(converter=_text)
    scheme: str = attrs.field(converter=_text)


@attrs.frozen(kw_only=True)
class Contact:
    """A contact point (BG-6 seller, BG-9 buyer): name, telephone, e-mail."""

    name: str | None = attrs.field(default=None, converter=_optional)
    phone: str | None = attrs.field(default=None, converter=_optional)
    email: str | None = attrs.field(default=None, converter=_optional)


@attrs.frozen(kw_only=True)
class Party:
    """The seller (EN 16931 BG-4) or, in a received invoice, whoever issued it.

    ``vat_id`` is BT-31 (with its country prefix), ``tax_registration_id`` BT-32 (a national tax
    number, Germany's Steuernummer), ``legal_id`` BT-30 with its ICD scheme BT-30-1 (``0208``
    Belgian company number, ``0002`` SIREN ...), ``identifier`` BT-29 with scheme, and
    ``legal_info`` BT-33 (share capital, register court ...).
    """

    name: str = attrs.field(converter=_text)
    trading_name: str | None = attrs.field(default=None, converter=_optional)
    identifier: str | None = attrs.field(default=None, converter=_optional)
    identifier_scheme: str | None = attrs.field(default=None, converter=_optional)
    legal_id: str | None = attrs.field(default=None, converter=_optional)
    legal_id_scheme: str | None = attrs.field(default=None, converter=_optional)
    vat_id: str | None = attrs.field(default=None, converter=_compact)
    tax_registration_id: str | None = attrs.field(default=None, converter=_optional)
    legal_info: str | None = attrs.field(default=None, converter=_optional)
    address: Address | None = attrs.field(
        default=None, validator=_instance_of(Address, optional=True)
    )
    electronic_address: ElectronicAddress | None = attrs.field(
        default=None, validator=_instance_of(ElectronicAddress, optional=True)
    )
    contact: Contact | None = attrs.field(
        default=None, validator=_instance_of(Contact, optional=True)
    )


@attrs.frozen(kw_only=True)
class Customer:
    """The buyer with the data billing needs (EN 16931 BG-7).

    ``id`` is o2c's customer id (written as the buyer identifier BT-46), ``name`` BT-44,
    ``tax_id`` the buyer's VAT id BT-48, ``email`` where invoices go by mail; for e-invoices
    also ``trading_name`` BT-45, ``legal_id`` BT-47 with scheme, ``electronic_address`` BT-49
    (a Peppol endpoint) and ``contact`` BG-9.
    """

    id: str = attrs.field(converter=_text)
    name: str = attrs.field(default="", converter=_text)
    address: Address | None = attrs.field(
        default=None, validator=_instance_of(Address, optional=True)
    )
    tax_id: str | None = attrs.field(default=None, converter=_optional)
    email: str | None = attrs.field(default=None, converter=_optional)
    trading_name: str | None = attrs.field(default=None, converter=_optional)
    legal_id: str | None = attrs.field(default=None, converter=_optional)
    legal_id_scheme: str | None = attrs.field(default=None, converter=_optional)
    electronic_address: ElectronicAddress | None = attrs.field(
        default=None, validator=_instance_of(ElectronicAddress, optional=True)
    )
    contact: Contact | None = attrs.field(
        default=None, validator=_instance_of(Contact, optional=True)
    )


@attrs.frozen(kw_only=True)
class Payee:
    """The payee when not the seller (BG-10): name BT-59, identifier BT-60, legal id BT-61."""

    name: str = attrs.field(converter=_text)
    identifier: str | None = attrs.field(default=None, converter=_optional)
    identifier_scheme: str | None = attrs.field(default=None, converter=_optional)
    legal_id: str | None = attrs.field(default=None, converter=_optional)
    legal_id_scheme: str | None = attrs.field(default=None, converter=_optional)


@attrs.frozen(kw_only=True)
class TaxRepresentative:
    """The seller's tax representative (BG-11): name BT-62, VAT id BT-63, address BG-12."""

    name: str = attrs.field(converter=_text)
    vat_id: str = attrs.field(converter=_compact)
    address: Address = attrs.field(validator=_instance_of(Address))


@attrs.frozen(kw_only=True)
class BankAccount:
    """The account to pay to (BG-17): IBAN (or another account id) BT-84, name BT-85,
    BIC BT-86 (spaces removed, upper case)."""

    iban: str = attrs.field(converter=_compact)
    name: str | None = attrs.field(default=None, converter=_optional)
    bic: str | None = attrs.field(default=None, converter=_compact)


@attrs.frozen(kw_only=True)
class DirectDebit:
    """A SEPA direct debit (BG-19): mandate reference BT-89, the seller's creditor id BT-90,
    the debited account BT-91."""

    mandate: str = attrs.field(converter=_text)
    creditor_id: str = attrs.field(converter=_text)
    debited_account: str = attrs.field(converter=_compact)


@attrs.frozen(kw_only=True)
class PaymentInstructions:
    """How to pay (BG-16): the means code BT-81 (UNTDID 4461: ``58`` SEPA credit transfer,
    ``30`` credit transfer, ``59`` SEPA direct debit, ``49`` direct debit, ``10`` cash ...),
    its text BT-82, the seller's account BG-17 or a direct debit BG-19.

    The remittance information BT-83 is the invoice's payment reference
    (:attr:`o2c.invoice.References.payment_reference`).
    """

    means_code: str = attrs.field(default="58", converter=_text)
    means_text: str | None = attrs.field(default=None, converter=_optional)
    account: BankAccount | None = attrs.field(
        default=None, validator=_instance_of(BankAccount, optional=True)
    )
    direct_debit: DirectDebit | None = attrs.field(
        default=None, validator=_instance_of(DirectDebit, optional=True)
    )
