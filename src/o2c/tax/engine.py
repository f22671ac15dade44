"""The tax engine: :func:`compute` runs each line through the plan of its tax set, sums per
tax, rounds over the document under the compiled policy and keeps a :class:`TaxResult`.

There is one implementation of every rule, and one pipeline for every document: a plan
compiled once per tax set (:mod:`o2c.tax.plan`) decides what a line computes, a document plan
compiled once per tuple of tax sets what the document sums (and which lines its plans' sums of
nets stand for, unevaluated), and the document steps are the same for every document.  The
stages live by concept: the arguments checked (:mod:`o2c.tax.arguments`), the lines read and
evaluated (:mod:`o2c.tax.reading`), the sums per tax (:mod:`o2c.tax.sums`), the rounding
(:mod:`o2c.tax.rounding`), exemption certificates (:mod:`o2c.tax.exemptions`), the VAT
breakdown and the per-line view (:mod:`o2c.tax.breakdown`) and the reverse charge
(:mod:`o2c.tax.reverse_charge`).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs
from moneyed import Currency, Money

from o2c._build import builder
from o2c._checks import shown
from o2c.errors import InvalidTaxError
from o2c.money import CONTEXT
from o2c.tax.arguments import _checked_all, _checked_lines, _document_date, _tax_base_discount
from o2c.tax.breakdown import line_results, vat_breakdown
from o2c.tax.exemptions import covered_taxes, exempt_inputs, exemption_changes
from o2c.tax.inputs import AllowanceCharge, ExemptionCertificate, Taxable, document_currency
from o2c.tax.kinds import ZERO
from o2c.tax.line import Line
from o2c.tax.plan import document_plan
from o2c.tax.policy import DEFAULT_POLICY, TaxPolicy
from o2c.tax.reading import _charge_lines, _evaluate_lines, _read_lines
from o2c.tax.result import (
    AppliedExemption,
    DocumentAmounts,
    LineColumns,
    LineRow,
    LineTaxResult,
    SelfAssessedTax,
    TaxBreakdown,
    TaxColumns,
    TaxTotal,
    _new_tax_columns,
    line_rows,
)
from o2c.tax.reverse_charge import self_assessed
from o2c.tax.rounding import place_document_fixed, round_columns, round_globally
from o2c.tax.rules import cached_rules, rules_for
from o2c.tax.sums import (
    _charge_nets,
    _evaluated_nets,
    _round_per_line,
    _rows,
    _sum_per_tax,
    cash_rounded,
    document_amounts,
)

__all__ = ["TaxResult", "compute", "compute_checked"]


@attrs.frozen(kw_only=True)
class TaxResult:
    """Taxes of a document under ``policy``; amounts are rounded, lines sum to the document.

    ``total`` is ``untaxed + tax_total + withholding_total + rounding_adjustment``: what the
    customer owes before cash rounding.  ``total_with_tax`` leaves withholding out (EN 16931
    BT-112 plus the rounding adjustment).  Amounts are kept as exact Decimals inside and given
    out as :class:`~moneyed.Money`; the per-line view (:attr:`lines`) is built when read.
    """

    currency: Currency
    policy: TaxPolicy
    #: The lines and then the charges, as rows (or, when no line was evaluated on its own and
    #: there are no charges, the columns the lines were read into).
    _rows: tuple[LineRow, ...] | LineColumns = attrs.field(repr=False, eq=line_rows)
    _tax_columns: TaxColumns = attrs.field(repr=False)
    _line_count: int = attrs.field(repr=False)
    #: The amounts as exact Decimals (the properties below give them out as Money).
    amounts: DocumentAmounts
    exemptions: tuple[AppliedExemption, ...] = ()
    notes: tuple[str, ...] = ()
    #: The percent of a "mixed" early-payment discount the tax bases were reduced by.
    tax_base_discount_percent: Decimal | None = None

    def _m(self, amount: Decimal) -> Money:
        return Money(amount, self.currency)

    @property
    def line_total(self) -> Money:
        """The sum of the line nets (EN 16931 BT-106)."""
        return self._m(self.amounts.line_total)

    @property
    def allowance_total(self) -> Money:
        """The document-level allowances (BT-107)."""
        return self._m(self.amounts.allowance_total)

    @property
    def charge_total(self) -> Money:
        """The document-level charges (BT-108)."""
        return self._m(self.amounts.charge_total)

    @property
    def untaxed(self) -> Money:
        """``line_total - allowance_total + charge_total`` (BT-109)."""
        return self._m(self.amounts.untaxed)

    @property
    def tax_total(self) -> Money:
        """Every tax but withholding (BT-110)."""
        return self._m(self.amounts.tax_total)

    @property
    def withholding_total(self) -> Money:
        """The withholding taxes (negative), kept apart from ``tax_total``."""
        return self._m(self.amounts.withholding_total)

    @property
    def rounding_adjustment(self) -> Money:
        """The difference left by rounding price-included taxes and net independently."""
        return self._m(self.amounts.rounding_adjustment)

    @property
    def total(self) -> Money:
        """``untaxed + tax_total + withholding_total + rounding_adjustment``."""
        a = self.amounts
        return self._m(a.untaxed + a.tax_total + a.withholding_total + a.rounding_adjustment)

    @property
    def total_with_tax(self) -> Money:
        """``untaxed + tax_total + rounding_adjustment`` (withholding left out)."""
        a = self.amounts
        return self._m(a.untaxed + a.tax_total + a.rounding_adjustment)

    @property
    def exempt_sales(self) -> Money:
        """The nets of lines that carry no tax (no taxes, or all removed by a certificate)."""
        return self._m(self.amounts.exempt_sales)

    @property
    def taxes(self) -> tuple[TaxTotal, ...]:
        """One :class:`TaxTotal` per tax, in the order the taxes first appear."""
        m = self._m
        return tuple(
            TaxTotal(tax=t, base=m(base), amount=m(amount), raw_amount=raw)
            for t, base, amount, raw in zip(*self._tax_columns, strict=True)
        )

    def tax(self, tax_id: str) -> Money:
        """The rounded amount of the tax ``tax_id`` (zero when the document does not have it),
        with its item-level rate overrides (:meth:`Tax.at`)."""
        found = ZERO
        for t, amount in zip(self._tax_columns.taxes, self._tax_columns.amounts, strict=True):
            if t.id == tax_id:
                found += amount
        return self._m(found)

    @property
    def lines(self) -> tuple[LineTaxResult, ...]:
        """The lines after tax, in input order."""
        return self._line_results()[: self._line_count]

    @property
    def charges(self) -> tuple[LineTaxResult, ...]:
        """The document allowances and charges after tax (apportioned ones split by tax set)."""
        return self._line_results()[self._line_count :]

    def _line_results(self) -> tuple[LineTaxResult, ...]:
        return line_results(self._rows, self._tax_columns, self.policy, self.currency)

    @property
    def breakdown(self) -> tuple[TaxBreakdown, ...]:
        """The VAT breakdown: non-withholding taxes grouped by category and rate, in order."""
        return vat_breakdown(self.taxes, self.currency)

    @property
    def self_assessed(self) -> tuple[SelfAssessedTax, ...]:
        """The reverse-charge taxes the buyer self-assesses, per category and rate (empty when
        no tax has a ``self_assessed_percent``): base x rate, beside the invoice, whose totals
        never include them."""
        return self_assessed(self._tax_columns, self.policy, self.currency)

    @property
    def cash_rounding_amount(self) -> Money:
        """What cash rounding (``policy.cash_rounding``) adds to ``total``; zero without it."""
        return Money(self.amount_due.amount - self.total.amount, self.currency)

    @property
    def amount_due(self) -> Money:
        """``total`` cash-rounded under ``policy.cash_rounding`` (``total`` when none)."""
        return cash_rounded(self.policy.cash_rounding, self.total)

    def recompute(
        self,
        lines: Sequence[Taxable],
        charges: Sequence[AllowanceCharge] = (),
        **options: Any,
    ) -> TaxResult:
        """The same computation again under this result's policy (identical by construction)."""
        return compute(lines, self.currency, policy=self.policy, charges=charges, **options)


