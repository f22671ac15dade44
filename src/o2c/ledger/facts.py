"""The ledger's facts: frozen, append-only, bitemporal records of what happened to receivables.

Every fact has an id (its idempotency key), a customer (its stream), an *effective* date (when it
counts in the books) and a *recorded-at* time (when the ledger learnt it, passed in by the caller:
the core reads no clock), plus who recorded it and why.  Nothing is ever updated in place: a
correction is a new fact (an :class:`AllocationReversed`, a :class:`WrittenOff` ...).

Amounts are ``Money`` already at the currency's minor unit (round first with
:func:`o2c.money.quantize`); a fact that is malformed on its own is refused at construction with
:class:`~o2c.errors.InvalidFactError`.  Invariants that need the rest of the ledger (no
over-application, currencies agree ...) are checked when the fact is appended.

>>> import datetime as dt
>>> from o2c.money import money
>>> from o2c.terms import Instalment
>>> at = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.timezone.utc)
>>> inv = InvoiceIssued.from_instalments(
...     fact_id="f-1", customer_id="C1", item_id="INV-1", document_number="INV-1",
...     document_date=dt.date(2026, 3, 1), recorded_at=at,
...     instalments=[Instalment(number=1, due_date=dt.date(2026, 3, 31),
...                             amount=money("119.00", "EUR"))])
>>> inv.total, inv.kind.value
(Money('119.00', 'EUR'), 'invoice_issued')
>>> fact_from_json(fact_to_json(inv)) == inv
True
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, ClassVar, Protocol, TypeAlias

import attrs
from moneyed import Money

from o2c.errors import InvalidFactError, UnknownCurrencyError
from o2c.invoice.parties import Address, Contact
from o2c.ledger.ids import CustomerId, FactId, ItemId, PaymentId
from o2c.money import currency, minor_unit, money
from o2c.terms import Instalment

__all__ = [
    "AddressPurpose",
    "AllocationReversed",
    "BankPayment",
    "CollectionPreferences",
    "ContactChannel",
    "CreditMemoIssued",
    "CustomerAddress",
    "CustomerAliasAdded",
    "CustomerAliasRemoved",
    "CustomerChanged",
    "CustomerContact",
    "CustomerDetails",
    "CustomerField",
    "CustomerRegistered",
    "DisputeOpened",
    "DisputeResolved",
    "FACT_TYPES",
    "Fact",
    "FactKind",
    "InvoiceIssued",
    "MasterSource",
    "PayerAccountLinked",
    "PayerAccountUnlinked",
    "PaymentAllocated",
    "PaymentDecided",
    "PaymentDecision",
    "PaymentReassigned",
    "PaymentReceived",
    "PaymentScreened",
    "PaymentSuggested",
    "PromisedToPay",
    "Refunded",
    "RunOutcome",
    "ScheduledRunRecorded",
    "ScreeningVerdict",
    "SuggestedLine",
    "SuggestedMatch",
    "WrittenOff",
    "account_key",
    "alias_key",
    "fact_from_dict",
    "fact_from_json",
    "fact_to_dict",
    "fact_to_json",
    "facts_from_json",
    "instalment_item_id",
    "same_content",
]


class FactKind(enum.Enum):
    """The kinds of ledger fact (stored with each fact)."""

    INVOICE_ISSUED = "invoice_issued"
    CREDIT_MEMO_ISSUED = "credit_memo_issued"
    PAYMENT_RECEIVED = "payment_received"
    PAYMENT_ALLOCATED = "payment_allocated"
    ALLOCATION_REVERSED = "allocation_reversed"
    REFUNDED = "refunded"
    WRITTEN_OFF = "written_off"
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_RESOLVED = "dispute_resolved"
    PROMISED_TO_PAY = "promised_to_pay"
    CUSTOMER_REGISTERED = "customer_registered"
    CUSTOMER_CHANGED = "customer_changed"
    PAYER_ACCOUNT_LINKED = "payer_account_linked"
    PAYER_ACCOUNT_UNLINKED = "payer_account_unlinked"
    CUSTOMER_ALIAS_ADDED = "customer_alias_added"
    CUSTOMER_ALIAS_REMOVED = "customer_alias_removed"
    PAYMENT_SCREENED = "payment_screened"
    PAYMENT_SUGGESTED = "payment_suggested"
    PAYMENT_REASSIGNED = "payment_reassigned"
    PAYMENT_DECIDED = "payment_decided"
    SCHEDULED_RUN_RECORDED = "scheduled_run_recorded"


def instalment_item_id(item_id: str, number: int, count: int) -> ItemId:
    """The open item id of instalment ``number`` of ``count`` of a document.

    A single-instalment document keeps its own id; instalments are ``<id>#<number>``.

    >>> instalment_item_id("INV-7", 1, 1), instalment_item_id("INV-7", 2, 3)
    ('INV-7', 'INV-7#2')
    """
    return ItemId(item_id if count == 1 else f"{item_id}#{number}")


# --------------------------------------------------------------------------------------------
# Validators


def _bad(attribute: attrs.Attribute[Any], value: object, what: str) -> InvalidFactError:
    return InvalidFactError(f"{attribute.name}={value!r} {what}", field=attribute.name, value=value)


def _text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise _bad(attribute, value, "must be a non-empty string")


def _optional_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _text(_, attribute, value)


def _flag(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise _bad(attribute, value, "must be True or False")


def _date(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise _bad(attribute, value, "must be a datetime.date (not a datetime)")


def _aware(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise _bad(
            attribute,
            value,
            "must be a timezone-aware datetime, e.g. datetime(..., tzinfo=timezone.utc): "
            "recording times are compared across writers",
        )


def _check_money(attribute: attrs.Attribute[Any], value: object, *, positive: bool) -> None:
    if not isinstance(value, Money):
        raise _bad(attribute, value, "must be a moneyed.Money (build it with o2c.money.money)")
    amount = value.amount
    if positive and amount <= 0:
        raise _bad(attribute, value, "must be positive")
    if not positive and amount < 0:
        raise _bad(attribute, value, "must not be negative")
    if amount % minor_unit(value.currency.code) != 0:
        raise _bad(
            attribute,
            value,
            "has more decimals than its currency: round it with o2c.money.quantize",
        )


def _positive(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _check_money(attribute, value, positive=True)


def _optional_part(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _check_money(attribute, value, positive=False)


# --------------------------------------------------------------------------------------------
# Facts


@attrs.frozen(kw_only=True)
class _FactBase:
    """Fields every fact has."""

    kind: ClassVar[FactKind]

    #: The idempotency key: appending the same id with the same content is a no-op.
    fact_id: FactId = attrs.field(validator=_text)
    #: The customer whose stream the fact belongs to.
    customer_id: CustomerId = attrs.field(validator=_text)
    #: When the fact counts in the books (the "as of" axis).
    effective: dt.date = attrs.field(validator=_date)
    #: When the ledger learnt it (the "as known at" axis); timezone-aware.
    recorded_at: dt.datetime = attrs.field(validator=_aware)
    #: Who recorded it (a user, a job, a rule).
    recorded_by: str = ""
    #: Why (free text for the audit trail).
    reason: str = ""


def _check_instalments(inst: InvoiceIssued, _: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple) or not value:
        raise InvalidFactError(
            f"instalments={value!r} must be a non-empty tuple of o2c.terms.Instalment",
            field="instalments",
            value=value,
        )
    total = Decimal(0)
    for position, item in enumerate(value, start=1):
        if not isinstance(item, Instalment) or item.number != position:
            raise InvalidFactError(
                f"instalments[{position - 1}]={item!r} must be Instalment number {position}",
                field="instalments",
                value=item,
            )
        _check_money(attrs.fields(Instalment).amount, item.amount, positive=True)
        if item.amount.currency != inst.total.currency:
            raise InvalidFactError(
                f"instalment {position} is in {item.amount.currency.code}, the invoice in "
                f"{inst.total.currency.code}: one currency per document",
                field="instalments",
                value=item,
            )
        total += item.amount.amount
    if total != inst.total.amount:
        raise InvalidFactError(
            f"instalments sum to {total}, not the total {inst.total.amount}: "
            "build the fact with InvoiceIssued.from_instalments",
            field="instalments",
            value=value,
        )


def _instalment_tuple(value: Iterable[Instalment]) -> tuple[Instalment, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class InvoiceIssued(_FactBase):
    """An invoice was issued: one open item per instalment (see :func:`instalment_item_id`)."""

    kind: ClassVar[FactKind] = FactKind.INVOICE_ISSUED

    item_id: ItemId = attrs.field(validator=_text)
    document_number: str = attrs.field(validator=_text)
    document_date: dt.date = attrs.field(validator=_date)
    total: Money = attrs.field(validator=_positive)
    instalments: tuple[Instalment, ...] = attrs.field(
        converter=_instalment_tuple, validator=_check_instalments
    )
    payment_reference: str | None = attrs.field(default=None, validator=_optional_text)
    #: A stand-in for documents settled before a migration whose dates the source did not give
    #: (see :mod:`o2c.ledger.migration`): it keeps the books balanced, and readers of payment
    #: behaviour (days late, days to pay, collection curves) leave it out.
    stand_in: bool = attrs.field(default=False, validator=_flag)

    @classmethod
    def from_instalments(
        cls,
        *,
        fact_id: str,
        customer_id: str,
        item_id: str,
        document_number: str,
        document_date: dt.date,
        instalments: Iterable[Instalment],
        recorded_at: dt.datetime,
        effective: dt.date | None = None,
        payment_reference: str | None = None,
        recorded_by: str = "",
        reason: str = "",
    ) -> InvoiceIssued:
        """The fact for an invoice with the payment schedule ``instalments`` (total: their sum).

        ``effective`` defaults to the document date.  An invoice built by :mod:`o2c.invoice` is
        recorded by passing its schedule's instalments.

        Raises:
            InvalidFactError: no instalments, mixed currencies, numbers not 1..n.
        """
        parts = tuple(instalments)
        if not parts:
            raise InvalidFactError(
                "an invoice needs at least one instalment", field="instalments", value=()
            )
        code = parts[0].amount.currency.code
        total = money(sum((p.amount.amount for p in parts), Decimal(0)), code)
        return cls(
            fact_id=FactId(fact_id),
            customer_id=CustomerId(customer_id),
            effective=document_date if effective is None else effective,
            recorded_at=recorded_at,
            recorded_by=recorded_by,
            reason=reason,
            item_id=ItemId(item_id),
            document_number=document_number,
            document_date=document_date,
            total=total,
            instalments=parts,
            payment_reference=payment_reference,
        )

    @property
    def currency(self) -> str:
        """The document's ISO currency code."""
        return str(self.total.currency.code)


