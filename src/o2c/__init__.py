"""o2c: an embeddable order-to-cash and accounts-receivable library.

Exact money (``Decimal`` inside, :class:`moneyed.Money` at the API), payment terms, tax and
invoices, currency conversion, an append-only AR ledger, cash application, aging, collections,
disputes and credit, as pure functions over immutable values.  Adapters for storage, rates, bank
formats and notifications live in :mod:`o2c.adapters` behind the ports in :mod:`o2c.ports`.

The names below are the curated entry points; every module keeps its full API in its own
``__all__`` (``o2c.terms``, ``o2c.tax``, ``o2c.ledger`` ...).

>>> import datetime as dt
>>> import o2c
>>> [str(p.amount) for p in o2c.allocate(o2c.money("10.00", "EUR"), [1, 2])]
['3.33', '6.67']
>>> terms = o2c.PaymentTerms.parse("2/10 net 30")
>>> schedule = terms.schedule(dt.date(2026, 3, 2), o2c.money("1000.00", "EUR"))
>>> [(str(i.due_date), str(i.amount.amount)) for i in schedule.instalments]
[('2026-04-01', '1000.00')]
"""

from __future__ import annotations

from o2c.calendars import (
    BusinessDayConvention,
    WeekendCalendar,
)
from o2c.cash_application import (
    CustomerProfile,
    MatchPolicy,
    MatchResult,
    match_payments,
)
from o2c.collecting import (
    DunningLevel,
    DunningPolicy,
    InterestRule,
    late_payment_claim,
    propose_dunning,
)
from o2c.collecting.disputes import (
    Dispute,
    DisputeOutcome,
)
from o2c.collecting.reminders import (
    InMemoryNotifier,
    render_reminder,
    render_statement,
)
from o2c.credit import (
    AltmanModel,
    CreditCheck,
    CreditLimits,
    CreditPolicy,
    RiskClass,
    altman_score,
    behavioural_score,
    check_credit,
    paydex,
    recommend_limit,
)
from o2c.credit.forecast import (
    backtest,
    cash_forecast,
    fit_payment_model,
)
from o2c.credit.orders import (
    Order,
    take_order,
)
from o2c.credit.provisioning import (
    ForwardLooking,
    cecl_allowance,
    cohort_loss_rates,
    provision_matrix,
)
from o2c.errors import (
    AllocationError,
    ConcurrencyError,
    CurrencyError,
    CurrencyMismatchError,
    DeliveryError,
    DisputeStateError,
    DuplicateFactError,
    FloatNotAllowedError,
    ImportRowError,
    InvalidAmountError,
    InvalidFactError,
    InvalidInvoiceError,
    InvalidOrderError,
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
from o2c.fx import (
    CachedRates,
    Conversion,
    FallbackRates,
    InMemoryRates,
    Rate,
    RateKind,
    convert,
    realised_fx,
    revalue,
)
from o2c.invoice import (
    Address,
    Customer,
    Invoice,
    InvoiceLine,
    References,
    credit_memo,
)
from o2c.invoice import (
    validate as validate_invoice,
)
from o2c.ledger import (
    AllocationReversed,
    CreditMemoIssued,
    DisputeOpened,
    DisputeResolved,
    Fact,
    InvoiceIssued,
    ItemKind,
    Ledger,
    OpenItem,
    PaymentAllocated,
    PaymentReceived,
    PromisedToPay,
    Refunded,
    WrittenOff,
)
from o2c.ledger.posting import (
    record_invoice,
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
from o2c.ports import (
    Calendar,
    LedgerStore,
    Notifier,
    RateProvider,
)
from o2c.receivables.aging import (
    AgingBasis,
    AgingReport,
    BucketScheme,
    DueToday,
    age,
    age_from_ledger,
)
from o2c.receivables.kpi import (
    kpi_summary,
)
from o2c.statement import (
    Payment,
    RemittanceDocument,
    Statement,
    iter_payments,
)
from o2c.tax import (
    AllowanceCharge,
    ChargeKind,
    RoundingMethod,
    Tax,
    TaxableLine,
    TaxCategory,
    TaxPolicy,
)
from o2c.tax import (
    compute as compute_tax,
)
from o2c.terms import (
    DiscountOffer,
    DiscountTier,
    Instalment,
    PaymentTerms,
    Schedule,
    discount_earned,
    forgone_discount_cost,
)

__version__ = "0.1.0"

__all__ = [
    "Address",
    "AgingBasis",
    "AgingReport",
    "AllocationError",
    "AllocationReversed",
    "AllowanceCharge",
    "AltmanModel",
    "BucketScheme",
    "BusinessDayConvention",
    "CachedRates",
    "Calendar",
    "CashRounding",
    "ChargeKind",
    "ConcurrencyError",
    "Conversion",
    "CreditCheck",
    "CreditLimits",
    "CreditMemoIssued",
    "CreditPolicy",
    "Currency",
    "CurrencyError",
    "CurrencyMismatchError",
    "Customer",
    "CustomerProfile",
    "DeliveryError",
    "DiscountOffer",
    "DiscountTier",
    "Dispute",
    "DisputeOpened",
    "DisputeOutcome",
    "DisputeResolved",
    "DisputeStateError",
    "DueToday",
    "DunningLevel",
    "DunningPolicy",
    "DuplicateFactError",
    "Fact",
    "FallbackRates",
    "FloatNotAllowedError",
    "ForwardLooking",
    "ImportRowError",
    "InMemoryNotifier",
    "InMemoryRates",
    "Instalment",
    "InterestRule",
    "InvalidAmountError",
    "InvalidFactError",
    "InvalidInvoiceError",
    "InvalidOrderError",
    "InvalidTaxError",
    "InvalidTermsError",
    "Invoice",
    "InvoiceIssued",
    "InvoiceLine",
    "ItemKind",
    "Ledger",
    "LedgerError",
    "LedgerStore",
    "MatchPolicy",
    "MatchResult",
    "MissingExtraError",
    "Money",
    "MoneyParseError",
    "NotFoundError",
    "Notifier",
    "O2CError",
    "OpenItem",
    "Order",
    "OverApplicationError",
    "Payment",
    "PaymentAllocated",
    "PaymentReceived",
    "PaymentTerms",
    "PromisedToPay",
    "Rate",
    "RateError",
    "RateKind",
    "RateNotFoundError",
    "RateProvider",
    "RateUnavailableError",
    "References",
    "Refunded",
    "RemainderPolicy",
    "RemittanceDocument",
    "RiskClass",
    "Rounding",
    "RoundingMethod",
    "RoundingPolicy",
    "Schedule",
    "Statement",
    "StatementFormatError",
    "StorageError",
    "Tax",
    "TaxCategory",
    "TaxPolicy",
    "TaxableLine",
    "UnknownCurrencyError",
    "ValidationError",
    "WeekendCalendar",
    "WrittenOff",
    "__version__",
    "age",
    "age_from_ledger",
    "allocate",
    "altman_score",
    "backtest",
    "behavioural_score",
    "cash_forecast",
    "cash_increment",
    "cash_round",
    "cecl_allowance",
    "check_credit",
    "cohort_loss_rates",
    "compute_tax",
    "convert",
    "credit_memo",
    "currency",
    "discount_earned",
    "fit_payment_model",
    "forgone_discount_cost",
    "format_money",
    "from_minor",
    "iter_payments",
    "kpi_summary",
    "late_payment_claim",
    "match_payments",
    "minor_units",
    "money",
    "parse_money",
    "paydex",
    "propose_dunning",
    "provision_matrix",
    "quantize",
    "realised_fx",
    "recommend_limit",
    "record_invoice",
    "render_reminder",
    "render_statement",
    "revalue",
    "sum_money",
    "take_order",
    "to_decimal",
    "to_minor",
    "validate_invoice",
    "zero",
]
