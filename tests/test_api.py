"""The public API: what ``o2c`` exports is deliberate, sorted, and importable."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import typing
from pathlib import Path
from typing import Any

import pytest

import o2c

EXPECTED_TOP_LEVEL = {
    "BankAccount",
    "Party",
    "PaymentInstructions",
    "read_einvoice",
    "validate_einvoice",
    "write_einvoice",
    "Address",
    "AgingBasis",
    "AgingReport",
    "AgingRow",
    "Allocation",
    "AllocationError",
    "AllocationReversed",
    "AllowanceCharge",
    "AltmanModel",
    "ApplyReport",
    "BucketScheme",
    "BusinessDayConvention",
    "CachedRates",
    "Calendar",
    "CashRounding",
    "ChargeKind",
    "ConcurrencyError",
    "Conversion",
    "CreditCheck",
    "CreditDecision",
    "CreditLimits",
    "CreditMemoIssued",
    "CreditPlacement",
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
    "DocumentKind",
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
    "InvoiceTotals",
    "ItemKind",
    "Ledger",
    "LedgerError",
    "LedgerStore",
    "MatchDecision",
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
    "Residual",
    "ResidualKind",
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
    "TaxResult",
    "TaxableLine",
    "UnknownCurrencyError",
    "ValidationError",
    "Violation",
    "WeekendCalendar",
    "WrittenOff",
    "__version__",
    "age",
    "age_from_ledger",
    "allocate",
    "altman_score",
    "apply",
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
    "invoice_fact",
    "iter_payments",
    "kpi_summary",
    "late_payment_claim",
    "match_payments",
    "minor_units",
    "money",
    "parse_money",
    "paydex",
    "post_invoice",
    "propose_dunning",
    "provision_matrix",
    "quantize",
    "realised_fx",
    "recommend_limit",
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


def _first_readme_example() -> str:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A first example", 1)[1]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    lines = [line[4:] for line in code.splitlines() if line.startswith((">>> ", "... "))]
    return "\n".join(lines)


def test_the_basic_tasks_need_nothing_but_import_o2c() -> None:
    # create an invoice, match and apply a payment, age the ledger (the README's first example):
    # every o2c name it uses is o2c.<name>; only the storage adapter, a technology chosen
    # explicitly, comes from a submodule
    tree = ast.parse(_first_readme_example())
    modules = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    o2c_modules = {m for m in modules if m and (m == "o2c" or m.startswith("o2c."))}
    assert o2c_modules == {"o2c", "o2c.adapters.sqlite"}
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "o2c"
    }
    assert {"Invoice", "match_payments", "apply", "age_from_ledger"} <= used
    assert used <= set(o2c.__all__)


@pytest.mark.parametrize(
    "verb",
    [
        o2c.Invoice.create,
        o2c.compute_tax,
        o2c.match_payments,
        o2c.apply,
        o2c.age_from_ledger,
        o2c.check_credit,
    ],
    ids=lambda f: f.__qualname__,
)
def test_the_types_a_basic_task_names_are_at_the_top_level(verb: Any) -> None:
    # what a basic verb returns, and the enums and records its required arguments take
    hints = typing.get_type_hints(verb, localns=vars(o2c))
    required = [
        p.name
        for p in inspect.signature(verb).parameters.values()
        if p.default is inspect.Parameter.empty and p.name in hints
    ]
    for cls in _classes([hints["return"], *(hints[n] for n in required)]):
        protocol = getattr(cls, "_is_protocol", False)  # any object with its methods will do
        if cls.__module__.startswith("o2c.") and not protocol:
            assert getattr(o2c, cls.__name__, None) is cls, f"o2c.{cls.__name__}"


def _classes(hints: list[Any]) -> list[type]:
    """The classes in type hints, inside unions and containers too."""
    found = []
    for hint in hints:
        if isinstance(hint, type):
            found.append(hint)
        found += _classes(list(typing.get_args(hint)))
    return found


#: Public names two modules define for different things, each with why it stays (ideally none).
DELIBERATE_NAME_COLLISIONS: dict[str, str] = {}


def _is_definition(obj: object) -> bool:
    """A class, a function or a type alias: something defined once, somewhere (constants such
    as ``NAMESPACES`` are per-module data and may share a name)."""
    return inspect.isclass(obj) or inspect.isfunction(obj) or typing.get_origin(obj) is not None


def test_no_two_modules_export_different_things_under_one_name() -> None:
    # one public name says one thing: a name in two modules' __all__ is one object re-exported
    # (o2c.ledger.Ledger is o2c.ledger.ledger.Ledger), never two things that happen to share it
    found: dict[str, dict[int, str]] = {}
    for name in _modules():
        if name == "o2c.cli" or name.startswith("o2c.cli."):
            continue  # the command line is not library API
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr)
            if _is_definition(obj):
                found.setdefault(attr, {}).setdefault(id(obj), name)
    collisions = {attr: sorted(homes.values()) for attr, homes in found.items() if len(homes) > 1}
    assert {a: m for a, m in collisions.items() if a not in DELIBERATE_NAME_COLLISIONS} == {}
    # an exception that no longer collides is struck from the list
    assert set(DELIBERATE_NAME_COLLISIONS) <= set(collisions)
