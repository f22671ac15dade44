"""The invoice document: :class:`Invoice`, its lines, parties and totals, the payment schedule
from its terms, its RF reference, and validation (examples in :mod:`o2c.invoice`)."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import functools
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, NewType

import attrs
from moneyed import Currency, Money

from o2c._build import builder
from o2c._checks import as_tuple, shown
from o2c.errors import CurrencyMismatchError, InvalidInvoiceError, InvalidTermsError, O2CError
from o2c.invoice import references as creditor_reference

# the parties and, from them, the package's one copy of its text converters (_text, _optional)
from o2c.invoice.parties import (
    Address,
    Customer,
    Party,
    Payee,
    PaymentInstructions,
    TaxRepresentative,
    _optional,
    _text,
)
from o2c.money import (
    AMOUNT_INTEGER_DIGITS,
    CONTEXT,
    CashRounding,
    Rounding,
    check_amount,
    minor_unit,
    quantize_decimal,
    to_decimal,
)
from o2c.tax import (
    AllowanceCharge,
    ChargeKind,
    ExemptionCertificate,
    SelfAssessedTax,
    Tax,
    TaxableLine,
    TaxCategory,
    TaxKind,
    TaxPolicy,
    TaxResult,
    compute,
    line_taxes,
)
from o2c.tax.engine import compute_checked
from o2c.tax.inputs import check_line_amount, checked_line, document_currency
from o2c.tax.policy import DEFAULT_POLICY
from o2c.terms import DiscountBase, PaymentTerms, Schedule

__all__ = [
    "Address",
    "Customer",
    "DocumentKind",
    "Invoice",
    "InvoiceLine",
    "InvoiceNumber",
    "InvoiceTotals",
    "References",
    "Violation",
    "credit_memo",
    "validate",
]

InvoiceNumber = NewType("InvoiceNumber", str)

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
#: The longest invoice number o2c takes (BT-1 has no length in EN 16931; UN/EDIFACT document
#: numbers are an..35, and no numbering scheme we know of comes near this).
_MAX_NUMBER = 200
#: The amount limit of o2c.money (AMOUNT_INTEGER_DIGITS digits before the point).
_LIMIT = Decimal(10) ** AMOUNT_INTEGER_DIGITS


class DocumentKind(enum.Enum):
    """The document type (UNTDID 1001 codes, EN 16931 BT-3)."""

    INVOICE = "380"
    CREDIT_MEMO = "381"


@attrs.frozen(kw_only=True)
class References:
    """References printed on the document (EN 16931 BT-13, BT-14 alias, BT-83, BT-25)."""

    #: The seller's sales order (BT-14).
    order: str | None = attrs.field(default=None, converter=_optional)
    #: The buyer's purchase order (BT-13).
    customer_po: str | None = attrs.field(default=None, converter=_optional)
    #: The remittance / structured creditor reference (BT-83), e.g. ISO 11649 ``RF...``.
    payment_reference: str | None = attrs.field(default=None, converter=_optional)
    #: The invoice a credit memo refers to (BT-25).
    preceding_invoice: str | None = attrs.field(default=None, converter=_optional)
    #: The buyer's reference (BT-10; XRechnung's Leitweg-ID).
    buyer_reference: str | None = attrs.field(default=None, converter=_optional)
    #: The contract (BT-12) and the project (BT-11) the invoice belongs to.
    contract: str | None = attrs.field(default=None, converter=_optional)
    project: str | None = attrs.field(default=None, converter=_optional)


def _quantity(value: object) -> Decimal:
    return to_decimal(value, field="quantity")


def _discount(value: object) -> Decimal:
    d = to_decimal(value, field="discount_percent")
    if d < 0 or d > _HUNDRED:
        raise InvalidInvoiceError(
            f"discount_percent={d} must be between 0 and 100", field="discount_percent", value=d
        )
    return d


def _is_money(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Money):
        raise InvalidInvoiceError(
            f"{attribute.name}={shown(value)!r} must be a Money "
            "(o2c.money.money(amount, currency))",
            field=attribute.name,
            value=shown(value),
        )
    check_amount(value.amount, field=attribute.name)


@checked_line
@attrs.frozen(kw_only=True)
class InvoiceLine:
    """One invoice line: ``quantity x unit_price`` less ``discount_percent``, with its taxes.

    ``unit_price`` is net of tax unless a tax is price-included.  A negative quantity credits.
    """

    description: str = attrs.field(converter=_text)
    quantity: Decimal = attrs.field(converter=_quantity)
    unit_price: Money = attrs.field(validator=_is_money)
    taxes: tuple[Tax, ...] = attrs.field(default=(), converter=line_taxes)
    discount_percent: Decimal = attrs.field(default=_ZERO, converter=_discount)
    line_id: str | None = attrs.field(default=None, converter=_optional)
    #: The seller's item id (BT-155) and the unit of measure (UN/ECE Rec 20, BT-130).
    item_id: str | None = attrs.field(default=None, converter=_optional)
    unit: str = attrs.field(default="C62", converter=_text)

    def __attrs_post_init__(self) -> None:
        check_line_amount(self.quantity, self.unit_price)

    def taxable(self) -> TaxableLine:
        """The line as the tax engine sees it."""
        return TaxableLine(
            quantity=self.quantity,
            unit_price=self.unit_price,
            taxes=self.taxes,
            discount_percent=self.discount_percent,
        )


@attrs.frozen(kw_only=True)
class InvoiceTotals:
    """The document totals (EN 16931 BG-22) with withholding kept apart.

    ``amount_due = total_with_tax - prepaid + rounding_amount + withholding_total`` where
    ``rounding_amount`` (BT-114) is the tax engine's rounding adjustment plus cash rounding.
    Exact Decimals inside, :class:`~moneyed.Money` out.
    """

    currency: Currency
    _line_total: Decimal
    _allowance_total: Decimal
    _charge_total: Decimal
    _untaxed: Decimal
    _tax_total: Decimal
    _total_with_tax: Decimal
    _prepaid: Decimal
    _rounding_amount: Decimal
    _withholding_total: Decimal
    _amount_due: Decimal

    @property
    def line_total(self) -> Money:
        """BT-106: the sum of the line nets."""
        return Money(self._line_total, self.currency)

    @property
    def allowance_total(self) -> Money:
        """BT-107: the document-level allowances."""
        return Money(self._allowance_total, self.currency)

    @property
    def charge_total(self) -> Money:
        """BT-108: the document-level charges."""
        return Money(self._charge_total, self.currency)

    @property
    def untaxed(self) -> Money:
        """BT-109: the total without tax."""
        return Money(self._untaxed, self.currency)

    @property
    def tax_total(self) -> Money:
        """BT-110: the total tax (withholding left out)."""
        return Money(self._tax_total, self.currency)

    @property
    def total_with_tax(self) -> Money:
        """BT-112: ``untaxed + tax_total``."""
        return Money(self._total_with_tax, self.currency)

    @property
    def prepaid(self) -> Money:
        """BT-113: the amount already paid."""
        return Money(self._prepaid, self.currency)

    @property
    def rounding_amount(self) -> Money:
        """BT-114: included-tax rounding adjustment plus cash rounding."""
        return Money(self._rounding_amount, self.currency)

    @property
    def withholding_total(self) -> Money:
        """The withholding taxes (negative), outside the VAT totals."""
        return Money(self._withholding_total, self.currency)

    @property
    def amount_due(self) -> Money:
        """BT-115: what the customer pays."""
        return Money(self._amount_due, self.currency)


def _totals(tax: TaxResult, prepaid: Decimal, cash: CashRounding | None) -> InvoiceTotals:
    cur = tax.currency
    prepaid = prepaid + _ZERO * minor_unit(cur)  # 0.00, not 0
    amounts = tax.amounts
    untaxed = amounts.untaxed
    with_tax = untaxed + amounts.tax_total
    adjustment = amounts.rounding_adjustment
    withholding = amounts.withholding_total
    before_cash = with_tax - prepaid + adjustment + withholding
    if cash is None:
        due = before_cash
    else:
        step = cash.increment(cur)
        normal = step.normalize(CONTEXT)
        if normal.as_tuple().digits == (1,):  # canonical power of ten (see o2c.tax)
            step = normal
        due = quantize_decimal(quantize_decimal(before_cash, step, cash.rounding), minor_unit(cur))
    if not -_LIMIT < due < _LIMIT:
        raise InvalidInvoiceError(
            f"the amount due comes to {due}, beyond o2c's amount limit ({AMOUNT_INTEGER_DIGITS} "
            "digits before the decimal point)",
            field="amount_due",
            value=due,
        )
    # Every amount is computed here from the tax engine's checked result (see o2c._build).
    return _new_totals(
        currency=cur,
        line_total=amounts.line_total,
        allowance_total=amounts.allowance_total,
        charge_total=amounts.charge_total,
        untaxed=untaxed,
        tax_total=amounts.tax_total,
        total_with_tax=with_tax,
        prepaid=prepaid,
        rounding_amount=adjustment + (due - before_cash),
        withholding_total=withholding,
        amount_due=due,
    )


_NO_REFERENCES = References()
#: The keyword constructors of what create() computes (see :mod:`o2c._build`).
_new_totals = builder(InvoiceTotals)
_new_references = builder(References)


@functools.lru_cache(maxsize=256)
def _generated_references(number: str) -> References:
    """The references of an invoice given none: the RF reference made from ``number``'s letters
    and digits (none when it has none).

    Computed from the number alone: a frozen value cached by the number, for an invoice built
    again from its inputs (:meth:`Invoice.recompute`, :func:`validate`, ``from_json``) and for
    a batch that repeats numbers.
    """
    try:
        generated = creditor_reference.from_document_number(number)
    except O2CError:
        return _NO_REFERENCES
    # An RF reference is clean text: stored as it is.
    return _new_references(
        order=None,
        customer_po=None,
        payment_reference=generated,
        preceding_invoice=None,
        buyer_reference=None,
        contract=None,
        project=None,
    )


def _schedule(
    terms: PaymentTerms | None,
    issue_date: dt.date,
    totals: InvoiceTotals,
    delivery_date: dt.date | None,
    policy: TaxPolicy,
) -> Schedule | None:
    """The schedule of the amount due under ``terms``: none without terms, for a negative
    amount due (a credit memo is not paid in instalments) or where the terms cannot schedule it
    (``validate()`` reports that)."""
    if terms is None or totals._amount_due < 0:
        return None
    due = totals.amount_due
    try:
        return terms.schedule(
            issue_date,
            due,
            # The untaxed amount when the terms need it (a line that is a share of it, or
            # discounts on it); validate() passes the same.
            untaxed=totals.untaxed if terms.needs_untaxed else None,
            delivery_date=delivery_date,
            # The default policy rounds as the terms do by default: None says so at no cost
            # (a RoundingPolicy is hashed to find its steps).
            rounding=None if policy is DEFAULT_POLICY else policy.rounding,
            cash_rounding=policy.cash_rounding,
        )
    except InvalidTermsError:
        # e.g. terms counting from a delivery date not given yet; validate() reports it.
        return None


def _tax_base_discount(terms: PaymentTerms | None) -> Decimal | None:
    """The percent of the terms' single invoice-level percentage tier (Belgian "mixed")."""
    if terms is None or len(terms.discounts) != 1:
        return None
    return terms.discounts[0].percent


