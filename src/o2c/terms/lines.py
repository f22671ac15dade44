"""The parts of payment terms: the options, the discount tiers and the instalment lines.

A :class:`TermLine` says what share of the total (a percentage, a fixed amount or the balance) is
due when; a :class:`DiscountTier` what early payment earns, and by when.  Both print themselves in
trade notation (``notation()``), which :meth:`o2c.terms.PaymentTerms.parse` reads back.

>>> TermLine.of_percent("30").notation(several=True)
'30% advance'
>>> TermLine.of_percent("30", untaxed=True).notation(several=True)
'30% untaxed advance'
>>> DiscountTier.of(percent="2", days=10).notation()
'2/10'
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

import attrs
from moneyed import Money

from o2c._checks import shown
from o2c.errors import InvalidTermsError
from o2c.money import check_amount, to_decimal
from o2c.terms.steps import (
    AddDays,
    DateStep,
    MonthDay,
    _due_steps,
    _terms_tuple,
    parse_steps,
    steps_notation,
)

__all__ = [
    "BaselineSource",
    "DiscountBase",
    "DiscountScope",
    "DiscountTier",
    "LineKind",
    "PartialPayment",
    "SettlementCondition",
    "TermLine",
]

_HUNDRED = Decimal(100)
_ZERO = Decimal(0)


class LineKind(enum.Enum):
    """What an instalment line is worth."""

    #: A percentage of the total (of the untaxed amount when the line says ``untaxed``).
    PERCENT = "percent"
    #: A fixed amount.
    FIXED = "fixed"
    #: Whatever the other lines leave (at most one line per terms).
    BALANCE = "balance"


class BaselineSource(enum.Enum):
    """The date due dates count from, before the baseline rules (EOM ...) are applied."""

    DOCUMENT = "document"
    #: Delivery / receipt of goods (``ROG``).
    DELIVERY = "delivery"
    #: Receipt of the invoice by the customer (``ROI``).
    RECEIPT = "receipt"


class DiscountBase(enum.Enum):
    """What a percentage discount is computed on."""

    #: The total including tax; the tax is not corrected (the discount reduces the base only).
    TOTAL = "total"
    #: The untaxed amount only.
    UNTAXED = "untaxed"
    #: The total including tax, with the tax share reduced too: the discount is split between
    #: base and tax in proportion (``DiscountOffer.untaxed_part`` / ``tax_part``).
    MIXED = "mixed"


class DiscountScope(enum.Enum):
    """Whether term-level discount tiers apply to the invoice as a whole or to each instalment."""

    #: One discount on the whole invoice, shared over the instalments in proportion.
    INVOICE = "invoice"
    #: Each instalment earns the tiers on its own amount.
    INSTALMENT = "instalment"


class PartialPayment(enum.Enum):
    """What a payment of less than the discounted amount earns."""

    #: Nothing: the discount is earned only by paying in full by the deadline (as Odoo).
    FULL_ONLY = "full"
    #: The share of the discount that the payment covers.
    PRO_RATA = "pro_rata"


class SettlementCondition(enum.Enum):
    """Terms that are a settlement condition (due at once) rather than a credit period."""

    CREDIT = "credit"
    ON_RECEIPT = "due on receipt"
    #: Cash on delivery: due on the delivery date.
    COD = "COD"
    #: Cash in advance.
    CIA = "CIA"
    #: Cash with order.
    CWO = "CWO"


def _opt_percent(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value, field="percent")


def _money_or_none(value: object) -> Money | None:
    if value is None:
        return value
    if isinstance(value, Money):
        check_amount(value.amount, field="amount")
        return value
    raise InvalidTermsError(f"amount={shown(value)!r} must be a Money", field="amount", value=value)


def _fmt(value: Decimal) -> str:
    """``value`` in plain notation without trailing zeros, every digit kept (no rounding)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _enum(kind: type[enum.Enum]) -> Callable[[object, attrs.Attribute[Any], object], None]:
    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind):
            raise InvalidTermsError(
                f"{attribute.name}={shown(value)!r} must be a {kind.__name__} "
                f"({', '.join(m.name for m in kind)})",
                field=attribute.name,
                value=value,
            )

    return check


