"""Payment terms in other formats: X12 ``ITD`` segments and EN 16931 / UBL payment terms.

:func:`to_x12` / :func:`from_x12` write and read ITD (terms of sale) segments; :func:`to_ubl` /
:func:`from_ubl` the BT-20 note with XRechnung's ``#SKONTO#`` lines.  Terms a format cannot
carry are refused with an error that says why, never approximated.

>>> str(from_x12(to_x12(PaymentTerms.parse("2/10 net 30 EOM"))))
'2/10 net 30 EOM'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import attrs
from moneyed import Money

from o2c._checks import shown
from o2c.errors import InvalidTermsError, O2CError, ValidationError
from o2c.money import check_amount, currency, to_decimal
from o2c.terms.lines import (
    BaselineSource,
    DiscountBase,
    DiscountTier,
    LineKind,
    SettlementCondition,
    TermLine,
    _fmt,
)
from o2c.terms.model import PaymentTerms, Schedule
from o2c.terms.steps import AddDays, DateStep, EndOfMonth, MonthDay, _check_text, _terms_tuple

__all__ = ["UblPaymentTerms", "X12Terms", "from_ubl", "from_x12", "to_ubl", "to_x12"]

_HUNDRED = Decimal(100)
_ZERO = Decimal(0)

_X12_SETTLEMENT = {
    SettlementCondition.ON_RECEIPT: "23",
    SettlementCondition.CIA: "26",
    SettlementCondition.CWO: "30",
    SettlementCondition.COD: "31",
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


def _x12_date_text(value: dt.date | None) -> str:
    return value.strftime("%Y%m%d") if value is not None else ""


def _x12_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _fmt(value)
    return str(value)


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
        return [
            self.type_code,
            _x12_text(self.basis_date_code),
            _x12_text(self.discount_percent),
            _x12_date_text(self.discount_due_date),
            _x12_text(self.discount_days),
            _x12_date_text(self.net_due_date),
            _x12_text(self.net_days),
            _x12_text(self.discount_amount),
            _x12_date_text(self.deferred_due_date),
            _x12_text(self.deferred_amount),
            _x12_text(self.percent_payable),
            _x12_text(self.description),
            _x12_text(self.day_of_month),
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
            and proximo; per-line discounts; options such as ``base=untaxed``; lines that are a
            percentage of the untaxed amount, naming them).
    """
    if not isinstance(terms, PaymentTerms):
        raise InvalidTermsError(f"terms={shown(terms)!r} must be PaymentTerms", value=terms)
    basis = _X12_BASIS[terms.baseline]
    text = str(terms)[:80]
    if terms.settlement is not SettlementCondition.CREDIT:
        return (
            X12Terms(
                type_code=_X12_SETTLEMENT[terms.settlement], basis_date_code=basis, description=text
            ),
        )
    if any(line.discounts for line in terms.lines) or terms.discount_base is not DiscountBase.TOTAL:
        raise _not_expressible(terms, "X12 ITD", "ITD has no per-instalment or untaxed discounts")
    untaxed = [i for i, line in enumerate(terms.lines, 1) if line.untaxed]
    if untaxed:
        # ITD07 (percent of invoice payable) is a share of the invoice amount: 30 there would
        # ask for 30% of the total, not of the untaxed amount the line means.
        raise InvalidTermsError(
            f"terms {str(terms)!r} cannot be expressed as X12 ITD: line(s) {untaxed} are a "
            "percentage of the untaxed amount, and ITD's percent payable is of the invoice "
            "amount; send the notation as free text instead",
            field="lines",
            value=str(terms),
            line=untaxed[0],
            lines=untaxed,
        )
    eom = terms.baseline_rules == (EndOfMonth(),)
    if terms.baseline_rules and not eom:
        raise _not_expressible(terms, "X12 ITD", "ITD knows only EOM as a baseline rule")
    if len(terms.lines) > 1:
        return _x12_instalments(terms, schedule, basis, text)
    return _x12_tiers(terms, schedule, basis, text, eom=eom)


def _x12_instalments(
    terms: PaymentTerms, schedule: Schedule | None, basis: str, text: str
) -> tuple[X12Terms, ...]:
    """One type-04 segment per instalment (the balance line's percent is what is left)."""
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


def _x12_tiers(
    terms: PaymentTerms, schedule: Schedule | None, basis: str, text: str, *, eom: bool
) -> tuple[X12Terms, ...]:
    """One segment for a single net term, or one per discount tier."""
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


def _x12_money(cents: int, element: str, currency_code: str | None) -> Money:
    """An amount element (whole cents) as money in ``currency_code``."""
    if currency_code is None:
        raise InvalidTermsError(
            "the segment carries an amount: pass currency_code=", field="currency_code"
        )
    value = to_decimal(cents, field=element) * _N2
    return Money(check_amount(value, field=element), currency(currency_code))


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

    if first.type_code == "04":
        lines = []
        for item in items:
            after = AddDays(item.net_days or 0)
            if item.percent_payable is not None:
                lines.append(TermLine.of_percent(item.percent_payable, (after,)))
            elif item.deferred_amount is not None:
                lines.append(
                    TermLine.of_amount(
                        _x12_money(item.deferred_amount, "ITD10", currency_code), (after,)
                    )
                )
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
                    amount=_x12_money(item.discount_amount, "ITD08", currency_code),
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
        if len(parsed.lines) > 1 or parsed.settlement is not SettlementCondition.CREDIT:
            raise InvalidTermsError(
                "#SKONTO# lines apply to a single net term", field="note", value=note
            )
        parsed = attrs.evolve(parsed, discounts=tuple(tiers))
    return parsed
