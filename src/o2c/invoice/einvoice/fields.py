"""An invoice as EN 16931 business terms and back, whatever the syntax.

:func:`to_fields` turns an :class:`~o2c.invoice.Invoice` into a dict keyed by business term
(``"BT-1"``, ``"BG-25"`` for the list of lines ...) with text values, exactly the amounts o2c
computed (a credit memo's amounts and quantities are written positive, as EN 16931 credit notes
carry them, and negated back on reading).  The syntax tables (:mod:`~o2c.invoice.einvoice.ubl`,
:mod:`~o2c.invoice.einvoice.cii`) place these terms in XML.  :func:`from_fields` builds the
invoice again from its inputs with :meth:`Invoice.create` and refuses a document whose stated
amounts are not what its lines compute to.

What EN 16931 cannot say is refused on the way out with :class:`~o2c.errors.EInvoiceError`
naming the rule: more or less than one VAT per line, taxes that are not a VAT percentage
(fixed, compound, withholding, price-included), negative prices (BR-27), currencies with more
than two decimals, allowances and charges without their VAT, exemption certificates and VAT on a
discounted base.

Tax ids are not carried by EN 16931: a VAT read back is named by its category and rate
(:func:`vat_id`: ``S19``, ``S5.5``, ``Z``, ``E``, ``AE`` ...), so an invoice whose taxes are so
named reads back equal.  What a VAT of o2c carries beyond its category and rate travels as item
attributes of its line (BG-32, :data:`OVERRIDE_OF`, :data:`SELF_ASSESSED`): the tax an item-level
rate override belongs to, which reads back as that tax at the line's rate (``S19@7``), and the
rate a reverse-charge buyer self-assesses (``AE19``).  A line id that is the line's position
(``"1"``, ``"2"`` ...) is written for lines without one and read back as none; a discount on a
zero price (which changes nothing) is not written.
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from typing import Any

from moneyed import Money

from o2c.errors import EInvoiceError, O2CError
from o2c.invoice.document import (
    DocumentKind,
    Invoice,
    InvoiceLine,
    References,
)
from o2c.invoice.parties import (
    Address,
    BankAccount,
    Contact,
    Customer,
    DirectDebit,
    ElectronicAddress,
    Party,
    Payee,
    PaymentInstructions,
    TaxRepresentative,
)
from o2c.money import CONTEXT, minor_unit
from o2c.tax import AllowanceCharge, ChargeKind, Tax, TaxCategory, TaxKind, TaxPolicy
from o2c.terms import PaymentTerms

__all__ = [
    "BUYER_TERMS",
    "Fields",
    "OVERRIDE_OF",
    "PAYEE_TERMS",
    "SELF_ASSESSED",
    "SELLER_TERMS",
    "from_fields",
    "to_fields",
    "vat_id",
]

Fields = dict[str, Any]

_HUNDRED = Decimal(100)
#: EN 16931 amounts have at most two decimals (BR-DEC-01 ... BR-DEC-28).
_MAX_DECIMALS = 2


def vat_id(category: TaxCategory, percent: Decimal, self_assessed: Decimal | None = None) -> str:
    """The id a VAT read from an e-invoice gets: its category code, with the rate for a
    category that has rates (``S19``, ``S5.5``, ``L7``; ``Z``, ``E``, ``AE`` ...), and for a
    reverse charge the rate its buyer self-assesses (``AE19``, as :meth:`o2c.tax.Tax.reverse_charge`
    is named).

    >>> vat_id(TaxCategory.STANDARD, Decimal("19.00")), vat_id(TaxCategory.EXEMPT, Decimal(0))
    ('S19', 'E')
    >>> vat_id(TaxCategory.REVERSE_CHARGE, Decimal(0), Decimal("19"))
    'AE19'
    """
    if self_assessed is not None:
        return f"{category.value}{_rate(self_assessed)}"
    if category.zero_rate_only or category is TaxCategory.ZERO_RATED:
        return category.value
    return f"{category.value}{_rate(percent)}"


def _rate(percent: Decimal) -> str:
    return format(percent.normalize(), "f")


def _num(value: Decimal, sign: int = 1) -> str:
    v = value if sign > 0 else -value
    if v == 0:
        v = abs(v)
    return format(v, "f")


def _refuse(message: str, location: str, field: str = "invoice", value: object = None) -> None:
    raise EInvoiceError(message, location=location, field=field, value=value)


def _the_vat(taxes: tuple[Tax, ...] | None, where: str) -> Tax:
    """The single VAT percentage of a line or a document allowance/charge."""
    if taxes is None:
        _refuse(
            f"{where}: EN 16931 needs the VAT category of each document allowance and charge "
            "(BT-95/BT-102); give its taxes instead of apportioning it",
            "BR-32",
            where,
        )
        raise AssertionError  # pragma: no cover
    if len(taxes) != 1:
        _refuse(
            f"{where} has {len(taxes)} taxes: an EN 16931 line or allowance carries exactly one "
            "VAT category and rate (BR-CO-04 / BR-32 / BR-37)",
            "BR-CO-04",
            where,
            [t.id for t in taxes],
        )
    tax = taxes[0]
    if tax.category is None:
        _refuse(
            f"{where}: tax {tax.id} has no VAT category (EN 16931 BT-151 needs one; build it "
            "with Tax.vat)",
            "BR-CO-04",
            where,
            tax.id,
        )
    if tax.kind is not TaxKind.PERCENT or tax.price_included or tax.compound or tax.withholding:
        _refuse(
            f"{where}: tax {tax.id} is not a VAT percentage on a net price (kind "
            f"{tax.kind.value}, price-included {tax.price_included}, compound {tax.compound}, "
            f"withholding {tax.withholding}): EN 16931 has no place for it",
            "BR-CO-04",
            where,
            tax.id,
        )
    return tax


def _check_expressible(invoice: Invoice) -> None:
    cur = invoice.currency
    if minor_unit(cur) < Decimal("0.01"):
        _refuse(
            f"{cur.code} has more than two decimals; EN 16931 amounts have at most two",
            "BR-DEC-01",
            "currency",
            cur.code,
        )
    if invoice.exemptions:
        _refuse(
            "exemption certificates cannot be written: EN 16931 states the result (category E "
            "with a reason), not the certificate",
            "BR-E-10",
            "exemptions",
        )
    if invoice.tax_base_discount_percent is not None:
        _refuse(
            "VAT on a discounted base (Belgian 'mixed' discount) cannot be written: its VAT base "
            "differs from the line nets (BR-S-08)",
            "BR-S-08",
            "tax_base_discount_percent",
            invoice.tax_base_discount_percent,
        )
    if invoice.totals.withholding_total.amount != 0:
        _refuse("withholding taxes have no place in EN 16931", "BR-CO-16", "taxes")
    if invoice.seller is None:
        _refuse(
            "an e-invoice needs the seller (BG-4): Invoice.create(seller=...)", "BR-06", "seller"
        )
    for i, line in enumerate(invoice.lines):
        _the_vat(line.taxes, f"lines[{i}]")
        if line.unit_price.amount < 0:
            _refuse(
                f"lines[{i}]: the item net price {line.unit_price.amount} is negative; give the "
                "line a negative quantity and a positive price",
                "BR-27",
                f"lines[{i}].unit_price",
                line.unit_price.amount,
            )
    for i, charge in enumerate(invoice.charges):
        _the_vat(charge.taxes, f"charges[{i}]")


def _address(fields: Fields, keys: str, address: Address | None) -> None:
    if address is None:
        return
    street, more, city, post, sub, third, country = keys.split()
    lines = address.lines
    if len(lines) > 3:
        _refuse(
            f"an address has at most three lines in EN 16931, got {len(lines)}",
            "BG-5",
            "address.lines",
            lines,
        )
    for key, value in zip((street, more, third), lines, strict=False):
        fields[key] = value
    fields[city] = address.city
    fields[post] = address.postal_code
    fields[sub] = address.subdivision
    fields[country] = address.country


def _contact(fields: Fields, keys: str, contact: Contact | None) -> None:
    if contact is None:
        return
    name, phone, email = keys.split()
    fields[name] = contact.name
    fields[phone] = contact.phone
    fields[email] = contact.email


#: The plain terms of each party, business term to attribute, written and read by one table:
#: the seller (BG-4), the buyer (BG-7), the payee (BG-10).  Electronic addresses, postal
#: addresses and contacts have their own helpers.
SELLER_TERMS: tuple[tuple[str, str], ...] = (
    ("BT-27", "name"),
    ("BT-28", "trading_name"),
    ("BT-29", "identifier"),
    ("BT-29-1", "identifier_scheme"),
    ("BT-30", "legal_id"),
    ("BT-30-1", "legal_id_scheme"),
    ("BT-31", "vat_id"),
    ("BT-32", "tax_registration_id"),
    ("BT-33", "legal_info"),
)
BUYER_TERMS: tuple[tuple[str, str], ...] = (
    ("BT-45", "trading_name"),
    ("BT-46", "id"),
    ("BT-47", "legal_id"),
    ("BT-47-1", "legal_id_scheme"),
    ("BT-48", "tax_id"),
)
PAYEE_TERMS: tuple[tuple[str, str], ...] = (
    ("BT-59", "name"),
    ("BT-60", "identifier"),
    ("BT-60-1", "identifier_scheme"),
    ("BT-61", "legal_id"),
    ("BT-61-1", "legal_id_scheme"),
)


def _terms_of(f: Fields, party: object, terms: tuple[tuple[str, str], ...]) -> None:
    for key, name in terms:
        f[key] = getattr(party, name)


def _endpoint(f: Fields, key: str, address: ElectronicAddress | None) -> None:
    """BT-34 / BT-49 and its scheme (``-1``)."""
    if address is not None:
        f[key] = address.id
        f[f"{key}-1"] = address.scheme


def _parties(f: Fields, invoice: Invoice) -> None:
    s = invoice.seller
    assert s is not None
    _terms_of(f, s, SELLER_TERMS)
    _endpoint(f, "BT-34", s.electronic_address)
    _address(f, "BT-35 BT-36 BT-37 BT-38 BT-39 BT-162 BT-40", s.address)
    _contact(f, "BT-41 BT-42 BT-43", s.contact)
    c = invoice.customer
    f["BT-44"] = c.name or None
    _terms_of(f, c, BUYER_TERMS)
    _endpoint(f, "BT-49", c.electronic_address)
    _address(f, "BT-50 BT-51 BT-52 BT-53 BT-54 BT-163 BT-55", c.address)
    if c.contact is not None:
        _contact(f, "BT-56 BT-57 BT-58", c.contact)
    else:
        f["BT-58"] = c.email
    if invoice.payee is not None:
        _terms_of(f, invoice.payee, PAYEE_TERMS)
    r = invoice.tax_representative
    if r is not None:
        f["BT-62"] = r.name
        f["BT-63"] = r.vat_id
        _address(f, "BT-64 BT-65 BT-66 BT-67 BT-68 BT-164 BT-69", r.address)
    _payment(f, invoice.payment)


def _payment(f: Fields, pay: PaymentInstructions | None) -> None:
    if pay is None:
        return
    f["BT-81"] = pay.means_code
    f["BT-82"] = pay.means_text
    if pay.account is not None:
        f["BT-84"] = pay.account.iban
        f["BT-85"] = pay.account.name
        f["BT-86"] = pay.account.bic
    if pay.direct_debit is not None:
        f["BT-89"] = pay.direct_debit.mandate
        f["BT-90"] = pay.direct_debit.creditor_id
        f["BT-91"] = pay.direct_debit.debited_account


def _category_fields(tax: Tax, code_key: str, rate_key: str, item: Fields) -> None:
    assert tax.category is not None
    item[code_key] = tax.category.value
    if tax.category is not TaxCategory.OUTSIDE_SCOPE:  # BR-O-05 / BR-O-09: no rate for O
        item[rate_key] = _num(tax.percent)


#: The item attributes (BG-32: BT-160 name, BT-161 value) o2c writes on a line for what a VAT of
#: o2c carries and EN 16931 has no term for, so that it reads back as it was: the tax an
#: item-level rate override belongs to (its id; BT-152 is the rate), and the rate at which a
#: reverse-charge buyer self-assesses the VAT (BT-152 is 0, BR-AE-05).
OVERRIDE_OF = "VAT rate override of"
SELF_ASSESSED = "Self-assessed VAT rate"


def _tax_attributes(tax: Tax) -> list[Fields]:
    out = []
    if tax.overridden:
        out.append({"BT-160": OVERRIDE_OF, "BT-161": tax.id})
    if tax.self_assessed_percent is not None:
        out.append({"BT-160": SELF_ASSESSED, "BT-161": _num(tax.self_assessed_percent)})
    return out


def _document_fields(invoice: Invoice) -> Fields:
    refs = invoice.references
    f: Fields = {
        "BT-1": invoice.number,
        "BT-2": invoice.issue_date.isoformat(),
        "BT-3": invoice.kind.value,
        "BT-5": invoice.currency.code,
        "BT-22": invoice.note or None,
        "BT-10": refs.buyer_reference,
        "BT-11": refs.project,
        "BT-12": refs.contract,
        "BT-13": refs.customer_po,
        "BT-14": refs.order,
        "BT-25": refs.preceding_invoice,
        "BT-83": refs.payment_reference,
        "BT-72": None if invoice.delivery_date is None else invoice.delivery_date.isoformat(),
    }
    if invoice.terms is not None:
        f["BT-20"] = str(invoice.terms)
    if invoice.schedule is not None:
        f["BT-9"] = invoice.schedule.due_date.isoformat()
    return f


def _line_fields(invoice: Invoice, sign: int) -> list[Fields]:
    lines = []
    for i, (line, result) in enumerate(zip(invoice.lines, invoice.tax.lines, strict=True)):
        item: Fields = {
            "BT-126": line.line_id or str(i + 1),
            "BT-129": _num(line.quantity, sign),
            "BT-130": line.unit,
            "BT-131": _num(result.net.amount, sign),
            "BT-153": line.description,
            "BT-155": line.item_id,
        }
        price = line.unit_price.amount
        if line.discount_percent and price:  # a discount on a zero price says nothing
            off = price * line.discount_percent / _HUNDRED
            item["BT-148"] = _num(price)
            item["BT-147"] = _num(off)
            item["BT-146"] = _num(price - off)
        else:
            item["BT-146"] = _num(price)
        _category_fields(line.taxes[0], "BT-151", "BT-152", item)
        item["BG-32"] = _tax_attributes(line.taxes[0])
        lines.append(item)
    return lines


#: The terms of a document allowance (BG-20) and charge (BG-21): amount, VAT category and rate,
#: reason and reason code.
_CHARGE_TERMS: dict[ChargeKind, tuple[str, str, str, str, str]] = {
    ChargeKind.ALLOWANCE: ("BT-92", "BT-95", "BT-96", "BT-97", "BT-98"),
    ChargeKind.CHARGE: ("BT-99", "BT-102", "BT-103", "BT-104", "BT-105"),
}


def _charge_fields(invoice: Invoice, sign: int) -> tuple[list[Fields], list[Fields]]:
    """The document allowances (BG-20) and charges (BG-21)."""
    out: dict[ChargeKind, list[Fields]] = {kind: [] for kind in _CHARGE_TERMS}
    for charge in invoice.charges:
        tax = _the_vat(charge.taxes, "charges")
        amount, code, rate, reason, reason_code = _CHARGE_TERMS[charge.kind]
        item: Fields = {
            amount: _num(charge.amount.amount, sign),
            reason: charge.reason or None,
            reason_code: charge.reason_code,
        }
        _category_fields(tax, code, rate, item)
        out[charge.kind].append(item)
    return out[ChargeKind.ALLOWANCE], out[ChargeKind.CHARGE]


def _breakdown_fields(invoice: Invoice, sign: int) -> list[Fields]:
    """The VAT breakdown (BG-23)."""
    breakdown = []
    for b in invoice.tax.breakdown:
        if b.category is None:  # pragma: no cover - every tax has a category (checked)
            continue
        item = {
            "BT-116": _num(b.base.amount, sign),
            "BT-117": _num(b.amount.amount, sign),
            "BT-118": b.category.value,
            "BT-120": b.exemption_reason,
            "BT-121": b.exemption_reason_code,
        }
        if b.category is not TaxCategory.OUTSIDE_SCOPE:
            item["BT-119"] = _num(b.percent or Decimal(0))
        breakdown.append(item)
    return breakdown


def _total_fields(f: Fields, invoice: Invoice, sign: int) -> None:
    """The document totals (BG-22); the allowance and charge totals only beside their lists."""
    t = invoice.totals
    f["BT-106"] = _num(t.line_total.amount, sign)
    if f["BG-20"]:
        f["BT-107"] = _num(t.allowance_total.amount, sign)
    if f["BG-21"]:
        f["BT-108"] = _num(t.charge_total.amount, sign)
    f["BT-109"] = _num(t.untaxed.amount, sign)
    f["BT-110"] = _num(t.tax_total.amount, sign)
    f["BT-112"] = _num(t.total_with_tax.amount, sign)
    if invoice.prepaid is not None:
        f["BT-113"] = _num(t.prepaid.amount, sign)
    if t.rounding_amount.amount != 0:
        f["BT-114"] = _num(t.rounding_amount.amount, sign)
    f["BT-115"] = _num(t.amount_due.amount, sign)


def to_fields(invoice: Invoice) -> Fields:
    """The invoice's business terms (text values; ``None`` for absent ones), checked to be
    expressible in EN 16931."""
    _check_expressible(invoice)
    sign = -1 if invoice.kind is DocumentKind.CREDIT_MEMO else 1
    f = _document_fields(invoice)
    _parties(f, invoice)
    with decimal.localcontext(CONTEXT):
        f["BG-25"] = _line_fields(invoice, sign)
        f["BG-20"], f["BG-21"] = _charge_fields(invoice, sign)
        f["BG-23"] = _breakdown_fields(invoice, sign)
        _total_fields(f, invoice, sign)
    return f


# --------------------------------------------------------------------------------------------
# Reading


def _dec(f: Fields, key: str, location: str | None = None) -> Decimal:
    text = f.get(key)
    try:
        value = Decimal(str(text))
        if text is None or not value.is_finite():
            raise decimal.InvalidOperation
    except (decimal.InvalidOperation, TypeError, ValueError):
        raise EInvoiceError(
            f"{key} must be a number, got {text!r}", location=location or key, field=key, value=text
        ) from None
    return value


def _date(f: Fields, key: str) -> dt.date | None:
    text = f.get(key)
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise EInvoiceError(
            f"{key} must be a date (YYYY-MM-DD), got {text!r}", location=key, field=key, value=text
        ) from None


def _read_address(f: Fields, keys: str) -> Address | None:
    street, more, city, post, sub, third, country = keys.split()
    lines = tuple(f[k] for k in (street, more, third) if f.get(k))
    values = (f.get(city), f.get(post), f.get(sub), f.get(country))
    if not lines and not any(values):
        return None
    return Address(
        lines=lines,
        city=f.get(city),
        postal_code=f.get(post),
        subdivision=f.get(sub),
        country=f.get(country),
    )


def _read_contact(f: Fields, keys: str) -> Contact | None:
    name, phone, email = keys.split()
    if not any(f.get(k) for k in (name, phone, email)):
        return None
    return Contact(name=f.get(name), phone=f.get(phone), email=f.get(email))


def _electronic(f: Fields, key: str) -> ElectronicAddress | None:
    if not f.get(key):
        return None
    return ElectronicAddress(f[key], f.get(f"{key}-1") or "")


def _from_terms(f: Fields, terms: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {name: f.get(key) for key, name in terms}


def _read_parties(f: Fields) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if f.get("BT-27"):
        out["seller"] = Party(
            **_from_terms(f, SELLER_TERMS),
            address=_read_address(f, "BT-35 BT-36 BT-37 BT-38 BT-39 BT-162 BT-40"),
            electronic_address=_electronic(f, "BT-34"),
            contact=_read_contact(f, "BT-41 BT-42 BT-43"),
        )
    contact = None
    email = None
    if f.get("BT-56") or f.get("BT-57"):
        contact = _read_contact(f, "BT-56 BT-57 BT-58")
    else:
        email = f.get("BT-58")
    buyer = _from_terms(f, BUYER_TERMS)
    buyer["id"] = f.get("BT-46") or f.get("BT-48") or f.get("BT-49") or f.get("BT-44")
    if not buyer["id"]:
        _refuse("the buyer has no name (BT-44)", "BR-07", "BT-44")
    out["customer"] = Customer(
        **buyer,
        name=f.get("BT-44") or "",
        address=_read_address(f, "BT-50 BT-51 BT-52 BT-53 BT-54 BT-163 BT-55"),
        email=email,
        electronic_address=_electronic(f, "BT-49"),
        contact=contact,
    )
    if f.get("BT-59"):
        out["payee"] = Payee(**_from_terms(f, PAYEE_TERMS))
    if f.get("BT-62"):
        address = _read_address(f, "BT-64 BT-65 BT-66 BT-67 BT-68 BT-164 BT-69")
        out["tax_representative"] = TaxRepresentative(
            name=f["BT-62"], vat_id=f.get("BT-63") or "", address=address or Address()
        )
    if f.get("BT-81"):
        out["payment"] = _read_payment(f)
    return out


def _read_payment(f: Fields) -> PaymentInstructions:
    account = None
    if f.get("BT-84"):
        account = BankAccount(iban=f["BT-84"], name=f.get("BT-85"), bic=f.get("BT-86"))
    debit = None
    if f.get("BT-89"):
        debit = DirectDebit(
            mandate=f["BT-89"],
            creditor_id=f.get("BT-90") or "",
            debited_account=f.get("BT-91") or "",
        )
    return PaymentInstructions(
        means_code=f["BT-81"], means_text=f.get("BT-82"), account=account, direct_debit=debit
    )


class _Taxes:
    """The VATs of a document by category and rate (and what a line's item attributes say of
    them), with the breakdown's exemption reasons."""

    def __init__(self, f: Fields) -> None:
        self.reasons: dict[tuple[str, Decimal], tuple[str | None, str | None]] = {}
        for b in f.get("BG-23") or ():
            rate = _dec(b, "BT-119", "BG-23") if b.get("BT-119") is not None else Decimal(0)
            self.reasons[(b.get("BT-118") or "", rate)] = (b.get("BT-120"), b.get("BT-121"))
        self.made: dict[tuple[str, Decimal, str | None, Decimal | None], Tax] = {}

    def get(
        self,
        code: str | None,
        rate: Decimal,
        where: str,
        *,
        override_of: str | None = None,
        self_assessed: Decimal | None = None,
    ) -> Tax:
        key = (code or "", rate, override_of, self_assessed)
        tax = self.made.get(key)
        if tax is not None:
            return tax
        try:
            category = TaxCategory(code)
        except ValueError:
            raise EInvoiceError(
                f"{where}: unknown VAT category {code!r} (UNTDID 5305: S, Z, E, AE, K, G, O, L, M)",
                location="BR-CL-17",
                field=where,
                value=code,
            ) from None
        reason, reason_code = self.reasons.get(key[:2], (None, None))
        options: dict[str, Any] = {"reason": reason, "reason_code": reason_code}
        if override_of is not None:
            options["overridden"] = True
        if self_assessed is not None:
            options["self_assessed_percent"] = self_assessed
        try:
            tax = Tax.vat(
                override_of or vat_id(category, rate, self_assessed), rate, category, **options
            )
        except O2CError as exc:
            raise EInvoiceError(str(exc), location=where, field=where, value=code) from exc
        self.made[key] = tax
        return tax

    def for_charge(self, code: str | None, rate: Decimal, where: str) -> Tax:
        """A document allowance's or charge's VAT: a reverse charge whose buyer self-assesses
        it at one rate on every line is the lines' (a charge has no item attributes)."""
        same = {
            t
            for (c, r, _of, assessed), t in self.made.items()
            if (c, r) == (code or "", rate) and assessed is not None
        }
        if len(same) == 1:
            return same.pop()
        return self.get(code, rate, where)


