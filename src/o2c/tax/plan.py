"""Plans: what a tax set computes, compiled once and run per document.

A :class:`_Plan` holds, for one tuple of taxes, everything that does not depend on amounts
(factors, per-unit amounts, inclusion, which earlier taxes feed each base, division batches);
a :class:`_DocumentPlan` the taxes of a document's tuple of plans.  Both are cached by value,
so a document of lines sharing a few tax sets compiles each once.  The policy compiled for a
currency is :class:`o2c.tax.rules.Rules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs

from o2c.errors import InvalidTaxError
from o2c.money import AMOUNT_INTEGER_DIGITS, CONTEXT
from o2c.tax.kinds import _AMOUNT_KINDS, HUNDRED, LIMIT, LOW_LIMIT, ONE, ZERO, TaxKind
from o2c.tax.model import Tax, _coefficients

__all__ = ["canonical_step", "document_plan", "line_plans", "plan_of", "solve_net", "within"]


@attrs.frozen(eq=False)
class _Plan:
    """What a tuple of taxes computes, independent of amounts: per tax its factor or amount per
    unit, whether it is price-included, and which earlier taxes feed its base.

    Compared by identity: :func:`plan_of` makes one plan per tax set (while it is cached), and a
    document groups its lines by their plan.
    """

    taxes: tuple[Tax, ...]
    factors: tuple[Decimal, ...]
    per_unit: tuple[Decimal, ...]
    fixed: tuple[bool, ...]
    included: tuple[bool, ...]
    contrib: tuple[tuple[int, ...], ...]
    any_included: bool
    last_included: int
    #: Only price-excluded percent/division taxes on the net alone, none above 100 % (so no
    #: line tax exceeds its net): the common case.  Each tax's base is then the net and its
    #: amount ``factor x net``, so a line is evaluated and summed by its net alone.
    linear: bool
    #: Whether a tax with a non-zero rate or amount is on the line.
    taxed: bool
    #: Positions of document-level fixed taxes ...
    document_fixed: tuple[int, ...] = ()
    #: ... and whether a later tax's base includes one of them (the line is then evaluated
    #: again once its share of the document amount is known).
    feeds_on_document_fixed: bool = False
    #: Per tax, whether the net is in its base: ``None`` when it is in every base (the common
    #: case), else ``False`` for a tax on a previous row's amount (:attr:`Tax.previous_row`).
    on_net: tuple[bool, ...] | None = None


def plan_of(taxes: tuple[Tax, ...], force_excluded: bool = False) -> _Plan:
    """The plan of a line's taxes, compiled once per tax set (cached by value).

    ``force_excluded`` treats every tax as price-excluded (document allowances and charges).
    The cache is a plain dict by the tax tuple (a dict lookup costs a third of ``lru_cache``'s,
    and every line of every document looks its plan up); it is emptied when it grows past
    :data:`_MAX_PLANS`.

    Raises:
        InvalidTaxError: for a tax twice on one line, or a price-included tax whose base holds a
            document-level fixed amount.
    """
    cache = _CHARGE_PLANS if force_excluded else _PLANS
    plan = cache.get(taxes)
    if plan is None:
        if len(cache) >= _MAX_PLANS:
            cache.clear()
            _DOCUMENT_PLANS.clear()  # they hold plans of the cache
            _LINE_PLANS.clear()
        plan = cache[taxes] = _compile(taxes, force_excluded)
    return plan


#: Compiled plans by tax tuple: for lines, and for document charges (every tax excluded).
_PLANS: dict[tuple[Tax, ...], _Plan] = {}


_CHARGE_PLANS: dict[tuple[Tax, ...], _Plan] = {}


#: The most plans kept (a business has a few dozen tax sets).
_MAX_PLANS = 4096


@attrs.frozen(eq=False)
class _DocumentPlan:
    """What the plans of a document compute together, independent of amounts: each tax once,
    in order of first appearance, where each plan's taxes stand in that order, and what the
    document steps read of each tax, compiled.

    Compiled once per tuple of plans (:func:`document_plan`): a document sums its lines per
    plan, then each plan's sums into the columns of its taxes.
    """

    #: The plans, in order of first appearance (lines first, then charges).
    plans: tuple[_Plan, ...]
    #: Each tax once (one definition per id), in the order the plans first name them.
    taxes: tuple[Tax, ...]
    #: Per plan, the position in :attr:`taxes` of each of its taxes.
    positions: tuple[tuple[int, ...], ...]
    #: The position of each plan in :attr:`plans` (plans compare by identity).
    plan_index: Mapping[_Plan, int]
    #: The position in :attr:`taxes` of each tax's :attr:`~o2c.tax.model.Tax.key` (its id, or
    #: its id and rate for an item-level rate override).
    position: Mapping[str, int]
    #: Per tax, its rate as a fraction (``percent / 100``) for a percent tax (whose amount is
    #: rate x rounded base under EN 16931 global rounding), ``None`` for any other kind.
    rates: tuple[Decimal | None, ...]
    #: The positions of withholding taxes (kept apart from the tax total).
    withheld: tuple[int, ...]
    #: The positions of taxes with a jurisdiction (rounded as one aggregate when asked).
    jurisdictions: tuple[int, ...]
    #: Whether every plan is linear (see :attr:`_Plan.linear`).
    linear: bool
    #: Whether a plan has a price-included tax.
    any_included: bool


def document_plan(plans: tuple[_Plan, ...]) -> _DocumentPlan:
    """The document plan of ``plans`` (in order of first appearance), compiled once.

    Cached by the tuple of plans, which stand for their tax sets by value (:func:`plan_of` makes
    one plan per tax set while it is cached, and the cache is emptied with it).

    Raises:
        InvalidTaxError: for two different taxes sharing an id.
    """
    doc = _DOCUMENT_PLANS.get(plans)
    if doc is None:
        if len(_DOCUMENT_PLANS) >= _MAX_PLANS:
            _DOCUMENT_PLANS.clear()
        doc = _DOCUMENT_PLANS[plans] = _compile_document(plans)
    return doc


#: Compiled document plans by their tuple of plans.
_DOCUMENT_PLANS: dict[tuple[_Plan, ...], _DocumentPlan] = {}


@attrs.frozen(eq=False)
class _LinePlans:
    """The document plan of a document's lines, by their tax sets (see :func:`line_plans`)."""

    #: The document plan of the sets' plans (each plan once, in order of first appearance).
    doc: _DocumentPlan
    #: Per tax set, the position of its plan in ``doc.plans``; ``None`` when that is the set's
    #: own position (no two sets are equal), the common case.
    of_set: tuple[int, ...] | None


