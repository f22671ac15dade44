"""Payment terms and early-payment discounts.

:class:`PaymentTerms` turns a document date and amounts into a :class:`Schedule`: instalments
that sum exactly to the total, each with a due date and the discount tiers it offers.  Terms are
built from trade notation (:meth:`PaymentTerms.parse`) or from their parts; ``str(terms)`` prints
canonical notation that parses back to equal terms.

>>> import datetime as dt
>>> from o2c.money import money
>>> terms = PaymentTerms.parse("2/10 net 30")
>>> s = terms.schedule(dt.date(2024, 2, 20), money("1000.00", "USD"))
>>> [(i.due_date.isoformat(), str(i.amount.amount)) for i in s.instalments]
[('2024-03-21', '1000.00')]
>>> offer = s.instalments[0].discounts[0]
>>> offer.deadline.isoformat(), offer.amount.amount, offer.amount_due.amount
('2024-03-01', Decimal('20.00'), Decimal('980.00'))
>>> s.discount_for(money("980.00", "USD"), on=dt.date(2024, 3, 1)).amount
Money('20.00', 'USD')
>>> str(PaymentTerms.parse("3% 14 days, 2% 30 days, net 45"))
'3/14 2/30 net 45'
>>> PaymentTerms.parse("2/10 net thirty")
Traceback (most recent call last):
...
o2c.errors.InvalidTermsError: cannot read 'thirty' at position 9 of '2/10 net thirty' as a ...

Due dates are composed from date steps (days, weeks, months clamped to the month's end, end of
month, day D of a later month, allowed payment days, cut-off days, day limits, postponements),
always counted from the original date: consecutive month steps are added to the date before
them, never month by month, so January 31 plus 1, 2 and 3 months gives Feb 28, Mar 31, Apr 30.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, ClassVar

import attrs
from dateutil.relativedelta import relativedelta
from moneyed import Money

from o2c._build import builder
from o2c._checks import as_tuple, shown
from o2c.calendars import WEEKDAYS_ONLY, BusinessDayConvention, Calendar, roll
from o2c.errors import CurrencyMismatchError, InvalidTermsError, O2CError, ValidationError
from o2c.money import (
    CONTEXT,
    CashRounding,
    RemainderPolicy,
    Rounding,
    RoundingPolicy,
    allocate_decimal,
    check_amount,
    currency,
    minor_unit,
    money,
    quantize_decimal,
    rounder,
    to_decimal,
)

__all__ = [
    "AddDays",
    "AddMonths",
    "AddWeeks",
    "BaselineSource",
    "CutOff",
    "DateStep",
    "DayLimit",
    "DiscountBase",
    "DiscountCost",
    "DiscountEarned",
    "DiscountOffer",
    "DiscountScope",
    "DiscountTier",
    "EndOfMonth",
    "Instalment",
    "LineKind",
    "MAX_DAY_LIMIT_NESTING",
    "MAX_TERMS_TEXT",
    "MonthDay",
    "PartialPayment",
    "PaymentDays",
    "PaymentTerms",
    "Postpone",
    "Schedule",
    "Settlement",
    "TermLine",
    "UblPaymentTerms",
    "X12Terms",
    "apply_steps",
    "discount_earned",
    "forgone_discount_cost",
    "from_ubl",
    "from_x12",
    "parse_steps",
    "steps_notation",
    "to_ubl",
    "to_x12",
]

_HUNDRED = Decimal(100)
_ZERO = Decimal(0)


# --------------------------------------------------------------------------------------------
# Schedule value types (a contract with the ledger and cash application: add fields, never rename)


@attrs.frozen(kw_only=True)
class DiscountOffer:
    """An early-payment discount resolved to a date and an amount.

    ``deadline`` is the last day on which the discount is earned (inclusive); ``amount`` is what
    the debtor may deduct when paying in full by then; ``percent`` is the tier's rate where the
    tier is a percentage (``Decimal("2")`` for 2%).  ``base`` is the amount the rate applied to,
    ``amount_due`` what is left to pay by the deadline, and ``untaxed_part``/``tax_part`` split
    the discount between the untaxed base and the tax (``None`` when no split was asked for).
    """

    deadline: dt.date
    amount: Money
    percent: Decimal | None = None
    #: 1-based number of the tier in the terms (tiers are in the order the terms list them).
    tier: int = 1
    base: Money | None = None
    amount_due: Money | None = None
    untaxed_part: Money | None = None
    tax_part: Money | None = None


@attrs.frozen(kw_only=True)
class Instalment:
    """One instalment of a payment schedule: what is due when, and the discounts it offers."""

    number: int
    due_date: dt.date
    amount: Money
    discounts: tuple[DiscountOffer, ...] = ()
    #: The instalment's share of the untaxed amount and of the tax (when they were given).
    untaxed: Money | None = None
    tax: Money | None = None

    def offer_on(self, day: dt.date) -> DiscountOffer | None:
        """The largest discount still open on ``day`` (deadline inclusive), or ``None``."""
        best: DiscountOffer | None = None
        for offer in self.discounts:
            if day <= offer.deadline and (best is None or offer.amount.amount > best.amount.amount):
                best = offer
        return best


# --------------------------------------------------------------------------------------------
# Options


class LineKind(enum.Enum):
    """What an instalment line is worth."""

    #: A percentage of the total.
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


class Settlement(enum.Enum):
    """Terms that are a settlement condition rather than a credit period."""

    CREDIT = "credit"
    ON_RECEIPT = "due on receipt"
    #: Cash on delivery: due on the delivery date.
    COD = "COD"
    #: Cash in advance.
    CIA = "CIA"
    #: Cash with order.
    CWO = "CWO"


# --------------------------------------------------------------------------------------------
# Date steps


def _terms_tuple(value: object, field: str, what: str) -> tuple[Any, ...]:
    """``value`` as a tuple, or an :class:`InvalidTermsError` naming ``field``."""
    return as_tuple(value, field, what, InvalidTermsError)


def _positive_day(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 31:
        raise InvalidTermsError(
            f"{attribute.name}={value!r} must be a day of the month between 1 and 31",
            field=attribute.name,
            value=value,
        )


def _integer(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidTermsError(
            f"{attribute.name}={value!r} must be an int", field=attribute.name, value=value
        )


def _within(limit: int) -> Callable[[object, attrs.Attribute[int], int], None]:
    def check(inst: object, attribute: attrs.Attribute[int], value: int) -> None:
        _integer(inst, attribute, value)
        if not -limit <= value <= limit:
            raise InvalidTermsError(
                f"{attribute.name}={value} is beyond {limit}: payment terms count days, weeks "
                "and months, not centuries",
                field=attribute.name,
                value=value,
            )

    return check


@attrs.frozen
class DateStep:
    """One step of a date rule: ``apply`` maps a date to a date; ``token`` is its notation."""

    def apply(self, day: dt.date) -> dt.date:
        """The date this step moves ``day`` to.

        Raises:
            InvalidTermsError: when the date would leave the calendar (before 0001-01-01 or
                after 9999-12-31), naming the step and the date.
        """
        return apply_steps((self,), day)

    def _move(self, day: dt.date) -> dt.date:  # pragma: no cover - abstract
        """``apply`` without the calendar check (``OverflowError``/``ValueError`` escape)."""
        raise NotImplementedError

    def token(self) -> str:  # pragma: no cover - abstract
        """The step in o2c's step notation (see :func:`parse_steps`)."""
        raise NotImplementedError


@attrs.frozen
class AddDays(DateStep):
    """``n`` calendar days later (earlier when negative; at most 99999)."""

    n: int = attrs.field(validator=_within(99_999))

    def _move(self, day: dt.date) -> dt.date:
        """``day`` plus ``n`` days."""
        return day + dt.timedelta(days=self.n)

    def token(self) -> str:
        """``30d``."""
        return f"{self.n}d"


@attrs.frozen
class AddWeeks(DateStep):
    """``n`` weeks later (at most 9999)."""

    n: int = attrs.field(validator=_within(9_999))

    def _move(self, day: dt.date) -> dt.date:
        """``day`` plus ``n`` weeks."""
        return day + dt.timedelta(weeks=self.n)

    def token(self) -> str:
        """``2w``."""
        return f"{self.n}w"


@attrs.frozen
class AddMonths(DateStep):
    """``n`` months later, the day clamped to the month (Jan 31 + 1 month = Feb 28/29).

    Consecutive month steps are counted together from the date before them (no drift).
    """

    n: int = attrs.field(validator=_within(9_999))

    def _move(self, day: dt.date) -> dt.date:
        """``day`` plus ``n`` months (clamped)."""
        return day + relativedelta(months=self.n)

    def token(self) -> str:
        """``1m``."""
        return f"{self.n}m"


@attrs.frozen
class EndOfMonth(DateStep):
    """The last day of the date's month."""

    def _move(self, day: dt.date) -> dt.date:
        """The end of ``day``'s month."""
        return day + relativedelta(day=31)

    def token(self) -> str:
        """``eom``."""
        return "eom"


@attrs.frozen
class MonthDay(DateStep):
    """Day ``day`` of the month ``months`` after the date's month, clamped to that month.

    ``MonthDay(10)`` is "10th prox" / "10 MFI"; ``MonthDay(31, months=0)`` is the end of the
    same month; SAP's "fixed day plus additional months" is ``MonthDay(day, months)``.
    """

    day: int = attrs.field(validator=_positive_day)
    months: int = attrs.field(default=1, validator=_within(9_999))

    def _move(self, day: dt.date) -> dt.date:
        """The clamped day of the target month."""
        return day + relativedelta(months=self.months, day=self.day)

    def token(self) -> str:
        """``day10`` (next month) or ``day10m2``."""
        return f"day{self.day}" if self.months == 1 else f"day{self.day}m{self.months}"


def _payment_days(value: Iterable[int]) -> tuple[int, ...]:
    days = _terms_tuple(value, "days", "days of the month")
    if not days:
        raise InvalidTermsError("payment days are empty: list at least one", field="days")
    for d in days:
        _positive_day(None, attrs.fields(PaymentDays).days, d)  # type: ignore[arg-type]
    return tuple(sorted(set(days)))


@attrs.frozen
class PaymentDays(DateStep):
    """Move forward to the next allowed payment day of the month (the date itself if allowed).

    A day beyond the month's length means the month's last day.
    """

    days: tuple[int, ...] = attrs.field(converter=_payment_days)

    def _move(self, day: dt.date) -> dt.date:
        """The first allowed day on or after ``day``."""
        for months in (0, 1):
            first = day + relativedelta(months=months, day=1)
            for d in self.days:
                candidate = first + relativedelta(day=d)
                if candidate >= day:
                    return candidate
        raise AssertionError(
            "unreachable: next month always has an allowed day"
        )  # pragma: no cover

    def token(self) -> str:
        """``pay5|20``."""
        return "pay" + "|".join(str(d) for d in self.days)


@attrs.frozen
class CutOff(DateStep):
    """A date after day ``after_day`` counts as the first of the next month (the EOM 25th rule)."""

    after_day: int = attrs.field(validator=_positive_day)

    def _move(self, day: dt.date) -> dt.date:
        """The first of next month when ``day`` is after the cut-off, else ``day``."""
        return day + relativedelta(months=1, day=1) if day.day > self.after_day else day

    def token(self) -> str:
        """``cut25``."""
        return f"cut{self.after_day}"


def _postponements(value: Iterable[tuple[dt.date, dt.date]]) -> tuple[tuple[dt.date, dt.date], ...]:
    pairs = []
    for pair in _terms_tuple(value, "table", "(date, date) pairs"):
        items = _terms_tuple(pair, "table", "(date, date) pairs")
        if len(items) != 2 or not all(
            isinstance(d, dt.date) and not isinstance(d, dt.datetime) for d in items
        ):
            raise InvalidTermsError(
                f"postponement {shown(pair)!r} is not a (datetime.date, datetime.date) pair",
                field="table",
                value=pair,
            )
        pairs.append((items[0], items[1]))
    table = tuple(sorted(pairs))
    if len({a for a, _ in table}) != len(table):
        raise InvalidTermsError("a date is postponed twice", field="table", value=table)
    return table


@attrs.frozen
class Postpone(DateStep):
    """An explicit table of dates moved to other dates (OCA's holiday postponements)."""

    table: tuple[tuple[dt.date, dt.date], ...] = attrs.field(converter=_postponements)

    def _move(self, day: dt.date) -> dt.date:
        """The postponed date, or ``day`` when it is not in the table."""
        for original, moved in self.table:
            if original == day:
                return moved
        return day

    def token(self) -> str:
        """``post2015-03-16>2015-03-17``."""
        return "post" + "|".join(f"{a.isoformat()}>{b.isoformat()}" for a, b in self.table)


#: How deep day limits may nest inside day limits (``lim(15:lim(...);31:...)``).
MAX_DAY_LIMIT_NESTING = 4


def _nesting(steps: Iterable[DateStep]) -> int:
    """How many day limits nest in ``steps`` (0 when there is none)."""
    return max(
        (
            1 + max(_nesting(inner) for _, inner in step.cases)
            for step in steps
            if type(step) is DayLimit
        ),
        default=0,
    )