@attrs.frozen(kw_only=True)
class CreditMemoIssued(_FactBase):
    """A credit memo was issued: a negative open item that can be allocated like cash."""

    kind: ClassVar[FactKind] = FactKind.CREDIT_MEMO_ISSUED

    item_id: ItemId = attrs.field(validator=_text)
    document_number: str = attrs.field(validator=_text)
    document_date: dt.date = attrs.field(validator=_date)
    #: The credited amount (positive; the open item is its negative).
    amount: Money = attrs.field(validator=_positive)
    #: The invoice it credits, if any (for the audit trail; it is not applied automatically).
    credits_item_id: ItemId | None = attrs.field(default=None, validator=_optional_text)
    payment_reference: str | None = attrs.field(default=None, validator=_optional_text)


class BankPayment(Protocol):
    """What :meth:`PaymentReceived.from_payment` reads of a bank line.

    :class:`o2c.statement.Payment` has these attributes; the ledger names them here instead of
    importing the statement (cash application sits above the ledger).
    """

    @property
    def payment_id(self) -> str: ...
    @property
    def value_date(self) -> dt.date: ...
    @property
    def amount(self) -> Money: ...
    @property
    def payer_name(self) -> str: ...
    @property
    def payer_account(self) -> str: ...
    @property
    def reference(self) -> str: ...
    @property
    def remittance_info(self) -> str: ...


@attrs.frozen(kw_only=True)
class PaymentReceived(_FactBase):
    """Money was received from the customer: unapplied cash until it is allocated."""

    kind: ClassVar[FactKind] = FactKind.PAYMENT_RECEIVED

    payment_id: PaymentId = attrs.field(validator=_text)
    amount: Money = attrs.field(validator=_positive)
    value_date: dt.date = attrs.field(validator=_date)
    payer_name: str = ""
    payer_account: str = ""
    #: The reference text the payment carried.
    reference: str = ""

    @classmethod
    def from_payment(
        cls,
        payment: BankPayment,
        *,
        customer_id: str,
        recorded_at: dt.datetime,
        fact_id: str | None = None,
        recorded_by: str = "",
        reason: str = "",
    ) -> PaymentReceived:
        """The fact for a statement's :class:`o2c.statement.Payment` (effective on its value date).

        ``fact_id`` defaults to ``"payment:<payment_id>"``, so re-importing a statement is a no-op.
        """
        return cls(
            fact_id=FactId(fact_id if fact_id is not None else f"payment:{payment.payment_id}"),
            customer_id=CustomerId(customer_id),
            effective=payment.value_date,
            recorded_at=recorded_at,
            recorded_by=recorded_by,
            reason=reason,
            payment_id=PaymentId(payment.payment_id),
            amount=payment.amount,
            value_date=payment.value_date,
            payer_name=payment.payer_name,
            payer_account=payment.payer_account,
            reference=payment.reference or payment.remittance_info,
        )