def _line_tuple(value: Iterable[InvoiceLine]) -> tuple[InvoiceLine, ...]:
    return as_tuple(value, "lines", "items", InvalidInvoiceError)


def _charge_tuple(value: Iterable[AllowanceCharge]) -> tuple[AllowanceCharge, ...]:
    charges = as_tuple(value, "charges", "items", InvalidInvoiceError)
    _check_all(charges, AllowanceCharge, "charges")
    return charges


def _exemption_tuple(value: Iterable[ExemptionCertificate]) -> tuple[ExemptionCertificate, ...]:
    exemptions = as_tuple(value, "exemptions", "items", InvalidInvoiceError)
    _check_all(exemptions, ExemptionCertificate, "exemptions")
    return exemptions


def _currency(code: object) -> Currency:
    return document_currency(code)


def _check_inputs(
    number: str, issue_date: object, lines: tuple[object, ...], delivery_date: object
) -> None:
    """The checks on an invoice's own inputs (currencies are checked where amounts meet)."""
    if not number:
        raise InvalidInvoiceError("an invoice needs a number (BT-1)", field="number", value=number)
    if len(number) > _MAX_NUMBER:
        raise InvalidInvoiceError(
            f"number={shown(number)!r} is longer than {_MAX_NUMBER} characters",
            field="number",
            value=shown(number),
        )
    if not isinstance(issue_date, dt.date) or isinstance(issue_date, dt.datetime):
        raise InvalidInvoiceError(
            f"issue_date={shown(issue_date)!r} must be a date (not a datetime)",
            field="issue_date",
            value=shown(issue_date),
        )
    ids = []
    for i, line in enumerate(lines):
        if not isinstance(line, InvoiceLine):
            raise InvalidInvoiceError(
                f"lines[{i}]={shown(line)!r} is not an InvoiceLine",
                field=f"lines[{i}]",
                value=shown(line),
            )
        if line.line_id is not None:
            ids.append(line.line_id)
    if len(set(ids)) != len(ids):
        raise InvalidInvoiceError(
            f"line ids {ids} repeat: give each line its own id (BT-126)", field="lines", value=ids
        )
    if delivery_date is not None and (
        not isinstance(delivery_date, dt.date) or isinstance(delivery_date, dt.datetime)
    ):
        raise InvalidInvoiceError(
            f"delivery_date={shown(delivery_date)!r} must be a date (not a datetime)",
            field="delivery_date",
            value=shown(delivery_date),
        )