def _limit_cases(
    value: Iterable[tuple[int, Sequence[DateStep]]],
) -> tuple[tuple[int, tuple[DateStep, ...]], ...]:
    cases = []
    for case in _terms_tuple(value, "cases", "(day limit, steps) pairs"):
        items = _terms_tuple(case, "cases", "(day limit, steps) pairs")
        if len(items) != 2:
            raise InvalidTermsError(
                f"day limit case {shown(case)!r} is not a (day, steps) pair",
                field="cases",
                value=case,
            )
        limit, steps = items
        _positive_day(None, attrs.fields(DayLimit).cases, limit)  # type: ignore[arg-type]
        cases.append((limit, _due_steps(steps)))
    limits = [limit for limit, _ in cases]
    if not cases or limits != sorted(set(limits)) or limits[-1] != 31:
        raise InvalidTermsError(
            f"day limits {limits} must be increasing and end with 31",
            field="day_limits",
            value=limits,
        )
    if 1 + max(_nesting(steps) for _, steps in cases) > MAX_DAY_LIMIT_NESTING:
        raise InvalidTermsError(
            f"day limits nest more than {MAX_DAY_LIMIT_NESTING} deep: flatten the rule",
            field="cases",
            value=limits,
        )
    return tuple(cases)


@attrs.frozen
class DayLimit(DateStep):
    """SAP-style day limits: the first case whose day limit is on or after the date's day applies.

    ``DayLimit(((15, (MonthDay(31, 0),)), (31, (MonthDay(15, 1),))))``: dated up to the 15th,
    due at the end of the month; after it, on the 15th of the next month.
    """

    cases: tuple[tuple[int, tuple[DateStep, ...]], ...] = attrs.field(converter=_limit_cases)

    def _move(self, day: dt.date) -> dt.date:
        """``day`` moved by the steps of the case its day of month falls in."""
        for limit, steps in self.cases:
            if day.day <= limit:
                return apply_steps(steps, day)
        raise AssertionError("unreachable: the last limit is 31")  # pragma: no cover

    def token(self) -> str:
        """``lim(15:day31m0;31:day15)``."""
        return "lim(" + ";".join(f"{lim}:{steps_notation(s)}" for lim, s in self.cases) + ")"


def apply_steps(steps: Sequence[DateStep], start: dt.date) -> dt.date:
    """``start`` moved through ``steps`` in order; consecutive month steps count from one date.

    >>> apply_steps((AddMonths(1), AddMonths(1)), dt.date(2023, 1, 31))
    datetime.date(2023, 3, 31)
    >>> apply_steps(parse_steps("1m+15d+eom+45d"), dt.date(2022, 1, 1))
    datetime.date(2022, 4, 14)
    """
    step: object = None
    try:
        if len(steps) == 1 and type(steps[0]) is AddDays:  # the common case, fast
            return start + dt.timedelta(days=steps[0].n)
        anchor = day = start
        months = 0
        for step in steps:
            if type(step) is AddMonths:
                months += step.n
                day = anchor + relativedelta(months=months)
            else:
                day = step._move(day)
                anchor = day
                months = 0
        return day
    except (OverflowError, ValueError):  # InvalidTermsError too, from a day limit's steps
        if len(steps) == 1:
            step = steps[0]
        token = step.token() if isinstance(step, DateStep) else "?"
        raise InvalidTermsError(
            f"{shown(steps_notation(steps))} from {start} leaves the calendar at step {token} "
            "(dates run from 0001-01-01 to 9999-12-31): check the date rule and the date",
            field="steps",
            value=steps,
            date=start,
            step=step,
        ) from None
    except (TypeError, AttributeError, LookupError):
        raise InvalidTermsError(
            f"cannot apply {shown(steps)!r} to {shown(start)!r}: pass date steps and a "
            "datetime.date",
            field="steps",
            value=steps,
            date=start,
        ) from None


def steps_notation(steps: Sequence[DateStep]) -> str:
    """Steps in o2c's step notation, joined by ``+`` (see :func:`parse_steps`)."""
    return "+".join(step.token() for step in steps)


def _split_top(text: str, sep: str) -> list[tuple[str, int]]:
    """Split at ``sep`` outside parentheses; each part with its offset."""
    parts: list[tuple[str, int]] = []
    depth = start = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append((text[start:i], start))
            start = i + 1
    parts.append((text[start:], start))
    return parts


#: The longest text the notation readers take (:meth:`PaymentTerms.parse`, :func:`parse_steps`,
#: an ITD segment, a BT-20 note): real terms are a few dozen characters; the bound keeps the time
#: and memory of reading junk small (every reader is linear in its input).
MAX_TERMS_TEXT = 10_000

# Every pattern is ASCII: digits are 0-9 only ('３０' or '²' are not numbers of the notation).
_STEP_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], DateStep]], ...] = (
    (re.compile(r"(-?\d{1,5})d?", re.ASCII), lambda m: AddDays(int(m[1]))),
    (re.compile(r"(-?\d{1,4})w", re.ASCII), lambda m: AddWeeks(int(m[1]))),
    (re.compile(r"(-?\d{1,4})m", re.ASCII), lambda m: AddMonths(int(m[1]))),
    (re.compile(r"eom"), lambda m: EndOfMonth()),
    (
        re.compile(r"day(\d{1,2})(?:m(-?\d{1,4}))?", re.ASCII),
        lambda m: MonthDay(int(m[1]), int(m[2] or 1)),
    ),
    (
        re.compile(r"pay(\d{1,2}(?:\|\d{1,2})*)", re.ASCII),
        lambda m: PaymentDays(map(int, m[1].split("|"))),
    ),
    (re.compile(r"cut(\d{1,2})", re.ASCII), lambda m: CutOff(int(m[1]))),
)
_POST = re.compile(r"(\d{4}-\d\d-\d\d)>(\d{4}-\d\d-\d\d)", re.ASCII)
#: A day of the month in a day limit (``lim(15:...)``) or before ``MFI``/``prox``.
_DAY = re.compile(r"\d{1,9}", re.ASCII)


def _steps_error(text: str, token: str, position: int, why: str) -> InvalidTermsError:
    return InvalidTermsError(
        f"cannot read {shown(token)!r} at position {position} of {shown(text)!r} as a date "
        f"step: {why}",
        value=text,
        token=token,
        position=position,
    )


def _check_text(text: object, field: str) -> str:
    """``text`` if it is a str within :data:`MAX_TERMS_TEXT`, else an :class:`InvalidTermsError`."""
    if not isinstance(text, str):
        raise InvalidTermsError(
            f"{field}={shown(text)!r} must be a str", field=field, value=text, position=0
        )
    if len(text) > MAX_TERMS_TEXT:
        raise InvalidTermsError(
            f"{field}={shown(text)!r} is longer than {MAX_TERMS_TEXT} characters: payment "
            "terms are a short text",
            field=field,
            value=shown(text),
            token=text[:40],
            position=MAX_TERMS_TEXT,
        )
    return text


def parse_steps(
    text: str, *, _offset: int = 0, _whole: str | None = None, _depth: int = 0
) -> tuple[DateStep, ...]:
    """Read o2c's step notation: steps joined by ``+``, applied left to right.

    ``30`` or ``30d`` days, ``2w`` weeks, ``1m`` months, ``eom`` end of month, ``day10`` the 10th
    of next month (``day10m0`` this month, ``day10m2`` the month after next), ``pay5|20`` the next
    allowed payment day, ``cut25`` the 25th cut-off, ``post2015-03-16>2015-03-17`` a
    postponement table, ``lim(15:day31m0;31:day15)`` day limits.

    >>> parse_steps("-10d+eom+10")
    (AddDays(n=-10), EndOfMonth(), AddDays(n=10))

    Raises:
        InvalidTermsError: naming the step that cannot be read and its position (also for a
            text longer than :data:`MAX_TERMS_TEXT` or day limits nested too deep).
    """
    if _whole is None:
        _check_text(text, "steps")
    whole = text if _whole is None else _whole
    steps: list[DateStep] = []
    for part, offset in _split_top(text, "+"):
        position = _offset + offset
        low = part.lower()
        if not part:
            raise _steps_error(whole, part, position, "a step is missing around '+'")
        if low.startswith("lim(") and low.endswith(")"):
            if _depth >= MAX_DAY_LIMIT_NESTING:
                raise _steps_error(
                    whole, part, position, f"day limits nest more than {MAX_DAY_LIMIT_NESTING} deep"
                )
            cases = []
            for case, case_offset in _split_top(part[4:-1], ";"):
                limit, colon, body = case.partition(":")
                if not colon or not _DAY.fullmatch(limit):
                    raise _steps_error(whole, case, position + 4 + case_offset, "write DAY:STEPS")
                inner = parse_steps(
                    body,
                    _offset=position + 4 + case_offset + len(limit) + 1,
                    _whole=whole,
                    _depth=_depth + 1,
                )
                cases.append((int(limit), inner))
            try:
                steps.append(DayLimit(cases))
            except InvalidTermsError as exc:
                raise _steps_error(whole, part, position, exc.message) from None
            continue
        if low.startswith("post"):
            pairs = []
            for pair in low[4:].split("|"):
                m = _POST.fullmatch(pair)
                if m is None:
                    raise _steps_error(whole, part, position, "write postYYYY-MM-DD>YYYY-MM-DD")
                try:
                    pairs.append((dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])))
                except ValueError as exc:
                    raise _steps_error(whole, part, position, str(exc)) from None
            try:
                steps.append(Postpone(pairs))
            except InvalidTermsError as exc:
                raise _steps_error(whole, part, position, exc.message) from None
            continue
        for pattern, build in _STEP_PATTERNS:
            m = pattern.fullmatch(low)
            if m is not None:
                try:
                    steps.append(build(m))
                except InvalidTermsError as exc:
                    raise _steps_error(whole, part, position, exc.message) from None
                break
        else:
            raise _steps_error(
                whole,
                part,
                position,
                "use 30 or 30d, 2w, 1m, eom, day10, pay5|20, cut25, post..., lim(...)",
            )
    return tuple(steps)


def _due_steps(value: Iterable[DateStep]) -> tuple[DateStep, ...]:
    steps = _terms_tuple(value, "due", "date steps")
    for step in steps:
        if not isinstance(step, DateStep):
            raise InvalidTermsError(
                f"{step!r} is not a date step (AddDays, AddMonths, EndOfMonth ...)",
                field="due",
                value=step,
            )
    return steps or (AddDays(0),)


def _opt_steps(value: Iterable[DateStep]) -> tuple[DateStep, ...]:
    steps = _terms_tuple(value, "baseline_rules", "date steps")
    return _due_steps(steps) if steps else ()


# --------------------------------------------------------------------------------------------
# Terms


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


def _tiers(value: Iterable[DiscountTier]) -> tuple[DiscountTier, ...]:
    tiers = _terms_tuple(value, "discounts", "DiscountTier")
    for tier in tiers:
        if not isinstance(tier, DiscountTier):
            raise InvalidTermsError(
                f"{tier!r} is not a DiscountTier", field="discounts", value=tier
            )
    return tiers


