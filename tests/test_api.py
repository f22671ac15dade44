"""The public API: what ``o2c`` exports is deliberate, sorted, and importable."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import o2c

EXPECTED_TOP_LEVEL = {
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
    if name.startswith(("o2c.demos.", "o2c.commands.")):
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