def _check_kinds(**values: tuple[object, type | tuple[type, ...]]) -> None:
    """Each keyword's value is an instance of its type(s) (``type(None)`` allows ``None``)."""
    for name, (value, kind) in values.items():
        if not isinstance(value, kind):
            raise InvalidInvoiceError(
                f"{name}={shown(value)!r} has type {type(value).__name__}",
                field=name,
                value=shown(value),
            )


def _check_parties(
    seller: object, payee: object, tax_representative: object, payment: object
) -> None:
    _check_kinds(
        seller=(seller, (Party, type(None))),
        payee=(payee, (Payee, type(None))),
        tax_representative=(tax_representative, (TaxRepresentative, type(None))),
        payment=(payment, (PaymentInstructions, type(None))),
    )


def _check_all(values: tuple[object, ...], kind: type, field: str) -> None:
    for i, value in enumerate(values):
        if not isinstance(value, kind):
            raise InvalidInvoiceError(
                f"{field}[{i}]={shown(value)!r} must be a {kind.__name__}",
                field=f"{field}[{i}]",
                value=shown(value),
            )


@attrs.frozen(kw_only=True)
class Invoice:
    """An invoice or credit memo with its computed taxes, totals and schedule.

    Build it with :meth:`create` (or :func:`credit_memo`): the constructor only stores and
    refuses impossible states; :func:`validate` recomputes and checks everything else.
    """

    #: The invoice number (BT-1).
    number: InvoiceNumber = attrs.field(converter=_text)
    #: Invoice or credit memo (BT-3).
    kind: DocumentKind = DocumentKind.INVOICE
    #: The buyer.
    customer: Customer
    #: The invoice date (BT-2); terms count from it unless they say otherwise.
    issue_date: dt.date
    #: The document currency (BT-5).
    currency: Currency = attrs.field(converter=_currency)
    #: The invoice lines (at least one for EN 16931).
    lines: tuple[InvoiceLine, ...] = attrs.field(converter=_line_tuple)
    #: Document-level allowances and charges.
    charges: tuple[AllowanceCharge, ...] = attrs.field(default=(), converter=_charge_tuple)
    #: Payment terms: the schedule is made from the amount due.
    terms: PaymentTerms | None = None
    #: The delivery date (BT-72), the baseline of terms that count from delivery.
    delivery_date: dt.date | None = None
    #: Order, customer PO, payment reference ...
    references: References = attrs.field(factory=References)
    #: The tax rounding policy (EN 16931 global rounding by default); its ``cash_rounding``
    #: rounds the amount due (BT-114), never the tax.
    policy: TaxPolicy = attrs.field(factory=TaxPolicy)
    #: An amount already paid (BT-113).
    prepaid: Money | None = None
    #: Belgian "mixed" early-payment discount: the percentage the VAT base is reduced by
    #: (taken from the terms' discount), whether or not the customer pays early.
    tax_base_discount_percent: Decimal | None = None
    #: Customer exemption certificates, checked on the issue date.
    exemptions: tuple[ExemptionCertificate, ...] = attrs.field(
        default=(), converter=_exemption_tuple
    )
    #: Free text.
    note: str = ""
    #: The seller (BG-4), the payee (BG-10), the seller's tax representative (BG-11) and the
    #: payment instructions (BG-16); e-invoices need the seller (see o2c.invoice.parties).
    seller: Party | None = None
    payee: Payee | None = None
    tax_representative: TaxRepresentative | None = None
    payment: PaymentInstructions | None = None
    # -- derived by create() --
    tax: TaxResult
    totals: InvoiceTotals
    schedule: Schedule | None = None

    def __attrs_post_init__(self) -> None:
        _check_inputs(self.number, self.issue_date, self.lines, self.delivery_date)
        _check_kinds(
            kind=(self.kind, DocumentKind),
            customer=(self.customer, Customer),
            terms=(self.terms, (PaymentTerms, type(None))),
            references=(self.references, References),
            policy=(self.policy, TaxPolicy),
            prepaid=(self.prepaid, (Money, type(None))),
            note=(self.note, str),
            tax=(self.tax, TaxResult),
            totals=(self.totals, InvoiceTotals),
            schedule=(self.schedule, (Schedule, type(None))),
        )
        _check_parties(self.seller, self.payee, self.tax_representative, self.payment)
        if self.tax_base_discount_percent is not None:
            to_decimal(self.tax_base_discount_percent, field="tax_base_discount_percent")
        cur = self.currency
        code = cur.code
        for i, line in enumerate(self.lines):
            price_currency = line.unit_price.currency
            if price_currency is not cur and price_currency != cur:
                raise CurrencyMismatchError(
                    code, line.unit_price.currency.code, operation=f"invoice lines[{i}] in"
                )
        for i, charge in enumerate(self.charges):
            if charge.amount.currency != cur:
                raise CurrencyMismatchError(
                    code, charge.amount.currency.code, operation=f"invoice charges[{i}] in"
                )
        if self.prepaid is not None and self.prepaid.currency != cur:
            raise CurrencyMismatchError(code, self.prepaid.currency.code, operation="prepay")
        tax_currency = self.tax.currency
        totals_currency = self.totals.currency
        if (tax_currency is not cur and tax_currency != cur) or (
            totals_currency is not cur and totals_currency != cur
        ):
            raise CurrencyMismatchError(
                code, self.tax.currency.code, operation="store computed amounts of"
            )

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        number: str,
        customer: Customer,
        issue_date: dt.date,
        currency: str | Currency,
        lines: Iterable[InvoiceLine],
        charges: Iterable[AllowanceCharge] = (),
        terms: PaymentTerms | None = None,
        delivery_date: dt.date | None = None,
        references: References | None = None,
        policy: TaxPolicy | None = None,
        prepaid: Money | None = None,
        vat_on_discounted_base: bool = False,
        exemptions: Iterable[ExemptionCertificate] = (),
        note: str = "",
        kind: DocumentKind = DocumentKind.INVOICE,
        payment_reference: bool = True,
        tax_base_discount_percent: Decimal | None = None,
        seller: Party | None = None,
        payee: Payee | None = None,
        tax_representative: TaxRepresentative | None = None,
        payment: PaymentInstructions | None = None,
    ) -> Invoice:
        """An invoice with its taxes, totals, schedule and (by default) an RF payment reference.

        Each argument is the :class:`Invoice` attribute of its name, but ``payment_reference``
        (generate an ISO 11649 RF reference from the number when the references carry none) and
        ``vat_on_discounted_base`` (VAT on the base less the terms' one percentage discount,
        Belgian "mixed" early-payment discount; ``tax_base_discount_percent`` gives it itself).

        Raises:
            CurrencyMismatchError: for an amount in another currency.
            InvalidInvoiceError: for an invoice that cannot exist (no number ...).
            InvalidTaxError: for impossible taxes.
        """
        cur = currency if isinstance(currency, Currency) else document_currency(currency)
        policy = DEFAULT_POLICY if policy is None else policy
        number = number.strip() if type(number) is str else _text(number)  # _text, at no call
        lines = tuple(lines) if type(lines) is list else _line_tuple(lines)
        _check_inputs(number, issue_date, lines, delivery_date)
        _check_arguments(
            (customer, terms, references, policy, prepaid),
            (vat_on_discounted_base, note, kind, payment_reference),
            (seller, payee, tax_representative, payment),
            cur,
        )
        refs = _references(number, references, payment_reference)
        if charges != () or exemptions != ():
            charges, exemptions = _charge_tuple(charges), _exemption_tuple(exemptions)
        epd = tax_base_discount_percent
        if epd is None and vat_on_discounted_base:
            epd = _discount_of_terms(terms)
        tax = (
            _tax(lines, cur, policy, charges, exemptions, issue_date, epd)
            if exemptions or epd is not None
            # Every input is checked already (InvoiceLine is a checked line type).
            else compute_checked(lines, cur, policy, charges, None)
        )
        totals = _totals(tax, _ZERO if prepaid is None else prepaid.amount, policy.cash_rounding)
        return _new_invoice(  # every value checked above and by the tax engine (o2c._build)
            number=number,
            kind=kind,
            customer=customer,
            issue_date=issue_date,
            currency=cur,
            lines=lines,
            charges=charges,
            terms=terms,
            delivery_date=delivery_date,
            references=refs,
            policy=policy,
            prepaid=prepaid,
            tax_base_discount_percent=epd,
            exemptions=exemptions,
            note=note,
            seller=seller,
            payee=payee,
            tax_representative=tax_representative,
            payment=payment,
            tax=tax,
            totals=totals,
            schedule=_schedule(terms, issue_date, totals, delivery_date, policy),
        )

    def recompute(self) -> Invoice:
        """The invoice built again from its inputs (equal to ``self`` for a consistent one)."""
        return Invoice.create(
            number=self.number,
            customer=self.customer,
            issue_date=self.issue_date,
            currency=self.currency,
            lines=self.lines,
            charges=self.charges,
            terms=self.terms,
            delivery_date=self.delivery_date,
            references=self.references,
            policy=self.policy,
            prepaid=self.prepaid,
            tax_base_discount_percent=self.tax_base_discount_percent,
            exemptions=self.exemptions,
            note=self.note,
            kind=self.kind,
            payment_reference=False,
            seller=self.seller,
            payee=self.payee,
            tax_representative=self.tax_representative,
            payment=self.payment,
        )

    def to_json(self) -> str:
        """The invoice as JSON text: every input, lossless (see :mod:`o2c.invoice.codec`)."""
        from o2c.invoice.codec import invoice_to_json

        return invoice_to_json(self)

    @classmethod
    def from_json(cls, text: str | bytes) -> Invoice:
        """The invoice :meth:`to_json` wrote, computed again and checked against the stored
        totals (see :mod:`o2c.invoice.codec`)."""
        from o2c.invoice.codec import invoice_from_json

        # The codec imports nothing from this module (no import cycle): it is given the types.
        return invoice_from_json(
            text, invoice=cls, line=InvoiceLine, references=References, kind=DocumentKind
        )

    @property
    def payment_reference_grouped(self) -> str | None:
        """The payment reference in groups of four when it is an RF reference (as printed)."""
        ref = self.references.payment_reference
        if ref is None or not creditor_reference.is_valid(ref):
            return ref
        return creditor_reference.format_grouped(ref)

    @property
    def self_assessed(self) -> tuple[SelfAssessedTax, ...]:
        """The tax a reverse-charge buyer self-assesses, per category and rate: its rate, base
        and amount, reported beside the invoice (EN 16931 category AE), never in its totals;
        empty without reverse charge.  Read from :attr:`tax` when asked (nothing is stored, so
        :meth:`create` pays nothing for it)."""
        return self.tax.self_assessed

    @property
    def due_date(self) -> dt.date | None:
        """The last instalment's due date (``None`` without a schedule)."""
        return None if self.schedule is None else self.schedule.due_date