@attrs.frozen(kw_only=True)
class PaymentAllocated(_FactBase):
    """Part of a payment (or of a credit memo) settles part of an item.

    The item is settled by ``applied`` plus the other parts (discount taken, deduction, bank fee,
    write-off, FX difference), all in the item's currency.  The source (a payment id, or the item
    id of a credit memo) gives up ``applied``, or ``source_amount`` in its own currency when the
    currencies differ, in which case ``rate`` (item currency per unit of source currency) is
    recorded and ``source_amount * rate`` must equal ``applied`` to half a minor unit.
    """

    kind: ClassVar[FactKind] = FactKind.PAYMENT_ALLOCATED

    #: The payment id, or the item id of a credit memo used as credit.
    source_id: str = attrs.field(validator=_text)
    item_id: ItemId = attrs.field(validator=_text)
    applied: Money = attrs.field(validator=_optional_part)
    discount: Money | None = attrs.field(default=None, validator=_optional_part)
    deduction: Money | None = attrs.field(default=None, validator=_optional_part)
    deduction_reason: str = ""
    bank_fee: Money | None = attrs.field(default=None, validator=_optional_part)
    write_off: Money | None = attrs.field(default=None, validator=_optional_part)
    fx_difference: Money | None = attrs.field(default=None, validator=_optional_part)
    source_amount: Money | None = attrs.field(default=None, validator=_optional_part)
    rate: Decimal | None = None

    def __attrs_post_init__(self) -> None:
        cur = self.applied.currency
        for name in ("discount", "deduction", "bank_fee", "write_off", "fx_difference"):
            part = getattr(self, name)
            if part is not None and part.currency != cur:
                raise InvalidFactError(
                    f"{name}={part!r} must be in the item's currency {cur.code}, like applied",
                    field=name,
                    value=part,
                )
        if self.deduction is not None and self.deduction.amount and not self.deduction_reason:
            raise InvalidFactError(
                "a deduction needs a deduction_reason (e.g. 'damaged goods')",
                field="deduction_reason",
                value=self.deduction_reason,
            )
        if self.settled <= 0:
            raise InvalidFactError(
                "an allocation must settle a positive amount", field="applied", value=self.applied
            )
        if self.source_amount is None:
            if self.rate is not None:
                raise InvalidFactError(
                    "rate given without source_amount: give both for a cross-currency allocation",
                    field="rate",
                    value=self.rate,
                )
            return
        if self.source_amount.currency == cur:
            raise InvalidFactError(
                "source_amount is only for a source in another currency than the item",
                field="source_amount",
                value=self.source_amount,
            )
        if not isinstance(self.rate, Decimal) or not self.rate.is_finite() or self.rate <= 0:
            raise InvalidFactError(
                f"rate={self.rate!r} must be a positive Decimal (item currency per source unit)",
                field="rate",
                value=self.rate,
            )
        if (
            abs(self.source_amount.amount * self.rate - self.applied.amount)
            > minor_unit(cur.code) / 2
        ):
            raise InvalidFactError(
                f"source_amount {self.source_amount} at rate {self.rate} is not applied "
                f"{self.applied}: record the conversion that was made",
                field="rate",
                value=self.rate,
            )

    @property
    def settled(self) -> Decimal:
        """What the item is settled by, in its currency: applied plus every other part."""
        total = self.applied.amount
        for part in (self.discount, self.deduction, self.bank_fee, self.write_off):
            if part is not None:
                total += part.amount
        if self.fx_difference is not None:
            total += self.fx_difference.amount
        return total

    @property
    def consumed(self) -> Money:
        """What the source gives up, in the source's currency."""
        return self.applied if self.source_amount is None else self.source_amount


@attrs.frozen(kw_only=True)
class AllocationReversed(_FactBase):
    """An earlier allocation is undone (the item re-opens, the source gets its money back)."""

    kind: ClassVar[FactKind] = FactKind.ALLOCATION_REVERSED

    allocation_id: FactId = attrs.field(validator=_text)


@attrs.frozen(kw_only=True)
class Refunded(_FactBase):
    """Money on account (a payment's remainder or a credit memo) was paid back to the customer."""

    kind: ClassVar[FactKind] = FactKind.REFUNDED

    source_id: str = attrs.field(validator=_text)
    amount: Money = attrs.field(validator=_positive)


@attrs.frozen(kw_only=True)
class WrittenOff(_FactBase):
    """Part of an item's open amount is written off (a credit balance too: it shrinks toward 0)."""

    kind: ClassVar[FactKind] = FactKind.WRITTEN_OFF

    item_id: ItemId = attrs.field(validator=_text)
    amount: Money = attrs.field(validator=_positive)
    reason_code: str = ""


@attrs.frozen(kw_only=True)
class DisputeOpened(_FactBase):
    """The customer disputes part of an item (it stays open but is marked disputed)."""

    kind: ClassVar[FactKind] = FactKind.DISPUTE_OPENED

    item_id: ItemId = attrs.field(validator=_text)
    amount: Money = attrs.field(validator=_positive)
    reason_code: str = attrs.field(validator=_text)


@attrs.frozen(kw_only=True)
class DisputeResolved(_FactBase):
    """A dispute (or part of it: ``amount``) is closed with an outcome code."""

    kind: ClassVar[FactKind] = FactKind.DISPUTE_RESOLVED

    dispute_id: FactId = attrs.field(validator=_text)
    amount: Money = attrs.field(validator=_positive)
    reason_code: str = attrs.field(validator=_text)


@attrs.frozen(kw_only=True)
class PromisedToPay(_FactBase):
    """The customer promised to pay ``amount`` by ``promised_date`` (for an item, or on account)."""

    kind: ClassVar[FactKind] = FactKind.PROMISED_TO_PAY

    amount: Money = attrs.field(validator=_positive)
    promised_date: dt.date = attrs.field(validator=_date)
    item_id: ItemId | None = attrs.field(default=None, validator=_optional_text)


# --------------------------------------------------------------------------------------------
# The customer master: who the customer is, how it pays and how it wants to be reached.  Facts
# like the others (each change audited with who and why, "as of D, known at T" answered by the
# read model, :class:`o2c.ledger.customers.CustomerMaster`).


_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")


def account_key(text: str) -> str:
    """The form a payer account is stored and looked up in: letters and digits only, upper case.

    One rule for every writer and reader (the master's facts, pre-validation, matching), so an
    IBAN printed in groups or with dashes finds the one on file.

    >>> account_key(" de89 3704-0044 0532 0130 00 ")
    'DE89370400440532013000'
    """
    return _NOT_ALNUM.sub("", text).upper()


def alias_key(text: str) -> str:
    """The form names and aliases are compared in: whitespace collapsed, case folded.

    >>> alias_key("  ACME   gmbh ") == alias_key("Acme GmbH")
    True
    """
    return " ".join(text.split()).casefold()


def _name_text(value: object) -> object:
    """Whitespace collapsed (a name as written, without stray blanks)."""
    return " ".join(value.split()) if isinstance(value, str) else value


def _optional_name_text(value: object) -> object:
    return None if value is None else _name_text(value)