def compute(
    lines: Sequence[Taxable],
    currency_code: str | Currency,
    *,
    policy: TaxPolicy | None = None,
    charges: Sequence[AllowanceCharge] = (),
    exemptions: Sequence[ExemptionCertificate] = (),
    on: dt.date | None = None,
    tax_base_discount_percent: Decimal | None = None,
) -> TaxResult:
    """The taxes of ``lines`` and document ``charges`` in ``currency_code`` under ``policy``.

    Args:
        lines: the priced lines with their taxes (:class:`TaxableLine`, or anything with the
            same four attributes, such as :class:`o2c.invoice.InvoiceLine`).
        currency_code: the document currency; every amount must be in it.
        policy: the rounding policy (EN 16931 global rounding by default).
        charges: document-level allowances and charges.
        exemptions: customer exemption certificates; a covered tax becomes zero and the amount
            it would have been is kept in ``exemptions`` and ``notes``.
        on: the date certificates are checked against (required with ``exemptions``).
        tax_base_discount_percent: a "mixed" early-payment discount (Belgium): percent and
            division taxes are computed on the net reduced by this percentage.

    Raises:
        CurrencyMismatchError: for an amount in another currency.
        InvalidTaxError: for impossible tax combinations (a tax twice on a line, included
            taxes of -100 %, certificates without a date ...).
    """
    policy = DEFAULT_POLICY if policy is None else policy
    if type(policy) is not TaxPolicy:
        raise InvalidTaxError(
            f"policy={shown(policy)!r} must be a TaxPolicy", field="policy", value=shown(policy)
        )
    cur = document_currency(currency_code)
    lines = _checked_lines(lines)
    if charges != ():
        charges = _checked_all(charges, AllowanceCharge, "charges")
    if exemptions != ():
        exemptions = _checked_all(exemptions, ExemptionCertificate, "exemptions")
    epd = (
        None if tax_base_discount_percent is None else _tax_base_discount(tax_base_discount_percent)
    )
    if exemptions:
        return _compute_with_exemptions(
            lines, cur, policy, charges, exemptions, _document_date(on), epd
        )
    return compute_checked(lines, cur, policy, charges, epd)