def line_plans(tax_sets: tuple[tuple[Tax, ...], ...]) -> _LinePlans:
    """The document plan of lines with the tax sets ``tax_sets`` (in order of first appearance),
    compiled once per tuple of tax sets (cached by value): a document looks its plans up in one
    step.  Equal sets that are distinct objects share one plan (:func:`plan_of` is by value).

    Raises:
        InvalidTaxError: for a tax twice on one line, two different taxes sharing an id ...
    """
    found = _LINE_PLANS.get(tax_sets)
    if found is None:
        if len(_LINE_PLANS) >= _MAX_PLANS:
            _LINE_PLANS.clear()
        plans = [plan_of(taxes) for taxes in tax_sets]
        unique = tuple(dict.fromkeys(plans))
        doc = document_plan(unique)
        of_set = None if len(unique) == len(plans) else tuple(doc.plan_index[p] for p in plans)
        found = _LINE_PLANS[tax_sets] = _LinePlans(doc=doc, of_set=of_set)
    return found


#: Compiled line plans by the tuple of the lines' tax sets.
_LINE_PLANS: dict[tuple[tuple[Tax, ...], ...], _LinePlans] = {}


def _compile_document(plans: tuple[_Plan, ...]) -> _DocumentPlan:
    taxes: list[Tax] = []
    position: dict[str, int] = {}
    positions = []
    for plan in plans:
        own = []
        for t in plan.taxes:
            key = t.key  # the id, or the id and rate of an item-level rate override
            j = position.get(key)
            if j is None:
                j = position[key] = len(taxes)
                taxes.append(t)
            elif taxes[j] is not t and taxes[j] != t:
                raise InvalidTaxError(
                    f"two different taxes share the id {t.id}: give each definition its own id",
                    field="taxes",
                    value=t.id,
                )
            own.append(j)
        positions.append(tuple(own))
    return _DocumentPlan(
        plans=plans,
        taxes=tuple(taxes),
        positions=tuple(positions),
        plan_index={plan: k for k, plan in enumerate(plans)},
        position=position,
        rates=tuple(t.percent / HUNDRED if t.kind is TaxKind.PERCENT else None for t in taxes),
        withheld=tuple(j for j, t in enumerate(taxes) if t.withholding),
        jurisdictions=tuple(j for j, t in enumerate(taxes) if t.jurisdiction is not None),
        linear=all(plan.linear for plan in plans),
        any_included=any(plan.any_included for plan in plans),
    )