def _stripped(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _account(value: object) -> object:
    return account_key(value) if isinstance(value, str) else value


def _country(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None or value == "":
        return
    if not (isinstance(value, str) and len(value) == 2 and value.isascii() and value.isupper()):
        raise _bad(attribute, value, "must be an ISO 3166 alpha-2 country code such as 'DE'")


def _code(value: object) -> object:
    """A code as written in upper case (a country, a currency)."""
    return value.strip().upper() if isinstance(value, str) else value


def _optional_code(value: object) -> object:
    return None if value is None else _code(value)


def _currency_code(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise _bad(attribute, value, "must be an ISO 4217 currency code such as 'EUR'")
    try:
        currency(value)
    except UnknownCurrencyError as exc:
        raise _bad(attribute, value, "must be an ISO 4217 currency code such as 'EUR'") from exc


_LOCALE_PARTS = (2, 3)


def _locale(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    parts = value.replace("-", "_").split("_") if isinstance(value, str) else []
    if (
        not parts
        or len(parts[0]) not in _LOCALE_PARTS
        or not all(p and p.isascii() and p.isalnum() and len(p) <= 8 for p in parts)
    ):
        raise _bad(attribute, value, "must be a locale such as 'de_DE' or 'en-GB'")


def _check_email(field: str, value: str | None) -> None:
    if not value:
        return
    local, _, domain = value.partition("@")
    if value.count("@") != 1 or any(c.isspace() for c in value) or not local:
        bad = True
    else:
        bad = "." not in domain.strip(".")
    if bad:
        raise InvalidFactError(
            f"{field}={value!r} must be an e-mail address such as 'ap@example.com'",
            field=field,
            value=value,
        )


_PHONE_MARKS = frozenset("+-()./ ")


def _check_phone(field: str, value: str | None) -> None:
    if not value:
        return
    if not any(c.isdigit() for c in value) or not all(
        c.isdigit() or c in _PHONE_MARKS for c in value
    ):
        raise InvalidFactError(
            f"{field}={value!r} must be a telephone number such as '+49 30 1234567'",
            field=field,
            value=value,
        )


def _texts(value: object) -> object:
    """A tuple of stripped texts (from any iterable; a single string is one text)."""
    if isinstance(value, str):
        return (value.strip(),)
    if isinstance(value, Iterable):
        return tuple(v.strip() if isinstance(v, str) else v for v in value)
    return value


def _optional_texts(value: object) -> object:
    return None if value is None else _texts(value)


def _each_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, tuple):
        raise _bad(attribute, value, "must be a tuple of strings")
    for text in value:
        if not isinstance(text, str) or not text:
            raise _bad(attribute, value, "must hold non-empty strings only")


def _tuple_of(cls: type) -> Callable[[object, attrs.Attribute[Any], object], None]:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        if not isinstance(value, tuple) or not all(isinstance(v, cls) for v in value):
            raise _bad(attribute, value, f"must be a tuple of {cls.__name__}")

    return check


def _optional_tuple(value: object) -> object:
    if value is None or isinstance(value, tuple | str):
        return value
    if isinstance(value, Iterable):
        return tuple(value)
    return value


def _instance_of(cls: type) -> Callable[[object, attrs.Attribute[Any], object], None]:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and not isinstance(value, cls):
            raise _bad(attribute, value, f"must be a {cls.__name__}")

    return check


def _optional_limit(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _check_money(attribute, value, positive=False)


class MasterSource(enum.Enum):
    """How the master learnt a payer account or an alias."""

    #: From master data: a migration, an import, a person keeping the record.
    MASTER_DATA = "master_data"
    #: From a payment a person (or the policy) confirmed for the customer.
    CONFIRMED_PAYMENT = "confirmed_payment"


class AddressPurpose(enum.Enum):
    """What an address is for."""

    BILLING = "billing"
    SHIPPING = "shipping"
    #: The registered (legal) seat.
    REGISTERED = "registered"


class ContactChannel(enum.Enum):
    """How a customer wants to be reached about what it owes."""

    EMAIL = "email"
    LETTER = "letter"
    PHONE = "phone"
    SMS = "sms"


def _postal_address(value: object) -> object:
    """The address with its country in upper case (``de`` -> ``DE``)."""
    if isinstance(value, Address) and value.country is not None:
        return attrs.evolve(value, country=value.country.upper())
    return value


def _postal(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Address):
        raise _bad(attribute, value, "must be an o2c.invoice.parties.Address")
    if not (value.lines or value.city or value.postal_code):
        raise InvalidFactError(
            "an address needs lines, a post code or a city", field="address", value=value
        )
    _country(None, attrs.fields(Address).country, value.country)


@attrs.frozen(kw_only=True)
class CustomerAddress:
    """One of a customer's addresses: the postal address (the
    :class:`o2c.invoice.parties.Address` an invoice carries) and what it is for.

    >>> CustomerAddress(address=Address(lines=("Lager 7",), city="Potsdam", country="de"),
    ...                 purpose=AddressPurpose.SHIPPING).address.country
    'DE'
    """

    address: Address = attrs.field(converter=_postal_address, validator=_postal)
    purpose: AddressPurpose = attrs.field(
        default=AddressPurpose.BILLING, validator=attrs.validators.instance_of(AddressPurpose)
    )


def _contact(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Contact):
        raise _bad(attribute, value, "must be an o2c.invoice.parties.Contact")
    if not (value.email or value.phone):
        raise InvalidFactError(
            "a contact needs an e-mail address or a phone number", field="contact", value=value
        )
    _check_email("email", value.email)
    _check_phone("phone", value.phone)


@attrs.frozen(kw_only=True)
class CustomerContact:
    """A person or mailbox of the customer's to reach: the :class:`o2c.invoice.parties.Contact`
    (a name, an e-mail address or a phone number) and their role for receivables."""

    contact: Contact = attrs.field(validator=_contact)
    #: Their role for receivables, e.g. "accounts payable".
    role: str = attrs.field(
        default="", converter=_stripped, validator=attrs.validators.instance_of(str)
    )


@attrs.frozen(kw_only=True)
class CollectionPreferences:
    """How the customer is to be dunned and reminded."""

    #: The channel reminders and dunning letters go by (``None``: the collector's default).
    channel: ContactChannel | None = None
    #: Leave the customer out of dunning runs (a dunning block), with the reason.
    dunning_blocked: bool = attrs.field(default=False, validator=_flag)
    block_reason: str = attrs.field(default="", converter=_stripped)
    #: Send a friendly reminder before items fall due.
    remind_before_due: bool = attrs.field(default=False, validator=_flag)

    def __attrs_post_init__(self) -> None:
        if self.dunning_blocked and not self.block_reason:
            raise InvalidFactError(
                "a dunning block needs a block_reason (e.g. 'in insolvency proceedings')",
                field="block_reason",
                value=self.block_reason,
            )


class CustomerField(enum.Enum):
    """The fields of :class:`CustomerDetails` a :class:`CustomerChanged` can clear."""

    COUNTRY = "country"
    SEGMENT = "segment"
    CURRENCY = "currency"
    TERMS = "terms"
    CREDIT_LIMIT = "credit_limit"
    CREDIT_GROUP = "credit_group"
    TAX_IDS = "tax_ids"
    ADDRESSES = "addresses"
    CONTACTS = "contacts"
    LOCALE = "locale"
    COLLECTION = "collection"


@attrs.frozen(kw_only=True)
class CustomerDetails:
    """A customer's record, or the part of it a change sets: ``None`` is "not given".

    ``tax_ids``, ``addresses`` and ``contacts`` are replaced as a whole when given.
    """

    name: str | None = attrs.field(
        default=None, converter=_optional_name_text, validator=_optional_text
    )
    #: ISO 3166 alpha-2 country of the customer's seat.
    country: str | None = attrs.field(default=None, converter=_optional_code, validator=_country)
    #: The sales segment (e.g. ``key``, ``mid``, ``small``).
    segment: str | None = attrs.field(default=None, validator=_optional_text)
    #: The currency the customer is invoiced in, by default.
    currency: str | None = attrs.field(
        default=None, converter=_optional_code, validator=_currency_code
    )
    #: The payment terms, as written (e.g. ``2/10 NET30``; :mod:`o2c.terms` reads them).
    terms: str | None = attrs.field(default=None, validator=_optional_text)
    credit_limit: Money | None = attrs.field(default=None, validator=_optional_limit)
    #: The credit group whose limit applies when the customer has none of its own.
    credit_group: str | None = attrs.field(default=None, validator=_optional_text)
    #: VAT and other tax identifiers, as written (e.g. ``DE123456789``).
    tax_ids: tuple[str, ...] | None = attrs.field(
        default=None, converter=_optional_texts, validator=_each_text
    )
    addresses: tuple[CustomerAddress, ...] | None = attrs.field(
        default=None, converter=_optional_tuple, validator=_tuple_of(CustomerAddress)
    )
    contacts: tuple[CustomerContact, ...] | None = attrs.field(
        default=None, converter=_optional_tuple, validator=_tuple_of(CustomerContact)
    )
    #: The locale letters and reminders are written in (e.g. ``de_DE``).
    locale: str | None = attrs.field(default=None, validator=_locale)
    collection: CollectionPreferences | None = attrs.field(
        default=None, validator=_instance_of(CollectionPreferences)
    )

    def given(self) -> tuple[str, ...]:
        """The names of the fields given (not ``None``), in field order."""
        return tuple(
            f.name for f in attrs.fields(CustomerDetails) if getattr(self, f.name) is not None
        )


def _details(value: object) -> object:
    return CustomerDetails() if value is None else value


@attrs.frozen(kw_only=True)
class CustomerRegistered(_FactBase):
    """A customer enters the master with its record (what ``details`` gives of it).

    Once per customer: later changes are :class:`CustomerChanged` facts.
    """

    kind: ClassVar[FactKind] = FactKind.CUSTOMER_REGISTERED

    details: CustomerDetails = attrs.field(
        factory=CustomerDetails, converter=_details, validator=_instance_of(CustomerDetails)
    )


def _cleared(value: object) -> object:
    if isinstance(value, Iterable) and not isinstance(value, str):
        return tuple(value)
    return value


@attrs.frozen(kw_only=True)
class CustomerChanged(_FactBase):
    """Part of a customer's record changes: the fields ``details`` gives are set, the fields in
    ``cleared`` are emptied; the rest stays as it was (on the fact's effective date).
    """

    kind: ClassVar[FactKind] = FactKind.CUSTOMER_CHANGED

    details: CustomerDetails = attrs.field(
        factory=CustomerDetails, converter=_details, validator=_instance_of(CustomerDetails)
    )
    cleared: tuple[CustomerField, ...] = attrs.field(
        default=(), converter=_cleared, validator=_tuple_of(CustomerField)
    )

    def __attrs_post_init__(self) -> None:
        given = set(self.details.given())
        if not given and not self.cleared:
            raise InvalidFactError(
                "a change sets or clears at least one field", field="details", value=self.details
            )
        both = sorted(f.value for f in self.cleared if f.value in given)
        if both:
            raise InvalidFactError(
                f"{', '.join(both)} both set and cleared: give a value or clear it",
                field="cleared",
                value=both,
            )


@attrs.frozen(kw_only=True)
class PayerAccountLinked(_FactBase):
    """A bank account pays for the customer (an account may pay for several customers).

    ``account`` is kept as :func:`account_key` gives it.  An account learnt from a confirmed
    payment names that payment (``payment_id``).
    """

    kind: ClassVar[FactKind] = FactKind.PAYER_ACCOUNT_LINKED

    account: str = attrs.field(converter=_account, validator=_text)
    #: The account holder's name as the bank or the master data gives it.
    holder_name: str = attrs.field(default="", converter=_name_text)
    bic: str = attrs.field(default="", converter=_account)
    source: MasterSource = attrs.field(
        default=MasterSource.MASTER_DATA, validator=_instance_of(MasterSource)
    )
    payment_id: PaymentId | None = attrs.field(default=None, validator=_optional_text)

    def __attrs_post_init__(self) -> None:
        if self.source is MasterSource.CONFIRMED_PAYMENT and self.payment_id is None:
            raise InvalidFactError(
                "an account learnt from a confirmed payment names the payment (payment_id)",
                field="payment_id",
                value=None,
            )


@attrs.frozen(kw_only=True)
class PayerAccountUnlinked(_FactBase):
    """A bank account no longer pays for the customer (closed, wrong, or not theirs)."""

    kind: ClassVar[FactKind] = FactKind.PAYER_ACCOUNT_UNLINKED

    account: str = attrs.field(converter=_account, validator=_text)


@attrs.frozen(kw_only=True)
class CustomerAliasAdded(_FactBase):
    """Another name the customer goes by (as payers write it, a former name, a trading name)."""

    kind: ClassVar[FactKind] = FactKind.CUSTOMER_ALIAS_ADDED

    alias: str = attrs.field(converter=_name_text, validator=_text)
    source: MasterSource = attrs.field(
        default=MasterSource.MASTER_DATA, validator=_instance_of(MasterSource)
    )
    payment_id: PaymentId | None = attrs.field(default=None, validator=_optional_text)


@attrs.frozen(kw_only=True)
class CustomerAliasRemoved(_FactBase):
    """An alias no longer names the customer."""

    kind: ClassVar[FactKind] = FactKind.CUSTOMER_ALIAS_REMOVED

    alias: str = attrs.field(converter=_name_text, validator=_text)


# --------------------------------------------------------------------------------------------
# The incoming-cash loop: what pre-validation said of a payment, what matching suggested for it,
# where it moved and what a person decided (read by the worklist, :mod:`o2c.cash_application.
# worklist`, through :class:`o2c.ledger.History`).  Screenings, suggestions and decisions move no
# balance; a reassignment moves the payment's unapplied cash to another customer's stream.


class ScreeningVerdict(enum.Enum):
    """Pre-validation's verdict on a payment, as the ledger records it."""

    PASS = "pass"
    #: Posted automatically only on the stronger evidence the policy states.
    FLAG = "flag"
    #: Never posted automatically: a person decides.
    HOLD = "hold"


def _str_tuple(value: object) -> object:
    if isinstance(value, Iterable) and not isinstance(value, str):
        return tuple(value)
    return value


def _money_of_any_sign(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Money):
        raise _bad(attribute, value, "must be a moneyed.Money (build it with o2c.money.money)")
    if value.amount % minor_unit(value.currency.code) != 0:
        raise _bad(
            attribute,
            value,
            "has more decimals than its currency: round it with o2c.money.quantize",
        )


def _member(cls: type[enum.Enum]) -> Callable[[object, attrs.Attribute[Any], object], None]:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, cls):
            names = ", ".join(f"{cls.__name__}.{m.name}" for m in cls)
            raise _bad(attribute, value, f"must be one of {names}")

    return check


@attrs.frozen(kw_only=True)
class PaymentScreened(_FactBase):
    """Pre-validation's verdict on an incoming payment, with its reasons.

    Recorded for every imported bank line (a pass too): ``key`` is the line's pre-validation key
    (the bank's reference and its occurrence), so importing the same line again is recognised
    and appends nothing.  The fact lives in the stream of the customer the payment was recorded
    for (or of suspense).
    """

    kind: ClassVar[FactKind] = FactKind.PAYMENT_SCREENED

    payment_id: PaymentId = attrs.field(validator=_text)
    key: str = attrs.field(validator=_text)
    verdict: ScreeningVerdict = attrs.field(validator=_member(ScreeningVerdict))
    #: The payment's amount and value date (the worklist orders by them).
    amount: Money = attrs.field(validator=_positive)
    value_date: dt.date = attrs.field(validator=_date)
    #: Each finding that weighs, as ``check: explanation``.
    reasons: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple, validator=_each_text)


@attrs.frozen(kw_only=True)
class SuggestedLine:
    """One allocation of a suggested match: the cash given to an item and the residuals.

    ``applied`` is what the payment gives the item (in the item's currency); the item is settled
    by ``applied`` plus ``discount``, ``deduction``, ``bank_fee`` and ``write_off``, as a
    :class:`PaymentAllocated` records them.  A negative ``applied`` is a credit memo the payer
    netted.
    """

    customer_id: CustomerId = attrs.field(validator=_text)
    item_id: ItemId = attrs.field(validator=_text)
    applied: Money = attrs.field(validator=_money_of_any_sign)
    discount: Money | None = attrs.field(default=None, validator=_optional_part)
    deduction: Money | None = attrs.field(default=None, validator=_optional_part)
    deduction_reason: str = ""
    bank_fee: Money | None = attrs.field(default=None, validator=_optional_part)
    write_off: Money | None = attrs.field(default=None, validator=_optional_part)
    #: True when the payment's currency is not the item's (a person confirms it with amounts).
    converted: bool = attrs.field(default=False, validator=_flag)


@attrs.frozen(kw_only=True)
class SuggestedMatch:
    """A candidate a person may confirm: its allocations, the matcher's confidence and why."""

    lines: tuple[SuggestedLine, ...] = attrs.field(converter=_str_tuple)
    #: The matcher's confidence in [0, 1], to three decimals.
    confidence: Decimal = Decimal(0)
    explanation: str = ""


@attrs.frozen(kw_only=True)
class PaymentSuggested(_FactBase):
    """Matching's candidates for a payment it did not post, best first."""

    kind: ClassVar[FactKind] = FactKind.PAYMENT_SUGGESTED

    payment_id: PaymentId = attrs.field(validator=_text)
    candidates: tuple[SuggestedMatch, ...] = attrs.field(converter=_str_tuple)

    def __attrs_post_init__(self) -> None:
        if not self.candidates or not all(
            isinstance(c, SuggestedMatch) and c.lines for c in self.candidates
        ):
            raise InvalidFactError(
                "a suggestion holds at least one SuggestedMatch, each with lines",
                field="candidates",
                value=self.candidates,
            )


@attrs.frozen(kw_only=True)
class PaymentReassigned(_FactBase):
    """Part (``amount``) of a payment's unapplied cash leaves this customer's stream for
    ``to_customer_id``'s, where a :class:`PaymentReceived` of the same payment id receives it
    (from suspense to the customer who paid, or from a customer to another).
    """

    kind: ClassVar[FactKind] = FactKind.PAYMENT_REASSIGNED

    payment_id: PaymentId = attrs.field(validator=_text)
    amount: Money = attrs.field(validator=_positive)
    to_customer_id: CustomerId = attrs.field(validator=_text)

    def __attrs_post_init__(self) -> None:
        if self.to_customer_id == self.customer_id:
            raise InvalidFactError(
                f"payment {self.payment_id!r} is reassigned to its own customer",
                field="to_customer_id",
                value=self.to_customer_id,
            )


class PaymentDecision(enum.Enum):
    """What a person decided on a payment of the worklist."""

    #: A suggestion or a chosen allocation was confirmed (its allocations are recorded with it).
    CONFIRMED = "confirmed"
    #: The suggestion, or the hold, is rejected: the payment stays unapplied cash.
    REJECTED = "rejected"
    #: The payment belongs to another customer (see :class:`PaymentReassigned`).
    REASSIGNED = "reassigned"
    #: A small difference left of the payment was written off within policy.
    WRITTEN_OFF = "written_off"


@attrs.frozen(kw_only=True)
class PaymentDecided(_FactBase):
    """A person's decision on a payment: who (``recorded_by``, required) and why (``reason``).

    A decision closes what pre-validation and matching left open on the payment (a hold, a flag,
    a suggestion); whatever cash is still unapplied stays on the worklist as unapplied cash.
    """

    kind: ClassVar[FactKind] = FactKind.PAYMENT_DECIDED

    payment_id: PaymentId = attrs.field(validator=_text)
    decision: PaymentDecision = attrs.field(validator=_member(PaymentDecision))
    #: The allocations (fact ids) a confirmation recorded, or the customer of a reassignment.
    allocations: tuple[str, ...] = attrs.field(
        default=(), converter=_str_tuple, validator=_each_text
    )
    to_customer_id: CustomerId | None = attrs.field(default=None, validator=_optional_text)

    def __attrs_post_init__(self) -> None:
        if not self.recorded_by.strip():
            raise InvalidFactError(
                "a decision names who made it (recorded_by)",
                field="recorded_by",
                value=self.recorded_by,
            )


class RunOutcome(enum.Enum):
    """What became of one scheduled run of a report or reminder job."""

    #: The runner took the slot and is about to deliver (recorded before delivery, so a
    #: restart never delivers the slot again: a claim without a result was interrupted).
    CLAIMED = "claimed"
    #: Delivered (every message handed over, or the failures listed in ``detail``).
    SENT = "sent"
    #: Nothing delivered: the job failed (``detail`` says why).
    FAILED = "failed"


@attrs.frozen(kw_only=True)
class ScheduledRunRecorded(_FactBase):
    """One step of a scheduled job's run: its slot claimed, then delivered or failed.

    The stream (``customer_id``) is the job's own, ``schedule:<job>``, not a customer's; the
    fact id is derived from the job and the slot, so two runners (or a restart) can never
    record, and so deliver, the same slot twice.  ``slot`` is the scheduled time (UTC);
    ``effective`` its date in the job's time zone.  See :mod:`o2c.reports.schedule`.
    """

    kind: ClassVar[FactKind] = FactKind.SCHEDULED_RUN_RECORDED

    job: str = attrs.field(validator=_text)
    slot: dt.datetime = attrs.field(validator=_aware)
    outcome: RunOutcome = attrs.field(validator=_member(RunOutcome))
    #: Message ids, files written, errors: what the run did, one line each.
    detail: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple, validator=_each_text)


Fact: TypeAlias = (
    InvoiceIssued
    | CreditMemoIssued
    | PaymentReceived
    | PaymentAllocated
    | AllocationReversed
    | Refunded
    | WrittenOff
    | DisputeOpened
    | DisputeResolved
    | PromisedToPay
    | CustomerRegistered
    | CustomerChanged
    | PayerAccountLinked
    | PayerAccountUnlinked
    | CustomerAliasAdded
    | CustomerAliasRemoved
    | PaymentScreened
    | PaymentSuggested
    | PaymentReassigned
    | PaymentDecided
    | ScheduledRunRecorded
)

#: Each fact kind's class.
FACT_TYPES: dict[FactKind, type[Fact]] = {
    cls.kind: cls
    for cls in (
        InvoiceIssued,
        CreditMemoIssued,
        PaymentReceived,
        PaymentAllocated,
        AllocationReversed,
        Refunded,
        WrittenOff,
        DisputeOpened,
        DisputeResolved,
        PromisedToPay,
        CustomerRegistered,
        CustomerChanged,
        PayerAccountLinked,
        PayerAccountUnlinked,
        CustomerAliasAdded,
        CustomerAliasRemoved,
        PaymentScreened,
        PaymentSuggested,
        PaymentReassigned,
        PaymentDecided,
        ScheduledRunRecorded,
    )
}


def same_content(stored: Fact, new: Fact) -> bool:
    """Whether ``new`` records the same business content as ``stored``: a retry, not a change.

    Every field counts except ``recorded_at``: re-sending or re-importing a fact later is a
    retry (the first recording stands), while any other difference (an amount, a date, a
    customer, the kind) is new content that needs its own fact id.  The one comparison every
    writer uses (:meth:`o2c.ledger.Ledger.append`, and so cash application, invoice recording
    and migration).

    >>> import datetime as dt
    >>> from o2c.money import money
    >>> at = lambda day: dt.datetime(2026, 1, day, tzinfo=dt.timezone.utc)
    >>> paid = lambda amount, day: PaymentReceived(fact_id="payment:P1", customer_id="C1",
    ...     effective=dt.date(2026, 1, 5), recorded_at=at(day), payment_id="P1",
    ...     amount=money(amount, "EUR"), value_date=dt.date(2026, 1, 5))
    >>> same_content(paid("10.00", 5), paid("10.00", 9))     # re-sent later: a retry
    True
    >>> same_content(paid("10.00", 5), paid("9.00", 5))      # another amount: not the same fact
    False
    """
    if type(stored) is not type(new):
        return False
    return all(
        getattr(stored, name) == getattr(new, name)
        for name in _CONTENT_FIELDS.get(type(new)) or _content_fields(type(new))
    )


_CONTENT_FIELDS: dict[type, tuple[str, ...]] = {}


def _content_fields(cls: type) -> tuple[str, ...]:
    names = tuple(f.name for f in attrs.fields(cls) if f.name != "recorded_at")
    _CONTENT_FIELDS[cls] = names
    return names


# --------------------------------------------------------------------------------------------
# Serialisation: a JSON-able dict per fact, directed by the attrs field types, so that a field
# added to a fact (or to Instalment/DiscountOffer) with a supported type round-trips unchanged.

_Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def _identity(value: Any) -> Any:
    return value


def _codec(tp: Any) -> _Codec:
    supertype = getattr(tp, "__supertype__", None)
    if supertype is not None:  # a NewType
        return _codec(supertype)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"cannot serialise the union {tp!r}")
        enc, dec = _codec(args[0])
        return (
            lambda v: None if v is None else enc(v),
            lambda v: None if v is None else dec(v),
        )
    if origin is tuple:
        item_enc, item_dec = _codec(typing.get_args(tp)[0])
        return (
            lambda v: [item_enc(x) for x in v],
            lambda v: tuple(item_dec(x) for x in v),
        )
    if tp is Money:
        return (
            lambda v: [str(v.amount), v.currency.code],
            lambda v: Money(Decimal(v[0]), currency(v[1])),
        )
    if tp is Decimal:
        return (str, Decimal)
    if tp is dt.datetime:
        return (dt.datetime.isoformat, dt.datetime.fromisoformat)
    if tp is dt.date:
        return (dt.date.isoformat, dt.date.fromisoformat)
    if tp in (str, int, bool):
        return (_identity, _identity)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return (lambda v: v.value, tp)
    if tp is CustomerAddress:
        return (_encode_customer_address, _decode_customer_address)
    if tp is CustomerContact:
        return (_encode_customer_contact, _decode_customer_contact)
    if isinstance(tp, type) and attrs.has(tp):
        fields = _field_codecs(tp)
        return (
            lambda v: {
                name: enc(getattr(v, name))
                for name, enc, _, default in fields
                if default is attrs.NOTHING or getattr(v, name) != default
            },
            lambda v: tp(
                **{
                    name: v[name] if dec is None else dec(v[name])
                    for name, _, dec, _d in fields
                    if name in v
                }
            ),
        )
    raise TypeError(f"cannot serialise values of type {tp!r}")