def _lines(value: Iterable[TermLine]) -> tuple[TermLine, ...]:
    lines = _terms_tuple(value, "lines", "TermLine")
    for line in lines:
        if not isinstance(line, TermLine):
            raise InvalidTermsError(f"{line!r} is not a TermLine", field="lines", value=line)
    return lines


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
    date when ``chained``.  ``discounts`` are tiers offered on this instalment alone.
    """

    kind: LineKind = attrs.field(validator=_enum(LineKind))
    due: tuple[DateStep, ...] = attrs.field(default=(), converter=_due_steps)
    percent: Decimal | None = attrs.field(default=None, converter=_opt_percent)
    amount: Money | None = attrs.field(default=None, converter=_money_or_none)
    chained: bool = False
    discounts: tuple[DiscountTier, ...] = attrs.field(default=(), converter=_tiers)

    def __attrs_post_init__(self) -> None:
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
        cls, percent: str | int | Decimal, due: Sequence[DateStep] | str | int = 0, **kw: Any
    ) -> TermLine:
        """``percent`` of the total, due after ``due``."""
        return cls(kind=LineKind.PERCENT, percent=percent, due=_as_steps(due), **kw)

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
            what = f"{_fmt(self.percent)}%"
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


def _date(value: object, field: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise InvalidTermsError(
        f"{field}={shown(value)!r} must be a datetime.date", field=field, value=value
    )


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


_NET0 = (AddDays(0),)


@attrs.frozen(kw_only=True)
class PaymentTerms:
    """Payment terms: instalment lines, discount tiers, baseline and business-day rules.

    Build them with :meth:`parse` (trade notation) or :meth:`net` / the constructor; ``str()``
    prints canonical notation that :meth:`parse` reads back to equal terms.

    >>> terms = PaymentTerms.parse("30% advance, 70% net 60")
    >>> [(line.kind.value, str(line.percent)) for line in terms.lines]
    [('percent', '30'), ('percent', '70')]
    >>> str(PaymentTerms.parse("2/10 n/30 EOM"))
    '2/10 net 30 EOM'
    """

    lines: tuple[TermLine, ...] = attrs.field(converter=_lines)
    #: Term-level discount tiers (per invoice or per instalment, see ``discount_scope``).
    discounts: tuple[DiscountTier, ...] = attrs.field(default=(), converter=_tiers)
    baseline: BaselineSource = attrs.field(
        default=BaselineSource.DOCUMENT, validator=_enum(BaselineSource)
    )
    #: Steps from the baseline source date to the baseline date (``EOM``, cut-offs, day limits).
    baseline_rules: tuple[DateStep, ...] = attrs.field(default=(), converter=_opt_steps)
    convention: BusinessDayConvention = attrs.field(
        default=BusinessDayConvention.NONE, validator=_enum(BusinessDayConvention)
    )
    discount_base: DiscountBase = attrs.field(
        default=DiscountBase.TOTAL, validator=_enum(DiscountBase)
    )
    discount_scope: DiscountScope = attrs.field(
        default=DiscountScope.INVOICE, validator=_enum(DiscountScope)
    )
    partial_payment: PartialPayment = attrs.field(
        default=PartialPayment.FULL_ONLY, validator=_enum(PartialPayment)
    )
    #: Which instalment absorbs the rounding remainder when there is no balance line.
    remainder: RemainderPolicy = attrs.field(
        default=RemainderPolicy.LAST, validator=_enum(RemainderPolicy)
    )
    settlement: Settlement = attrs.field(default=Settlement.CREDIT, validator=_enum(Settlement))

    def __attrs_post_init__(self) -> None:
        if not self.lines:
            raise InvalidTermsError("terms need at least one instalment line", field="lines")
        balances = [i for i, line in enumerate(self.lines, 1) if line.kind is LineKind.BALANCE]
        if len(balances) > 1:
            raise InvalidTermsError(
                f"line {balances[1]} is a second balance line: only one line can take the rest",
                field="lines",
                line=balances[1],
            )
        cumulative = _ZERO
        for number, line in enumerate(self.lines, 1):
            if line.percent is not None:
                cumulative += line.percent
                if cumulative > _HUNDRED:
                    raise InvalidTermsError(
                        f"line {number} brings the percentages to {_fmt(cumulative)}%, over "
                        "100%: lower it or make the last line the balance",
                        field="lines",
                        value=line.percent,
                        line=number,
                    )
        fixed = any(line.kind is LineKind.FIXED for line in self.lines)
        if not balances and not fixed and cumulative != _HUNDRED:
            raise InvalidTermsError(
                f"the lines' percentages sum to {_fmt(cumulative)}%, not 100%: add a balance "
                "line or correct the percentages",
                field="lines",
                value=cumulative,
                line=len(self.lines),
            )
        if self.lines[0].chained:
            raise InvalidTermsError(
                "line 1 is chained, but there is no previous instalment to count from",
                field="lines",
                line=1,
            )
        if self.discounts and any(line.discounts for line in self.lines):
            raise InvalidTermsError(
                "give discount tiers either on the terms or on the lines, not both",
                field="discounts",
            )
        if self.settlement is not Settlement.CREDIT and (
            self.lines != (TermLine.balance(),) or self.discounts
        ):
            raise InvalidTermsError(
                f"{self.settlement.value} terms are due at once: they take no lines or discounts",
                field="settlement",
                value=self.settlement,
            )

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def net(
        cls,
        days: int = 0,
        *,
        discounts: Sequence[DiscountTier] = (),
        **options: Any,
    ) -> PaymentTerms:
        """Single-instalment terms due ``days`` after the baseline, with discount tiers.

        >>> str(PaymentTerms.net(30, discounts=[DiscountTier.of(percent=2, days=10)]))
        '2/10 net 30'
        """
        return cls(lines=(TermLine.balance(days),), discounts=discounts, **options)

    @classmethod
    def parse(cls, text: str) -> PaymentTerms:
        """Read trade notation (and o2c's extensions of it).

        Accepts ``net 30``, ``n/30``, ``N30``, ``2/10 net 30``, ``2/10 n/30 EOM``,
        ``1% 10 net 45``, ``3% 14 days, 2% 30 days, net 45``, ``30% advance, 70% net 60``,
        ``10th prox`` (or ``10 prox``), ``EOM``, ``21 MFI``, ``net 60 EOM``, ``due on receipt``,
        ``COD``, ``CIA``, ``CWO``; date rules in step notation after ``net`` (``net 1m+eom``, see
        :func:`parse_steps`); ``then N`` for a line counted from the previous due date;
        ``with 2/10`` for tiers of one line; ``ROG`` / ``ROI`` for delivery / invoice-receipt
        baselines; options ``base=untaxed|mixed``, ``scope=instalment``, ``partial=pro_rata``,
        ``roll=following|modified_following|preceding|modified_preceding``,
        ``remainder=first|largest_remainder``,
        ``baseline=STEPS``.  Numbers are ASCII digits within each step's limit; fixed amounts
        within o2c's amount limit (:func:`o2c.money.check_amount`).

        Raises:
            InvalidTermsError: naming the token that cannot be read and its position (also for
                any text that is not a str or is longer than :data:`MAX_TERMS_TEXT`): nothing
                else escapes, whatever the text.
        """
        return _Parser(text).parse()

    # -- notation -----------------------------------------------------------------------

    def __str__(self) -> str:
        """Canonical notation (parses back to equal terms)."""
        parts: list[str] = []
        if self.settlement is not Settlement.CREDIT:
            parts.append(self.settlement.value)
            if self.baseline_rules:  # settlement terms take options only, never a bare EOM
                parts.append(f"baseline={steps_notation(self.baseline_rules)}")
        elif (
            self.lines == (TermLine.balance(),)
            and not self.discounts
            and self.baseline_rules == (EndOfMonth(),)
        ):
            parts.append("EOM")
        else:
            parts.extend(t.notation() for t in self.discounts)
            several = len(self.lines) > 1
            parts.append(", ".join(line.notation(several=several) for line in self.lines))
            if self.baseline_rules == (EndOfMonth(),):
                parts.append("EOM")
            elif self.baseline_rules:
                parts.append(f"baseline={steps_notation(self.baseline_rules)}")
        if self.baseline is BaselineSource.DELIVERY:
            parts.append("ROG")
        elif self.baseline is BaselineSource.RECEIPT:
            parts.append("ROI")
        for key, value, default in (
            ("base", self.discount_base, DiscountBase.TOTAL),
            ("scope", self.discount_scope, DiscountScope.INVOICE),
            ("partial", self.partial_payment, PartialPayment.FULL_ONLY),
            ("roll", self.convention, BusinessDayConvention.NONE),
            ("remainder", self.remainder, RemainderPolicy.LAST),
        ):
            if value is not default:
                parts.append(f"{key}={value.value}")
        return " ".join(parts)

    # -- schedule -------------------------------------------------------------------------

    def baseline_date(
        self,
        document_date: dt.date,
        *,
        baseline_date: dt.date | None = None,
        delivery_date: dt.date | None = None,
        receipt_date: dt.date | None = None,
    ) -> dt.date:
        """The date due dates and discount deadlines count from.

        An explicit ``baseline_date`` is used as it is; otherwise the source date (document,
        delivery or receipt) moved by ``baseline_rules``.

        Raises:
            InvalidTermsError: when the terms count from a delivery or receipt date not given.
        """
        if baseline_date is not None:
            return _date(baseline_date, "baseline_date")
        if self.baseline is BaselineSource.DOCUMENT:
            source = _date(document_date, "document_date")
        else:
            name = f"{self.baseline.value}_date"
            given = delivery_date if self.baseline is BaselineSource.DELIVERY else receipt_date
            if given is None:
                raise InvalidTermsError(
                    f"terms {str(self)!r} count from the {self.baseline.value} date: pass "
                    f"{name}= (or baseline_date=)",
                    field=name,
                )
            source = _date(given, name)
        try:
            return apply_steps(self.baseline_rules, source)
        except InvalidTermsError as exc:
            raise InvalidTermsError(
                f"baseline rules {shown(steps_notation(self.baseline_rules))} from {source} "
                f"leave the calendar at step {exc.context.get('step')!r}: check the date",
                field="baseline_rules",
                value=self.baseline_rules,
                date=source,
                step=exc.context.get("step"),
            ) from None

    def schedule(
        self,
        document_date: dt.date,
        total: Money,
        *,
        untaxed: Money | None = None,
        tax: Money | None = None,
        baseline_date: dt.date | None = None,
        delivery_date: dt.date | None = None,
        receipt_date: dt.date | None = None,
        calendar: Calendar | None = None,
        rounding: RoundingPolicy | None = None,
        cash_rounding: CashRounding | None = None,
    ) -> Schedule:
        """The instalments, due dates and discounts for a document.

        Args:
            document_date: the invoice date.
            total: the amount to schedule (including tax), at the currency's minor unit.
            untaxed: the untaxed amount (needed for ``base=untaxed`` and ``base=mixed``; the
                other of ``untaxed``/``tax`` is derived from the total).
            tax: the tax amount.
            baseline_date: an explicit baseline (the baseline rules are then not applied).
            delivery_date: for terms counted from delivery (``ROG``).
            receipt_date: for terms counted from the invoice's receipt (``ROI``).
            calendar: the business-day calendar for ``convention`` (Monday to Friday without
                holidays when not given).
            rounding: tie rule and step for percentage instalments and discounts (half-up to
                the minor unit by default).
            cash_rounding: rounds non-absorbing instalments and every discounted amount due to
                the currency's cash step.

        Returns:
            A :class:`Schedule` whose instalments sum exactly to ``total``; the balance line, or
            else the line ``remainder`` names, absorbs the rounding remainder.

        Raises:
            InvalidTermsError: lines that exceed the total (naming the line), missing amounts the
                discount base needs, a negative total.
            CurrencyMismatchError: amounts or fixed lines in another currency.
        """
        return _build_schedule(
            self,
            document_date,
            total,
            untaxed=untaxed,
            tax=tax,
            baseline=self.baseline_date(
                document_date,
                baseline_date=baseline_date,
                delivery_date=delivery_date,
                receipt_date=receipt_date,
            ),
            calendar=calendar,
            rounding=rounding or _DEFAULT_ROUNDING,
            cash_rounding=cash_rounding,
        )


_DEFAULT_ROUNDING = RoundingPolicy()


# --------------------------------------------------------------------------------------------
# Schedule


@attrs.frozen(kw_only=True)
class DiscountEarned:
    """What a payment earns: the discount, the gross amount it settles, the rule applied."""

    amount: Money
    #: Payment plus discount: how much of the open amount the payment clears.
    settles: Money
    rule: PartialPayment
    #: The offers that were open on the payment date (one per instalment considered).
    offers: tuple[DiscountOffer, ...] = ()


@attrs.frozen(kw_only=True)
class DiscountCost:
    """The annualised cost of not taking a discount (paying at the due date instead).

    ``nominal`` is simple interest: ``d / (1 - d) * year_days / days``; ``effective`` compounds
    it: ``(1 + d / (1 - d)) ** (year_days / days) - 1``.  Both are fractions (0.3724 = 37.24%).
    """

    percent: Decimal
    #: Days of credit bought by forgoing the discount (due date minus discount deadline).
    days: int
    year_days: int
    nominal: Decimal
    effective: Decimal


#: Bounds on :func:`forgone_discount_cost`'s day counts (a step's 99999 days, twice) and year
#: (360, 365 or 366 in practice): they keep the compounding inside :data:`o2c.money.CONTEXT`.
_MAX_COST_DAYS = 2 * 99_999
_MAX_YEAR_DAYS = 1_000


def forgone_discount_cost(
    percent: str | int | Decimal,
    discount_days: int,
    net_days: int,
    *,
    year_days: int = 365,
) -> DiscountCost:
    """The annualised cost of forgoing a ``percent`` discount, with the day basis stated.

    >>> c = forgone_discount_cost("2", 10, 30)
    >>> round(c.nominal, 4), round(c.effective, 4)
    (Decimal('0.3724'), Decimal('0.4459'))
    >>> round(forgone_discount_cost("2", 10, 30, year_days=360).nominal, 4)
    Decimal('0.3673')

    Raises:
        InvalidTermsError: for a percentage outside (0, 100), no days between the dates, or
            day counts that are not ints within bounds (a year of at most 1000 days).
    """
    pct = to_decimal(percent, field="percent")
    for name, value, limit in (
        ("discount_days", discount_days, _MAX_COST_DAYS),
        ("net_days", net_days, _MAX_COST_DAYS),
        ("year_days", year_days, _MAX_YEAR_DAYS),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not -limit <= value <= limit:
            raise InvalidTermsError(
                f"{name}={shown(value)!r} must be an int of at most {limit}",
                field=name,
                value=value,
            )
    days = net_days - discount_days
    if not _ZERO < pct < _HUNDRED or days <= 0 or year_days <= 0:
        raise InvalidTermsError(
            f"cannot annualise percent={pct} over {days} days on a {year_days}-day year: the "
            "percentage must be in (0, 100) and the net date after the discount deadline",
            field="percent",
            value=pct,
        )
    d = pct / _HUNDRED
    rate = CONTEXT.divide(d, 1 - d)
    periods = CONTEXT.divide(Decimal(year_days), Decimal(days))
    nominal = CONTEXT.multiply(rate, periods)
    effective = CONTEXT.power(1 + rate, periods) - 1
    return DiscountCost(
        percent=pct, days=days, year_days=year_days, nominal=nominal, effective=effective
    )


@attrs.frozen(kw_only=True)
class Schedule:
    """A payment schedule: instalments summing exactly to ``total``, with their discounts.

    Records everything that produced it (terms, baseline, rounding), so it can be explained and
    recomputed.
    """

    terms: PaymentTerms
    document_date: dt.date
    baseline_date: dt.date
    total: Money
    instalments: tuple[Instalment, ...]
    untaxed: Money | None = None
    tax: Money | None = None
    rounding: RoundingPolicy = _DEFAULT_ROUNDING
    cash_rounding: CashRounding | None = None
    #: Term-level discounts summed over the instalments, one offer per tier (empty for tiers
    #: given on lines).
    discounts: tuple[DiscountOffer, ...] = ()

    @property
    def due_date(self) -> dt.date:
        """The last instalment's due date."""
        return max(i.due_date for i in self.instalments)

    def instalment(self, number: int) -> Instalment:
        """The instalment with 1-based ``number``."""
        for inst in self.instalments:
            if inst.number == number:
                return inst
        raise InvalidTermsError(
            f"instalment={number} does not exist: the schedule has {len(self.instalments)}",
            field="instalment",
            value=number,
        )

    def discount_for(
        self,
        payment: Money,
        on: dt.date,
        *,
        instalment: int | None = None,
        open_amount: Money | None = None,
    ) -> DiscountEarned:
        """The discount a payment of ``payment`` made on ``on`` earns.

        Against one instalment, or the whole schedule when ``instalment`` is ``None``.  On each
        instalment the largest offer whose deadline is on or after ``on`` counts.  Under
        ``PartialPayment.FULL_ONLY`` the discount is earned only when the payment covers the
        open amount less the discount; under ``PRO_RATA`` a smaller payment earns the share
        ``payment * discount / (open - discount)`` (rounded under the schedule's policy).

        Args:
            payment: the amount received.
            on: the payment date.
            instalment: the 1-based instalment paid, or ``None`` for the whole schedule.
            open_amount: what is still open (default: the instalment's or schedule's amount).

        Raises:
            CurrencyMismatchError: when the payment is in another currency.
        """
        cur = self.total.currency
        for value in (payment, open_amount):
            if value is not None and value.currency != cur:
                raise CurrencyMismatchError(cur.code, value.currency.code, operation="apply")
        targets = self.instalments if instalment is None else (self.instalment(instalment),)
        gross = sum((i.amount.amount for i in targets), _ZERO)
        offers = tuple(o for o in (i.offer_on(on) for i in targets) if o is not None)
        discount = sum((o.amount.amount for o in offers), _ZERO)
        return _earn(
            payment,
            gross,
            discount,
            open_amount,
            offers=offers,
            rule=self.terms.partial_payment,
            rounding=self.rounding,
        )

    def explain(self) -> str:
        """How every date and amount of the schedule was derived, in words.

        >>> import datetime as dt
        >>> from o2c.money import money
        >>> s = PaymentTerms.parse("2/10 30% advance, balance net 1m EOM").schedule(
        ...     dt.date(2024, 1, 10), money("1000.00", "EUR"))
        >>> print(s.explain())
        terms 2/10 30% advance, balance net 1m EOM
        baseline 2024-01-31: document date 2024-01-10, then eom
        #1 300.00 EUR (30% of 1000.00, rounded HALF_UP to 0.01) due 2024-01-31 = baseline + 0d
           2% tier 1: 6.00 EUR off (294.00 to pay) if paid by 2024-02-10
        #2 700.00 EUR (the balance) due 2024-02-29 = baseline + 1m
           2% tier 1: 14.00 EUR off (686.00 to pay) if paid by 2024-02-10
        """
        terms = self.terms
        code = self.total.currency.code
        out = [f"terms {terms}"]
        if self.baseline_date != self.document_date or terms.baseline_rules:
            source = (
                f"{terms.baseline.value} date"
                if terms.baseline is not (BaselineSource.DOCUMENT)
                else f"document date {self.document_date}"
            )
            rules = f", then {steps_notation(terms.baseline_rules)}" if terms.baseline_rules else ""
            out.append(f"baseline {self.baseline_date}: {source}{rules}")
        else:
            out.append(f"baseline {self.baseline_date}: the document date")
        step = self.rounding.step_for(code)
        previous = self.baseline_date
        for inst, line in zip(self.instalments, terms.lines, strict=True):
            start, name = (
                (previous, "previous due date")
                if line.chained
                else (
                    self.baseline_date,
                    "baseline",
                )
            )
            raw = apply_steps(line.due, start)
            if line.kind is LineKind.PERCENT:
                what = (
                    f"{_fmt(line.percent or _ZERO)}% of {self.total.amount}, rounded "
                    f"{self.rounding.rounding.name} to {step}"
                )
            elif line.kind is LineKind.FIXED:
                what = "fixed"
            else:
                what = "the balance"
            rolled = "" if raw == inst.due_date else f" ({raw} rolled {terms.convention.value})"
            out.append(
                f"#{inst.number} {inst.amount.amount} {code} ({what}) due {inst.due_date} = "
                f"{name} + {steps_notation(line.due)}{rolled}"
            )
            for offer in inst.discounts:
                rate = f"{_fmt(offer.percent)}% " if offer.percent is not None else ""
                left = offer.amount_due.amount if offer.amount_due is not None else None
                out.append(
                    f"   {rate}tier {offer.tier}: {offer.amount.amount} {code} off "
                    f"({left} to pay) if paid by {offer.deadline}"
                )
            previous = inst.due_date
        return "\n".join(out)

    def cost_of_forgoing(
        self, *, tier: int = 1, instalment: int = 1, year_days: int = 365
    ) -> DiscountCost:
        """The annualised cost of paying instalment ``instalment`` at its due date instead of
        taking discount ``tier`` (the actual days between deadline and due date)."""
        inst = self.instalment(instalment)
        for offer in inst.discounts:
            if offer.tier == tier:
                base = offer.amount.amount + (
                    offer.amount_due.amount if offer.amount_due is not None else _ZERO
                )
                percent = offer.percent
                if percent is None:
                    percent = offer.amount.amount * _HUNDRED / base
                days = (inst.due_date - offer.deadline).days
                return forgone_discount_cost(percent, 0, days, year_days=year_days)
        raise InvalidTermsError(
            f"instalment {instalment} offers no discount tier {tier}",
            field="tier",
            value=tier,
        )


def _earn(
    payment: Money,
    gross: Decimal,
    discount: Decimal,
    open_amount: Money | None,
    *,
    offers: tuple[DiscountOffer, ...],
    rule: PartialPayment,
    rounding: RoundingPolicy,
) -> DiscountEarned:
    cur = payment.currency
    if open_amount is not None and gross:
        discount = rounding.apply_decimal(discount * open_amount.amount / gross, cur)
        gross = open_amount.amount
    net = gross - discount
    if discount <= 0:
        earned = _ZERO
    elif payment.amount >= net:
        earned = discount
    elif rule is PartialPayment.PRO_RATA and payment.amount > 0:
        earned = min(rounding.apply_decimal(payment.amount * discount / net, cur), discount)
    else:
        earned = _ZERO
    return DiscountEarned(
        amount=Money(earned, cur),
        settles=Money(payment.amount + earned, cur),
        rule=rule,
        offers=offers,
    )


def discount_earned(
    offers: Iterable[DiscountOffer],
    payment: Money,
    on: dt.date,
    *,
    amount: Money,
    open_amount: Money | None = None,
    rule: PartialPayment = PartialPayment.FULL_ONLY,
    rounding: RoundingPolicy | None = None,
) -> DiscountEarned:
    """The discount a payment earns against one item's offers (an instalment, an open item).

    The largest offer whose deadline is on or after ``on`` counts.  ``amount`` is the item's
    amount the offers were computed on; with ``open_amount`` (what is left after earlier
    payments) the discount shrinks in proportion.  ``rule`` says what a payment short of the
    discounted amount earns (see :class:`PartialPayment`).

    >>> from o2c.money import money
    >>> offer = DiscountOffer(deadline=dt.date(2024, 1, 11), amount=money("20.00", "EUR"))
    >>> discount_earned([offer], money("980.00", "EUR"), dt.date(2024, 1, 11),
    ...                 amount=money("1000.00", "EUR")).amount
    Money('20.00', 'EUR')
    >>> discount_earned([offer], money("490.00", "EUR"), dt.date(2024, 1, 11),
    ...                 amount=money("1000.00", "EUR"), rule=PartialPayment.PRO_RATA).amount
    Money('10.00', 'EUR')

    Raises:
        CurrencyMismatchError: for amounts or offers in different currencies.
    """
    cur = amount.currency
    for value in (payment, open_amount):
        if value is not None and value.currency != cur:
            raise CurrencyMismatchError(cur.code, value.currency.code, operation="apply")
    best: DiscountOffer | None = None
    for offer in offers:
        if offer.amount.currency != cur:
            raise CurrencyMismatchError(cur.code, offer.amount.currency.code, operation="apply")
        if on <= offer.deadline and (best is None or offer.amount.amount > best.amount.amount):
            best = offer
    return _earn(
        payment,
        amount.amount,
        best.amount.amount if best is not None else _ZERO,
        open_amount,
        offers=(best,) if best is not None else (),
        rule=rule,
        rounding=rounding or _DEFAULT_ROUNDING,
    )


def _off_step(amount: Decimal, step: Decimal) -> bool:
    """Whether ``amount`` is not a whole number of ``step`` (more decimals than the currency)."""
    units = amount / step
    return units != units.to_integral_value()


def _check_amount(value: Money, name: str, step: Decimal) -> None:
    if _off_step(value.amount, step):
        raise InvalidTermsError(
            f"{name}={value.amount} {value.currency.code} has more decimals than the currency: "
            "quantize it first (o2c.money.quantize)",
            field=name,
            value=value,
        )


def _resolve_tax(
    terms: PaymentTerms,
    total: Money,
    untaxed: Money | None,
    tax: Money | None,
) -> tuple[Decimal | None, Decimal | None]:
    cur = total.currency
    for name, value in (("untaxed", untaxed), ("tax", tax)):
        if value is not None and value.currency != cur:
            raise CurrencyMismatchError(cur.code, value.currency.code, operation=f"schedule {name}")
    if untaxed is None and tax is None:
        needs_split = terms.discount_base is not DiscountBase.TOTAL and (
            terms.discounts or any(line.discounts for line in terms.lines)
        )
        if needs_split:
            raise InvalidTermsError(
                f"discount base {terms.discount_base.value!r} needs the untaxed amount: pass "
                "untaxed= (or tax=) to schedule()",
                field="untaxed",
            )
        return None, None
    u = untaxed.amount if untaxed is not None else total.amount - tax.amount  # type: ignore[union-attr]
    t = tax.amount if tax is not None else total.amount - u
    if u + t != total.amount:
        raise InvalidTermsError(
            f"untaxed {u} plus tax {t} is not the total {total.amount}: pass amounts that add up",
            field="untaxed",
            value=u,
        )
    return u, t


def _build_schedule(
    terms: PaymentTerms,
    document_date: dt.date,
    total: Money,
    *,
    untaxed: Money | None,
    tax: Money | None,
    baseline: dt.date,
    calendar: Calendar | None,
    rounding: RoundingPolicy,
    cash_rounding: CashRounding | None,
) -> Schedule:
    if not isinstance(total, Money):
        raise InvalidTermsError(f"total={total!r} must be a Money", field="total", value=total)
    cur = total.currency
    code = cur.code
    unit = minor_unit(code)
    _check_amount(total, "total", unit)
    if total.amount < 0:
        raise InvalidTermsError(
            f"total={total.amount} {code} is negative: schedule the positive amount (a credit "
            "memo is not paid in instalments)",
            field="total",
            value=total,
        )
    if _FAST_PATH and untaxed is None and tax is None and cash_rounding is None:
        plan = _terms_plan(terms)
        if plan is not None:
            quick = _simple_schedule(terms, plan, document_date, total, baseline, rounding)
            if quick is not None:
                return quick
    u_total, t_total = _resolve_tax(terms, total, untaxed, tax)
    step = rounding.step_for(code)
    cash_step = cash_rounding.increment(code) if cash_rounding is not None else None
    cash_mode = cash_rounding.rounding if cash_rounding is not None else Rounding.HALF_UP
    cal = calendar if calendar is not None else WEEKDAYS_ONLY
    convention = terms.convention

    no_roll = convention is BusinessDayConvention.NONE

    def rolled(steps: Sequence[DateStep], start: dt.date) -> dt.date:
        try:
            day = apply_steps(steps, start)
        except InvalidTermsError as exc:
            raise InvalidTermsError(
                f"the due date or deadline {exc.message}",
                field="due",
                value=steps,
                date=start,
                step=exc.context.get("step"),
            ) from None
        return day if no_roll else roll(day, convention, cal)

    deadlines: dict[int, dt.date] = {}  # by id(): the tiers live as long as this call

    def deadline_of(tier: DiscountTier) -> dt.date:
        found = deadlines.get(id(tier))
        if found is None:
            found = deadlines[id(tier)] = rolled(tier.deadline, baseline)
        return found

    # Due dates.
    due_dates: list[dt.date] = []
    for line in terms.lines:
        start = due_dates[-1] if line.chained else baseline
        due_dates.append(rolled(line.due, start))

    # Amounts.
    amount = total.amount
    lines = terms.lines
    n = len(lines)
    parts: list[Decimal | None] = [None] * n
    balance_index = next((i for i, ln in enumerate(lines) if ln.kind is LineKind.BALANCE), None)
    largest = balance_index is None and terms.remainder is RemainderPolicy.LARGEST_REMAINDER
    for i, line in enumerate(lines):
        if line.kind is LineKind.FIXED:
            assert line.amount is not None
            if line.amount.currency != cur:
                raise CurrencyMismatchError(
                    code, line.amount.currency.code, operation=f"schedule line {i + 1} of"
                )
            parts[i] = line.amount.amount
        elif line.kind is LineKind.PERCENT and not largest:
            assert line.percent is not None
            value = quantize_decimal(amount * line.percent / _HUNDRED, step, rounding.rounding)
            if cash_step is not None:
                value = quantize_decimal(value, cash_step, cash_mode)
            parts[i] = value
    # Refuse lines that exceed the total before any rounding (naming the line that crosses).
    exact_running = _ZERO
    for i, line in enumerate(lines):
        if line.kind is LineKind.BALANCE:
            continue
        if line.percent is not None:
            exact_running += amount * line.percent / _HUNDRED
        else:
            assert line.amount is not None
            _check_amount(line.amount, f"line {i + 1} amount", unit)
            exact_running += line.amount.amount
        if exact_running > amount:
            raise InvalidTermsError(
                f"line {i + 1} brings the instalments to {exact_running} {code}, over the total "
                f"{amount} {code}: lower the line or make it the balance",
                field="lines",
                value=line.percent if line.percent is not None else line.amount,
                line=i + 1,
            )
    percent_idx = [i for i, ln in enumerate(lines) if ln.kind is LineKind.PERCENT]
    if balance_index is None and exact_running != amount:
        raise InvalidTermsError(
            f"the lines add up to {exact_running} {code}, not the total {amount} {code}: add a "
            "balance line",
            field="lines",
            value=exact_running,
            line=n,
        )
    if largest and percent_idx:
        fixed_sum = sum((p for p in parts if p is not None), _ZERO)
        shares = allocate_decimal(
            amount - fixed_sum,
            [lines[i].percent for i in percent_idx],
            unit,
            policy=terms.remainder,
        )
        for i, share in zip(percent_idx, shares, strict=True):
            parts[i] = share
    running = sum((p for p in parts if p is not None), _ZERO)
    order = percent_idx if terms.remainder is RemainderPolicy.FIRST else percent_idx[::-1]
    if running > amount:
        # Only rounding up gets here (the exact lines fit): percent lines give the excess back,
        # the last one first (the first one first under RemainderPolicy.FIRST), never below 0.
        excess = running - amount
        for i in order:
            cut = min(excess, parts[i] or _ZERO)
            parts[i] = (parts[i] or _ZERO) - cut
            excess -= cut
        running = amount
    if balance_index is not None:
        parts[balance_index] = amount - running
    elif running != amount and order:
        # No balance line: the last (or first) percent line absorbs the rounding remainder.
        parts[order[0]] = (parts[order[0]] or _ZERO) + (amount - running)
    amounts = [p if p is not None else _ZERO for p in parts]

    # Untaxed and tax shares.
    u_shares: list[Decimal] | None = None
    t_shares: list[Decimal] | None = None
    if u_total is not None and t_total is not None:
        if amount:
            u_shares = allocate_decimal(u_total, amounts, unit)
        else:
            u_shares = [_ZERO * unit for _ in amounts]
        t_shares = [a - u for a, u in zip(amounts, u_shares, strict=True)]

    def money_(value: Decimal) -> Money:
        return Money(value, cur)

    def split(discount: Decimal, i: int) -> tuple[Money | None, Money | None]:
        if u_shares is None or t_shares is None:
            return None, None
        if (
            terms.discount_base is DiscountBase.MIXED
            and (u_shares[i] or t_shares[i])
            and u_shares[i] >= 0
            and t_shares[i] >= 0
        ):
            on_u, on_t = allocate_decimal(discount, [u_shares[i], t_shares[i]], unit)
            return money_(on_u), money_(on_t)
        return money_(discount), money_(_ZERO * unit)

    def base_of(i: int) -> Decimal:
        if terms.discount_base is DiscountBase.UNTAXED:
            assert u_shares is not None
            return u_shares[i]
        return amounts[i]

    def offer(
        tier: DiscountTier, number: int, i: int, raw: Decimal, base: Decimal
    ) -> DiscountOffer:
        due_amount = amounts[i]
        if cash_step is not None:
            left = quantize_decimal(due_amount - raw, cash_step, cash_mode)
            discount = due_amount - left
        else:
            discount = quantize_decimal(raw, step, rounding.rounding)
        # Never more than the base it applies to, nor than the instalment itself.
        discount = max(_ZERO * unit, min(discount, base if base > 0 else _ZERO, due_amount))
        on_u, on_t = split(discount, i)
        return DiscountOffer(
            deadline=deadline_of(tier),
            amount=money_(discount),
            percent=tier.percent,
            tier=number,
            base=money_(base),
            amount_due=money_(due_amount - discount),
            untaxed_part=on_u,
            tax_part=on_t,
        )

    def raw_discount(tier: DiscountTier, base: Decimal) -> Decimal:
        if tier.percent is not None:
            return base * tier.percent / _HUNDRED
        assert tier.amount is not None
        if tier.amount.currency != cur:
            raise CurrencyMismatchError(code, tier.amount.currency.code, operation="discount")
        return tier.amount.amount

    offers: list[list[DiscountOffer]] = [[] for _ in lines]
    invoice_offers: list[DiscountOffer] = []
    for i, line in enumerate(lines):
        for number, tier in enumerate(line.discounts, 1):
            base = base_of(i)
            offers[i].append(offer(tier, number, i, raw_discount(tier, base), base))
    if terms.discounts and terms.discount_scope is DiscountScope.INSTALMENT:
        for i in range(n):
            for number, tier in enumerate(terms.discounts, 1):
                base = base_of(i)
                offers[i].append(offer(tier, number, i, raw_discount(tier, base), base))
    elif terms.discounts:
        whole_base = u_total if terms.discount_base is DiscountBase.UNTAXED else amount
        assert whole_base is not None
        for number, tier in enumerate(terms.discounts, 1):
            raw = raw_discount(tier, whole_base)
            if cash_step is not None:
                whole = amount - quantize_decimal(amount - raw, cash_step, cash_mode)
            else:
                whole = quantize_decimal(raw, step, rounding.rounding)
            whole = max(_ZERO * unit, min(whole, whole_base, amount))
            if n == 1:
                shares = [whole]
                bases = [whole_base]
            elif amount:
                shares = allocate_decimal(whole, amounts, unit)
                bases = (
                    allocate_decimal(whole_base, amounts, unit)
                    if terms.discount_base is DiscountBase.UNTAXED
                    else amounts
                )
            else:
                shares = bases = [_ZERO * unit for _ in amounts]
            for i in range(n):
                tier_offer = offer(tier, number, i, shares[i], bases[i])
                if cash_step is not None or n > 1:
                    on_u, on_t = split(shares[i], i)
                    tier_offer = attrs.evolve(
                        tier_offer,
                        amount=money_(shares[i]),
                        amount_due=money_(amounts[i] - shares[i]),
                        untaxed_part=on_u,
                        tax_part=on_t,
                    )
                offers[i].append(tier_offer)
            on_u_total, on_t_total = _sum_parts([offers[i][-1] for i in range(n)], cur)
            invoice_offers.append(
                DiscountOffer(
                    deadline=offers[0][-1].deadline,
                    amount=money_(whole),
                    percent=tier.percent,
                    tier=number,
                    base=money_(whole_base),
                    amount_due=money_(amount - whole),
                    untaxed_part=on_u_total,
                    tax_part=on_t_total,
                )
            )

    instalments = tuple(
        Instalment(
            number=i + 1,
            due_date=due_dates[i],
            amount=money_(amounts[i]),
            discounts=tuple(offers[i]),
            untaxed=money_(u_shares[i]) if u_shares is not None else None,
            tax=money_(t_shares[i]) if t_shares is not None else None,
        )
        for i in range(n)
    )
    return Schedule(
        terms=terms,
        document_date=document_date,
        baseline_date=baseline,
        total=total,
        instalments=instalments,
        untaxed=money_(u_total) if u_total is not None else None,
        tax=money_(t_total) if t_total is not None else None,
        rounding=rounding,
        cash_rounding=cash_rounding,
        discounts=tuple(invoice_offers),
    )


#: Whether schedules may take the fast path for simple terms (tests switch it off to check that
#: both paths give equal results).
_FAST_PATH = True


@attrs.frozen
class _TermsPlan:
    """What a schedule of simple terms needs from them, worked out once per terms object.

    Simple terms: percent lines and one balance line, due after plain steps (no business-day
    roll), percentage tiers on the terms (per instalment, or on a single instalment), the
    discount based on the total.
    """

    #: Per line: the days after the baseline (or the previous due date when chained) as a
    #: timedelta, or the steps when they are more than plain days.
    due: tuple[dt.timedelta | tuple[DateStep, ...], ...]
    chained: tuple[bool, ...]
    #: Per line: its percent, ``None`` for the balance line.
    percents: tuple[Decimal | None, ...]
    balance_index: int
    #: Per tier: its number, percent and deadline (a timedelta or steps from the baseline).
    tiers: tuple[tuple[int, Decimal, dt.timedelta | tuple[DateStep, ...]], ...]
    #: Whether the terms' tiers are invoice-level offers (``DiscountScope.INVOICE``, some tier).
    invoice_offers: bool = False
    #: Whether the baseline is the document date itself (no baseline rules).
    from_document: bool = False


_TERMS_PLANS: dict[int, tuple[PaymentTerms, _TermsPlan | None]] = {}


def _terms_plan(terms: PaymentTerms) -> _TermsPlan | None:
    """The plan of ``terms`` (``None`` when they are not simple); looked up by identity."""
    hit = _TERMS_PLANS.get(id(terms))
    if hit is not None and hit[0] is terms:
        return hit[1]
    plan = _make_terms_plan(terms)
    if len(_TERMS_PLANS) >= 1024:
        _TERMS_PLANS.clear()
    _TERMS_PLANS[id(terms)] = (terms, plan)
    return plan


def _offset(steps: tuple[DateStep, ...]) -> dt.timedelta | tuple[DateStep, ...]:
    if len(steps) == 1 and type(steps[0]) is AddDays:
        return dt.timedelta(days=steps[0].n)
    return steps


def _moved(start: dt.date, offset: dt.timedelta | tuple[DateStep, ...]) -> dt.date:
    """``start`` moved by a plan's offset (plain days, or steps)."""
    if isinstance(offset, dt.timedelta):
        return start + offset
    return apply_steps(offset, start)


def _make_terms_plan(terms: PaymentTerms) -> _TermsPlan | None:
    lines = terms.lines
    balances = [i for i, line in enumerate(lines) if line.kind is LineKind.BALANCE]
    if (
        len(balances) != 1
        or any(line.kind is LineKind.FIXED or line.discounts for line in lines)
        or any(tier.percent is None for tier in terms.discounts)
        or terms.convention is not BusinessDayConvention.NONE
        or terms.discount_base is not DiscountBase.TOTAL
        or (terms.discount_scope is DiscountScope.INVOICE and terms.discounts and len(lines) > 1)
    ):
        return None
    return _TermsPlan(
        due=tuple(_offset(line.due) for line in lines),
        chained=tuple(line.chained for line in lines),
        percents=tuple(line.percent for line in lines),
        balance_index=balances[0],
        tiers=tuple(
            (number, tier.percent, _offset(tier.deadline))
            for number, tier in enumerate(terms.discounts, 1)
            if tier.percent is not None
        ),
        invoice_offers=terms.discount_scope is DiscountScope.INVOICE and bool(terms.discounts),
        from_document=terms.baseline is BaselineSource.DOCUMENT and not terms.baseline_rules,
    )


_ROUNDERS: dict[tuple[int, str], tuple[RoundingPolicy, Callable[[Decimal], Decimal], Decimal]] = {}


def _rounding_for(
    rounding: RoundingPolicy, code: str
) -> tuple[Callable[[Decimal], Decimal], Decimal]:
    """The rounder of ``rounding`` in ``code`` and the currency's zero (``0.00``), by identity."""
    hit = _ROUNDERS.get((id(rounding), code))
    if hit is not None and hit[0] is rounding:
        return hit[1], hit[2]
    to_step = rounder(rounding.step_for(code), rounding.rounding)
    zero = _ZERO * minor_unit(code)
    if len(_ROUNDERS) >= 1024:
        _ROUNDERS.clear()
    _ROUNDERS[(id(rounding), code)] = (rounding, to_step, zero)
    return to_step, zero


def _document_schedule(
    terms: PaymentTerms, document_date: dt.date, total: Money, rounding: RoundingPolicy
) -> Schedule | None:
    """``terms.schedule(document_date, total, rounding=rounding)`` when the fast path decides.

    For invoices: terms counted from the document date itself, the discount on the total,
    no cash rounding.  ``None`` when :meth:`PaymentTerms.schedule` must decide (other terms,
    an amount it would refuse, a date it would report); the result is the one it gives.
    """
    if not _FAST_PATH:
        return None
    plan = _terms_plan(terms)
    if plan is None or not plan.from_document:
        return None
    amount = total.amount
    if amount < 0 or _off_step(amount, minor_unit(total.currency.code)):
        return None  # schedule() refuses these, with its own errors
    return _simple_schedule(terms, plan, document_date, total, document_date, rounding)


def _simple_schedule(
    terms: PaymentTerms,
    plan: _TermsPlan,
    document_date: dt.date,
    total: Money,
    baseline: dt.date,
    rounding: RoundingPolicy,
) -> Schedule | None:
    """:func:`_build_schedule` for simple terms (see :class:`_TermsPlan`), on Decimals.

    ``None`` when the general path must decide: a date that leaves the calendar (it raises the
    error), or percent lines whose rounded amounts exceed the total (it gives the excess back).
    """
    try:
        due_dates: list[dt.date] = []
        # Plan tuples have one entry per line (no strict zip: its keyword costs more here).
        for due, chained in zip(plan.due, plan.chained):  # noqa: B905
            due_dates.append(_moved(due_dates[-1] if chained else baseline, due))
        deadlines = [_moved(baseline, when) for _number, _percent, when in plan.tiers]
    except (OverflowError, ValueError, TypeError):
        return None
    cur = total.currency
    amount = total.amount
    to_step, zero = _rounding_for(rounding, cur.code)
    amounts: list[Decimal] = []
    running = _ZERO
    for percent in plan.percents:
        if percent is None:
            amounts.append(_ZERO)  # the balance, set below
        else:
            part = to_step(amount * percent / _HUNDRED)
            amounts.append(part)
            running += part
    if running > amount:
        return None
    amounts[plan.balance_index] = amount - running
    instalments = []
    for i, part in enumerate(amounts):
        whole = Money(part, cur)  # the instalment, and the base of its discounts
        offers = []
        for (number, percent, _when), deadline in zip(plan.tiers, deadlines):  # noqa: B905
            # Never more than the instalment itself (nor below zero): max(zero, min(d, part)).
            discount = to_step(part * percent / _HUNDRED)
            if discount > part:
                discount = part
            if discount <= zero:
                discount = zero
            offers.append(
                _new_offer(
                    deadline,  # deadline
                    Money(discount, cur),  # amount
                    percent,  # percent
                    number,  # tier
                    whole,  # base
                    Money(part - discount, cur),  # amount_due
                    None,  # untaxed_part
                    None,  # tax_part
                )
            )
        instalments.append(
            _new_instalment(
                i + 1,  # number
                due_dates[i],  # due_date
                whole,  # amount
                tuple(offers),  # discounts
                None,  # untaxed
                None,  # tax
            )
        )
    invoice_offers: tuple[DiscountOffer, ...] = ()
    if plan.invoice_offers:
        # A single instalment (see _TermsPlan) of the whole total: the invoice's offers are the
        # instalment's.  With a step coarser than the minor unit, or a total written with
        # another exponent, the general path decides how the two differ.
        if rounding.step is not None or amounts[0].compare_total(amount) != 0:
            return None
        invoice_offers = instalments[0].discounts
    return _new_schedule(
        terms,  # terms
        document_date,  # document_date
        baseline,  # baseline_date
        total,  # total
        tuple(instalments),  # instalments
        None,  # untaxed
        None,  # tax
        rounding,  # rounding
        None,  # cash_rounding
        invoice_offers,  # discounts
    )


#: Positional, unchecked constructors for the fast path (see :mod:`o2c._build`).
_new_offer = builder(DiscountOffer)
_new_instalment = builder(Instalment)
_new_schedule = builder(Schedule)


def _sum_parts(offers: Sequence[DiscountOffer], cur: Any) -> tuple[Money | None, Money | None]:
    if any(o.untaxed_part is None or o.tax_part is None for o in offers):
        return None, None
    u = sum((o.untaxed_part.amount for o in offers if o.untaxed_part is not None), _ZERO)
    t = sum((o.tax_part.amount for o in offers if o.tax_part is not None), _ZERO)
    return Money(u, cur), Money(t, cur)


# --------------------------------------------------------------------------------------------
# Notation parser


_TOKEN = re.compile(r"[^\s,]+")
_PERCENT_TIER = re.compile(r"(\d{1,3}(?:\.\d+)?)/(\S+)", re.ASCII)
_FIXED_TIER = re.compile(r"([A-Za-z]{3})(\d+(?:\.\d+)?)/(\S+)", re.ASCII)
_FIXED = re.compile(r"([A-Za-z]{3})(\d+(?:\.\d+)?)", re.ASCII)
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)%", re.ASCII)
_ORDINAL = re.compile(r"(\d{1,2})(?:st|nd|rd|th)", re.ASCII)
_GLUED_NET = re.compile(r"n(?:et)?(\d{1,5})", re.ASCII)
_NUMBER = re.compile(r"-?\d", re.ASCII)
_OPTIONS: dict[str, type[enum.Enum]] = {
    "base": DiscountBase,
    "scope": DiscountScope,
    "partial": PartialPayment,
    "roll": BusinessDayConvention,
    "remainder": RemainderPolicy,
}
_OPTION_FIELDS = {
    "base": "discount_base",
    "scope": "discount_scope",
    "partial": "partial_payment",
    "roll": "convention",
    "remainder": "remainder",
}
_SPECIAL = {
    "cod": Settlement.COD,
    "cia": Settlement.CIA,
    "cwo": Settlement.CWO,
}


