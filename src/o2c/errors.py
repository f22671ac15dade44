"""The o2c exception tree.

Every error o2c raises derives from :class:`O2CError`; each leaf also subclasses the builtin it
resembles, so ``except ValueError`` keeps working in code that does not know o2c.  Every error
carries the context that explains it (``field``, ``value``, ``currency`` ...) as attributes, and its
message says what was wrong and what to do instead::

    O2CError (Exception)
    ├── MissingExtraError (ImportError)           an optional dependency is not installed
    ├── ValidationError (ValueError)              bad input: names the field and the value
    │   ├── InvalidAmountError                    not a finite decimal amount
    │   ├── MoneyParseError                       text is not an amount in that locale
    │   ├── AllocationError                       weights or amount cannot be allocated
    │   ├── InvalidTermsError                     payment terms text or lines are wrong
    │   ├── InvalidTaxError                       a tax definition or tax computation is wrong
    │   ├── InvalidInvoiceError                   an invoice that cannot exist
    │   ├── InvalidOrderError                     a sales order or its delivery/billing is wrong
    │   ├── StatementFormatError                  a bank file is malformed (line or XML path)
    │   ├── SanctionsFormatError                  a sanctions list file cannot be read
    │   ├── EInvoiceError                         an e-invoice that does not conform (path/rule)
    │   ├── ScheduleError                         a report or reminder schedule that cannot run
    │   ├── ImportRowError                        a migration row is rejected
    │   ├── DisputeStateError                     a dispute cannot move to that state/outcome
    │   └── InvalidFactError                      a ledger fact that breaks an invariant
    │       ├── OverApplicationError              an item or payment would be over-applied
    │       └── DuplicateFactError                same fact id, other content
    ├── FloatNotAllowedError (TypeError)          a float was given where money or a rate goes
    ├── CurrencyError
    │   ├── UnknownCurrencyError (LookupError)    not an ISO 4217 code
    │   └── CurrencyMismatchError (ValueError)    two amounts in different currencies
    ├── RateError
    │   ├── RateNotFoundError (LookupError)       no rate for the pair on or near the date
    │   └── RateUnavailableError (ConnectionError) a rate source could not answer
    ├── DeliveryError (ConnectionError)           a notifier could not deliver a message
    ├── LedgerError
    │   ├── NotFoundError (LookupError)           no such fact, item or payment
    │   └── ConcurrencyError (RuntimeError)       someone else appended first; reload and retry
    └── StorageError (OSError)                    the storage backend failed

>>> from o2c.errors import CurrencyMismatchError, O2CError
>>> err = CurrencyMismatchError("EUR", "USD", operation="add")
>>> isinstance(err, O2CError) and isinstance(err, ValueError)
True
>>> print(err)
cannot add EUR and USD amounts: convert one of them first (o2c.fx) or keep them apart
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AllocationError",
    "ConcurrencyError",
    "CurrencyError",
    "CurrencyMismatchError",
    "DeliveryError",
    "DisputeStateError",
    "DuplicateFactError",
    "EInvoiceError",
    "FloatNotAllowedError",
    "ImportRowError",
    "InvalidAmountError",
    "InvalidFactError",
    "InvalidInvoiceError",
    "InvalidOrderError",
    "InvalidTaxError",
    "InvalidTermsError",
    "LedgerError",
    "MissingExtraError",
    "MoneyParseError",
    "NotFoundError",
    "O2CError",
    "OverApplicationError",
    "RateError",
    "RateNotFoundError",
    "RateUnavailableError",
    "SanctionsFormatError",
    "ScheduleError",
    "StatementFormatError",
    "StorageError",
    "UnknownCurrencyError",
    "ValidationError",
]


class O2CError(Exception):
    """Root of every error o2c raises.

    ``context`` holds the values that explain the error; they are also set as attributes by the
    subclasses that name them.
    """

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context: dict[str, Any] = context


class MissingExtraError(O2CError, ImportError):
    """An adapter needs an optional dependency that is not installed."""

    def __init__(self, extra: str, package: str, feature: str) -> None:
        super().__init__(
            f'{feature} needs the optional package {package!r}: pip install "o2c[{extra}]"',
            extra=extra,
            package=package,
            feature=feature,
        )
        self.extra = extra
        self.package = package
        self.feature = feature


class ValidationError(O2CError, ValueError):
    """Bad input: ``field`` names what was wrong and ``value`` what was given."""

    def __init__(self, message: str, *, field: str, value: Any = None, **context: Any) -> None:
        super().__init__(message, field=field, value=value, **context)
        self.field = field
        self.value = value


class InvalidAmountError(ValidationError):
    """An amount that is not a finite decimal number (NaN, infinity, malformed text)."""


class MoneyParseError(ValidationError):
    """Text that is not, strictly, an amount in the given locale and currency."""


class AllocationError(ValidationError):
    """An amount that cannot be allocated over the given weights."""


class InvalidTermsError(ValidationError):
    """Payment terms that cannot be parsed or cannot produce a valid schedule.

    ``token`` and ``position`` locate the problem in parsed text; ``line`` names the instalment
    line for schedule errors.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str = "terms",
        value: Any = None,
        token: str | None = None,
        position: int | None = None,
        line: int | None = None,
        **context: Any,
    ) -> None:
        super().__init__(
            message,
            field=field,
            value=value,
            token=token,
            position=position,
            line=line,
            **context,
        )
        self.token = token
        self.position = position
        self.line = line


class InvalidTaxError(ValidationError):
    """A tax definition or a tax computation that cannot be done."""


class InvalidInvoiceError(ValidationError):
    """An invoice or credit memo that cannot exist (refused at construction)."""


