"""Payment terms and early-payment discounts.

The package, one concept per module (everything public is re-exported here):

- :mod:`o2c.terms.steps`: date steps (days, months, end of month ...) and their notation.
- :mod:`o2c.terms.lines`: the options, discount tiers and instalment lines.
- :mod:`o2c.terms.model`: :class:`PaymentTerms` and the :class:`Schedule` it produces.
- :mod:`o2c.terms.schedule`: how a schedule is computed (a plan compiled once per terms).
- :mod:`o2c.terms.offers`: discount offers, instalments, what a payment earns, forgone cost.
- :mod:`o2c.terms.notation`: the reader of trade notation behind :meth:`PaymentTerms.parse`.
- :mod:`o2c.terms.interchange`: X12 ``ITD`` segments and EN 16931 / UBL payment terms.

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

from o2c.terms.interchange import (
    UblPaymentTerms,
    X12Terms,
    from_ubl,
    from_x12,
    to_ubl,
    to_x12,
)
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
from o2c.terms.model import (
    PaymentTerms,
    Schedule,
)
from o2c.terms.offers import (
    DiscountCost,
    DiscountEarned,
    DiscountOffer,
    Instalment,
    discount_earned,
    forgone_discount_cost,
)
from o2c.terms.steps import (
    MAX_DAY_LIMIT_NESTING,
    MAX_TERMS_TEXT,
    AddDays,
    AddMonths,
    AddWeeks,
    CutOff,
    DateStep,
    DayLimit,
    EndOfMonth,
    MonthDay,
    PaymentDays,
    Postpone,
    apply_steps,
    parse_steps,
    steps_notation,
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
    "SettlementCondition",
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