class _Parser:
    """Recursive-descent reader of payment-terms notation."""

    HINT: ClassVar[str] = (
        "write terms like '2/10 net 30', '30% advance, 70% net 60', '10th prox' or 'net 1m+eom'"
    )

    def __init__(self, text: str) -> None:
        self.text = _check_text(text, "terms")
        self.tokens = [(m.group(), m.start()) for m in _TOKEN.finditer(text)]
        self.i = 0
        self.lines: list[TermLine] = []
        #: Tiers given with ``with`` to the line of the same index (added once, at the end).
        self.line_tiers: dict[int, list[DiscountTier]] = {}
        self.tiers: list[DiscountTier] = []
        self.options: dict[str, Any] = {}
        self.pending: tuple[LineKind, Any, int] | None = None

    def error(self, token: str, position: int, why: str | None = None) -> InvalidTermsError:
        return InvalidTermsError(
            f"cannot read {shown(token)!r} at position {position} of {shown(self.text)!r}: "
            f"{why or self.HINT}",
            value=self.text,
            token=token,
            position=position,
        )

    def peek(self, ahead: int = 0) -> tuple[str, int] | None:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else None

    def take(self, what: str) -> tuple[str, int]:
        token = self.peek()
        if token is None:
            raise InvalidTermsError(
                f"{shown(self.text)!r} ends where {what} was expected: {self.HINT}",
                value=self.text,
                token="",
                position=len(self.text),
            )
        self.i += 1
        return token

    def steps(self, token: str, position: int) -> tuple[DateStep, ...]:
        return parse_steps(token, _offset=position, _whole=self.text)

    def skip_days(self) -> None:
        nxt = self.peek()
        if nxt is not None and nxt[0].lower() in ("day", "days"):
            self.i += 1

    def add_line(self, due: tuple[DateStep, ...], *, chained: bool = False) -> None:
        kind, value, _ = self.pending or (LineKind.BALANCE, None, 0)
        self.pending = None
        try:
            if kind is LineKind.PERCENT:
                line = TermLine(kind=kind, percent=value, due=due, chained=chained)
            elif kind is LineKind.FIXED:
                line = TermLine(kind=kind, amount=value, due=due, chained=chained)
            else:
                line = TermLine(kind=kind, due=due, chained=chained)
        except ValidationError as exc:
            token, position = self.tokens[self.i - 1]
            raise self.error(token, position, exc.message) from None
        self.lines.append(line)

    def tier(self) -> DiscountTier | None:
        """Read a tier (``P/STEPS``, ``CURamount/STEPS`` or ``P% N [days]``) or return None."""
        current = self.peek()
        if current is None:
            return None
        token, position = current
        low = token.lower()
        nxt = self.peek(1)
        m = _PERCENT_TIER.fullmatch(low)
        if m:
            build: dict[str, Any] = {"percent": Decimal(m[1])}
            steps = self.steps(m[2], position + m.start(2))
            self.i += 1
        elif (m := _FIXED_TIER.fullmatch(token)) is not None:
            build = {"amount": self.money(m[1], m[2], token, position)}
            steps = self.steps(m[3], position + m.start(3))
            self.i += 1
        elif (
            (m := _PERCENT.fullmatch(low)) is not None
            and nxt is not None
            and _NUMBER.match(nxt[0])
            and not _ORDINAL.fullmatch(nxt[0])
        ):
            build = {"percent": Decimal(m[1])}
            steps = self.steps(*nxt)
            self.i += 2
            self.skip_days()
        else:
            return None
        try:
            return DiscountTier(deadline=steps, **build)
        except ValidationError as exc:
            raise self.error(token, position, exc.message) from None

    def money(self, code: str, amount: str, token: str, position: int) -> Money:
        try:
            return money(amount, code)  # within the documented amount limit
        except O2CError as exc:
            raise self.error(token, position, str(exc)) from None

    def parse(self) -> PaymentTerms:
        normal = " ".join(self.text.lower().replace(",", " ").split())
        settlement = Settlement.CREDIT
        if normal.startswith("due on receipt"):
            settlement = Settlement.ON_RECEIPT
            self.i = 3
        elif self.tokens and self.tokens[0][0].lower() in _SPECIAL:
            settlement = _SPECIAL[self.tokens[0][0].lower()]
            self.i = 1
        if settlement is not Settlement.CREDIT:
            self.lines.append(TermLine.balance())
        baseline_rules: tuple[DateStep, ...] = ()
        baseline = BaselineSource.DOCUMENT
        while self.i < len(self.tokens):
            token, position = self.tokens[self.i]
            low = token.lower()
            if settlement is not Settlement.CREDIT and "=" not in low and low not in ("rog", "roi"):
                raise self.error(token, position, f"{settlement.value} takes only options")
            if low in ("net", "n"):
                self.i += 1
                self.add_line(self.steps(*self.take("a due date after 'net'")))
                self.skip_days()
                continue
            if low.startswith("n/"):
                self.i += 1
                self.add_line(self.steps(token[2:], position + 2))
                self.skip_days()
                continue
            glued = _GLUED_NET.fullmatch(low)
            if glued:  # N30, NET30
                self.i += 1
                self.add_line(self.steps(token[glued.start(1) :], position + glued.start(1)))
                self.skip_days()
                continue
            if low == "then":
                if not self.lines:
                    raise self.error(token, position, "'then' needs a line before it")
                self.i += 1
                self.add_line(self.steps(*self.take("a due date after 'then'")), chained=True)
                self.skip_days()
                continue
            if low == "advance":
                self.i += 1
                self.add_line(_NET0)
                continue
            nxt = self.peek(1)
            ordinal = _ORDINAL.fullmatch(low)
            if ordinal and nxt is not None and nxt[0].lower() == "prox":
                self.i += 2
                self.add_due_day(int(ordinal[1]), token, position)
                continue
            if _DAY.fullmatch(low) and nxt is not None and nxt[0].lower() in ("mfi", "prox"):
                self.i += 2
                self.add_due_day(int(low), token, position)
                continue
            if low == "with":
                if not self.lines:
                    raise self.error(token, position, "'with' needs a line before it")
                self.i += 1
                tiers = []
                while (t := self.tier()) is not None:
                    tiers.append(t)
                if not tiers:
                    raise self.error(token, position, "'with' needs discount tiers such as 2/10")
                self.line_tiers.setdefault(len(self.lines) - 1, []).extend(tiers)
                continue
            tier = self.tier()
            if tier is not None:
                if self.pending is not None:
                    raise self.error(token, position, "a line's amount needs its due date first")
                self.tiers.append(tier)
                continue
            m = _PERCENT.fullmatch(low)
            fixed = _FIXED.fullmatch(token)
            if m or low in ("balance", "rest") or fixed:
                if self.pending is not None:
                    raise self.error(token, position, "the previous amount has no due date")
                if m:
                    self.pending = (LineKind.PERCENT, Decimal(m[1]), position)
                elif fixed:
                    fixed_amount = self.money(fixed[1], fixed[2], token, position)
                    self.pending = (LineKind.FIXED, fixed_amount, position)
                else:
                    self.pending = (LineKind.BALANCE, None, position)
                self.i += 1
                continue
            if low == "eom":
                baseline_rules = (EndOfMonth(),)
                self.i += 1
                continue
            if low in ("rog", "roi"):
                baseline = BaselineSource.DELIVERY if low == "rog" else BaselineSource.RECEIPT
                self.i += 1
                continue
            key, eq, value = low.partition("=")
            if eq and key == "baseline":
                baseline_rules = self.steps(token[len(key) + 1 :], position + len(key) + 1)
                self.i += 1
                continue
            if eq and key in _OPTIONS:
                try:
                    self.options[_OPTION_FIELDS[key]] = _OPTIONS[key](value)
                except ValueError:
                    choices = "|".join(str(e.value) for e in _OPTIONS[key])
                    raise self.error(token, position, f"{key} is one of {choices}") from None
                self.i += 1
                continue
            raise self.error(token, position)
        if self.pending is not None:
            _kind, _value, position = self.pending
            token = self.text[position:].split()[0]
            raise self.error(token, position, "this amount needs a due date (net N, advance ...)")
        for index, tiers in self.line_tiers.items():
            self.lines[index] = attrs.evolve(self.lines[index], discounts=tuple(tiers))
        if not self.lines:
            if baseline_rules and not self.tiers:
                self.lines.append(TermLine.balance())
            else:
                raise InvalidTermsError(
                    f"{shown(self.text)!r} has no net term: {self.HINT}",
                    value=self.text,
                    token=self.text,
                    position=0,
                )
        try:
            return PaymentTerms(
                lines=tuple(self.lines),
                discounts=tuple(self.tiers),
                baseline=baseline,
                baseline_rules=baseline_rules,
                settlement=settlement,
                **self.options,
            )
        except ValidationError as exc:
            raise InvalidTermsError(
                f"{shown(self.text)!r}: {exc.message}",
                value=self.text,
                token=self.text,
                position=0,
                line=exc.context.get("line"),
            ) from None

    def add_due_day(self, day: int, token: str, position: int) -> None:
        try:
            step = MonthDay(day)
        except InvalidTermsError as exc:
            raise self.error(token, position, exc.message) from None
        self.add_line((step,))


