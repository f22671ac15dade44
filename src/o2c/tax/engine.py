"""The tax engine: :func:`compute` runs each line through the plan of its tax set, sums per
tax, rounds over the document under the compiled policy and keeps a :class:`TaxResult`.

There is one implementation of every rule, and one pipeline for every document: a plan
compiled once per tax set (:mod:`o2c.tax.plan`) decides what a line computes, a document plan
compiled once per tuple of tax sets what the document sums (and which lines its plans' sums of
nets stand for, unevaluated), and the document steps are the same for every document
(:mod:`o2c.tax.rounding`).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

import attrs
from moneyed import Currency, Money

from o2c._build import builder
from o2c._checks import as_tuple, shown
from o2c.errors import CurrencyMismatchError, InvalidTaxError
from o2c.money import (
    CONTEXT,
    CashRounding,
    allocate_decimal,
    minor_unit,
    quantize_decimal,
    to_decimal,
)
from o2c.tax.line import Line, evaluate, evaluate_per_unit
from o2c.tax.model import (
    _AMOUNT_KINDS,
    CHECKED_LINES,
    DEFAULT_POLICY,
    HUNDRED,
    LIMIT,
    LOW_LIMIT,
    ONE,
    ZERO,
    AllowanceCharge,
    ChargeKind,
    ExemptionCertificate,
    JurisdictionRounding,
    Tax,
    Taxable,
    TaxableLine,
    TaxCategory,
    TaxId,
    TaxKind,
    TaxPolicy,
    document_currency,
)
from o2c.tax.plan import (
    Rules,
    _DocumentPlan,
    _Plan,
    cached_rules,
    canonical_step,
    document_plan,
    line_plans,
    plan_of,
    rules_for,
    within,
)
from o2c.tax.result import (
    AppliedExemption,
    DocumentAmounts,
    LineColumns,
    LineRow,
    LineTaxResult,
    SelfAssessedTax,
    TaxAmount,
    TaxBreakdown,
    TaxColumns,
    TaxTotal,
    _new_line_columns,
    _new_tax_columns,
    line_rows,
)
from o2c.tax.rounding import (
    TaxSums,
    _new_sums,
    aggregate_line,
    place_document_fixed,
    round_columns,
    round_globally,
)
from o2c.tax.spread import tax_parts

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
        rows = line_rows(self._rows)
        step = canonical_step(self.policy.step_for(self.currency))
        spread: list[list[Decimal]] = []
        if rows and rows[0].amounts is None:  # global rounding: spread each tax over its lines
            spread = tax_parts(
                [
                    (t.key, a)
                    for t, a in zip(self._tax_columns.taxes, self._tax_columns.amounts, strict=True)
                ],
                [row.taxes for row in rows],
                [_row_raws(row) for row in rows],
                step,
            )
        mode = self.policy.rounding.rounding
        out = []
        for r, row in enumerate(rows):
            bases = (row.net,) * len(row.taxes) if row.bases is None else row.bases
            amounts = row.amounts
            if amounts is None:
                amounts = tuple(spread[r])
                bases = tuple(quantize_decimal(b, step, mode) for b in bases)
            out.append(self._line_result(row, bases, amounts))
        return tuple(out)

    def _line_result(
        self, row: LineRow, bases: Sequence[Decimal], amounts: Sequence[Decimal]
    ) -> LineTaxResult:
        m = self._m
        return LineTaxResult(
            index=row.line_index,
            gross=m(row.gross),
            net=m(row.net),
            taxes=tuple(
                TaxAmount(tax=t, base=m(bases[i]), amount=m(amounts[i]))
                for i, t in enumerate(row.taxes)
            ),
            rounding_adjustment=m(row.adjustment),
            charge=row.charge,
        )

    @property
    def breakdown(self) -> tuple[TaxBreakdown, ...]:
        """The VAT breakdown: non-withholding taxes grouped by category and rate, in order."""
        groups: dict[tuple[TaxCategory | None, Decimal | None], list[TaxTotal]] = {}
        for total in self.taxes:
            t = total.tax
            if t.withholding:
                continue
            pct = None if t.kind in _AMOUNT_KINDS else t.percent.normalize()
            groups.setdefault((t.category, pct), []).append(total)
        out = []
        for (category, pct), members in groups.items():
            first = members[0].tax
            out.append(
                TaxBreakdown(
                    category=category,
                    percent=pct,
                    base=self._m(sum((m.base.amount for m in members), ZERO)),
                    amount=self._m(sum((m.amount.amount for m in members), ZERO)),
                    exemption_reason=first.exemption_reason,
                    exemption_reason_code=first.exemption_reason_code,
                    tax_ids=tuple(m.tax.id for m in members),
                )
            )
        return tuple(out)

    @property
    def self_assessed(self) -> tuple[SelfAssessedTax, ...]:
        """The reverse-charge taxes the buyer self-assesses, per category and rate (empty when
        no tax has a ``self_assessed_percent``): base x rate, beside the invoice, whose totals
        never include them."""
        groups: dict[tuple[TaxCategory, Decimal], list[TaxTotal]] = {}
        for t, base, amount, raw in zip(*self._tax_columns, strict=True):
            pct = t.self_assessed_percent
            if pct is not None and t.category is not None:
                total = TaxTotal(tax=t, base=self._m(base), amount=self._m(amount), raw_amount=raw)
                groups.setdefault((t.category, pct.normalize()), []).append(total)
        if not groups:
            return ()
        step = canonical_step(self.policy.step_for(self.currency))
        mode = self.policy.rounding.rounding
        out = []
        for (category, pct), members in groups.items():
            base = sum((m.base.amount for m in members), ZERO)
            raw = base * pct / HUNDRED
            out.append(
                SelfAssessedTax(
                    category=category,
                    percent=pct,
                    base=self._m(base),
                    amount=self._m(quantize_decimal(raw, step, mode)),
                    raw_amount=raw,
                    tax_ids=tuple(m.tax.id for m in members),
                )
            )
        return tuple(out)

    @property
    def cash_rounding_amount(self) -> Money:
        """What cash rounding (``policy.cash_rounding``) adds to ``total``; zero without it."""
        return Money(self.amount_due.amount - self.total.amount, self.currency)

    @property
    def amount_due(self) -> Money:
        """``total`` cash-rounded under ``policy.cash_rounding`` (``total`` when none)."""
        return cash_round(self.policy.cash_rounding, self.total)

    def recompute(
        self,
        lines: Sequence[Taxable],
        charges: Sequence[AllowanceCharge] = (),
        **options: Any,
    ) -> TaxResult:
        """The same computation again under this result's policy (identical by construction)."""
        return compute(lines, self.currency, policy=self.policy, charges=charges, **options)


