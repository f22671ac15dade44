"""Invoices as JSON: every input of an :class:`~o2c.invoice.Invoice`, lossless; the derived
amounts are computed again on reading and checked against the stored ones.

The JSON is an object with ``"o2c": "invoice"`` and ``"version": 1``; amounts and rates are
decimal strings (never floats), dates ISO 8601, enums by name, money as
``{"amount": "19.99", "currency": "EUR"}``, payment terms as o2c's notation (``"2/10 net 30"``,
which parses back equal), and ``"totals"`` the amounts o2c computed (BT-106 ... BT-115), checked
on reading.

This module imports nothing from :mod:`o2c.invoice.document` (which calls it): reading is
given the document's types.

>>> import datetime as dt
>>> from o2c.invoice import Customer, Invoice, InvoiceLine
>>> from o2c.money import money
>>> from o2c.tax import Tax
>>> inv = Invoice.create(number="INV-1", customer=Customer(id="C-1", name="Muster GmbH"),
...                      issue_date=dt.date(2026, 3, 2), currency="EUR",
...                      lines=[InvoiceLine(description="Widget", quantity=3,
...                                         unit_price=money("19.99", "EUR"),
...                                         taxes=[Tax.vat("S19", "19")])])
>>> text = inv.to_json()
>>> Invoice.from_json(text) == inv
True
>>> import json; json.loads(text)["totals"]["amount_due"]
'71.36'
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import attrs
from moneyed import Money

from o2c.errors import InvalidInvoiceError, O2CError
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
from o2c.money import CashRounding, Rounding, RoundingPolicy
from o2c.tax import (
    AllowanceCharge,
    ChargeKind,
    CompoundBase,
    ExemptionCertificate,
    GlobalBase,
    IncludedRounding,
    JurisdictionRounding,
    RoundingMethod,
    Tax,
    TaxCategory,
    TaxKind,
    TaxPolicy,
)
from o2c.terms import PaymentTerms

__all__ = ["VERSION", "invoice_from_json", "invoice_to_json"]

#: The version of the JSON layout this module writes (and the only one it reads).
VERSION = 1
T = TypeVar("T")

#: The totals stored beside the inputs (checked on reading).
_TOTALS = (
    "line_total",
    "allowance_total",
    "charge_total",
    "untaxed",
    "tax_total",
    "total_with_tax",
    "prepaid",
    "rounding_amount",
    "withholding_total",
    "amount_due",
)


# --------------------------------------------------------------------------------------------
# Writing


def _encode(value: Any) -> Any:
    """A value as JSON data: attrs classes as objects of their fields, Decimals as text."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Money):
        return {"amount": format(value.amount, "f"), "currency": value.currency.code}
    if isinstance(value, PaymentTerms):
        text = str(value)
        if PaymentTerms.parse(text) != value:
            raise InvalidInvoiceError(
                f"the terms {text!r} do not parse back equal, so JSON cannot carry them",
                field="terms",
                value=text,
            )
        return text
    if isinstance(value, frozenset):
        return sorted(_encode(v) for v in value)
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in sorted(value.items())}
    if attrs.has(type(value)):
        return {
            f.alias or f.name: _encode(getattr(value, f.name))
            for f in attrs.fields(type(value))
            if f.init
        }
    raise InvalidInvoiceError(
        f"cannot write a {type(value).__name__} as JSON", field="invoice", value=repr(value)
    )


#: The inputs of Invoice.create, in the order they are written.
_INPUTS = (
    "number",
    "kind",
    "customer",
    "issue_date",
    "currency",
    "lines",
    "charges",
    "terms",
    "delivery_date",
    "references",
    "policy",
    "prepaid",
    "tax_base_discount_percent",
    "exemptions",
    "note",
    "seller",
    "payee",
    "tax_representative",
    "payment",
)


def invoice_to_json(invoice: Any) -> str:
    """The invoice as JSON text (see the module's description)."""
    data: dict[str, Any] = {"o2c": "invoice", "version": VERSION}
    for name in _INPUTS:
        value = getattr(invoice, name)
        data[name] = value.code if name == "currency" else _encode(value)
    totals = invoice.totals
    data["totals"] = {name: format(getattr(totals, name).amount, "f") for name in _TOTALS}
    return json.dumps(data, ensure_ascii=False, indent=1)


# --------------------------------------------------------------------------------------------
# Reading

Decoder = Callable[[Any, str], Any]


def _fail(path: str, message: str, value: object = None) -> InvalidInvoiceError:
    return InvalidInvoiceError(f"{path}: {message}", field=path, value=value)


def _obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, f"expected an object, got {type(value).__name__}")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(path, f"expected a list, got {type(value).__name__}")
    return value


def _dec(value: Any, path: str) -> Decimal:
    if not isinstance(value, str):
        raise _fail(path, "a number is written as text (no float touches money)", value)
    try:
        d = Decimal(value)
    except decimal.InvalidOperation:
        raise _fail(path, f"{value!r} is not a number", value) from None
    if not d.is_finite():
        raise _fail(path, f"{value!r} is not a finite number", value)
    return d


def _opt(decode: Decoder) -> Decoder:
    return lambda v, p: None if v is None else decode(v, p)