# --------------------------------------------------------------------------------------------
# Interchange: X12 ITD and EN 16931 / UBL PaymentTerms (XRechnung #SKONTO#)

_X12_SETTLEMENT = {
    Settlement.ON_RECEIPT: "23",
    Settlement.CIA: "26",
    Settlement.CWO: "30",
    Settlement.COD: "31",
}
_X12_BASIS = {
    BaselineSource.DOCUMENT: "3",
    BaselineSource.DELIVERY: "2",
    BaselineSource.RECEIPT: "5",
}
_X12_BASIS_IN = {
    "3": BaselineSource.DOCUMENT,
    "2": BaselineSource.DELIVERY,
    "15": BaselineSource.DELIVERY,
    "5": BaselineSource.RECEIPT,
}
_N2 = Decimal("0.01")


_X12_DATE = re.compile(r"\d{8}", re.ASCII)
#: X12 ``N0``/``N2`` numbers: ITD05/ITD07 (days) are at most 3 digits, ITD08/ITD10 (cents) 10;
#: o2c reads up to 17, the cents of the largest amount it takes (15 digits before the point).
_X12_NUMBER = re.compile(r"\d{1,17}", re.ASCII)


def _x12_date(text: str, element: str) -> dt.date | None:
    if not text:
        return None
    try:
        if not _X12_DATE.fullmatch(text):
            raise ValueError(text)
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise InvalidTermsError(
            f"{element}={shown(text)!r} is not a CCYYMMDD date", field=element, value=text
        ) from None