# A customer's address and contact are stored flat, as the ledger stored its own Address and
# Contact before they became o2c.invoice.parties' (``postcode`` then, ``""`` for empty): those
# stored facts still read.
_ADDRESS_TEXTS = ("postal_code", "city", "subdivision", "country")


def _encode_customer_address(value: CustomerAddress) -> dict[str, Any]:
    address = value.address
    data: dict[str, Any] = {"lines": list(address.lines)} if address.lines else {}
    data.update(
        (name, getattr(address, name))
        for name in _ADDRESS_TEXTS
        if getattr(address, name) is not None
    )
    if value.purpose is not AddressPurpose.BILLING:
        data["purpose"] = value.purpose.value
    return data


def _decode_customer_address(data: dict[str, Any]) -> CustomerAddress:
    fields = dict(data)
    purpose = AddressPurpose(fields.pop("purpose", AddressPurpose.BILLING.value))
    if "postcode" in fields:  # stored by the ledger's own Address (see above)
        fields["postal_code"] = fields.pop("postcode")
    lines = tuple(fields.pop("lines", ()))
    return CustomerAddress(address=Address(lines=lines, **fields), purpose=purpose)


def _encode_customer_contact(value: CustomerContact) -> dict[str, Any]:
    contact = value.contact
    data = {
        name: getattr(contact, name)
        for name in ("name", "email", "phone")
        if getattr(contact, name) is not None
    }
    if value.role:
        data["role"] = value.role
    return data