#: Invoice from every attribute by keyword, unchecked, for create(), whose inputs are checked
#: before the taxes are computed (see :mod:`o2c._build`): its __init__ would check them again.
_new_invoice = builder(Invoice)


def _check_arguments(
    values: tuple[object, ...],
    flags: tuple[object, ...],
    parties: tuple[object, ...],
    cur: Currency,
) -> None:
    """The kinds of :meth:`Invoice.create`'s arguments: its ``values`` (``customer``, ``terms``,
    ``references``, ``policy``, ``prepaid``, whose currency must be ``cur``), its ``flags``
    (``vat_on_discounted_base``, ``note``, ``kind``, ``payment_reference``) and its ``parties``
    (``seller``, ``payee``, ``tax_representative``, ``payment``): the usual ones at the cost of
    one expression, the details when not."""
    customer, terms, references, policy, prepaid = values
    vat_on_discounted_base, note, kind, payment_reference = flags
    if (
        type(customer) is Customer
        and (terms is None or type(terms) is PaymentTerms)
        and references is None
        and type(policy) is TaxPolicy
        and prepaid is None
        and type(vat_on_discounted_base) is bool
        and type(note) is str
        and type(kind) is DocumentKind
        and type(payment_reference) is bool
        and parties == _NO_PARTIES
    ):
        return
    _check_kinds(
        customer=(customer, Customer),
        terms=(terms, (PaymentTerms, type(None))),
        references=(references, (References, type(None))),
        policy=(policy, TaxPolicy),
        prepaid=(prepaid, (Money, type(None))),
        vat_on_discounted_base=(vat_on_discounted_base, bool),
        note=(note, str),
        kind=(kind, DocumentKind),
        payment_reference=(payment_reference, bool),
    )
    _check_parties(*parties)
    if isinstance(prepaid, Money):
        check_amount(prepaid.amount, field="prepaid")
        if prepaid.currency != cur:
            raise CurrencyMismatchError(cur.code, prepaid.currency.code, operation="prepay")