def _x12_int(text: str, element: str) -> int | None:
    if not text:
        return None
    if not _X12_NUMBER.fullmatch(text):
        raise InvalidTermsError(
            f"{element}={shown(text)!r} is not a whole number of at most 17 digits 0-9",
            field=element,
            value=text,
        )
    return int(text)


def _x12_decimal(text: str, element: str) -> Decimal | None:
    if not text:
        return None
    try:
        return to_decimal(text, field=element)
    except O2CError as exc:
        raise InvalidTermsError(
            f"{element}={shown(text)!r} is not a decimal number within o2c's limits "
            f"({exc.message})",
            field=element,
            value=text,
        ) from None


def _x12_field(*kinds: type) -> Callable[[object, attrs.Attribute[Any], object], None]:
    """A validator: the element is ``None`` or of one of ``kinds`` (ints not bools, >= 0)."""

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and attribute.name != "type_code":
            return
        ok = isinstance(value, kinds) and not isinstance(value, (bool, dt.datetime))
        if ok and isinstance(value, int) and not 0 <= value < 10**17:
            ok = False
        if not ok:
            raise InvalidTermsError(
                f"{attribute.name}={shown(value)!r} must be "
                f"{' or '.join(k.__name__ for k in kinds)}"
                f"{' (0 to 17 digits)' if int in kinds else ''}",
                field=attribute.name,
                value=value,
            )

    return check