def _compile(taxes: tuple[Tax, ...], force_excluded: bool) -> _Plan:
    n = len(taxes)
    seen: set[str] = set()
    for t in taxes:
        if t.id in seen:
            raise InvalidTaxError(
                f"tax {t.id} appears twice on one line; give each tax once",
                field="taxes",
                value=t.id,
            )
        seen.add(t.id)
    batch_total = _division_batches(taxes)
    factors = []
    per_unit = []
    contrib = []
    on_net: list[bool] = [True] * n
    for i, t in enumerate(taxes):
        f, c = _coefficients(t, batch_total[i])
        factors.append(f)
        per_unit.append(c)
        row = t.previous_row if t.previous_row is not None else t.previous_total
        if row is not None:  # on a previous row's amount, or the running total at it
            r = _row_of(taxes, i, row)
            on_net[i] = t.previous_total is not None
            contrib.append((r,) if t.previous_row is not None else tuple(range(r + 1)))
        elif t.compound:
            contrib.append(tuple(range(i)))
        elif t.base_affected_by_previous:
            contrib.append(tuple(j for j in range(i) if taxes[j].affects_base_of_subsequent))
        else:
            contrib.append(())
    included = tuple(t.price_included and not force_excluded for t in taxes)
    last = max((i for i in range(n) if included[i]), default=-1)
    # Which taxes have a document-level fixed amount in their base (directly or through an
    # earlier tax): known only once the document amount is spread, after the line's net.
    on_fixed = [False] * n
    for i in range(n):
        on_fixed[i] = any(
            taxes[j].kind is TaxKind.DOCUMENT_FIXED or on_fixed[j] for j in contrib[i]
        )
        if on_fixed[i] and included[i]:
            raise InvalidTaxError(
                f"tax {taxes[i].id} is price-included but its base includes a document-level "
                "fixed amount, which is known only for the whole document: the line's net "
                "cannot be recovered from its price; make it price-excluded",
                field="taxes",
                value=taxes[i].id,
            )
    return _Plan(
        taxes=taxes,
        factors=tuple(factors),
        per_unit=tuple(per_unit),
        fixed=tuple(t.kind is TaxKind.FIXED for t in taxes),
        included=included,
        contrib=tuple(contrib),
        any_included=last >= 0,
        last_included=last,
        linear=last < 0
        and not any(contrib)
        and not any(t.kind in _AMOUNT_KINDS for t in taxes)
        and all(-ONE <= f <= ONE for f in factors),
        taxed=any(
            (t.amount_per_unit != 0 if t.kind in _AMOUNT_KINDS else t.percent != 0) for t in taxes
        ),
        document_fixed=tuple(i for i, t in enumerate(taxes) if t.kind is TaxKind.DOCUMENT_FIXED),
        feeds_on_document_fixed=any(on_fixed),
        on_net=None if all(on_net) else tuple(on_net),
    )