def _row_raws(row: LineRow) -> tuple[Decimal, ...]:
    """The exact tax amounts of a row (a linear row stores none: they are factor x net)."""
    if row.raws is None:
        net = row.net
        return tuple(f * net for f in plan_of(row.taxes).factors)
    return row.raws


def cash_round(cash: CashRounding | None, value: Money) -> Money:
    """``value`` rounded to the cash step (unchanged without cash rounding)."""
    if cash is None:
        return value
    step = canonical_step(cash.increment(value.currency))
    rounded = quantize_decimal(value.amount, step, cash.rounding)
    return Money(quantize_decimal(rounded, minor_unit(value.currency)), value.currency)


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


def _document_date(on: object) -> dt.date:
    if on is None:
        raise InvalidTaxError(
            "exemption certificates need the document date: pass on=<invoice date>",
            field="on",
            value=None,
        )
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise InvalidTaxError(
            f"on={shown(on)!r} must be a date (not a datetime)", field="on", value=shown(on)
        )
    return on


def _tax_base_discount(percent: object) -> Decimal:
    epd = to_decimal(percent, field="tax_base_discount_percent")
    if epd < 0 or epd > HUNDRED:
        raise InvalidTaxError(
            f"tax_base_discount_percent={epd} must be between 0 and 100",
            field="tax_base_discount_percent",
            value=epd,
        )
    return epd