_NO_PARTIES = (None, None, None, None)


def _references(number: str, given: References | None, generate: bool) -> References:
    """The references, with an RF payment reference made from ``number`` when ``generate`` and
    none is given."""
    if given is None:
        return _generated_references(number) if generate else _NO_REFERENCES
    if generate and given.payment_reference is None:
        generated = _generated_references(number).payment_reference
        if generated is not None:
            return attrs.evolve(given, payment_reference=generated)
    return given


def _discount_of_terms(terms: PaymentTerms | None) -> Decimal:
    """The tax-base discount of ``vat_on_discounted_base``: the terms' one percentage tier."""
    epd = _tax_base_discount(terms)
    if epd is None:
        raise InvalidInvoiceError(
            "vat_on_discounted_base needs terms with exactly one percentage discount "
            f"(got {str(terms) if terms is not None else 'no terms'!r})",
            field="terms",
            value=terms,
        )
    return epd


def _tax(
    lines: tuple[InvoiceLine, ...],
    cur: Currency,
    policy: TaxPolicy,
    charges: tuple[AllowanceCharge, ...],
    exemptions: tuple[ExemptionCertificate, ...],
    issue_date: dt.date,
    epd: Decimal | None,
) -> TaxResult:
    """The invoice's taxes with exemptions (checked on the issue date) or a tax-base discount
    (compute() checks the percent)."""
    return compute(
        lines,
        cur,
        policy=policy,
        charges=charges,
        exemptions=exemptions,
        on=issue_date if exemptions else None,
        tax_base_discount_percent=epd,
    )