def _flag(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidTermsError(
            f"{attribute.name}={shown(value)!r} must be True or False",
            field=attribute.name,
            value=shown(value),
        )


def _tiers(value: Iterable[DiscountTier]) -> tuple[DiscountTier, ...]:
    tiers = _terms_tuple(value, "discounts", "DiscountTier")
    for tier in tiers:
        if not isinstance(tier, DiscountTier):
            raise InvalidTermsError(
                f"{tier!r} is not a DiscountTier", field="discounts", value=tier
            )
    return tiers


@attrs.frozen(kw_only=True)
class DiscountTier:
    """An early-payment discount: ``percent`` (or a fixed ``amount``) if paid by ``deadline``.

    The deadline is a date rule counted from the baseline date, its last day included.

    >>> DiscountTier.of(percent="2", days=10)
    DiscountTier(deadline=(AddDays(n=10),), percent=Decimal('2'), amount=None)
    """

    deadline: tuple[DateStep, ...] = attrs.field(converter=_due_steps)
    percent: Decimal | None = attrs.field(default=None, converter=_opt_percent)
    amount: Money | None = attrs.field(default=None, converter=_money_or_none)

    def __attrs_post_init__(self) -> None:
        if (self.percent is None) == (self.amount is None):
            raise InvalidTermsError(
                "a discount tier needs either percent= or amount=, not both or neither",
                field="discount",
                value=(self.percent, self.amount),
            )
        if self.percent is not None and not _ZERO < self.percent < _HUNDRED:
            raise InvalidTermsError(
                f"discount percent={self.percent} must be above 0 and below 100",
                field="percent",
                value=self.percent,
            )
        if self.amount is not None and self.amount.amount <= 0:
            raise InvalidTermsError(
                f"discount amount={self.amount} must be positive",
                field="amount",
                value=self.amount,
            )

    @classmethod
    def of(
        cls,
        *,
        percent: str | int | Decimal | None = None,
        amount: Money | None = None,
        days: int | None = None,
        deadline: Sequence[DateStep] | str | None = None,
    ) -> DiscountTier:
        """A tier from a percentage or amount and ``days`` or a ``deadline`` rule (or notation)."""
        steps: Sequence[DateStep]
        if isinstance(deadline, str):
            steps = parse_steps(deadline)
        elif deadline is not None:
            steps = deadline
        else:
            steps = (AddDays(days or 0),)
        return cls(deadline=tuple(steps), percent=percent, amount=amount)

    def notation(self) -> str:
        """``2/10``, ``2/eom+10d``, ``EUR5.00/10``."""
        if len(self.deadline) == 1 and type(self.deadline[0]) is AddDays:
            when = str(self.deadline[0].n)
        else:
            when = steps_notation(self.deadline)
        if self.percent is not None:
            return f"{_fmt(self.percent)}/{when}"
        assert self.amount is not None
        return f"{self.amount.currency.code}{self.amount.amount:f}/{when}"


@attrs.frozen(kw_only=True)
class TermLine:
    """One instalment line: what share (percent, fixed or balance) is due when.

    ``due`` is a date rule counted from the baseline date, or from the previous instalment's due
    date when ``chained``.  ``discounts`` are tiers offered on this instalment alone.  A percent
    line with ``untaxed`` is a percentage of the untaxed amount (OCA's "percent of untaxed
    amount"): an advance on the goods, the tax left to a later line; scheduling it needs the
    untaxed amount.
    """

    kind: LineKind = attrs.field(validator=_enum(LineKind))
    due: tuple[DateStep, ...] = attrs.field(default=(), converter=_due_steps)
    percent: Decimal | None = attrs.field(default=None, converter=_opt_percent)
    amount: Money | None = attrs.field(default=None, converter=_money_or_none)
    chained: bool = False
    discounts: tuple[DiscountTier, ...] = attrs.field(default=(), converter=_tiers)
    untaxed: bool = attrs.field(default=False, validator=_flag)

    def __attrs_post_init__(self) -> None:
        if self.untaxed and self.kind is not LineKind.PERCENT:
            raise InvalidTermsError(
                f"only a percent line can be a share of the untaxed amount, not a {self.kind.value}"
                " line",
                field="untaxed",
                value=self.kind,
            )
        if self.kind is LineKind.PERCENT:
            if self.percent is None or self.amount is not None:
                raise InvalidTermsError(
                    "a percent line needs percent= only", field="percent", value=self.percent
                )
            if not _ZERO < self.percent <= _HUNDRED:
                raise InvalidTermsError(
                    f"line percent={self.percent} must be above 0 and at most 100",
                    field="percent",
                    value=self.percent,
                )
        elif self.kind is LineKind.FIXED:
            if self.amount is None or self.percent is not None:
                raise InvalidTermsError(
                    "a fixed line needs amount= only", field="amount", value=self.amount
                )
            if self.amount.amount <= 0:
                raise InvalidTermsError(
                    f"line amount={self.amount} must be positive (a negative instalment "
                    "cannot be due)",
                    field="amount",
                    value=self.amount,
                )
        elif self.percent is not None or self.amount is not None:
            raise InvalidTermsError(
                "a balance line takes whatever is left: give it no percent or amount",
                field="kind",
                value=self.kind,
            )

    @classmethod
    def balance(cls, due: Sequence[DateStep] | str | int = 0, **kw: Any) -> TermLine:
        """The rest of the total, due after ``due`` (days, steps or step notation)."""
        return cls(kind=LineKind.BALANCE, due=_as_steps(due), **kw)

    @classmethod
    def of_percent(
        cls,
        percent: str | int | Decimal,
        due: Sequence[DateStep] | str | int = 0,
        *,
        untaxed: bool = False,
        **kw: Any,
    ) -> TermLine:
        """``percent`` of the total (of the untaxed amount when ``untaxed``), due after ``due``."""
        return cls(
            kind=LineKind.PERCENT, percent=percent, due=_as_steps(due), untaxed=untaxed, **kw
        )

    @classmethod
    def of_amount(
        cls, amount: Money, due: Sequence[DateStep] | str | int = 0, **kw: Any
    ) -> TermLine:
        """A fixed ``amount``, due after ``due``."""
        return cls(kind=LineKind.FIXED, amount=amount, due=_as_steps(due), **kw)

    def notation(self, *, several: bool) -> str:
        """The line in trade notation (``30% advance``, ``balance net 60``, ``10th prox``)."""
        if self.kind is LineKind.PERCENT:
            assert self.percent is not None
            what = f"{_fmt(self.percent)}% untaxed" if self.untaxed else f"{_fmt(self.percent)}%"
        elif self.kind is LineKind.FIXED:
            assert self.amount is not None
            what = f"{self.amount.currency.code}{self.amount.amount:f}"
        else:
            what = "balance" if several else ""
        due = self.due
        if self.chained:
            when = f"then {_due_notation(due)}"
        elif due == (AddDays(0),) and self.kind is not LineKind.BALANCE:
            when = "advance"
        elif len(due) == 1 and type(due[0]) is MonthDay and due[0].months == 1:
            when = f"{_ordinal(due[0].day)} prox"
        else:
            when = f"net {_due_notation(due)}"
        text = f"{what} {when}".strip()
        if self.discounts:
            text += " with " + " ".join(t.notation() for t in self.discounts)
        return text


def _as_steps(due: Sequence[DateStep] | str | int) -> tuple[DateStep, ...]:
    if isinstance(due, int):
        return (AddDays(due),)
    if isinstance(due, str):
        return parse_steps(due)
    return _terms_tuple(due, "due", "date steps")


def _due_notation(steps: Sequence[DateStep]) -> str:
    if len(steps) == 1 and type(steps[0]) is AddDays:
        return str(steps[0].n)
    return steps_notation(steps)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