def _line_tax(f: Fields, taxes: _Taxes, where: str) -> Tax:
    """A line's VAT: its category and rate (BT-151, BT-152) and o2c's item attributes."""
    rate = _dec(f, "BT-152", where) if f.get("BT-152") is not None else Decimal(0)
    said = {a.get("BT-160"): a.get("BT-161") for a in f.get("BG-32") or ()}
    assessed = None
    if said.get(SELF_ASSESSED) is not None:
        assessed = _dec({SELF_ASSESSED: said[SELF_ASSESSED]}, SELF_ASSESSED, where)
    return taxes.get(
        f.get("BT-151"), rate, where, override_of=said.get(OVERRIDE_OF), self_assessed=assessed
    )


def _per_unit(price: Decimal, base: Decimal) -> Decimal:
    """A price per ``base`` units as the price of one (BT-149 item price base quantity)."""
    if base == 1:
        return price
    with decimal.localcontext(CONTEXT):
        return _plain(price / base)


def _plain(value: Decimal) -> Decimal:
    """As few digits as the value needs ("10", not "10.0")."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _line(f: Fields, i: int, sign: int, currency: str, taxes: _Taxes) -> InvoiceLine:
    where = f"BG-25[{i + 1}]"
    quantity = _dec(f, "BT-129", where) * sign
    base = _dec(f, "BT-149", where) if f.get("BT-149") is not None else Decimal(1)
    if base <= 0:
        _refuse(f"{where}: the price base quantity (BT-149) must be positive", "BT-149", where)
    if base != 1 and f.get("BT-131") is not None and f.get("BT-148") is None:
        # Some senders state a base quantity their line amount does not use (CEN's own
        # CII_example9: 49 per 49 months, 3 months, 147): the stated net decides.
        net = abs(_dec(f, "BT-131", where))
        price_text = _dec(f, "BT-146", where)
        if abs(quantity) * price_text == net and abs(quantity) * price_text / base != net:
            base = Decimal(1)
    discount = Decimal(0)
    if f.get("BT-148") is not None:
        gross_base = _dec(f, "BT-149-G", where) if f.get("BT-149-G") is not None else base
        gross = _dec(f, "BT-148", where)
        with decimal.localcontext(CONTEXT):
            off = (
                _dec(f, "BT-147", where)
                if f.get("BT-147") is not None
                else gross - _dec(f, "BT-146", where) * gross_base / base
            )
            price = _per_unit(gross, gross_base)
            if gross != 0 and off != 0:
                discount = _plain(off / gross * _HUNDRED)
    else:
        price = _per_unit(_dec(f, "BT-146", where), base)
    allowances: list[Fields] = f.get("BG-27") or []
    charges: list[Fields] = f.get("BG-28") or []
    if allowances or charges:
        # Line allowances less line charges (BG-27 / BG-28) become the line's discount.
        with decimal.localcontext(CONTEXT):
            if (
                len(allowances) == 1
                and not charges
                and allowances[0].get("BT-138") is not None
                and not discount
            ):
                discount = _plain(_dec(allowances[0], "BT-138", where))
            else:
                amount = sum((_dec(a, "BT-136", where) for a in allowances), Decimal(0))
                amount -= sum((_dec(c, "BT-141", where) for c in charges), Decimal(0))
                gross_amount = abs(quantity) * price
                if gross_amount:
                    off = gross_amount * discount / _HUNDRED + amount
                    discount = _plain(off / gross_amount * _HUNDRED)
        if not 0 <= discount <= _HUNDRED:
            _refuse(
                f"{where}: its allowances and charges come to a discount of {discount}% "
                "(an o2c line is quantity x price less a discount of 0 to 100%)",
                "BG-28",
                where,
            )
    if f.get("BT-131") is not None and quantity * price * _dec(f, "BT-131", where) * sign < 0:
        quantity = -quantity  # a return stated by a negative line amount, positive quantity
    line_id = f.get("BT-126")
    return InvoiceLine(
        description=f.get("BT-153") or "",
        quantity=quantity,
        unit_price=Money(price, currency),
        taxes=[_line_tax(f, taxes, where)],
        discount_percent=discount,
        line_id=None if line_id == str(i + 1) else line_id,
        item_id=f.get("BT-155"),
        unit=f.get("BT-130") or "C62",
    )


def _charge(
    f: Fields, kind: ChargeKind, sign: int, currency: str, taxes: _Taxes
) -> AllowanceCharge:
    amount, code, rate, reason, reason_code = _CHARGE_TERMS[kind]
    where = "BG-20" if kind is ChargeKind.ALLOWANCE else "BG-21"
    percent = _dec(f, rate, where) if f.get(rate) is not None else Decimal(0)
    return AllowanceCharge(
        kind=kind,
        amount=Money(_dec(f, amount, where) * sign, currency),
        reason=f.get(reason) or "",
        reason_code=f.get(reason_code),
        taxes=(taxes.for_charge(f.get(code), percent, where),),
    )


def _terms(f: Fields, issue: dt.date) -> PaymentTerms | None:
    text = f.get("BT-20")
    if text:
        try:
            return PaymentTerms.parse(text)
        except O2CError:
            pass
    due = _date(f, "BT-9")
    if due is not None and due >= issue:
        return PaymentTerms.parse(f"net {(due - issue).days}")
    return None


def _kind(f: Fields) -> DocumentKind:
    code = f.get("BT-3")
    try:
        return DocumentKind(code)
    except ValueError:
        raise EInvoiceError(
            f"document type {code!r}: o2c reads invoices (380) and credit notes (381)",
            location="BT-3",
            field="BT-3",
            value=code,
        ) from None


def check_sums(f: Fields) -> list[tuple[str, str, str]]:
    """The EN 16931 sums (BR-CO-10 ... BR-CO-16) of the document's own stated amounts, as
    ``(rule, business term, message)``."""
    out = []
    d = Decimal

    def amount(key: str) -> Decimal:
        return d(f[key]) if f.get(key) is not None else d(0)

    try:
        lines = sum((d(x.get("BT-131") or 0) for x in f.get("BG-25") or ()), d(0))
        allowances = sum((d(x.get("BT-92") or 0) for x in f.get("BG-20") or ()), d(0))
        charges = sum((d(x.get("BT-99") or 0) for x in f.get("BG-21") or ()), d(0))
        vat = sum((d(x.get("BT-117") or 0) for x in f.get("BG-23") or ()), d(0))
        checks = (
            ("BR-CO-10", "BT-106", amount("BT-106"), lines),
            ("BR-CO-11", "BT-107", amount("BT-107"), allowances),
            ("BR-CO-12", "BT-108", amount("BT-108"), charges),
            (
                "BR-CO-13",
                "BT-109",
                amount("BT-109"),
                amount("BT-106") - amount("BT-107") + amount("BT-108"),
            ),
            ("BR-CO-14", "BT-110", amount("BT-110"), vat),
            ("BR-CO-15", "BT-112", amount("BT-112"), amount("BT-109") + amount("BT-110")),
            (
                "BR-CO-16",
                "BT-115",
                amount("BT-115"),
                amount("BT-112") - amount("BT-113") + amount("BT-114"),
            ),
        )
    except (decimal.InvalidOperation, TypeError, ValueError):
        return [("BR-DEC", "amounts", "an amount is not a number")]
    for rule, key, stated, computed in checks:
        if stated != computed:
            out.append((rule, key, f"{key} {stated} != {computed}"))
    return out


#: The document totals compared with the invoice computed again, with their rule.
_TOTALS = (
    ("BT-106", "line_total"),
    ("BT-107", "allowance_total"),
    ("BT-108", "charge_total"),
    ("BT-109", "untaxed"),
    ("BT-110", "tax_total"),
    ("BT-112", "total_with_tax"),
    ("BT-113", "prepaid"),
    ("BT-114", "rounding_amount"),
    ("BT-115", "amount_due"),
)


def from_fields(f: Fields, *, policy: TaxPolicy | None = None) -> Invoice:
    """The invoice of the business terms ``f``, computed again under ``policy`` (EN 16931's
    global rounding by default) and checked against the document's stated amounts.

    Raises:
        EInvoiceError: for a document that breaks an EN 16931 sum, a type other than invoice
            or credit note, or amounts its lines do not compute to under ``policy``.
    """
    for rule, key, message in check_sums(f):
        raise EInvoiceError(message, location=rule, field=key, value=f.get(key))
    kind = _kind(f)
    sign = -1 if kind is DocumentKind.CREDIT_MEMO else 1
    currency = f.get("BT-5") or ""
    issue = _date(f, "BT-2")
    if issue is None:
        _refuse("the issue date (BT-2) is missing", "BR-03", "BT-2")
        raise AssertionError  # pragma: no cover
    taxes = _Taxes(f)
    try:
        lines = [_line(x, i, sign, currency, taxes) for i, x in enumerate(f.get("BG-25") or ())]
        charges = [
            _charge(x, ChargeKind.ALLOWANCE, sign, currency, taxes) for x in f.get("BG-20") or ()
        ] + [_charge(x, ChargeKind.CHARGE, sign, currency, taxes) for x in f.get("BG-21") or ()]
        references = References(
            order=f.get("BT-14"),
            customer_po=f.get("BT-13"),
            payment_reference=f.get("BT-83"),
            preceding_invoice=f.get("BT-25"),
            buyer_reference=f.get("BT-10"),
            contract=f.get("BT-12"),
            project=f.get("BT-11"),
        )
        prepaid = None
        if f.get("BT-113") is not None:
            prepaid = Money(_dec(f, "BT-113") * sign, currency)
        invoice = Invoice.create(
            number=f.get("BT-1") or "",
            issue_date=issue,
            currency=currency,
            lines=lines,
            charges=charges,
            terms=None if kind is DocumentKind.CREDIT_MEMO else _terms(f, issue),
            delivery_date=_date(f, "BT-72"),
            references=references,
            policy=policy,
            prepaid=prepaid,
            note=f.get("BT-22") or "",
            kind=kind,
            payment_reference=False,
            **_read_parties(f),
        )
    except EInvoiceError:
        raise
    except O2CError as exc:
        raise EInvoiceError(
            f"the document does not make an o2c invoice: {exc}",
            location=str(getattr(exc, "field", "invoice")),
        ) from exc
    totals = invoice.totals
    for key, name in _TOTALS:
        if f.get(key) is None:
            continue
        stated = _dec(f, key) * sign
        computed = getattr(totals, name).amount
        if stated != computed:
            raise EInvoiceError(
                f"{key} states {stated} but the lines compute to {computed} under "
                f"{'the given' if policy is not None else 'EN 16931 global'} rounding",
                location=key,
                field=key,
                value=stated,
            )
    return invoice