def _date(value: Any, path: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _fail(path, f"{value!r} is not a date (YYYY-MM-DD)", value) from None


def _enum(kind: type[enum.Enum]) -> Decoder:
    def decode(value: Any, path: str) -> Any:
        try:
            return kind[value]
        except (KeyError, TypeError):
            names = ", ".join(m.name for m in kind)
            raise _fail(path, f"{value!r} is not one of {names}", value) from None

    return decode


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _fail(path, f"expected text, got {type(value).__name__}", value)
    return value


def _as_is(value: Any, _path: str) -> Any:
    return value


def _money(value: Any, path: str) -> Money:
    data = _obj(value, path)
    return Money(_dec(data.get("amount"), f"{path}.amount"), _text(data.get("currency"), path))


def _tuple(decode: Decoder) -> Decoder:
    return lambda v, p: tuple(decode(x, f"{p}[{i}]") for i, x in enumerate(_list(v, p)))


def _record(cls: type[T], fields: Mapping[str, Decoder]) -> Decoder:
    """A decoder of an attrs class from an object: each key decoded by ``fields`` (text and
    plain values by the class's own converters), unknown keys refused."""

    def decode(value: Any, path: str) -> T:
        data = _obj(value, path)
        unknown = set(data) - {f.alias or f.name for f in attrs.fields(cls)}  # type: ignore[arg-type]
        if unknown:
            raise _fail(path, f"unknown keys {sorted(unknown)}")
        kwargs = {k: fields.get(k, _as_is)(v, f"{path}.{k}") for k, v in data.items()}
        try:
            return cls(**kwargs)
        except O2CError:
            raise
        except (TypeError, ValueError) as exc:
            raise _fail(path, str(exc)) from None

    return decode


_address = _record(Address, {"lines": _tuple(_text)})
_contact = _record(Contact, {})
_endpoint = _record(ElectronicAddress, {})
_party = _record(
    Party,
    {"address": _opt(_address), "electronic_address": _opt(_endpoint), "contact": _opt(_contact)},
)
_customer = _record(
    Customer,
    {"address": _opt(_address), "electronic_address": _opt(_endpoint), "contact": _opt(_contact)},
)
_payee = _record(Payee, {})
_representative = _record(TaxRepresentative, {"address": _address})
_payment = _record(
    PaymentInstructions,
    {
        "account": _opt(_record(BankAccount, {})),
        "direct_debit": _opt(_record(DirectDebit, {})),
    },
)
_tax = _record(
    Tax,
    {
        "kind": _enum(TaxKind),
        "percent": _dec,
        "amount_per_unit": _dec,
        "category": _opt(_enum(TaxCategory)),
    },
)
_taxes = _tuple(_tax)
_charge = _record(
    AllowanceCharge,
    {"kind": _enum(ChargeKind), "amount": _money, "taxes": _opt(_taxes)},
)
_exemption = _record(
    ExemptionCertificate,
    {
        "jurisdictions": lambda v, p: frozenset(_list(v, p)),
        "valid_from": _date,
        "valid_to": _opt(_date),
    },
)
_steps = lambda v, p: {k: _dec(x, f"{p}.{k}") for k, x in _obj(v, p).items()}  # noqa: E731
_policy = _record(
    TaxPolicy,
    {
        "method": _enum(RoundingMethod),
        "rounding": _record(RoundingPolicy, {"rounding": _enum(Rounding), "step": _opt(_dec)}),
        "global_base": _enum(GlobalBase),
        "included": _enum(IncludedRounding),
        "compound_base": _enum(CompoundBase),
        "jurisdictions": _enum(JurisdictionRounding),
        "cash_rounding": _opt(
            _record(CashRounding, {"rounding": _enum(Rounding), "overrides": _steps})
        ),
    },
)


def _terms(value: Any, path: str) -> PaymentTerms:
    return PaymentTerms.parse(_text(value, path))


def invoice_from_json(
    text: str | bytes, *, invoice: type[T], line: type, references: type, kind: type
) -> T:
    """The invoice :func:`invoice_to_json` wrote, computed again with ``invoice.create`` and
    checked against its stored totals.

    Raises:
        InvalidInvoiceError: for text that is not such JSON (naming the key), or stored totals
            that differ from what the inputs compute to.
    """
    try:
        data = _obj(json.loads(text), "$")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _fail("$", f"not JSON: {exc}") from None
    if data.get("o2c") != "invoice" or data.get("version") != VERSION:
        raise _fail(
            "$",
            f"not an o2c invoice of version {VERSION} (o2c={data.get('o2c')!r}, "
            f"version={data.get('version')!r})",
        )
    unknown = set(data) - set(_INPUTS) - {"o2c", "version", "totals"}
    if unknown:
        raise _fail("$", f"unknown keys {sorted(unknown)}")
    line_record = _record(
        line, {"quantity": _dec, "unit_price": _money, "taxes": _taxes, "discount_percent": _dec}
    )
    decoders: dict[str, Decoder] = {
        "number": _text,
        "kind": _enum(kind),
        "customer": _customer,
        "issue_date": _date,
        "currency": _text,
        "lines": _tuple(line_record),
        "charges": _tuple(_charge),
        "terms": _opt(_terms),
        "delivery_date": _opt(_date),
        "references": _record(references, {}),
        "policy": _policy,
        "prepaid": _opt(_money),
        "tax_base_discount_percent": _opt(_dec),
        "exemptions": _tuple(_exemption),
        "note": _text,
        "seller": _opt(_party),
        "payee": _opt(_payee),
        "tax_representative": _opt(_representative),
        "payment": _opt(_payment),
    }
    kwargs = {name: decoders[name](data[name], name) for name in _INPUTS if name in data}
    made: Any = invoice.create(payment_reference=False, **kwargs)  # type: ignore[attr-defined]
    stored = data.get("totals")
    if stored is not None:
        for name, value in _obj(stored, "totals").items():
            if name not in _TOTALS:
                raise _fail("totals", f"unknown total {name!r}")
            computed = getattr(made.totals, name).amount
            if _dec(value, f"totals.{name}") != computed:
                raise _fail(
                    f"totals.{name}",
                    f"stored {value} but the inputs compute to {computed}",
                    value,
                )
    result: T = made
    return result
