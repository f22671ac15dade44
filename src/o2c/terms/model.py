"""Payment terms and the schedules they produce.

:class:`PaymentTerms` holds instalment lines, discount tiers, the baseline and business-day
rules; :meth:`PaymentTerms.schedule` turns a document date and amounts into a :class:`Schedule`
whose instalments sum exactly to the total.  The terms are compiled once into a plan
(:mod:`o2c.terms.schedule`), kept on the terms object itself, and run for every document.

>>> from o2c.money import money
>>> s = PaymentTerms.parse("30% advance, 70% net 60").schedule(
...     dt.date(2024, 1, 10), money("1000.00", "EUR"))
>>> [(i.due_date.isoformat(), str(i.amount.amount)) for i in s.instalments]
[('2024-01-10', '300.00'), ('2024-03-10', '700.00')]
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import attrs
from moneyed import Money

from o2c._build import builder
from o2c._checks import shown
from o2c.calendars import BusinessDayConvention, Calendar
from o2c.errors import CurrencyMismatchError, InvalidTermsError
from o2c.money import CashRounding, RemainderPolicy, Rounding, RoundingPolicy
from o2c.terms.lines import (
    BaselineSource,
    DiscountBase,
    DiscountScope,
    DiscountTier,
    LineKind,
    PartialPayment,
    SettlementCondition,
    TermLine,
    _enum,
    _fmt,
    _tiers,
)
from o2c.terms.notation import read_terms
from o2c.terms.offers import (
    _DEFAULT_ROUNDING,
    DiscountCost,
    DiscountEarned,
    DiscountOffer,
    Instalment,
    _earn,
    forgone_discount_cost,
)
from o2c.terms.schedule import SchedulePlan
from o2c.terms.steps import (
    DateStep,
    EndOfMonth,
    _opt_steps,
    _terms_tuple,
    apply_steps,
    steps_notation,
)

__all__ = ["PaymentTerms", "Schedule"]

_HUNDRED = Decimal(100)
_ZERO = Decimal(0)


def _lines(value: Iterable[TermLine]) -> tuple[TermLine, ...]:
    lines = _terms_tuple(value, "lines", "TermLine")
    for line in lines:
        if not isinstance(line, TermLine):
            raise InvalidTermsError(f"{line!r} is not a TermLine", field="lines", value=line)
    return lines


def _rounding(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, RoundingPolicy):
        raise InvalidTermsError(
            f"rounding={shown(value)!r} must be a RoundingPolicy or None",
            field="rounding",
            value=shown(value),
        )


def _rounding_notation(policy: RoundingPolicy) -> str:
    """``policy`` as the value of ``round=``: ``0.05``, ``1:half_even``, ``half_down``.

    >>> _rounding_notation(RoundingPolicy(step=Decimal("0.05")))
    '0.05'
    >>> _rounding_notation(RoundingPolicy(Rounding.HALF_EVEN, step=Decimal(1)))
    '1:half_even'
    >>> _rounding_notation(RoundingPolicy())
    'half_up'
    """
    rule = policy.rounding.name.lower()
    if policy.step is None:
        return rule
    step = _fmt(policy.step)
    return step if policy.rounding is Rounding.HALF_UP else f"{step}:{rule}"


def _date(value: object, field: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise InvalidTermsError(
        f"{field}={shown(value)!r} must be a datetime.date", field=field, value=value
    )


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
    settlement: SettlementCondition = attrs.field(
        default=SettlementCondition.CREDIT, validator=_enum(SettlementCondition)
    )
    #: How the terms round percentage instalments and discounts (tie rule and step, e.g. whole
    #: units: ``round=1``); ``None`` leaves it to the caller of :meth:`schedule` (half-up to the
    #: minor unit by default).  Terms that carry one use it whatever the caller passes.
    rounding: RoundingPolicy | None = attrs.field(default=None, validator=_rounding)

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
        cumulative = of_untaxed = _ZERO
        for number, line in enumerate(self.lines, 1):
            if line.percent is None:
                continue
            if line.untaxed:
                of_untaxed += line.percent
                over = of_untaxed
            else:
                cumulative += line.percent
                over = cumulative
            if over > _HUNDRED:
                what = " of the untaxed amount" if line.untaxed else ""
                raise InvalidTermsError(
                    f"line {number} brings the percentages{what} to {_fmt(over)}%, over "
                    "100%: lower it or make the last line the balance",
                    field="lines",
                    value=line.percent,
                    line=number,
                )
        # Fixed lines and shares of the untaxed amount are checked against the total when a
        # schedule is made (their sum with the percent lines must then be the total).
        fixed = any(line.kind is LineKind.FIXED or line.untaxed for line in self.lines)
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
        if self.settlement is not SettlementCondition.CREDIT and (
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
        ``baseline=STEPS``, ``round=STEP``, ``round=STEP:RULE`` or ``round=RULE`` for the terms'
        own rounding (``RULE`` one of ``half_up``, ``half_even``, ``half_down``, ``up``,
        ``down``, ``ceiling``, ``floor``); ``30% untaxed`` for a line that is a percentage of
        the untaxed amount.  Numbers are ASCII digits within each step's limit; fixed amounts
        within o2c's amount limit (:func:`o2c.money.check_amount`).

        Raises:
            InvalidTermsError: naming the token that cannot be read and its position (also for
                any text that is not a str or is longer than :data:`MAX_TERMS_TEXT`): nothing
                else escapes, whatever the text.
        """
        return read_terms(text, cls)

    # -- notation -----------------------------------------------------------------------

    def __str__(self) -> str:
        """Canonical notation (parses back to equal terms)."""
        parts: list[str] = []
        if self.settlement is not SettlementCondition.CREDIT:
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
        if self.rounding is not None:
            parts.append(f"round={_rounding_notation(self.rounding)}")
        return " ".join(parts)

    @property
    def needs_untaxed(self) -> bool:
        """Whether :meth:`schedule` needs the untaxed amount (``untaxed=`` or ``tax=``): a line
        that is a share of it, or discounts computed on it (``base=untaxed|mixed``)."""
        return self._plan.needs_untaxed

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
        if not self.baseline_rules:
            return source
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
                the minor unit by default); the terms' own :attr:`rounding` wins when they
                carry one.
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
        if (
            baseline_date is None
            and self.baseline is BaselineSource.DOCUMENT
            and not self.baseline_rules
            and type(document_date) is dt.date
        ):
            baseline = document_date  # what baseline_date() gives, at the cost of one test
        else:
            baseline = self.baseline_date(
                document_date,
                baseline_date=baseline_date,
                delivery_date=delivery_date,
                receipt_date=receipt_date,
            )
        if self.rounding is not None:
            rounding = self.rounding
        parts = self._plan.run(
            total,
            baseline=baseline,
            rounding=rounding,
            untaxed=untaxed,
            tax=tax,
            calendar=calendar,
            cash_rounding=cash_rounding,
        )
        return _new_schedule(
            terms=self,
            document_date=document_date,
            baseline_date=baseline,
            total=total,
            instalments=parts.instalments,
            untaxed=parts.untaxed,
            tax=parts.tax,
            rounding=rounding or _DEFAULT_ROUNDING,
            cash_rounding=cash_rounding,
            discounts=parts.discounts,
        )

    @functools.cached_property
    def _plan(self) -> SchedulePlan:
        """The terms compiled for :meth:`schedule`, once (kept on the terms, not compared)."""
        return SchedulePlan.compile(
            lines=self.lines,
            discounts=self.discounts,
            convention=self.convention,
            discount_base=self.discount_base,
            discount_scope=self.discount_scope,
            remainder=self.remainder,
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
            if line.untaxed:
                untaxed = self.untaxed.amount if self.untaxed is not None else None
                what = (
                    f"{_fmt(line.percent or _ZERO)}% of the untaxed {untaxed}, rounded "
                    f"{self.rounding.rounding.name} to {step}"
                )
            elif line.kind is LineKind.PERCENT:
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


#: The keyword constructor of :meth:`PaymentTerms.schedule`'s result (see :mod:`o2c._build`).
_new_schedule = builder(Schedule)