class InvalidOrderError(ValidationError):
    """A sales order, delivery or billing that cannot exist (over-delivery, billing ahead ...)."""


class StatementFormatError(ValidationError):
    """A malformed bank file; ``location`` is the line number or XML path."""

    def __init__(
        self,
        message: str,
        *,
        location: str,
        field: str = "statement",
        value: Any = None,
        **context: Any,
    ) -> None:
        super().__init__(
            f"{message} (at {location})", field=field, value=value, location=location, **context
        )
        self.location = location


class SanctionsFormatError(ValidationError):
    """A sanctions list file that cannot be read; ``location`` says where (line, entry, path)."""

    def __init__(
        self, message: str, *, location: str, field: str = "sanctions list", value: Any = None
    ) -> None:
        super().__init__(f"{message} (at {location})", field=field, value=value, location=location)
        self.location = location


class EInvoiceError(ValidationError):
    """An e-invoice (UBL, CII, Factur-X) that does not conform.

    ``location`` is the XML path of the offending element, or the business rule (``BR-CO-15``)
    that failed; ``field`` names the business term (``BT-112``) where one is known.
    """

    def __init__(
        self,
        message: str,
        *,
        location: str,
        field: str = "e-invoice",
        value: Any = None,
        **context: Any,
    ) -> None:
        super().__init__(
            f"{message} (at {location})", field=field, value=value, location=location, **context
        )
        self.location = location


class ScheduleError(ValidationError):
    """A report or reminder schedule that cannot run (bad cron expression, time zone, format)."""


class ImportRowError(ValidationError):
    """A row of a migration file that is rejected; ``row`` is its 1-based line number."""

    def __init__(
        self, message: str, *, row: int, field: str, value: Any = None, **context: Any
    ) -> None:
        super().__init__(message, field=field, value=value, row=row, **context)
        self.row = row


class DisputeStateError(ValidationError):
    """A dispute asked to move to a state (or outcome) its current state does not allow."""


class InvalidFactError(ValidationError):
    """A ledger fact that would break one of the ledger's invariants."""


class OverApplicationError(InvalidFactError):
    """An allocation that would apply more than an item has open, or a payment has left."""


class DuplicateFactError(InvalidFactError):
    """A fact id that was already used for a fact with other content."""


class FloatNotAllowedError(O2CError, TypeError):
    """A binary float where an exact amount, rate or percentage belongs."""

    def __init__(self, field: str, value: float) -> None:
        super().__init__(
            f"{field}={value!r} is a float; floats cannot hold money exactly: "
            f'pass a str or Decimal instead, e.g. Decimal("{value!r}")',
            field=field,
            value=value,
        )
        self.field = field
        self.value = value


class CurrencyError(O2CError):
    """Base for currency problems."""


class UnknownCurrencyError(CurrencyError, LookupError):
    """A code that is not an ISO 4217 currency."""

    def __init__(self, code: object) -> None:
        super().__init__(
            f"unknown currency code {code!r}: use a three-letter ISO 4217 code such as 'EUR'",
            code=code,
        )
        self.code = code


class CurrencyMismatchError(CurrencyError, ValueError):
    """Two amounts in different currencies were combined."""

    def __init__(self, expected: str, got: str, *, operation: str = "combine") -> None:
        super().__init__(
            f"cannot {operation} {expected} and {got} amounts: "
            "convert one of them first (o2c.fx) or keep them apart",
            expected=expected,
            got=got,
            operation=operation,
        )
        self.expected = expected
        self.got = got
        self.operation = operation


class RateError(O2CError):
    """Base for exchange-rate problems."""


class RateNotFoundError(RateError, LookupError):
    """No rate for ``base``→``quote`` on ``on`` (or within the allowed age before it)."""

    def __init__(self, base: str, quote: str, on: Any, *, reason: str = "", **context: Any) -> None:
        detail = f": {reason}" if reason else ""
        super().__init__(
            f"no {base}->{quote} rate for {on}{detail}",
            base=base,
            quote=quote,
            on=on,
            **context,
        )
        self.base = base
        self.quote = quote
        self.on = on


class RateUnavailableError(RateError, ConnectionError):
    """A rate source could not answer (offline, timed out, broken reply)."""

    def __init__(self, source: str, reason: str, **context: Any) -> None:
        super().__init__(
            f"rate source {source!r} is unavailable: {reason}", source=source, **context
        )
        self.source = source
        self.reason = reason


class DeliveryError(O2CError, ConnectionError):
    """A notifier could not deliver a message (the transport's error is chained)."""

    def __init__(self, transport: str, reason: str, **context: Any) -> None:
        super().__init__(
            f"{transport} could not deliver the message: {reason}",
            transport=transport,
            **context,
        )
        self.transport = transport
        self.reason = reason


class LedgerError(O2CError):
    """Base for ledger problems that are not bad input."""


class NotFoundError(LedgerError, LookupError):
    """No fact, item or payment with that id."""

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"no {kind} with id {key!r}", kind=kind, key=key)
        self.kind = kind
        self.key = key


class ConcurrencyError(LedgerError, RuntimeError):
    """Another writer appended to the stream first; reload it and retry the batch."""

    def __init__(self, stream: str, expected: int, actual: int) -> None:
        super().__init__(
            f"stream {stream!r} is at version {actual}, not the expected {expected}: "
            "another writer appended first; reload and retry",
            stream=stream,
            expected=expected,
            actual=actual,
        )
        self.stream = stream
        self.expected = expected
        self.actual = actual


class StorageError(O2CError, OSError):
    """The storage backend failed (its own error is chained as ``__cause__``)."""