def _compute_with_exemptions(
    lines: Sequence[Taxable],
    cur: Currency,
    policy: TaxPolicy,
    charges: Sequence[AllowanceCharge],
    exemptions: Sequence[ExemptionCertificate],
    on: dt.date,
    epd: Decimal | None,
) -> TaxResult:
    """The document computed in full, then without the taxes a certificate covers (see
    :mod:`o2c.tax.exemptions`)."""
    full = compute_checked(lines, cur, policy, charges, epd)
    covered = covered_taxes(full.taxes, exemptions, on)
    if not covered:
        return full
    exempt_lines, exempt_charges = exempt_inputs(lines, charges, covered)
    result = compute_checked(exempt_lines, cur, policy, exempt_charges, epd)
    changes = exemption_changes(
        result._rows, result._tax_columns, result.notes, full.taxes, covered
    )
    return attrs.evolve(result, **changes)


def compute_checked(
    lines: Sequence[Taxable],
    cur: Currency,
    policy: TaxPolicy,
    charges: Sequence[AllowanceCharge] = (),
    epd: Decimal | None = None,
) -> TaxResult:
    """:func:`compute` for checked arguments (no exemption certificates; :mod:`o2c.invoice`
    calls it directly): lines of :func:`~o2c.tax.inputs.checked_line` types, a Currency, a
    TaxPolicy, AllowanceCharges and a Decimal discount percent.

    The one pipeline of every document: read the lines (exact amount, gross and plan of
    each), evaluate those the document cannot sum by their nets alone, add the allowances and
    charges, then sum per tax, round and keep the result.  Runs under o2c's decimal context
    (:data:`o2c.money.CONTEXT`), set as the thread's context for the call and the caller's put
    back after it (``decimal.localcontext`` would copy it, which costs twice as much).
    """
    saved = decimal.getcontext()
    decimal.setcontext(CONTEXT)
    try:
        try:  # rules_for(), one call less: the compiled rules of a hashable policy, cached
            rules = cached_rules(policy, cur.code, epd)
        except TypeError:
            rules = rules_for(policy, cur.code, epd)
        doc, read = _read_lines(lines, cur, rules)
        # Under global rounding of rounded nets a line of a linear plan is its gross, which is its
        # net: its plan's sum of grosses is all the document needs of it, unless a line has
        # price-included taxes (the split of each tax's amount over the lines then reaches it).
        # The result then keeps ``read`` as the rows of such lines.
        by_net = rules.by_nets and epd is None and not doc.any_included
        evaluated: list[Line] = []
        if not (by_net and doc.linear):  # some line to evaluate
            evaluated = _evaluate_lines(rules, lines, read, by_net)
        zero = rules.zero
        charge_lines: list[Line] = []
        allowance_total = charge_total = zero
        if charges:  # their plans join the document's, after the lines'
            charge_lines = _charge_lines(rules, charges, read, evaluated, cur)
            doc = document_plan(read.plans + tuple(dict.fromkeys(ln.plan for ln in charge_lines)))
            allowance_total, charge_total = _charge_nets(charge_lines, zero)
        all_lines = evaluated + charge_lines
        if all_lines:
            place_document_fixed(rules, all_lines)
        sums, line_total, exempt = _sum_per_tax(rules, doc, read, evaluated, charge_lines, by_net)
        split = False
        if rules.per_line:
            adjustment = _round_per_line(rules, policy, doc, all_lines, sums)
        elif all_lines:
            adjustment, split = round_globally(rules, doc, evaluated, charge_lines, sums)
        else:  # only lines summed by their nets: round_globally's first step is all there is
            round_columns(rules, doc, sums)
            adjustment = ZERO
        if evaluated:
            line_total, exempt = _evaluated_nets(rules, evaluated, line_total, exempt)
        amounts, rows, notes = document_amounts(
            rules,
            cur,
            _rows(rules, read, all_lines, split, epd) if all_lines else read,
            (line_total, allowance_total, charge_total),
            doc,
            sums,
            adjustment,
            exempt,
        )
        # Every value is computed from checked inputs: stored as it is (see o2c._build).
        return _new_result(
            currency=cur,
            policy=policy,
            rows=rows,
            # The columns in TaxColumns' order, built in C (tests/test_tax_engine.py checks it).
            tax_columns=_new_tax_columns(
                (doc.taxes, tuple(sums.bases), tuple(sums.amounts), tuple(sums.raws))
            ),
            line_count=len(read.grosses),
            amounts=amounts,
            exemptions=(),
            notes=notes,
            tax_base_discount_percent=epd,
        )
    finally:
        decimal.setcontext(saved)


#: The keyword constructors of the engine's results (see :mod:`o2c._build`).
_new_result = builder(TaxResult)
