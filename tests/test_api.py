"""The public API: what ``o2c`` exports is deliberate, sorted, and importable."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import o2c

EXPECTED_TOP_LEVEL = {
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
}


def test_top_level_exports_are_exactly_the_curated_set() -> None:
    assert set(o2c.__all__) == EXPECTED_TOP_LEVEL
    assert list(o2c.__all__) == sorted(o2c.__all__)
    for name in o2c.__all__:
        assert hasattr(o2c, name), name


def _modules() -> list[str]:
    return sorted(
        m.name
        for m in pkgutil.walk_packages(o2c.__path__, prefix="o2c.")
        if m.name != "o2c.__main__"
    )


@pytest.mark.parametrize("name", _modules())
def test_every_module_has_a_sorted_all_that_resolves(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if name.startswith(("o2c.cli.demos.", "o2c.cli.commands.")):
        return  # demo sections and CLI commands are not library API
    assert exported is not None, f"{name} has no __all__"
    assert list(exported) == sorted(exported), f"{name}.__all__ is not sorted"
    for attr in exported:
        assert hasattr(module, attr), f"{name}.__all__ names missing {attr}"


def test_every_error_derives_from_the_root_and_a_builtin() -> None:
    from o2c import errors

    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, o2c.O2CError)
        if name in {"O2CError", "CurrencyError", "RateError", "LedgerError"}:
            continue
        builtin_bases = {
            ValueError,
            LookupError,
            TypeError,
            ImportError,
            RuntimeError,
            OSError,
            ConnectionError,
        }
        assert any(issubclass(cls, b) for b in builtin_bases), name