def _decode_customer_contact(data: dict[str, Any]) -> CustomerContact:
    fields = dict(data)
    role = fields.pop("role", "")
    return CustomerContact(contact=Contact(**fields), role=role)


#: Per field: name, encoder, decoder (None: the JSON value is the value) and default (a field
#: at its default is left out of the JSON; ``attrs.NOTHING`` when there is none).
_FieldCodecs = tuple[tuple[str, Callable[[Any], Any], Callable[[Any], Any] | None, Any], ...]
_FIELD_CODECS: dict[type, _FieldCodecs] = {}


def _field_codecs(cls: type) -> _FieldCodecs:
    found = _FIELD_CODECS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        codecs = []
        for f in attrs.fields(cls):
            enc, dec = _codec(hints[f.name])
            default = f.default if not isinstance(f.default, attrs.Factory) else attrs.NOTHING  # type: ignore[arg-type]
            codecs.append((f.name, enc, None if dec is _identity else dec, default))
        found = tuple(codecs)
        _FIELD_CODECS[cls] = found
    return found


def fact_to_dict(fact: Fact) -> dict[str, Any]:
    """The fact as a JSON-able dict: ``kind`` plus every field not at its default.

    >>> import datetime as dt
    >>> from o2c.money import money
    >>> f = Refunded(fact_id="r1", customer_id="C1", effective=dt.date(2026, 1, 5),
    ...     recorded_at=dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc), source_id="P1",
    ...     amount=money("5.00", "EUR"))
    >>> fact_to_dict(f)["amount"], "reason" in fact_to_dict(f)
    (['5.00', 'EUR'], False)
    """
    data: dict[str, Any] = {"kind": fact.kind.value}
    for name, enc, _, default in _field_codecs(type(fact)):
        value = getattr(fact, name)
        if default is attrs.NOTHING or (value is not default and value != default):
            data[name] = value if enc is _identity else enc(value)
    return data


