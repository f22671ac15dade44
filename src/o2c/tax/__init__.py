"""Taxes on lines and documents, right to the cent under a stated rounding policy.

The package, by concept: :mod:`~o2c.tax.model` (the :class:`Tax` definition),
:mod:`~o2c.tax.kinds` (tax kinds, categories, ids), :mod:`~o2c.tax.policy` (:class:`TaxPolicy`),
:mod:`~o2c.tax.groups` (tax groups, a line's tax tuple), :mod:`~o2c.tax.inputs` (lines,
allowances and charges, exemption certificates); :mod:`~o2c.tax.engine` (:func:`compute` and
:class:`TaxResult`: one implementation run through plans compiled once per tax set and policy,
:mod:`~o2c.tax.plan`), whose stages are :mod:`~o2c.tax.arguments`, :mod:`~o2c.tax.reading`
(lines read and evaluated, :mod:`~o2c.tax.line`), :mod:`~o2c.tax.sums`,
:mod:`~o2c.tax.rounding` and :mod:`~o2c.tax.exemptions`; :mod:`~o2c.tax.result` (the parts of a
:class:`TaxResult`), :mod:`~o2c.tax.breakdown` (the VAT breakdown and per-line view),
:mod:`~o2c.tax.reverse_charge` (the self-assessed tax) and :mod:`~o2c.tax.restate` (tax in
another currency).

A :class:`Tax` is one definition (percent, fixed per unit, or division) with the flags every ERP
uses: price-included, whether its amount joins the base of later taxes, whether its own base is
affected by earlier ones, compound (tax on tax), withholding, and an EN 16931 VAT category with the
exemption reason it requires.  :func:`compute` turns :class:`TaxableLine` values (and document
allowances and charges) into a :class:`TaxResult`: line nets, amounts per tax, the VAT breakdown
per category and rate, withholding kept apart, and totals.  The :class:`TaxPolicy` used travels
with the result, so a recomputation from the result is always identical.

The model: on a line, every tax amount is an affine function of the line's net ``N`` (``rate x
base`` where the base is ``N`` plus the earlier taxes that feed it, or a fixed amount per unit).
Price-included taxes are the ones contained in the priced amount ``G``, so ``N`` solves
``G = N + sum(included taxes)``; excluded taxes are then added on top.

>>> from decimal import Decimal
>>> from o2c.money import money
>>> vat21 = Tax.percent_of("VAT21", "21", price_included=True)
>>> lines = [TaxableLine(quantity=Decimal("1"), unit_price=money("11.90", "EUR"), taxes=[vat21]),
...          TaxableLine(quantity=Decimal("1"), unit_price=money("2.80", "EUR"), taxes=[vat21])]
>>> result = compute(lines, "EUR")                       # global rounding (EN 16931)
>>> result.untaxed.amount, result.tax_total.amount, result.total.amount
(Decimal('12.15'), Decimal('2.55'), Decimal('14.70'))
>>> per_line = compute(lines, "EUR", policy=TaxPolicy(method=RoundingMethod.PER_LINE))
>>> per_line.untaxed.amount, per_line.tax_total.amount, per_line.total.amount
(Decimal('12.14'), Decimal('2.56'), Decimal('14.70'))
>>> result.policy.method
<RoundingMethod.GLOBAL: 'global'>
"""

from __future__ import annotations

from o2c.tax.engine import TaxResult, compute
from o2c.tax.groups import TaxGroup, flatten, line_taxes
from o2c.tax.inputs import AllowanceCharge, ExemptionCertificate, Taxable, TaxableLine
from o2c.tax.kinds import ChargeKind, TaxCategory, TaxId, TaxKind
from o2c.tax.model import Tax
from o2c.tax.policy import (
    CompoundBase,
    GlobalBase,
    IncludedRounding,
    JurisdictionRounding,
    RoundingMethod,
    TaxPolicy,
)
from o2c.tax.restate import RateQuote, RestatedTax, RestateMethod, TaxRestatement, restate
from o2c.tax.result import (
    AppliedExemption,
    DocumentAmounts,
    LineTaxResult,
    SelfAssessedTax,
    TaxAmount,
    TaxBreakdown,
    TaxTotal,
)

__all__ = [
    "AllowanceCharge",
    "AppliedExemption",
    "ChargeKind",
    "CompoundBase",
    "DocumentAmounts",
    "ExemptionCertificate",
    "GlobalBase",
    "IncludedRounding",
    "JurisdictionRounding",
    "LineTaxResult",
    "RateQuote",
    "RestateMethod",
    "RestatedTax",
    "RoundingMethod",
    "SelfAssessedTax",
    "Tax",
    "TaxAmount",
    "TaxBreakdown",
    "TaxCategory",
    "TaxGroup",
    "TaxId",
    "TaxKind",
    "TaxPolicy",
    "TaxRestatement",
    "TaxResult",
    "TaxTotal",
    "Taxable",
    "TaxableLine",
    "compute",
    "flatten",
    "line_taxes",
    "restate",
]
