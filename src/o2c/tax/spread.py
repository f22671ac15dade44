"""Remainders: splitting a rounded total over parts so they sum to it exactly (largest remainder).

Every split of the tax engine goes through these: a tax's document amount over its lines, a
document-level fixed tax over the lines that carry it, an aggregate over jurisdictions.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from o2c.money import allocate_decimal, quantize_decimal
from o2c.tax.kinds import ZERO
from o2c.tax.model import Tax

__all__ = ["spread", "steps", "tax_parts"]


def spread(total: Decimal, raws: Sequence[Decimal], step: Decimal) -> list[Decimal]:
    """Split ``total`` over parts near ``raws`` so they sum exactly (largest remainder).

    Positive and negative raw parts are allocated separately so each part keeps its sign.
    """
    n = len(raws)
    if n == 1:
        return [total]
    pos = [r if r > 0 else ZERO for r in raws]
    neg = [-r if r < 0 else ZERO for r in raws]
    pos_sum = sum(pos, ZERO)
    neg_sum = sum(neg, ZERO)
    if neg_sum == 0:
        if pos_sum == 0:
            return allocate_decimal(total, [1] * n, step)
        return allocate_decimal(total, pos, step)
    if pos_sum == 0:
        return allocate_decimal(total, neg, step)
    # The larger side (ties: the side of the first part) is rounded on its own, the other side
    # takes the rest, so negating every raw part negates every result exactly.
    first_positive = next(r for r in raws if r != 0) > 0
    if pos_sum > neg_sum or (pos_sum == neg_sum and first_positive):
        pos_total = quantize_decimal(pos_sum, step)
        neg_total = total - pos_total
    else:
        neg_total = -quantize_decimal(neg_sum, step)
        pos_total = total - neg_total
    a = allocate_decimal(pos_total, pos, step)
    b = allocate_decimal(neg_total, neg, step)
    return [a[i] if raws[i] > 0 else b[i] for i in range(n)]


def steps(total: Decimal, excess: list[Decimal], step: Decimal) -> list[Decimal]:
    """``total`` (a multiple of ``step``) in steps to the parts with the largest ``excess`` in
    its direction (ties to the earlier part); evenly first when there are more steps than parts."""
    n = len(excess)
    out = [ZERO * step] * n
    units = int(total / step)
    if units == 0:
        return out
    direction = 1 if units > 0 else -1
    each, extra = divmod(abs(units), n)
    order = sorted(range(n), key=lambda i: (-(excess[i] * direction), i))
    for rank, i in enumerate(order):
        out[i] = direction * (each + (1 if rank < extra else 0)) * step
    return out


def tax_parts(
    totals: Sequence[tuple[str, Decimal]],
    taxes: Sequence[tuple[Tax, ...]],
    raws: Sequence[Sequence[Decimal]],
    step: Decimal,
) -> list[list[Decimal]]:
    """Each tax's document amount spread over the lines carrying it (largest remainder of their
    exact amounts, see :func:`spread`): one list of amounts per line, by tax position.  A
    total is named by its tax's :attr:`~o2c.tax.model.Tax.key`."""
    out = [[ZERO] * len(t) for t in taxes]
    for key, amount in totals:
        holders = [(r, i) for r, row in enumerate(taxes) for i, x in enumerate(row) if x.key == key]
        parts = spread(amount, [raws[r][i] for r, i in holders], step)
        for (r, i), part in zip(holders, parts, strict=True):
            out[r][i] = part
    return out