# --------------------------------------------------------------------------------------------
# Credit memos


def _mirror_rounding(rounding: Rounding) -> Rounding:
    if rounding is Rounding.CEILING:
        return Rounding.FLOOR
    if rounding is Rounding.FLOOR:
        return Rounding.CEILING
    return rounding


def _mirror(policy: TaxPolicy) -> TaxPolicy:
    """The policy that rounds ``-x`` to exactly ``-round(x)`` (ceiling and floor swap)."""
    mirrored = attrs.evolve(policy.rounding, rounding=_mirror_rounding(policy.rounding.rounding))
    cash = policy.cash_rounding
    if cash is not None:
        cash = attrs.evolve(cash, rounding=_mirror_rounding(cash.rounding))
    return attrs.evolve(policy, rounding=mirrored, cash_rounding=cash)


def credit_memo(
    invoice: Invoice,
    *,
    number: str,
    issue_date: dt.date,
    quantities: Mapping[int, Decimal | int | str | None] | None = None,
    include_charges: bool | None = None,
    note: str = "",
) -> Invoice:
    """A credit memo against ``invoice``: the exact negation of the whole or of some lines.

    Args:
        invoice: the invoice credited.
        number: the credit memo's number.
        issue_date: its date.
        quantities: line index -> quantity to credit (``None`` for the line's whole quantity);
            ``None`` credits every line.
        include_charges: credit the document allowances/charges too (default: only when the
            whole invoice is credited).
        note: free text.

    Returns:
        An :class:`Invoice` of kind ``CREDIT_MEMO`` with negated quantities, computed under the
        mirrored policy (ceiling and floor swap), so crediting the whole invoice negates every
        amount exactly.  Credit memos carry no payment schedule.

    Raises:
        InvalidInvoiceError: for an unknown line index or a quantity beyond the line's.
    """
    _check_kinds(
        invoice=(invoice, Invoice),
        include_charges=(include_charges, (bool, type(None))),
        quantities=(quantities, (Mapping, type(None))),
    )
    whole = quantities is None
    selected = _credited_lines(invoice, quantities)
    with_charges = whole if include_charges is None else include_charges
    charges: tuple[AllowanceCharge, ...] = ()
    prepaid = None
    if with_charges:
        charges = tuple(
            attrs.evolve(c, amount=Money(-c.amount.amount, c.amount.currency))
            for c in invoice.charges
        )
    if whole and invoice.prepaid is not None:
        prepaid = Money(-invoice.prepaid.amount, invoice.currency)
    refs = attrs.evolve(
        invoice.references, payment_reference=None, preceding_invoice=invoice.number
    )
    return Invoice.create(
        number=number,
        customer=invoice.customer,
        issue_date=issue_date,
        currency=invoice.currency,
        lines=selected,
        charges=charges,
        terms=None,
        delivery_date=invoice.delivery_date,
        references=refs,
        policy=_mirror(invoice.policy),
        prepaid=prepaid,
        tax_base_discount_percent=invoice.tax_base_discount_percent,
        exemptions=invoice.exemptions,
        note=note,
        kind=DocumentKind.CREDIT_MEMO,
        payment_reference=False,
        seller=invoice.seller,
        payee=invoice.payee,
        tax_representative=invoice.tax_representative,
        payment=invoice.payment,
    )


def _credited_lines(
    invoice: Invoice, quantities: Mapping[int, Decimal | int | str | None] | None
) -> list[InvoiceLine]:
    """The lines of a credit memo: every line negated, or the chosen quantities of some."""
    if quantities is None:
        return [attrs.evolve(line, quantity=-line.quantity) for line in invoice.lines]
    selected = []
    for index, qty in quantities.items():
        if type(index) is not int or not 0 <= index < len(invoice.lines):
            raise InvalidInvoiceError(
                f"line index {shown(index)!r} does not exist: the invoice has "
                f"{len(invoice.lines)} lines",
                field="quantities",
                value=shown(index),
            )
        line = invoice.lines[index]
        q = line.quantity if qty is None else to_decimal(qty, field="quantity")
        if abs(q) > abs(line.quantity) or (q * line.quantity) < 0:
            raise InvalidInvoiceError(
                f"cannot credit {q} of line {index}: it invoiced {line.quantity}",
                field="quantities",
                value=q,
            )
        selected.append(attrs.evolve(line, quantity=-q))
    return selected


# --------------------------------------------------------------------------------------------
# Validation


@attrs.frozen
class Violation:
    """A broken rule: its code (EN 16931 ``BR-...`` or o2c's ``O2C-...``), field and message."""

    code: str
    field: str
    message: str


def validate(invoice: Invoice) -> tuple[Violation, ...]:
    """Every rule ``invoice`` breaks, in a stable order (empty when it is consistent).

    Checks the EN 16931 sums (BR-CO-10 ... BR-CO-17), the standard-rate breakdown (BR-S-08),
    categories and exemption reasons, the customer data billing needs, currency and rounding
    settings, the early-payment discount and terms, the schedule, and that the stored amounts are
    what the inputs compute to.
    """
    _check_kinds(invoice=(invoice, Invoice))
    found = _Found()
    add = found.add
    with decimal.localcontext(CONTEXT):
        _check_lines_and_customer(invoice, add)
        _check_sums(invoice, add)
        _check_breakdown(invoice, add)
        _check_rounding(invoice, add)
        _check_terms(invoice, add)
        _check_recomputation(invoice, add)
    return tuple(found.violations)