def _x12_percent(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value, field="percent")


@attrs.frozen(kw_only=True)
class X12Terms:
    """The fields of one X12 ``ITD`` (terms of sale) segment.

    Amounts (ITD08, ITD10) are X12 ``N2`` numbers: whole cents without a decimal point.

    >>> seg = X12Terms.from_segment("ITD*08*3*2**10**30*****2/10 NET 30~")
    >>> seg.discount_percent, seg.discount_days, seg.net_days
    (Decimal('2'), 10, 30)
    >>> seg.segment()
    'ITD*08*3*2**10**30*****2/10 NET 30~'
    """

    type_code: str = attrs.field(validator=_x12_field(str))
    basis_date_code: str | None = attrs.field(default=None, validator=_x12_field(str))
    discount_percent: Decimal | None = attrs.field(default=None, converter=_x12_percent)
    discount_due_date: dt.date | None = attrs.field(default=None, validator=_x12_field(dt.date))
    discount_days: int | None = attrs.field(default=None, validator=_x12_field(int))
    net_due_date: dt.date | None = attrs.field(default=None, validator=_x12_field(dt.date))
    net_days: int | None = attrs.field(default=None, validator=_x12_field(int))
    #: ITD08 in cents.
    discount_amount: int | None = attrs.field(default=None, validator=_x12_field(int))
    deferred_due_date: dt.date | None = attrs.field(default=None, validator=_x12_field(dt.date))
    #: ITD10 in cents.
    deferred_amount: int | None = attrs.field(default=None, validator=_x12_field(int))
    percent_payable: Decimal | None = attrs.field(default=None, converter=_x12_percent)
    description: str | None = attrs.field(default=None, validator=_x12_field(str))
    day_of_month: int | None = attrs.field(default=None, validator=_x12_field(int))

    def elements(self) -> list[str]:
        """ITD01 to ITD13 as strings (empty for absent elements)."""

        def d(value: dt.date | None) -> str:
            return value.strftime("%Y%m%d") if value is not None else ""

        def s(value: object) -> str:
            if value is None:
                return ""
            if isinstance(value, Decimal):
                return _fmt(value)
            return str(value)

        return [
            self.type_code,
            s(self.basis_date_code),
            s(self.discount_percent),
            d(self.discount_due_date),
            s(self.discount_days),
            d(self.net_due_date),
            s(self.net_days),
            s(self.discount_amount),
            d(self.deferred_due_date),
            s(self.deferred_amount),
            s(self.percent_payable),
            s(self.description),
            s(self.day_of_month),
        ]

    def segment(self, *, separator: str = "*", terminator: str = "~") -> str:
        """The segment text, trailing empty elements dropped."""
        elements = self.elements()
        while elements and not elements[-1]:
            elements.pop()
        return separator.join(["ITD", *elements]) + terminator

    @classmethod
    def from_segment(cls, text: str) -> X12Terms:
        """Read an ``ITD`` segment (the element separator is the character after ``ITD``).

        Raises:
            InvalidTermsError: for a segment that is not ITD or has malformed elements (also for
                a text longer than :data:`MAX_TERMS_TEXT`).
        """
        body = _check_text(text, "segment").strip().rstrip("~").rstrip("\n")
        if not body.upper().startswith("ITD") or len(body) < 4:
            raise InvalidTermsError(
                f"{shown(text)!r} is not an ITD segment", field="segment", value=text
            )
        elements = body[4:].split(body[3]) + [""] * 15
        e = elements
        return cls(
            type_code=e[0] or "01",
            basis_date_code=e[1] or None,
            discount_percent=_x12_decimal(e[2], "ITD03"),
            discount_due_date=_x12_date(e[3], "ITD04"),
            discount_days=_x12_int(e[4], "ITD05"),
            net_due_date=_x12_date(e[5], "ITD06"),
            net_days=_x12_int(e[6], "ITD07"),
            discount_amount=_x12_int(e[7], "ITD08"),
            deferred_due_date=_x12_date(e[8], "ITD09"),
            deferred_amount=_x12_int(e[9], "ITD10"),
            percent_payable=_x12_decimal(e[10], "ITD11"),
            description=e[11] or None,
            day_of_month=_x12_int(e[12], "ITD13"),
        )


def _plain_days(steps: Sequence[DateStep]) -> int | None:
    if len(steps) == 1 and type(steps[0]) is AddDays:
        return steps[0].n
    return None


def _not_expressible(terms: PaymentTerms, target: str, why: str) -> InvalidTermsError:
    return InvalidTermsError(
        f"terms {str(terms)!r} cannot be expressed as {target}: {why}; send the notation as "
        "free text instead",
        value=str(terms),
    )


def _cents(value: Money) -> int:
    return int((value.amount / _N2).to_integral_value())


def to_x12(terms: PaymentTerms, schedule: Schedule | None = None) -> tuple[X12Terms, ...]:
    """The terms as X12 ``ITD`` segments: one per discount tier, or one per instalment.

    With a ``schedule`` the dates (ITD04, ITD06, ITD09) and amounts (ITD08, ITD10) are filled in.

    >>> [s.segment() for s in to_x12(PaymentTerms.parse("3/14 2/30 net 45"))]
    ['ITD*08*3*3**14**45*****3/14 2/30 net 45~', 'ITD*08*3*2**30**45*****3/14 2/30 net 45~']

    Raises:
        InvalidTermsError: for terms ITD cannot carry (date rules other than day counts, EOM
            and proximo; per-line discounts; options such as ``base=untaxed``).
    """
    if not isinstance(terms, PaymentTerms):
        raise InvalidTermsError(f"terms={shown(terms)!r} must be PaymentTerms", value=terms)
    basis = _X12_BASIS[terms.baseline]
    text = str(terms)[:80]
    if terms.settlement is not Settlement.CREDIT:
        return (
            X12Terms(
                type_code=_X12_SETTLEMENT[terms.settlement], basis_date_code=basis, description=text
            ),
        )
    if any(line.discounts for line in terms.lines) or terms.discount_base is not DiscountBase.TOTAL:
        raise _not_expressible(terms, "X12 ITD", "ITD has no per-instalment or untaxed discounts")
    eom = terms.baseline_rules == (EndOfMonth(),)
    if terms.baseline_rules and not eom:
        raise _not_expressible(terms, "X12 ITD", "ITD knows only EOM as a baseline rule")
    if len(terms.lines) > 1:
        if terms.discounts:
            raise _not_expressible(terms, "X12 ITD", "ITD instalments carry no discounts")
        segments = []
        fixed = sum((ln.percent for ln in terms.lines if ln.percent is not None), _ZERO)
        for i, line in enumerate(terms.lines):
            days = _plain_days(line.due)
            if days is None or line.chained:
                raise _not_expressible(terms, "X12 ITD", "instalments must be due after N days")
            inst = schedule.instalments[i] if schedule is not None else None
            percent = line.percent
            if line.kind is LineKind.BALANCE and not any(
                ln.kind is LineKind.FIXED for ln in terms.lines
            ):
                percent = _HUNDRED - fixed
            segments.append(
                X12Terms(
                    type_code="04",
                    basis_date_code=basis,
                    net_days=days,
                    deferred_due_date=inst.due_date if inst is not None else None,
                    deferred_amount=(
                        _cents(inst.amount)
                        if inst is not None
                        else (_cents(line.amount) if line.amount is not None else None)
                    ),
                    percent_payable=percent if line.kind is not LineKind.FIXED else None,
                    description=text,
                )
            )
        return tuple(segments)
    (line,) = terms.lines
    days = _plain_days(line.due)
    day_of_month = None
    if days is None:
        if len(line.due) == 1 and type(line.due[0]) is MonthDay and line.due[0].months == 1:
            day_of_month = line.due[0].day
        else:
            raise _not_expressible(terms, "X12 ITD", "the due date is not N days or Nth prox")
    type_code = "09" if day_of_month else "02" if eom else "08" if terms.discounts else "01"
    inst0 = schedule.instalments[0] if schedule is not None else None
    common: dict[str, Any] = {
        "type_code": type_code,
        "basis_date_code": basis,
        "net_days": days,
        "net_due_date": inst0.due_date if inst0 is not None else None,
        "day_of_month": day_of_month,
        "description": text,
    }
    if not terms.discounts:
        return (X12Terms(**common),)
    # The instalment's offers by tier number, read once (a search per tier would be quadratic).
    by_tier = {o.tier: o for o in inst0.discounts} if inst0 is not None else {}
    segments = []
    for number, tier in enumerate(terms.discounts, 1):
        tier_days = _plain_days(tier.deadline)
        if tier_days is None:
            raise _not_expressible(terms, "X12 ITD", "discount deadlines must be N days")
        offer = by_tier.get(number)
        segments.append(
            X12Terms(
                discount_percent=tier.percent,
                discount_days=tier_days,
                discount_due_date=offer.deadline if offer is not None else None,
                discount_amount=(
                    _cents(offer.amount)
                    if offer is not None
                    else (_cents(tier.amount) if tier.amount is not None else None)
                ),
                **common,
            )
        )
    return tuple(segments)


def _shape(segment: X12Terms) -> tuple[object, ...]:
    """The fields of a segment that describe terms (not the dates and amounts of one invoice)."""
    return (
        segment.type_code,
        segment.basis_date_code,
        segment.discount_percent,
        segment.discount_days,
        segment.net_days,
        segment.percent_payable,
        segment.day_of_month,
    )


def from_x12(
    segments: Sequence[X12Terms | str], *, currency_code: str | None = None
) -> PaymentTerms:
    """Payment terms from X12 ``ITD`` segments (texts or :class:`X12Terms`).

    Several segments are several discount tiers of one net term, or (type 04) instalments.
    ``currency_code`` is needed when a fixed discount (ITD08 without ITD03) or a deferred amount
    (ITD10 without ITD11) must become money.  When the description (ITD12) is o2c notation that
    describes the same terms (what :func:`to_x12` writes), it is used: it also carries what ITD
    has no element for (business-day rolling, partial-payment rule ...).

    >>> str(from_x12(["ITD*02*3*2**10**30~"]))
    '2/10 net 30 EOM'
    >>> str(from_x12(["ITD*09*3*****30******10~"]))
    '10th prox'
    >>> str(from_x12(["ITD*01*3*****30*****net 30 roll=following~"]))
    'net 30 roll=following'

    Raises:
        InvalidTermsError: for segments that do not describe terms o2c can model.
        InvalidAmountError: for an amount (ITD08, ITD10) beyond o2c's amount limit.
    """
    items = [
        s if isinstance(s, X12Terms) else X12Terms.from_segment(s)
        for s in _terms_tuple(segments, "segments", "ITD segments (str or X12Terms)")
    ]
    terms = _from_x12_fields(items, currency_code=currency_code)
    description = items[0].description if items else None
    if description:
        try:
            rich = PaymentTerms.parse(description)
            same = [_shape(x) for x in to_x12(rich)] == [_shape(x) for x in items]
        except InvalidTermsError:
            same = False
        if same:
            return rich
    return terms