def _division_batches(taxes: tuple[Tax, ...]) -> list[Decimal | None]:
    """Per tax, the total percent of its division batch (``None`` for other kinds): consecutive
    division taxes with the same inclusion, none feeding the next."""
    n = len(taxes)
    batch_total: list[Decimal | None] = [None] * n
    i = 0
    while i < n:
        t = taxes[i]
        if t.kind is not TaxKind.DIVISION:
            i += 1
            continue
        j = i
        while (
            j + 1 < n
            and taxes[j + 1].kind is TaxKind.DIVISION
            and taxes[j + 1].price_included == t.price_included
            and not taxes[j].affects_base_of_subsequent
        ):
            j += 1
        total = sum((taxes[k].percent for k in range(i, j + 1)), ZERO)
        for k in range(i, j + 1):
            batch_total[k] = total
        i = j + 1
    return batch_total


def _row_of(taxes: tuple[Tax, ...], i: int, row: str) -> int:
    """The position of the tax ``row`` before position ``i`` (the row tax ``i`` is based on)."""
    for r in range(i):
        if taxes[r].id == row:
            return r
    raise InvalidTaxError(
        f"tax {taxes[i].id} is based on the row of tax {row}, which is not an earlier tax on "
        "the line: put it before (by sequence) on every line that carries both",
        field="taxes",
        value=taxes[i].id,
    )


def solve_net(plan: _Plan, gross: Decimal, quantity: Decimal, sign: int) -> list[Decimal]:
    """Exact amounts ``[N, A_0, A_1, ...]`` such that ``gross = N + sum(included A_i)``."""
    n = len(plan.taxes)
    a = [ZERO] * n
    c = [ZERO] * n
    inc_a = ZERO
    inc_c = ZERO
    on_net = plan.on_net
    for i in range(n):
        if plan.fixed[i]:
            c[i] = plan.per_unit[i] * quantity * sign
        else:
            ba = ONE if on_net is None or on_net[i] else ZERO
            bc = ZERO
            for j in plan.contrib[i]:
                ba += a[j]
                bc += c[j]
            f = plan.factors[i]
            a[i] = f * ba
            c[i] = f * bc
        if plan.included[i]:
            inc_a += a[i]
            inc_c += c[i]
    denominator = ONE + inc_a
    if denominator == 0:
        raise InvalidTaxError(
            "the price-included taxes of a line sum to -100%: the net cannot be recovered",
            field="taxes",
            value=tuple(t.id for t in plan.taxes),
        )
    net = (gross - inc_c) / denominator
    return [net, *[a[i] * net + c[i] for i in range(n)]]


def within(value: Decimal, what: str) -> Decimal:
    """``value`` when it is inside the amount limit, else a clear error."""
    if LOW_LIMIT < value < LIMIT:
        return value
    raise InvalidTaxError(
        f"{what} comes to {value:.6E}, beyond o2c's amount limit ({AMOUNT_INTEGER_DIGITS} "
        "digits before the decimal point): check the rates and quantities, or split the document",
        field=what,
        value=value,
    )


def canonical_step(step: Decimal) -> Decimal:
    """``step`` with a canonical exponent when it is a power of ten (``1.00`` -> ``1``).

    o2c.money.quantize_decimal caches "is this step a power of ten" by Decimal value, and
    ``Decimal("1.00") == Decimal("1")``: a non-canonical power of ten could then be used as an
    exponent template and round nothing.  Canonical steps side-step that.
    """
    normal = step.normalize(CONTEXT)
    if normal.as_tuple().digits == (1,):
        return normal
    return step
