"""Date steps: the rules that move a date to a due date or a deadline, and their notation.

A due date is composed from steps (days, weeks, months clamped to the month's end, end of month,
day D of a later month, allowed payment days, cut-off days, day limits, postponements), always
counted from the original date: consecutive month steps are added to the date before them, never
month by month, so January 31 plus 1, 2 and 3 months gives Feb 28, Mar 31, Apr 30.

>>> apply_steps(parse_steps("1m+eom"), dt.date(2024, 1, 31))
datetime.date(2024, 2, 29)
>>> steps_notation((AddDays(10), EndOfMonth()))
'10d+eom'
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from o2c._checks import as_tuple, shown
from o2c.errors import InvalidTermsError

__all__ = [
    "AddDays",
    "AddMonths",
    "AddWeeks",
    "CutOff",
    "DateStep",
    "DayLimit",
    "EndOfMonth",
    "MAX_DAY_LIMIT_NESTING",
    "MAX_TERMS_TEXT",
    "MonthDay",
    "PaymentDays",
    "Postpone",
    "apply_steps",
    "parse_steps",
    "steps_notation",
]


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


def _add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` months, the day clamped to the month's length.

    What ``day + relativedelta(months=months)`` gives (tests hold them equal), in a quarter of
    the time: month steps are on every schedule's path.

    Raises:
        ValueError: when the year leaves 1 to 9999.
    """
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return day.replace(year=year, month=month + 1, day=min(day.day, last))


@attrs.frozen
class AddMonths(DateStep):
    """``n`` months later, the day clamped to the month (Jan 31 + 1 month = Feb 28/29).

    Consecutive month steps are counted together from the date before them (no drift).
    """

    n: int = attrs.field(validator=_within(9_999))

    def _move(self, day: dt.date) -> dt.date:
        """``day`` plus ``n`` months (clamped)."""
        return _add_months(day, self.n)

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
                day = _add_months(anchor, months)
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