def _checked_lines(lines: object) -> Sequence[Taxable]:
    given = (
        lines
        if type(lines) is list or type(lines) is tuple
        else as_tuple(lines, "lines", "items", InvalidTaxError)
    )
    checked = CHECKED_LINES
    if checked.issuperset(map(type, given)):  # every line of a checked type (a loop in C)
        return given
    return [
        line if type(line) in checked else _taxable_line(i, line) for i, line in enumerate(given)
    ]


def _taxable_line(i: int, line: Any) -> TaxableLine:
    """``line`` read into a :class:`TaxableLine` (which checks every field)."""
    try:
        values = (line.quantity, line.unit_price, line.taxes, line.discount_percent)
    except AttributeError:
        raise InvalidTaxError(
            f"lines[{i}]={shown(line)!r} is not a line: it needs quantity, unit_price, "
            "taxes and discount_percent (use TaxableLine)",
            field=f"lines[{i}]",
            value=shown(line),
        ) from None
    return TaxableLine(
        quantity=values[0], unit_price=values[1], taxes=values[2], discount_percent=values[3]
    )


def _checked_all(values: object, kind: type, field: str) -> tuple[Any, ...]:
    given = as_tuple(values, field, "items", InvalidTaxError)
    for i, value in enumerate(given):
        if not isinstance(value, kind):
            raise InvalidTaxError(
                f"{field}[{i}]={shown(value)!r} must be a {kind.__name__}",
                field=f"{field}[{i}]",
                value=shown(value),
            )
    return given


def _compute_with_exemptions(
    lines: Sequence[Taxable],
    cur: Currency,
    policy: TaxPolicy,
    charges: Sequence[AllowanceCharge],
    exemptions: Sequence[ExemptionCertificate],
    on: dt.date,
    epd: Decimal | None,
) -> TaxResult:
    full = compute_checked(lines, cur, policy, charges, epd)
    covered: dict[TaxId, str] = {}
    for t in full.taxes:
        for cert in exemptions:
            if cert.covers(t.tax, on):
                covered[t.tax.id] = cert.certificate_id
                break
    if not covered:
        return full
    for t in full.taxes:
        if t.tax.overridden and t.tax.id in covered:
            raise InvalidTaxError(
                f"tax {t.tax.id} has an item-level rate override and is covered by certificate "
                f"{covered[t.tax.id]}: o2c does not combine the two; remove the override",
                field="exemptions",
                value=t.tax.id,
            )
    exempt_lines = [
        TaxableLine(
            quantity=line.quantity,
            unit_price=line.unit_price,
            taxes=_without(line.taxes, covered),
            discount_percent=line.discount_percent,
        )
        for line in lines
    ]
    exempt_charges = [
        c if c.taxes is None else attrs.evolve(c, taxes=_without(c.taxes, covered)) for c in charges
    ]
    result = compute_checked(exempt_lines, cur, policy, exempt_charges, epd)
    return _with_exemptions(result, full, covered)


def _without(taxes: tuple[Tax, ...], covered: Mapping[TaxId, str]) -> tuple[Tax, ...]:
    """``taxes`` with each ``covered`` one replaced by a zero-rate stand-in of the same id."""
    return tuple(
        attrs.evolve(
            t,
            kind=TaxKind.PERCENT,
            percent=ZERO,
            amount_per_unit=ZERO,
            category=None,
            self_assessed_percent=None,
        )
        if t.id in covered
        else t
        for t in taxes
    )


def _with_exemptions(result: TaxResult, full: TaxResult, covered: Mapping[TaxId, str]) -> TaxResult:
    """``result`` (computed without the ``covered`` taxes) with the exemptions applied, their
    forgone amounts from ``full``, and the original tax definitions at zero amounts."""
    applied = []
    by_cert: dict[str, Decimal] = {}
    for t in full.taxes:
        if t.tax.id in covered:
            cert_id = covered[t.tax.id]
            applied.append(
                AppliedExemption(certificate_id=cert_id, tax_id=t.tax.id, forgone=t.amount)
            )
            by_cert[cert_id] = by_cert.get(cert_id, ZERO) + t.amount.amount
    notes = tuple(
        f"exempt by certificate; tax that would have applied: {amount}"
        for amount in by_cert.values()
    )
    # Report the original tax definitions (zero amounts), not the stripped stand-ins.
    originals = {t.tax.id: t.tax for t in full.taxes}
    tax_columns = result._tax_columns._replace(
        taxes=tuple(originals.get(t.id, t) for t in result._tax_columns.taxes)
    )
    rows = tuple(
        row._replace(taxes=tuple(originals.get(t.id, t) for t in row.taxes))
        for row in line_rows(result._rows)
    )
    return attrs.evolve(
        result,
        rows=rows,
        tax_columns=tax_columns,
        exemptions=tuple(applied),
        notes=result.notes + notes,
    )


