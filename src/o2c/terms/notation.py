"""Reading payment-terms notation: ``2/10 net 30``, ``30% advance, 70% net 60``, ``10th prox``.

:func:`read_terms` is the reader behind :meth:`o2c.terms.PaymentTerms.parse`; the terms print
themselves (``str(terms)``, ``TermLine.notation``, ``DiscountTier.notation``) in the canonical
notation it reads back.  Every error names the token that cannot be read and its position.

>>> read_terms("2/10 net 30", dict)["discounts"]
(DiscountTier(deadline=(AddDays(n=10),), percent=Decimal('2'), amount=None),)
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

import attrs
from moneyed import Money

from o2c._checks import shown
from o2c.calendars import BusinessDayConvention
from o2c.errors import InvalidTermsError, O2CError, ValidationError
from o2c.money import RemainderPolicy, Rounding, RoundingPolicy, money
from o2c.terms.lines import (
    BaselineSource,
    DiscountBase,
    DiscountScope,
    DiscountTier,
    LineKind,
    PartialPayment,
    SettlementCondition,
    TermLine,
)
from o2c.terms.steps import _DAY, AddDays, DateStep, EndOfMonth, MonthDay, _check_text, parse_steps

__all__ = ["read_terms"]

T = TypeVar("T")

_NET0 = (AddDays(0),)

_TOKEN = re.compile(r"[^\s,]+")
_PERCENT_TIER = re.compile(r"(\d{1,3}(?:\.\d+)?)/(\S+)", re.ASCII)
_FIXED_TIER = re.compile(r"([A-Za-z]{3})(\d+(?:\.\d+)?)/(\S+)", re.ASCII)
_FIXED = re.compile(r"([A-Za-z]{3})(\d+(?:\.\d+)?)", re.ASCII)
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)%", re.ASCII)
_ORDINAL = re.compile(r"(\d{1,2})(?:st|nd|rd|th)", re.ASCII)
_GLUED_NET = re.compile(r"n(?:et)?(\d{1,5})", re.ASCII)
_NUMBER = re.compile(r"-?\d", re.ASCII)
#: ``round=`` values: a step (``0.05``), a step and a tie rule (``1:half_even``), or a rule.
_ROUND = re.compile(r"(?:(\d{1,12}(?:\.\d{1,12})?)(?::([a-z_]+))?|([a-z_]+))", re.ASCII)
_RULES = {r.name.lower(): r for r in Rounding}
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
    "cod": SettlementCondition.COD,
    "cia": SettlementCondition.CIA,
    "cwo": SettlementCondition.CWO,
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
        #: Whether the pending percentage is of the untaxed amount (``30% untaxed``).
        self.pending_untaxed = False
        self.settlement = SettlementCondition.CREDIT
        self.baseline = BaselineSource.DOCUMENT
        self.baseline_rules: tuple[DateStep, ...] = ()

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
        untaxed, self.pending, self.pending_untaxed = self.pending_untaxed, None, False
        try:
            if kind is LineKind.PERCENT:
                line = TermLine(kind=kind, percent=value, due=due, chained=chained, untaxed=untaxed)
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

    def parse(self, build: Callable[..., T]) -> T:
        """The terms read, built by ``build`` (``PaymentTerms``) from its keyword arguments."""
        self.read_settlement()
        while self.i < len(self.tokens):
            token, position = self.tokens[self.i]
            low = token.lower()
            if (
                self.settlement is not SettlementCondition.CREDIT
                and "=" not in low
                and low not in ("rog", "roi")
            ):
                raise self.error(token, position, f"{self.settlement.value} takes only options")
            if not (
                self.read_due(token, position, low)
                or self.read_amount(token, position, low)
                or self.read_option(token, position, low)
            ):
                raise self.error(token, position)
        return self.finish(build)

    def read_settlement(self) -> None:
        """A leading settlement condition (``due on receipt``, ``COD``, ``CIA``, ``CWO``)."""
        normal = " ".join(self.text.lower().replace(",", " ").split())
        if normal.startswith("due on receipt"):
            self.settlement = SettlementCondition.ON_RECEIPT
            self.i = 3
        elif self.tokens and self.tokens[0][0].lower() in _SPECIAL:
            self.settlement = _SPECIAL[self.tokens[0][0].lower()]
            self.i = 1
        if self.settlement is not SettlementCondition.CREDIT:
            self.lines.append(TermLine.balance())

    def read_due(self, token: str, position: int, low: str) -> bool:
        """A due date that closes a line (``net 30``, ``n/30``, ``N30``, ``then 30``,
        ``advance``, ``10th prox``, ``21 MFI``); whether the token was one."""
        if low in ("net", "n"):
            self.i += 1
            self.add_line(self.steps(*self.take("a due date after 'net'")))
        elif low.startswith("n/"):
            self.i += 1
            self.add_line(self.steps(token[2:], position + 2))
        elif glued := _GLUED_NET.fullmatch(low):  # N30, NET30
            self.i += 1
            self.add_line(self.steps(token[glued.start(1) :], position + glued.start(1)))
        elif low == "then":
            if not self.lines:
                raise self.error(token, position, "'then' needs a line before it")
            self.i += 1
            self.add_line(self.steps(*self.take("a due date after 'then'")), chained=True)
        elif low == "advance":
            self.i += 1
            self.add_line(_NET0)
            return True
        else:
            return self.read_month_day(token, position, low)
        self.skip_days()
        return True

    def read_month_day(self, token: str, position: int, low: str) -> bool:
        """``10th prox``, ``10 prox`` or ``21 MFI``; whether the tokens were one."""
        nxt = self.peek(1)
        if nxt is None or nxt[0].lower() not in ("mfi", "prox"):
            return False
        ordinal = _ORDINAL.fullmatch(low)
        if ordinal and nxt[0].lower() == "prox":
            day = int(ordinal[1])
        elif _DAY.fullmatch(low):
            day = int(low)
        else:
            return False
        self.i += 2
        self.add_due_day(day, token, position)
        return True

    def read_amount(self, token: str, position: int, low: str) -> bool:
        """Tiers (``with 2/10`` for the line before, ``2/10`` for the terms) or a line's
        amount (``30%``, ``EUR100``, ``balance``); whether the token was one."""
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
            return True
        tier = self.tier()
        if tier is not None:
            if self.pending is not None:
                raise self.error(token, position, "a line's amount needs its due date first")
            self.tiers.append(tier)
            return True
        if low == "untaxed":
            if (
                self.pending is None
                or self.pending[0] is not LineKind.PERCENT
                or self.pending_untaxed
            ):
                raise self.error(token, position, "'untaxed' follows a percentage: 30% untaxed")
            self.pending_untaxed = True
            self.i += 1
            return True
        m = _PERCENT.fullmatch(low)
        fixed = _FIXED.fullmatch(token)
        if not (m or low in ("balance", "rest") or fixed):
            return False
        if self.pending is not None:
            raise self.error(token, position, "the previous amount has no due date")
        if m:
            self.pending = (LineKind.PERCENT, Decimal(m[1]), position)
        elif fixed:
            self.pending = (
                LineKind.FIXED,
                self.money(fixed[1], fixed[2], token, position),
                position,
            )
        else:
            self.pending = (LineKind.BALANCE, None, position)
        self.i += 1
        return True

    def read_option(self, token: str, position: int, low: str) -> bool:
        """``EOM``, ``ROG``/``ROI``, ``baseline=STEPS`` or ``key=value``; whether it was one."""
        key, eq, value = low.partition("=")
        if low == "eom":
            self.baseline_rules = (EndOfMonth(),)
        elif low in ("rog", "roi"):
            self.baseline = BaselineSource.DELIVERY if low == "rog" else BaselineSource.RECEIPT
        elif eq and key == "baseline":
            self.baseline_rules = self.steps(token[len(key) + 1 :], position + len(key) + 1)
        elif eq and key == "round":
            self.options["rounding"] = self.rounding(value, token, position)
        elif eq and key in _OPTIONS:
            try:
                self.options[_OPTION_FIELDS[key]] = _OPTIONS[key](value)
            except ValueError:
                choices = "|".join(str(e.value) for e in _OPTIONS[key])
                raise self.error(token, position, f"{key} is one of {choices}") from None
        else:
            return False
        self.i += 1
        return True

    def rounding(self, value: str, token: str, position: int) -> RoundingPolicy:
        """The value of ``round=``: ``STEP``, ``STEP:RULE`` or ``RULE``."""
        m = _ROUND.fullmatch(value)
        rule = (m[2] or m[3] or "half_up") if m else ""
        if m is None or rule not in _RULES:
            raise self.error(
                token,
                position,
                "round= takes a step (0.05), a step and a rule (1:half_even) or a rule "
                f"({'|'.join(_RULES)})",
            )
        try:
            return RoundingPolicy(_RULES[rule], step=Decimal(m[1]) if m[1] else None)
        except ValidationError as exc:
            raise self.error(token, position, exc.message) from None

    def finish(self, build: Callable[..., T]) -> T:
        """The terms from what was read, or the error that says what is missing."""
        if self.pending is not None:
            _kind, _value, position = self.pending
            token = self.text[position:].split()[0]
            raise self.error(token, position, "this amount needs a due date (net N, advance ...)")
        for index, tiers in self.line_tiers.items():
            self.lines[index] = attrs.evolve(self.lines[index], discounts=tuple(tiers))
        if not self.lines:
            if self.baseline_rules and not self.tiers:
                self.lines.append(TermLine.balance())
            else:
                raise InvalidTermsError(
                    f"{shown(self.text)!r} has no net term: {self.HINT}",
                    value=self.text,
                    token=self.text,
                    position=0,
                )
        try:
            return build(
                lines=tuple(self.lines),
                discounts=tuple(self.tiers),
                baseline=self.baseline,
                baseline_rules=self.baseline_rules,
                settlement=self.settlement,
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


def read_terms(text: str, build: Callable[..., T]) -> T:
    """Read trade notation (see :meth:`o2c.terms.PaymentTerms.parse`) into ``build(**fields)``.

    ``build`` takes the fields of :class:`o2c.terms.PaymentTerms` as keywords (``lines``,
    ``discounts``, ``baseline``, ``baseline_rules``, ``settlement`` and the options given).

    Raises:
        InvalidTermsError: naming the token that cannot be read and its position, also for a
            ``ValidationError`` that ``build`` raises.
    """
    return _Parser(text).parse(build)
