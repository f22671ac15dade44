"""o2c: an embeddable order-to-cash and accounts-receivable library.

Exact money (``Decimal`` inside, :class:`moneyed.Money` at the API), payment terms, tax and
invoices, currency conversion, an append-only AR ledger, cash application, collections and credit,
as pure functions over immutable values.  Adapters for storage, rates, bank formats and
notifications live in :mod:`o2c.adapters` behind the ports in :mod:`o2c.ports`.

>>> import o2c
>>> [str(p.amount) for p in o2c.allocate(o2c.money("10.00", "EUR"), [1, 2])]
['3.33', '6.67']
"""

from __future__ import annotations

from o2c.errors import (
    AllocationError,
    ConcurrencyError,
    CurrencyError,
    CurrencyMismatchError,
    DuplicateFactError,
    FloatNotAllowedError,
    ImportRowError,
    InvalidAmountError,
    InvalidFactError,
    InvalidInvoiceError,
    InvalidTaxError,
    InvalidTermsError,
    LedgerError,
    MissingExtraError,
    MoneyParseError,
    NotFoundError,
    O2CError,
    OverApplicationError,
    RateError,
    RateNotFoundError,
    RateUnavailableError,
    StatementFormatError,
    StorageError,
    UnknownCurrencyError,
    ValidationError,
)
from o2c.money import (
    CashRounding,
    Currency,
    Money,
    RemainderPolicy,
    Rounding,
    RoundingPolicy,
    allocate,
    cash_increment,
    cash_round,
    currency,
    format_money,
    from_minor,
    minor_units,
    money,
    parse_money,
    quantize,
    sum_money,
    to_decimal,
    to_minor,
    zero,
)

__version__ = "0.1.0"

__all__ = [
    "AllocationError",
    "CashRounding",
    "ConcurrencyError",
    "Currency",
    "CurrencyError",
    "CurrencyMismatchError",
    "DuplicateFactError",
    "FloatNotAllowedError",
    "ImportRowError",
    "InvalidAmountError",
    "InvalidFactError",
    "InvalidInvoiceError",
    "InvalidTaxError",
    "InvalidTermsError",
    "LedgerError",
    "MissingExtraError",
    "Money",
    "MoneyParseError",
    "NotFoundError",
    "O2CError",
    "OverApplicationError",
    "RateError",
    "RateNotFoundError",
    "RateUnavailableError",
    "RemainderPolicy",
    "Rounding",
    "RoundingPolicy",
    "StatementFormatError",
    "StorageError",
    "UnknownCurrencyError",
    "ValidationError",
    "__version__",
    "allocate",
    "cash_increment",
    "cash_round",
    "currency",
    "format_money",
    "from_minor",
    "minor_units",
    "money",
    "parse_money",
    "quantize",
    "sum_money",
    "to_decimal",
    "to_minor",
    "zero",
]