def compute_checked(
    lines: Sequence[Taxable],
    cur: Currency,
    policy: TaxPolicy,
    charges: Sequence[AllowanceCharge] = (),
    epd: Decimal | None = None,
) -> TaxResult:
    """:func:`compute` for arguments checked already (no exemption certificates): ``lines`` of
    :func:`~o2c.tax.model.checked_line` types, a :class:`~moneyed.Currency`, a
    :class:`TaxPolicy`, a sequence of :class:`AllowanceCharge` and a Decimal discount percent
    (:mod:`o2c.invoice`, whose constructors check every input, calls it directly).

    The one pipeline of every document: read the lines (exact amount, gross and plan of
    each), evaluate those the document cannot sum by their nets alone, add the allowances and
    charges, then sum per tax, round and keep the result.

    Runs under o2c's decimal context (:data:`o2c.money.CONTEXT`), set as the thread's context
    for the call and the caller's put back after it: ``decimal.localcontext`` would copy it,
    which costs twice as much, and o2c's own arithmetic never changes a context's settings.
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
        return _result(
            rules,
            cur,
            policy,
            _rows(rules, read, all_lines, split, epd) if all_lines else read,
            len(read.grosses),
            (line_total, allowance_total, charge_total),
            doc,
            sums,
            adjustment,
            exempt,
            epd,
        )
    finally:
        decimal.setcontext(saved)


def _read_lines(
    lines: Sequence[Taxable], cur: Currency, rules: Rules
) -> tuple[_DocumentPlan, LineColumns]:
    """The document plan of the lines, and each line's exact amount, its gross and the position
    of its plan, in one pass over the lines.

    Lines are grouped by their tax tuple's identity, within this call only: lines made with
    the same Tax objects share one tuple (:func:`o2c.tax.model.line_taxes`), and the document
    looks up the plans of its tuples in one step (:func:`line_plans`).  Equal tuples that are
    distinct objects get the same plan (plans are by value), and so the same position: the
    grouping changes no amount.
    """
    q = rules.q
    quantum = rules.quantum
    mode = rules.decimal_mode
    zero = rules.zero
    amounts: list[Decimal] = []
    grosses: list[Decimal] = []
    of_line: list[int] = []
    tax_sets: list[tuple[Tax, ...]] = []
    sums: list[Decimal] = []  # per tax set, its lines' grosses
    of_tuple: dict[int, int] = {}  # id(taxes) -> its position (the lines keep the tuples)
    # The loop runs once per line of every document: its list methods are bound once.
    add_amount, add_gross, add_position = amounts.append, grosses.append, of_line.append
    position_of = of_tuple.get
    for line in lines:
        price = line.unit_price
        if price.currency is not cur and price.currency != cur:
            raise CurrencyMismatchError(cur.code, price.currency.code, operation="tax a line in")
        amount = price.amount * line.quantity
        if line.discount_percent:
            amount = amount * (HUNDRED - line.discount_percent) / HUNDRED
        # q(amount): a line amount is inside the limit (see Rules.quantum).
        gross = q(amount) if quantum is None else amount.quantize(quantum, mode, CONTEXT)
        add_amount(amount)
        add_gross(gross)
        k = position_of(id(line.taxes))
        if k is None:
            k = of_tuple[id(line.taxes)] = len(tax_sets)
            tax_sets.append(line.taxes)
            sums.append(zero)
        add_position(k)
        sums[k] += gross
    found = line_plans(tuple(tax_sets))
    if found.of_set is not None:  # equal tax sets of distinct objects: one plan
        of_line, sums = _regrouped(found.of_set, of_line, sums, zero)
    doc = found.doc
    # The columns in LineColumns' order, built in C (tests/test_tax_engine.py checks it).
    return doc, _new_line_columns((amounts, grosses, of_line, doc.plans, sums, zero))


def _regrouped(
    of_set: tuple[int, ...], of_line: list[int], sums: list[Decimal], zero: Decimal
) -> tuple[list[int], list[Decimal]]:
    """The plan position of each line and the sum of grosses per plan, from those per tax set
    (``of_set`` gives each set's plan)."""
    plan_sums = [zero] * (max(of_set) + 1)
    for k, total in enumerate(sums):
        plan_sums[of_set[k]] += total
    return [of_set[k] for k in of_line], plan_sums


def _evaluate_lines(
    rules: Rules, lines: Sequence[Taxable], read: LineColumns, by_net: bool
) -> list[Line]:
    """Each line through its plan (:func:`_evaluated`) but, when ``by_net``, those of linear
    plans (their plan's sum of grosses stands for them)."""
    plans, of_line, amounts = read.plans, read.of_line, read.amounts
    out = []
    for index, line in enumerate(lines):
        plan = plans[of_line[index]]
        if not (by_net and plan.linear):
            out.append(_evaluated(rules, index, line, plan, amounts[index]))
    return out


def _evaluated(rules: Rules, index: int, line: Taxable, plan: _Plan, amount: Decimal) -> Line:
    """One line of exact ``amount`` through its plan (per unit under per-unit rounding)."""
    quantity = line.quantity
    sign = -1 if line.unit_price.amount < 0 else 1
    if rules.per_unit and quantity != 1 and quantity != 0:
        return evaluate_per_unit(rules, plan, index, amount, quantity, sign)
    return evaluate(rules, plan, index, None, amount, quantity, sign)


def _charge_lines(
    rules: Rules,
    charges: Sequence[AllowanceCharge],
    read: LineColumns,
    evaluated: list[Line],
    cur: Currency,
) -> list[Line]:
    """The document allowances and charges, each with its taxes or apportioned over the
    document's tax sets pro rata to their line nets."""
    code = cur.code
    out: list[Line] = []
    groups: dict[tuple[Tax, ...], Decimal] | None = None
    for index, charge in enumerate(charges):
        if charge.amount.currency != cur:
            raise CurrencyMismatchError(
                code, charge.amount.currency.code, operation="add a charge in"
            )
        if charge.taxes is None:
            if groups is None:
                groups = _nets_per_tax_set(read, evaluated)
            parts = _apportion(charge, groups, minor_unit(code))
        else:
            parts = [(charge.taxes, charge.signed)]
        for taxes, part in parts:
            plan = plan_of(taxes, True)
            out.append(evaluate(rules, plan, index, charge.kind, part, ONE, 1))
    return out


def _nets_per_tax_set(read: LineColumns, evaluated: list[Line]) -> dict[tuple[Tax, ...], Decimal]:
    """The lines' nets summed per tax set, in order of first appearance: an evaluated line's
    net, and for a plan whose lines were not evaluated its sum of grosses (their nets)."""
    nets = list(read.plan_grosses)
    position = {plan: k for k, plan in enumerate(read.plans)}
    for plan in {ln.plan for ln in evaluated}:  # every line of the plan was evaluated
        nets[position[plan]] = ZERO
    for ln in evaluated:
        nets[position[ln.plan]] += ln.net
    return {plan.taxes: net for plan, net in zip(read.plans, nets, strict=True)}


def _apportion(
    charge: AllowanceCharge, groups: dict[tuple[Tax, ...], Decimal], step: Decimal
) -> list[tuple[tuple[Tax, ...], Decimal]]:
    keys = [k for k, v in groups.items() if v != 0]
    if not keys:
        return [((), charge.signed)]
    weights = [abs(groups[k]) for k in keys]
    parts = allocate_decimal(charge.signed, weights, step)
    return list(zip(keys, parts, strict=True))


def _sum_per_tax(
    rules: Rules,
    doc: _DocumentPlan,
    read: LineColumns,
    evaluated: list[Line],
    charge_lines: list[Line],
    by_net: bool,
) -> tuple[TaxSums, Decimal, Decimal]:
    """Exact amounts, bases and (per-line) rounded amounts summed per tax, in the document
    plan's order of taxes (one definition per id); and the sum of the line nets (BT-106) and of
    those of lines that carry no tax, of the lines summed by their nets (global rounding
    leaves those as they are; :func:`_evaluated_nets` adds the others once rounded).

    Under global rounding of rounded nets a linear plan's taxes are factor x net: its lines
    are summed by their nets (the plan's sum of grosses for lines not evaluated), then each
    tax once from the sum."""
    n = len(doc.taxes)
    # Built in C, the columns in TaxSums' order (every document makes one).
    sums = _new_sums(([ZERO] * n, [ZERO] * n, [ZERO] * n, [False] * n))
    raws, bases = sums.raws, sums.bases
    nets: Sequence[Decimal | None] = read.plan_grosses  # every line summed by its net
    if evaluated or charge_lines:
        nets = _nets_and_lines(rules, doc, read, evaluated, charge_lines, by_net, sums)
    line_total = exempt = rules.zero
    line_plans = len(read.plans)
    for k, net in enumerate(nets):
        if net is not None:
            plan = doc.plans[k]
            if k < line_plans:  # the lines', not the charges'
                line_total += net
                if not plan.taxed:
                    exempt += net
            # A plan has one factor per tax (no strict zip: its keyword costs more than the loop).
            for j, f in zip(doc.positions[k], plan.factors):  # noqa: B905
                bases[j] += net
                raws[j] += f * net
    return sums, line_total, exempt


def _nets_and_lines(
    rules: Rules,
    doc: _DocumentPlan,
    read: LineColumns,
    evaluated: list[Line],
    charge_lines: list[Line],
    by_net: bool,
    sums: TaxSums,
) -> list[Decimal | None]:
    """The evaluated lines and the charges into ``sums`` (in place), and per plan the sum of
    the nets of its lines summed by their nets (``None`` for a plan with none)."""
    nets: list[Decimal | None] = [None] * len(doc.plans)
    if by_net:
        for k, plan in enumerate(read.plans):
            if plan.linear:
                nets[k] = read.plan_grosses[k]
    nets_suffice = rules.by_nets and rules.epd is None
    extracting = rules.epd is None
    _add_lines(doc, evaluated, nets, sums, nets_suffice, extracting)
    _add_lines(doc, charge_lines, nets, sums, nets_suffice, extracting)
    return nets


def _add_lines(
    doc: _DocumentPlan,
    lines: list[Line],
    nets: list[Decimal | None],
    sums: TaxSums,
    nets_suffice: bool,
    extracting: bool,
) -> None:
    """Evaluated ``lines`` into the per-tax ``sums`` (in place), or, for those of linear plans
    when ``nets_suffice``, their nets into their plan's ``nets``; a price-included tax is
    marked extracted when ``extracting`` (no tax-base discount)."""
    index = doc.plan_index
    raws, bases, amounts, extracted = sums.raws, sums.bases, sums.amounts, sums.extracted
    for ln in lines:
        plan = ln.plan
        k = index[plan]
        if nets_suffice and plan.linear:
            net = nets[k]
            nets[k] = ln.net if net is None else net + ln.net
            continue
        included = plan.included
        for i, j in enumerate(doc.positions[k]):
            raws[j] += ln.raw[i]
            bases[j] += ln.bases[i]
            amounts[j] += ln.amounts[i]
            if included[i] and extracting:
                extracted[j] = True


def _round_per_line(
    rules: Rules, policy: TaxPolicy, doc: _DocumentPlan, lines: list[Line], sums: TaxSums
) -> Decimal:
    """Per-line rounding: jurisdictions aggregated when the policy says so; the rounding
    adjustment is the lines' sum."""
    if policy.jurisdictions is JurisdictionRounding.AGGREGATE:
        for ln in lines:
            aggregate_line(ln, rules.step)
        amounts = sums.amounts
        for j in range(len(amounts)):
            amounts[j] = ZERO
        position = doc.position
        for ln in lines:
            for i, t in enumerate(ln.plan.taxes):
                amounts[position[t.key]] += ln.amounts[i]
    return sum((ln.adjustment for ln in lines), ZERO)


def _evaluated_nets(
    rules: Rules, evaluated: list[Line], line_total: Decimal, exempt: Decimal
) -> tuple[Decimal, Decimal]:
    """``line_total`` and ``exempt`` with the nets of the evaluated lines not summed by their
    nets (:func:`_sum_per_tax`), as rounding left them."""
    nets_suffice = rules.by_nets and rules.epd is None
    for ln in evaluated:
        if not (nets_suffice and ln.plan.linear):
            line_total += ln.net
            if not ln.plan.taxed:
                exempt += ln.net
    return line_total, exempt


def _charge_nets(charge_lines: list[Line], zero: Decimal) -> tuple[Decimal, Decimal]:
    """The nets of the allowances (BT-107, positive) and of the charges (BT-108)."""
    allowance_total = charge_total = zero
    for ln in charge_lines:
        if ln.charge is ChargeKind.ALLOWANCE:
            allowance_total -= ln.net
        else:
            charge_total += ln.net
    return allowance_total, charge_total


class _DocumentNets(NamedTuple):
    """The nets of a document: its lines' (BT-106), allowances' (BT-107) and charges' (BT-108)."""

    line_total: Decimal
    allowance_total: Decimal
    charge_total: Decimal


def _result(
    rules: Rules,
    cur: Currency,
    policy: TaxPolicy,
    rows: tuple[LineRow, ...] | LineColumns,
    line_count: int,
    nets: tuple[Decimal, Decimal, Decimal],
    doc: _DocumentPlan,
    sums: TaxSums,
    adjustment: Decimal,
    exempt: Decimal,
    epd: Decimal | None,
) -> TaxResult:
    """The totals (a zero carries the step's exponent: 0.00 in EUR, never -0), checked against
    the amount limit, and the result that keeps them with the rows (lines, then charges) and
    the taxes of ``doc`` (their ``sums``, rounded over the document); ``nets`` are those of the
    lines (BT-106), allowances (BT-107) and charges (BT-108)."""
    zero = rules.zero
    adjustment += zero
    line_total, allowance_total, charge_total = nets
    untaxed = line_total - allowance_total + charge_total
    amounts = sums.amounts
    withholding = zero
    if doc.withheld:
        tax_total = zero
        for j, amount in enumerate(amounts):
            if j in doc.withheld:
                withholding += amount
            else:
                tax_total += amount
    else:
        tax_total = sum(amounts, zero)
    total = untaxed + tax_total + withholding + adjustment
    notes: tuple[str, ...] = ()
    if rules.cash_into_tax is not None:  # cash_rounding_in_biggest_tax (not the default)
        rows, notes, folded = _fold_cash_rounding(
            rules.cash_into_tax, cur, doc, amounts, rows, total
        )
        tax_total += folded
        total += folded
    if not (  # inside the amount limit (a document without allowances or charges, at once)
        LOW_LIMIT < line_total < LIMIT
        and LOW_LIMIT < tax_total < LIMIT
        and LOW_LIMIT < withholding < LIMIT
        and LOW_LIMIT < total < LIMIT
        and not allowance_total
        and not charge_total
    ):
        _check_totals(_DocumentNets(*nets), untaxed, tax_total, withholding, total)
    # Every value is computed here from checked inputs: stored as it is (see o2c._build).
    return _new_result(
        currency=cur,
        policy=policy,
        rows=rows,
        # The columns in TaxColumns' order, built in C (tests/test_tax_engine.py checks it).
        tax_columns=_new_tax_columns(
            (doc.taxes, tuple(sums.bases), tuple(amounts), tuple(sums.raws))
        ),
        line_count=line_count,
        amounts=_new_amounts(
            line_total=line_total,
            allowance_total=allowance_total,
            charge_total=charge_total,
            untaxed=untaxed,
            tax_total=tax_total,
            withholding_total=withholding,
            rounding_adjustment=adjustment,
            exempt_sales=exempt,
        ),
        exemptions=(),
        notes=notes,
        tax_base_discount_percent=epd,
    )


def _fold_cash_rounding(
    cash: CashRounding,
    cur: Currency,
    doc: _DocumentPlan,
    amounts: list[Decimal],
    rows: tuple[LineRow, ...] | LineColumns,
    total: Decimal,
) -> tuple[tuple[LineRow, ...] | LineColumns, tuple[str, ...], Decimal]:
    """Cash rounding folded into the tax with the biggest amount (``amounts`` in place, ties to
    the first; withholding taxes excluded), and into that tax on the line holding the most of it
    when the rows keep their amounts: ``(rows, notes, folded difference)``.  A document without
    a tax keeps the difference as a separate amount (``amount_due``)."""
    diff = cash_round(cash, Money(total, cur)).amount - total
    candidates = [j for j in range(len(amounts)) if j not in doc.withheld]
    if diff == 0 or not candidates:
        return rows, (), ZERO
    j = max(candidates, key=lambda k: (abs(amounts[k]), -k))
    amounts[j] += diff
    key = doc.taxes[j].key
    if not isinstance(rows, LineColumns):
        holders = [
            (abs(row_amounts[i]), -r, r, i, row_amounts)
            for r, row in enumerate(rows)
            if (row_amounts := row.amounts) is not None
            for i, t in enumerate(row.taxes)
            if t.key == key
        ]
        if holders:
            *_, r, i, held = max(holders, key=lambda h: h[:2])
            new = list(held)
            new[i] += diff
            rows = (*rows[:r], rows[r]._replace(amounts=tuple(new)), *rows[r + 1 :])
    note = f"cash rounding {diff} folded into tax {doc.taxes[j].id} (not EN 16931: BT-114)"
    return rows, (note,), diff


#: The keyword constructors of the engine's results (see :mod:`o2c._build`).
_new_result = builder(TaxResult)
_new_amounts = builder(DocumentAmounts)


def _rows(
    rules: Rules, read: LineColumns, lines: list[Line], split: bool, epd: Decimal | None
) -> tuple[LineRow, ...] | LineColumns:
    """The rows a result keeps: ``read`` itself when no line was evaluated and there are no
    charges; else one row per line and charge.  Under global rounding a row has no amounts
    (spread when read), and a linear line with rounded nets no bases or exact amounts (the plan
    gives them: its row is the one ``read`` makes)."""
    if not lines:
        return read
    compact = rules.by_nets and epd is None and not split
    rows = list(read.rows())
    for ln in lines:
        if ln.charge is not None:
            rows.append(_row(ln, split, rules))
        elif not (compact and ln.plan.linear):
            rows[ln.index] = _row(ln, split, rules)
    return tuple(rows)


def _row(ln: Line, split: bool, rules: Rules) -> LineRow:
    keep_amounts = rules.per_line or split
    return LineRow(
        line_index=ln.index,
        charge=ln.charge,
        gross=ln.gross,
        net=ln.net,
        adjustment=ln.adjustment,
        taxes=ln.plan.taxes,
        # Lines split by global rounding keep rounded bases, as TaxResult.lines shows them.
        bases=tuple(rules.q(b) for b in ln.bases) if split else tuple(ln.bases),
        raws=tuple(ln.raw),
        amounts=tuple(ln.amounts) if keep_amounts else None,
    )


def _check_totals(
    document: _DocumentNets,
    untaxed: Decimal,
    tax_total: Decimal,
    withholding: Decimal,
    total: Decimal,
) -> None:
    """Refuse a document whose totals are beyond the amount limit (each line may be within);
    :func:`_result` compares them inline first and asks this for the details."""
    within(document.line_total, "line_total")
    within(document.allowance_total, "allowance_total")
    within(document.charge_total, "charge_total")
    within(untaxed, "untaxed")
    within(tax_total, "tax_total")
    within(withholding, "withholding_total")
    within(total, "total")