def _from_x12_fields(
    segments: Sequence[X12Terms | str], *, currency_code: str | None = None
) -> PaymentTerms:
    """Terms from the segments' elements alone (see :func:`from_x12`)."""
    items = [s if isinstance(s, X12Terms) else X12Terms.from_segment(s) for s in segments]
    if not items:
        raise InvalidTermsError("no ITD segments given", field="segments")
    first = items[0]
    baseline = _X12_BASIS_IN.get(first.basis_date_code or "3", BaselineSource.DOCUMENT)
    for settlement, code in _X12_SETTLEMENT.items():
        if first.type_code == code:
            return PaymentTerms(
                lines=(TermLine.balance(),), settlement=settlement, baseline=baseline
            )

    def amount(cents: int, element: str) -> Money:
        if currency_code is None:
            raise InvalidTermsError(
                "the segment carries an amount: pass currency_code=", field="currency_code"
            )
        value = to_decimal(cents, field=element) * _N2
        return Money(check_amount(value, field=element), currency(currency_code))

    if first.type_code == "04":
        lines = []
        for item in items:
            after = AddDays(item.net_days or 0)
            if item.percent_payable is not None:
                lines.append(TermLine.of_percent(item.percent_payable, (after,)))
            elif item.deferred_amount is not None:
                lines.append(TermLine.of_amount(amount(item.deferred_amount, "ITD10"), (after,)))
            else:
                raise InvalidTermsError(
                    "an instalment ITD (04) needs ITD11 or ITD10", field="ITD11"
                )
        return PaymentTerms(lines=tuple(lines), baseline=baseline)
    rules: tuple[DateStep, ...] = ()
    if first.type_code in ("02", "12"):
        rules = (EndOfMonth(),)
    if first.type_code in ("09", "33") and first.day_of_month:
        due: tuple[DateStep, ...] = (MonthDay(first.day_of_month),)
    else:
        net = first.net_days
        if net is None and first.type_code == "12":
            net = 10
        if net is None:
            raise InvalidTermsError(
                "the ITD segment has no net days (ITD07): o2c needs the net term as a day count",
                field="ITD07",
            )
        due = (AddDays(net),)
    tiers = []
    for item in items:
        if item.discount_days is None:
            if item.discount_percent is not None or item.discount_amount is not None:
                raise InvalidTermsError(
                    "a discount needs its days (ITD05)", field="ITD05", value=item
                )
            continue
        if item.discount_percent is not None:
            tiers.append(
                DiscountTier(percent=item.discount_percent, deadline=(AddDays(item.discount_days),))
            )
        elif item.discount_amount is not None:
            tiers.append(
                DiscountTier(
                    amount=amount(item.discount_amount, "ITD08"),
                    deadline=(AddDays(item.discount_days),),
                )
            )
    return PaymentTerms(
        lines=(TermLine.balance(due),),
        discounts=tuple(tiers),
        baseline=baseline,
        baseline_rules=rules,
    )


_SKONTO = re.compile(
    r"#SKONTO#TAGE=(?P<days>\d+)#PROZENT=(?P<percent>\d+\.\d{2})#"
    r"(?:BASISBETRAG=(?P<base>-?\d+\.\d{2})#)?",
    re.ASCII,
)


@attrs.frozen(kw_only=True)
class UblPaymentTerms:
    """EN 16931 payment terms as UBL carries them.

    ``note`` is BT-20 (``cac:PaymentTerms/cbc:Note``; with XRechnung's ``#SKONTO#`` lines);
    ``due_date`` is BT-9 (``cbc:DueDate``); ``discount_percent``/``discount_amount``/
    ``discount_deadline`` are UBL's ``SettlementDiscountPercent``/``SettlementDiscountAmount``/
    ``SettlementPeriod/EndDate`` for the first tier (outside EN 16931's core, used by Peppol
    extensions and UBL 2.1 itself).
    """

    note: str
    due_date: dt.date | None = None
    discount_percent: Decimal | None = None
    discount_amount: Money | None = None
    discount_deadline: dt.date | None = None

    def xml(self) -> str:
        """The ``cac:PaymentTerms`` element (and ``cbc:DueDate`` before it, when known)."""
        from xml.sax.saxutils import escape

        parts = []
        if self.due_date is not None:
            parts.append(f"<cbc:DueDate>{self.due_date.isoformat()}</cbc:DueDate>")
        inner = [f"<cbc:Note>{escape(self.note)}</cbc:Note>"]
        if self.discount_percent is not None:
            inner.append(
                f"<cbc:SettlementDiscountPercent>{_fmt(self.discount_percent)}"
                "</cbc:SettlementDiscountPercent>"
            )
        if self.discount_amount is not None:
            inner.append(
                f'<cbc:SettlementDiscountAmount currencyID="{self.discount_amount.currency.code}">'
                f"{self.discount_amount.amount}</cbc:SettlementDiscountAmount>"
            )
        if self.discount_deadline is not None:
            inner.append(
                "<cac:SettlementPeriod><cbc:EndDate>"
                f"{self.discount_deadline.isoformat()}</cbc:EndDate></cac:SettlementPeriod>"
            )
        parts.append("<cac:PaymentTerms>" + "".join(inner) + "</cac:PaymentTerms>")
        return "".join(parts)


def to_ubl(
    terms: PaymentTerms,
    schedule: Schedule | None = None,
    *,
    skonto: bool = True,
) -> UblPaymentTerms:
    """EN 16931 / UBL payment terms: the notation as BT-20, plus XRechnung ``#SKONTO#`` lines.

    XRechnung counts ``TAGE`` from the invoice date: with a ``schedule`` the days are the
    actual days from the document date to each deadline (so EOM terms work); without one the
    deadlines must be plain day counts from the document date.  ``BASISBETRAG`` is written
    when the discount base is not the amount due (``base=untaxed``).

    >>> import datetime as dt
    >>> from o2c.money import money
    >>> terms = PaymentTerms.parse("3/14 2/30 net 45")
    >>> print(to_ubl(terms).note)
    3/14 2/30 net 45
    #SKONTO#TAGE=14#PROZENT=3.00#
    #SKONTO#TAGE=30#PROZENT=2.00#
    <BLANKLINE>

    Raises:
        InvalidTermsError: for discounts that XRechnung cannot carry (fixed amounts; per-line
            tiers without a schedule; deadlines that are not day counts without a schedule).
    """
    if not isinstance(terms, PaymentTerms):
        raise InvalidTermsError(f"terms={shown(terms)!r} must be PaymentTerms", value=terms)
    lines = [str(terms)]
    inst0 = schedule.instalments[0] if schedule is not None else None
    if skonto and (terms.discounts or any(ln.discounts for ln in terms.lines)):
        if schedule is None:
            if any(ln.discounts for ln in terms.lines) or terms.baseline_rules:
                raise _not_expressible(
                    terms, "XRechnung #SKONTO#", "pass the schedule to resolve the deadlines"
                )
            if terms.baseline is not BaselineSource.DOCUMENT:
                raise _not_expressible(
                    terms, "XRechnung #SKONTO#", "TAGE count from the invoice date"
                )
            for tier in terms.discounts:
                days = _plain_days(tier.deadline)
                if tier.percent is None or days is None:
                    raise _not_expressible(
                        terms, "XRechnung #SKONTO#", "only percentages within N days"
                    )
                lines.append(f"#SKONTO#TAGE={days}#PROZENT={tier.percent:.2f}#")
        else:
            for inst in schedule.instalments:
                for offer in inst.discounts:
                    if offer.percent is None:
                        raise _not_expressible(
                            terms, "XRechnung #SKONTO#", "only percentage discounts"
                        )
                    days = (offer.deadline - schedule.document_date).days
                    line = f"#SKONTO#TAGE={days}#PROZENT={offer.percent:.2f}#"
                    full = len(schedule.instalments) == 1 and (
                        terms.discount_base is not DiscountBase.UNTAXED
                    )
                    if not full and offer.base is not None:
                        line += f"BASISBETRAG={offer.base.amount:.2f}#"
                    lines.append(line)
        note = "\n".join(lines) + "\n"
    else:
        note = lines[0]
    first = inst0.discounts[0] if inst0 is not None and inst0.discounts else None
    tier0 = terms.discounts[0] if terms.discounts else None
    return UblPaymentTerms(
        note=note,
        due_date=schedule.due_date if schedule is not None else None,
        discount_percent=tier0.percent if tier0 is not None else None,
        discount_amount=first.amount if first is not None else None,
        discount_deadline=first.deadline if first is not None else None,
    )


def _skonto_tier(m: re.Match[str], line: str) -> DiscountTier:
    """The tier of one ``#SKONTO#`` line; its numbers within o2c's limits, else an error."""
    days = m["days"]
    if len(days) > 5:
        raise InvalidTermsError(
            f"TAGE={shown(days)} in {shown(line)!r} is beyond 99999 days",
            field="TAGE",
            value=shown(days),
        )
    try:
        percent = to_decimal(m["percent"], field="PROZENT")
        if m["base"] is not None:  # informative only, but an amount: within the limit
            check_amount(to_decimal(m["base"], field="BASISBETRAG"), field="BASISBETRAG")
        return DiscountTier(percent=percent, deadline=(AddDays(int(days)),))
    except ValidationError as exc:
        raise InvalidTermsError(
            f"{shown(line)!r}: {exc.message}",
            field=exc.field if exc.field != "percent" else "PROZENT",
            value=exc.value,
        ) from None


def from_ubl(
    note: str,
    *,
    issue_date: dt.date | None = None,
    due_date: dt.date | None = None,
) -> PaymentTerms:
    """Payment terms from an EN 16931 BT-20 note (XRechnung ``#SKONTO#`` lines read as tiers).

    The free text is read as notation when it is notation; otherwise the net term is the days
    from ``issue_date`` (BT-2) to ``due_date`` (BT-9).  ``#SKONTO#`` lines replace the tiers of
    the free text (``BASISBETRAG`` is informative and not kept).

    >>> str(from_ubl("Zahlbar innerhalb 30 Tagen\\n#SKONTO#TAGE=14#PROZENT=2.00#\\n",
    ...              issue_date=dt.date(2024, 1, 10), due_date=dt.date(2024, 2, 9)))
    '2/14 net 30'

    Raises:
        InvalidTermsError: when neither the text nor the dates give a net term, for a
            ``#SKONTO#`` line that is malformed or out of range (naming ``TAGE``, ``PROZENT`` or
            ``BASISBETRAG`` and its value), or a note longer than :data:`MAX_TERMS_TEXT`.
    """
    _check_text(note, "note")
    for name, day in (("issue_date", issue_date), ("due_date", due_date)):
        if day is not None and (not isinstance(day, dt.date) or isinstance(day, dt.datetime)):
            raise InvalidTermsError(
                f"{name}={shown(day)!r} must be a datetime.date", field=name, value=day
            )
    tiers = []
    text_lines = []
    for raw in note.splitlines():
        line = raw.strip()
        m = _SKONTO.fullmatch(line)
        if m:
            tiers.append(_skonto_tier(m, line))
        elif line.upper().startswith("#SKONTO#"):
            raise InvalidTermsError(
                f"{shown(line)!r} is not XRechnung Skonto syntax: write "
                "#SKONTO#TAGE=14#PROZENT=2.00# (BASISBETRAG=100.00# optional)",
                field="note",
                value=line,
            )
        elif line:
            text_lines.append(line)
    free = " ".join(text_lines)
    parsed: PaymentTerms | None = None
    if free:
        try:
            parsed = PaymentTerms.parse(free)
        except InvalidTermsError:
            parsed = None
    if parsed is None:
        if issue_date is None or due_date is None:
            raise InvalidTermsError(
                f"note {shown(free)!r} is not payment-terms notation: pass issue_date= and "
                "due_date= "
                "(BT-2, BT-9) to derive the net term",
                field="note",
                value=note,
            )
        parsed = PaymentTerms.net((due_date - issue_date).days)
    counts_from_issue = not parsed.baseline_rules and parsed.baseline is BaselineSource.DOCUMENT
    if tiers and not counts_from_issue:
        if parsed.discounts:
            return parsed  # the #SKONTO# lines restate the notation's tiers as days from BT-2
        raise InvalidTermsError(
            f"#SKONTO# days count from the invoice date, but {str(parsed)!r} counts from "
            "another baseline: write the tiers in the notation",
            field="note",
            value=note,
        )
    if tiers:
        if len(parsed.lines) > 1 or parsed.settlement is not Settlement.CREDIT:
            raise InvalidTermsError(
                "#SKONTO# lines apply to a single net term", field="note", value=note
            )
        parsed = attrs.evolve(parsed, discounts=tuple(tiers))
    return parsed