# Reading stored facts back.  Two decoders per class, both built once from the field types:
# the *checked* one runs the class's constructor (converters, validators, post-init checks:
# every rule a fact obeys when it is made), the *stored* one is compiled for rows a store wrote
# itself (checked when they were appended): one straight-line function per class that reads
# each field from the dict, converts it with the converter bound to it and puts it in its slot
# (no loop over fields, no per-field reflection, no constructor).  Both give equal facts; a
# stored row that is not a fact's JSON (a key or a value missing or of the wrong shape) still
# gets InvalidFactError from either.


def _enum_member(tp: type[enum.Enum]) -> Callable[[Any], Any]:
    members = {m.value: m for m in tp}
    return members.__getitem__  # KeyError for a value that is no member


#: Stored amounts read lately, per currency code and amount text: a stream repeats its amounts
#: (an invoice's total and its instalment, the payment of it, the allocation of the payment),
#: and a ``Money`` is immutable, so equal texts share one (the text is the key: ``"1.0"`` and
#: ``"1.00"`` stay apart).  Each currency's table is emptied when it reaches
#: :data:`_STORED_MONEY_SIZE` entries, so memory stays bounded.
_STORED_MONEY: dict[str, dict[str, Money]] = {}
#: Entries per currency: a few thousand recent amounts cover a customer's stream.
_STORED_MONEY_SIZE = 4096


def _stored_money(value: Any) -> Money:
    amount, code = value
    seen = _STORED_MONEY.get(code)
    if seen is None:
        currency(code)  # raises for a code that is no currency: never remembered
        seen = _STORED_MONEY[code] = {}
    found = seen.get(amount)
    if found is None:
        if len(seen) >= _STORED_MONEY_SIZE:
            seen.clear()
        found = seen[amount] = Money(Decimal(amount), currency(code))
    return found