class _Found:
    """The violations :func:`validate` has found so far; each check reports through :meth:`add`."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []

    def add(self, code: str, field: str, message: str) -> None:
        self.violations.append(Violation(code, field, message))


def _check_lines_and_customer(invoice: Invoice, add: Any) -> None:
    if not invoice.lines:
        add("BR-16", "lines", "an invoice needs at least one line")
    c = invoice.customer
    if not c.name:
        add("BR-07", "customer.name", "the buyer's name is missing")
    if c.address is None:
        add("BR-10", "customer.address", "the buyer's postal address is missing")
    else:
        if not c.address.country:
            add("BR-11", "customer.address.country", "the buyer's country code is missing")
        if not c.address.lines or not c.address.city:
            add(
                "O2C-ADDRESS",
                "customer.address",
                "the billing address needs a street line and a city",
            )
    categories = {
        t.category for line in invoice.lines for t in line.taxes if t.category is not None
    }
    if categories & {TaxCategory.REVERSE_CHARGE, TaxCategory.INTRA_COMMUNITY} and not c.tax_id:
        add(
            "BR-AE-02" if TaxCategory.REVERSE_CHARGE in categories else "BR-IC-02",
            "customer.tax_id",
            "reverse charge and intra-community supplies need the buyer's VAT identifier",
        )
    for i, line in enumerate(invoice.lines):
        for t in line.taxes:
            category = t.category
            if category is None or t.withholding:
                continue
            if category is TaxCategory.STANDARD and t.percent <= 0:
                add("BR-S-05", f"lines[{i}].taxes", f"standard rate {t.id} must be above 0")
            has_reason = bool(t.exemption_reason or t.exemption_reason_code)
            if category.needs_exemption_reason and not has_reason:
                add(
                    f"BR-{_rule_prefix(category)}-10",
                    f"lines[{i}].taxes",
                    f"{t.id}: category {category.value} needs an exemption reason",
                )
            elif not category.needs_exemption_reason and has_reason:
                add(
                    f"BR-{_rule_prefix(category)}-10",
                    f"lines[{i}].taxes",
                    f"{t.id}: category {category.value} must not carry an exemption reason",
                )
    if invoice.kind is DocumentKind.INVOICE and invoice.totals.amount_due.amount < 0:
        add(
            "O2C-SIGN",
            "kind",
            "an invoice with a negative amount due should be a credit memo",
        )
    if invoice.kind is DocumentKind.CREDIT_MEMO and invoice.totals.amount_due.amount > 0:
        add("O2C-SIGN", "kind", "a credit memo with a positive amount due should be an invoice")


def _rule_prefix(category: TaxCategory) -> str:
    return {
        TaxCategory.STANDARD: "S",
        TaxCategory.ZERO_RATED: "Z",
        TaxCategory.EXEMPT: "E",
        TaxCategory.REVERSE_CHARGE: "AE",
        TaxCategory.INTRA_COMMUNITY: "IC",
        TaxCategory.EXPORT: "G",
        TaxCategory.OUTSIDE_SCOPE: "O",
        TaxCategory.CANARY_ISLANDS: "IG",
        TaxCategory.CEUTA_MELILLA: "IP",
    }[category]


def _check_sums(invoice: Invoice, add: Any) -> None:
    t = invoice.totals
    tax = invoice.tax
    nets = sum((ln.net.amount for ln in tax.lines), _ZERO)
    if t.line_total.amount != nets:
        add("BR-CO-10", "totals.line_total", f"BT-106 {t.line_total.amount} != sum {nets}")
    allowances = -sum(
        (c.net.amount for c in tax.charges if c.charge is ChargeKind.ALLOWANCE),
        _ZERO,
    )
    charges = sum(
        (c.net.amount for c in tax.charges if c.charge is ChargeKind.CHARGE),
        _ZERO,
    )
    if t.allowance_total.amount != allowances:
        add(
            "BR-CO-11",
            "totals.allowance_total",
            f"BT-107 {t.allowance_total.amount} != {allowances}",
        )
    if t.charge_total.amount != charges:
        add("BR-CO-12", "totals.charge_total", f"BT-108 {t.charge_total.amount} != {charges}")
    untaxed = t.line_total.amount - t.allowance_total.amount + t.charge_total.amount
    if t.untaxed.amount != untaxed:
        add("BR-CO-13", "totals.untaxed", f"BT-109 {t.untaxed.amount} != {untaxed}")
    vat = sum((b.amount.amount for b in tax.breakdown), _ZERO)
    if t.tax_total.amount != vat:
        add("BR-CO-14", "totals.tax_total", f"BT-110 {t.tax_total.amount} != breakdown {vat}")
    with_tax = t.untaxed.amount + t.tax_total.amount
    if t.total_with_tax.amount != with_tax:
        add("BR-CO-15", "totals.total_with_tax", f"BT-112 {t.total_with_tax.amount} != {with_tax}")
    due = (
        t.total_with_tax.amount
        - t.prepaid.amount
        + t.rounding_amount.amount
        + t.withholding_total.amount
    )
    if t.amount_due.amount != due:
        add(
            "BR-CO-16",
            "totals.amount_due",
            f"BT-115 {t.amount_due.amount} != BT-112 - BT-113 + BT-114 + withholding = {due}",
        )


def _check_breakdown(invoice: Invoice, add: Any) -> None:
    tax = invoice.tax
    policy = invoice.policy
    step = policy.step_for(invoice.currency)
    for b in tax.breakdown:
        if b.category is None or b.percent is None:
            continue
        expected = quantize_decimal(
            b.base.amount * b.percent / _HUNDRED, step, policy.rounding.rounding
        )
        if b.amount.amount != expected:
            add(
                "BR-CO-17",
                f"breakdown[{b.category.value} {b.percent}]",
                f"BT-117 {b.amount.amount} != BT-116 {b.base.amount} x {b.percent}% = {expected}"
                " (per-line rounding breaks this rule; EN 16931 needs global rounding)",
            )
        if b.category is TaxCategory.STANDARD:
            base = _ZERO
            for ln in tax.lines + tax.charges:
                for ta in ln.taxes:
                    if (
                        ta.tax.category is TaxCategory.STANDARD
                        and ta.tax.percent == b.percent
                        and ta.tax.kind is TaxKind.PERCENT
                    ):
                        base += ln.net.amount
                        break
            epd = tax.tax_base_discount_percent
            if epd is not None:  # Belgian "mixed": the VAT base is the discounted net
                base = quantize_decimal(
                    base * (_HUNDRED - epd) / _HUNDRED, step, policy.rounding.rounding
                )
            if b.base.amount != base:
                add(
                    "BR-S-08",
                    f"breakdown[S {b.percent}]",
                    f"BT-116 {b.base.amount} != line nets plus charges less allowances {base}",
                )


def _check_rounding(invoice: Invoice, add: Any) -> None:
    unit = minor_unit(invoice.currency)
    policy = invoice.policy
    step = policy.rounding.step
    if step is not None and (step < unit or (step / unit) % 1 != 0):
        add(
            "O2C-ROUNDING-STEP",
            "policy.rounding.step",
            f"step {step} is not a multiple of {invoice.currency.code}'s minor unit {unit}",
        )
    cash = policy.cash_rounding
    if cash is not None:
        increment = cash.increment(invoice.currency)
        if (increment / unit) % 1 != 0:
            add(
                "O2C-CASH-STEP",
                "policy.cash_rounding",
                f"cash step {increment} is not a multiple of the minor unit {unit}",
            )
    for name, value in (
        ("totals.amount_due", invoice.totals.amount_due.amount),
        ("totals.untaxed", invoice.totals.untaxed.amount),
        ("totals.tax_total", invoice.totals.tax_total.amount),
    ):
        if (value / unit) % 1 != 0:
            add("O2C-PRECISION", name, f"{value} has more decimals than {invoice.currency.code}")


def _check_terms(invoice: Invoice, add: Any) -> None:
    terms = invoice.terms
    due = invoice.totals.amount_due
    if invoice.kind is DocumentKind.INVOICE and due.amount > 0 and terms is None:
        add("BR-CO-25", "terms", "a positive amount due needs payment terms or a due date")
    epd = invoice.tax_base_discount_percent
    if epd is not None and invoice.kind is DocumentKind.INVOICE:
        if terms is None or len(terms.discounts) != 1 or terms.discounts[0].percent is None:
            add(
                "O2C-EPD-TERMS",
                "terms",
                "VAT on the discounted base needs terms with exactly one percentage discount",
            )
        elif terms.discounts[0].percent != epd:
            add(
                "O2C-EPD-PERCENT",
                "tax_base_discount_percent",
                f"the VAT base is reduced by {epd}% but the terms offer "
                f"{terms.discounts[0].percent}%",
            )
        elif terms.discount_base is not DiscountBase.UNTAXED:
            add(
                "O2C-EPD-BASE",
                "terms.discount_base",
                "with VAT already on the discounted base the discount must apply to the untaxed "
                "amount (DiscountBase.UNTAXED), or the tax is reduced twice",
            )
    if terms is None or invoice.kind is DocumentKind.CREDIT_MEMO or due.amount < 0:
        return
    try:
        schedule = terms.schedule(
            invoice.issue_date,
            due,
            untaxed=invoice.totals.untaxed if terms.needs_untaxed else None,
            delivery_date=invoice.delivery_date,
            rounding=invoice.policy.rounding,
            cash_rounding=invoice.policy.cash_rounding,
        )
    except (InvalidTermsError, CurrencyMismatchError) as exc:
        add("O2C-TERMS", getattr(exc, "field", "terms") or "terms", str(exc))
        return
    if invoice.schedule is None or invoice.schedule != schedule:
        add("O2C-SCHEDULE", "schedule", "the stored schedule is not what the terms give")
    total = sum((i.amount.amount for i in schedule.instalments), _ZERO)
    if total != due.amount:
        add("O2C-SCHEDULE-SUM", "schedule", f"instalments sum to {total}, not {due.amount}")
    for inst in schedule.instalments:
        if inst.due_date < invoice.issue_date:
            add(
                "O2C-DUE-DATE", "schedule", f"instalment {inst.number} is due before the issue date"
            )
        for offer in inst.discounts:
            if offer.deadline > inst.due_date:
                add(
                    "O2C-DISCOUNT-DEADLINE",
                    "terms.discounts",
                    f"a discount deadline {offer.deadline} falls after the due date "
                    f"{inst.due_date} of instalment {inst.number}",
                )
            if offer.amount.amount > inst.amount.amount:
                add(
                    "O2C-DISCOUNT-AMOUNT",
                    "terms.discounts",
                    f"discount {offer.amount.amount} exceeds instalment {inst.number}",
                )


def _check_recomputation(invoice: Invoice, add: Any) -> None:
    try:
        again = invoice.recompute()
    except O2CError as exc:  # pragma: no cover - construction already computed once
        add("O2C-RECOMPUTE", "lines", f"the inputs no longer compute: {exc}")
        return
    if again.tax != invoice.tax:
        add("O2C-RECOMPUTE", "tax", "stored taxes differ from what the lines and policy give")
    if again.totals != invoice.totals:
        add("O2C-RECOMPUTE", "totals", "stored totals differ from what the lines give")