def _optional(decode: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda v: None if v is None else decode(v)


def _tuple_of_stored(decode: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda v: tuple(map(decode, v))


def _stored(tp: Any) -> Callable[[Any], Any] | None:
    """The stored-row decoder of values of type ``tp`` (None: the JSON value is the value)."""
    supertype = getattr(tp, "__supertype__", None)
    if supertype is not None:  # a NewType
        return _stored(supertype)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"cannot serialise the union {tp!r}")
        inner = _stored(args[0])
        return None if inner is None else _optional(inner)
    if origin is tuple:
        inner = _stored(typing.get_args(tp)[0])
        return tuple if inner is None else _tuple_of_stored(inner)
    if tp is Money:
        return _stored_money
    if tp is Decimal:
        return Decimal
    if tp is dt.datetime:
        return dt.datetime.fromisoformat
    if tp is dt.date:
        return dt.date.fromisoformat
    if tp in (str, int, bool):
        return None
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum_member(tp)
    if isinstance(tp, type) and attrs.has(tp) and tp not in (CustomerAddress, CustomerContact):
        return _compiled(tp)
    return _codec(tp)[1]  # the checked decoder (the customer master's flat records)


_COMPILED: dict[type, Callable[[dict[str, Any]], Any]] = {}


def _slot(cls: type, name: str) -> Any:
    """The slot descriptor of attribute ``name`` (on ``cls`` or the base that declares it)."""
    for klass in cls.__mro__:
        found = klass.__dict__.get(name)
        if found is not None:
            if not isinstance(found, types.MemberDescriptorType):
                raise TypeError(f"{cls.__name__}.{name} is not a slot")
            return found
    raise TypeError(f"{cls.__name__} has no slot {name!r}")


def _compiled(cls: type) -> Callable[[dict[str, Any]], Any]:
    """The stored-row decoder of the slotted attrs class ``cls``, compiled once.

    The function reads every field from the dict (a field at its default may be absent),
    decodes it with the converter bound for its type and stores it in its slot.
    """
    found = _COMPILED.get(cls)
    if found is not None:
        return found
    fields = attrs.fields(cls)
    slots = {s for k in cls.__mro__ for s in getattr(k, "__slots__", ())}
    hidden = slots - {f.name for f in fields} - {"__weakref__"}
    if hidden:  # e.g. attrs' hash cache, which only __init__ sets
        raise TypeError(f"{cls.__name__} has slots outside its fields: {sorted(hidden)}")
    hints = typing.get_type_hints(cls)
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    body = []
    for i, f in enumerate(fields):
        namespace[f"_s{i}"] = _slot(cls, f.name).__set__
        decode = _stored(hints[f.name])
        key = repr(f.name)
        default = f.default if not isinstance(f.default, attrs.Factory) else attrs.NOTHING  # type: ignore[arg-type]
        if default is not attrs.NOTHING:
            namespace[f"_d{i}"] = default
        if decode is not None:
            namespace[f"_c{i}"] = decode
        if decode is None and default is attrs.NOTHING:
            value = f"data[{key}]"
        elif decode is None:
            value = f"data.get({key}, _d{i})"
        elif default is attrs.NOTHING:
            value = f"_c{i}(data[{key}])"
        else:
            value = f"_c{i}(data[{key}]) if {key} in data else _d{i}"
        body.append(f"    _s{i}(_o, {value})\n")
    name = f"stored_{cls.__name__}"
    source = f"def {name}(data):\n    _o = _new(_cls)\n{''.join(body)}    return _o\n"
    exec(compile(source, f"<o2c stored decoder {cls.__qualname__}>", "exec"), namespace)
    decoder: Callable[[dict[str, Any]], Any] = namespace[name]
    _COMPILED[cls] = decoder
    return decoder


#: Each fact kind's class, by the kind's stored value.
_CLASSES: dict[str, type[Fact]] = {kind.value: cls for kind, cls in FACT_TYPES.items()}


def _fact_class(data: Any) -> type[Fact]:
    try:
        return _CLASSES[data["kind"]]
    except (KeyError, TypeError, IndexError):
        kind = data.get("kind") if isinstance(data, dict) else None
        raise InvalidFactError(
            f"unknown fact kind {kind!r}"
            if isinstance(data, dict)
            else f"a stored fact is a JSON object, not {type(data).__name__}",
            field="kind",
            value=kind,
        ) from None


def _unreadable(cls: type, data: Any, exc: Exception) -> InvalidFactError:
    what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
    return InvalidFactError(
        f"stored {cls.__name__} cannot be rebuilt: {what}", field="payload", value=data
    )


def fact_from_dict(data: dict[str, Any], *, validate: bool = True) -> Fact:
    """The fact :func:`fact_to_dict` gave ``data`` for.

    Args:
        validate: run the fact's checks (its constructor).  Stores pass ``False`` for facts
            they stored themselves (checked when appended): the decoder compiled for the class
            builds the same fact several times faster.

    Raises:
        InvalidFactError: for an unknown kind or content that does not make a valid fact.
    """
    cls = _fact_class(data)
    try:
        if not validate:
            return _compiled(cls)(data)  # type: ignore[no-any-return]
        kwargs = {}
        for name, _, dec, _default in _field_codecs(cls):
            if name in data:
                kwargs[name] = data[name] if dec is None else dec(data[name])
        return cls(**kwargs)
    except InvalidFactError:
        raise
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
        raise _unreadable(cls, data, exc) from exc


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def fact_to_json(fact: Fact) -> str:
    """The fact as compact JSON text (keys sorted, so equal facts give equal text)."""
    return _ENCODER.encode(fact_to_dict(fact))


def fact_from_json(text: str | bytes, *, validate: bool = True) -> Fact:
    """The fact stored as :func:`fact_to_json` text (see :func:`fact_from_dict`)."""
    try:
        data: dict[str, Any] = json.loads(text)
    except ValueError as exc:
        raise InvalidFactError(
            f"a stored fact is not JSON: {exc}", field="payload", value=text
        ) from exc
    return fact_from_dict(data, validate=validate)


def facts_from_json(texts: Sequence[str], *, validate: bool = True) -> list[Fact]:
    """The facts stored as :func:`fact_to_json` texts, in order (a store's batch of rows).

    The texts are parsed as one JSON array (one call into the parser for the batch, keys shared
    between rows), each then decoded like :func:`fact_from_json`; a batch that does not parse
    as exactly one value per text is read text by text, so a bad row is named as it would be
    alone.

    >>> import datetime as dt
    >>> from o2c.money import money
    >>> at = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)
    >>> refunds = [Refunded(fact_id=f"r{n}", customer_id="C1", effective=at.date(),
    ...     recorded_at=at, source_id="P1", amount=money(f"{n}.00", "EUR")) for n in (1, 2)]
    >>> facts_from_json([fact_to_json(f) for f in refunds], validate=False) == refunds
    True
    >>> facts_from_json(['{"kind": "refunded"}', "{"], validate=False)
    Traceback (most recent call last):
    o2c.errors.InvalidFactError: stored Refunded cannot be rebuilt: missing field 'fact_id'
    """
    if not texts:
        return []
    try:
        rows: Any = json.loads(f"[{','.join(texts)}]")
    except (ValueError, TypeError):  # a bad row (or bytes): read them one by one
        rows = None
    if not isinstance(rows, list) or len(rows) != len(texts):
        return [fact_from_json(t, validate=validate) for t in texts]
    if validate:
        return [fact_from_dict(d, validate=True) for d in rows]
    facts = []
    for data in rows:
        cls = _fact_class(data)
        try:
            facts.append(_compiled(cls)(data))
        except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
            if isinstance(exc, InvalidFactError):
                raise
            raise _unreadable(cls, data, exc) from exc
    return facts
