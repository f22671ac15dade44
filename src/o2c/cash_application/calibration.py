"""A calibrated confidence: the matcher's raw score mapped to the precision it has shown.

The scoring rules (:mod:`~o2c.cash_application.evaluate` and the modules it calls) give each
hypothesis a raw *score*; a score says which hypothesis is better, not how often the best one is
right.  A :class:`ConfidenceMap` says that: fitted on labelled data (a ledger's confirmed
history: each confirmed payment, matched again, is right or wrong), it maps a score to a lower
bound of the precision observed at that score.  ``confidence 0.998`` then means "at least 99.8%
of such matches were right", and the policy's ``auto_precision`` says what ``auto`` means in
those terms.

How :func:`fit_confidence` fits (pure Python, no numbers library):

1. the outcomes are grouped by score (scores have three decimals) and sorted;
2. **isotonic regression by pool-adjacent-violators**: neighbouring groups are pooled while the
   precision of a lower-scored pool exceeds that of the next, so precision never falls as the
   score rises;
3. each pool's precision is replaced by its **Wilson lower bound** (``z`` standard errors), and
   neighbouring pools whose bounds fall are pooled again: a bound never exceeds what the pooled
   outcomes support, and the map stays monotone.

>>> m = fit_confidence([(0.5, False), (0.5, True), (0.9, True), (0.95, True)] * 200)
>>> m.edges, m.values
((0.5, 0.9, 0.95), (0.5, 1.0, 1.0))
>>> m(0.3), m(0.5), m(0.92), m(1.0)
(0.5, 0.5, 1.0, 1.0)
>>> fit_confidence([(0.5, False), (0.5, True), (0.9, True), (0.95, True)] * 200, z=2.576).values
(0.4361, 0.9678, 0.9678)
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from o2c.errors import O2CError

if TYPE_CHECKING:
    from o2c.cash_application.model import MatchResult

__all__ = [
    "ConfidenceMap",
    "DEFAULT_CONFIDENCE",
    "fit_confidence",
    "labelled_outcomes",
    "wilson_lower_bound",
]


def wilson_lower_bound(right: int, n: int, z: float = 2.576) -> float:
    """The Wilson score lower bound of a precision of ``right`` out of ``n`` (0 when ``n`` is 0).

    >>> round(wilson_lower_bound(999, 1000), 4), round(wilson_lower_bound(10, 10), 4)
    (0.9915, 0.6011)
    """
    if n <= 0:
        return 0.0
    p = right / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, (centre - spread) / (1 + z2 / n))


@attrs.frozen
class ConfidenceMap:
    """A non-decreasing step function from raw score to expected precision.

    ``edges[i]`` is the least raw score of step ``i`` and ``values[i]`` its confidence (a lower
    bound of the precision observed there); scores below the first edge take the first value.
    ``counts[i]`` and ``right[i]``: the labelled outcomes the step was fitted on (for the record).
    """

    edges: tuple[float, ...]
    values: tuple[float, ...]
    counts: tuple[int, ...] = ()
    right: tuple[int, ...] = ()

    def __attrs_post_init__(self) -> None:
        if not self.edges or len(self.edges) != len(self.values):
            raise CalibrationError("a confidence map needs one value per edge, and one edge")
        if any(b < a for a, b in zip(self.edges, self.edges[1:], strict=False)):
            raise CalibrationError(f"edges={self.edges!r} must not decrease")
        if any(b < a for a, b in zip(self.values, self.values[1:], strict=False)):
            raise CalibrationError(f"values={self.values!r} must not decrease")
        if any(not 0.0 <= v <= 1.0 for v in self.values):
            raise CalibrationError(f"values={self.values!r} must lie in [0, 1]")

    def __call__(self, score: float) -> float:
        """The confidence (expected precision, lower bound) of a raw ``score``."""
        at = bisect_right(self.edges, score) - 1
        return self.values[max(at, 0)]

    def least_score(self, confidence: float) -> float | None:
        """The least raw score whose confidence reaches ``confidence`` (``None``: none does)."""
        for edge, value in zip(self.edges, self.values, strict=True):
            if value >= confidence:
                return edge
        return None


class CalibrationError(O2CError):
    """A confidence map that is not a non-decreasing step function into [0, 1]."""


def fit_confidence(
    outcomes: Iterable[tuple[float, bool]],
    *,
    z: float = 0.0,
    min_count: int = 30,
    digits: int = 4,
) -> ConfidenceMap:
    """Fit a :class:`ConfidenceMap` on labelled outcomes ``(raw score, right?)``.

    Args:
        outcomes: per labelled payment, the raw score of the matcher's best proposal and
            whether that proposal was what the ledger confirmed (see :func:`labelled_outcomes`).
        z: standard errors below the observed precision each step is set to.  0 (the
            default): the isotonic estimate itself, the *expected* precision the policy's
            ``auto_precision`` speaks of; 1.645 or 2.576: a 95% or 99% one-sided lower bound
            (on the public history these post no more than 60% of what 0 posts: the history
            rebuilt from allocations is noisier than a live ledger, so a bound on it is twice
            cautious).
        min_count: a step of fewer outcomes is pooled with the one below it (ten right out of
            ten is no evidence of 99.8%).
        digits: values are rounded down to this many decimals.

    Raises:
        CalibrationError: no outcomes.
    """
    groups: dict[float, list[int]] = {}
    for score, right in outcomes:
        g = groups.setdefault(round(float(score), 6), [0, 0])
        g[0] += 1
        g[1] += bool(right)
    if not groups:
        raise CalibrationError("outcomes is empty: nothing to fit a confidence on")
    # Pool-adjacent-violators on precision (each pool: least score, count, right).
    pools: list[list[float]] = []
    for score in sorted(groups):
        n, r = groups[score]
        pools.append([score, n, r])
        while len(pools) > 1 and pools[-2][2] / pools[-2][1] > pools[-1][2] / pools[-1][1]:
            _merge_last(pools)
    # The Wilson bound of each pool, pooled again wherever a bound falls or a pool is small.
    bounded: list[list[float]] = []
    for pool in pools:
        bounded.append(pool)
        while len(bounded) > 1 and (
            _bound(bounded[-2], z) > _bound(bounded[-1], z) or bounded[-1][1] < min_count
        ):
            _merge_last(bounded)
    scale = 10**digits
    return ConfidenceMap(
        edges=tuple(p[0] for p in bounded),
        values=tuple(math.floor(_bound(p, z) * scale) / scale for p in bounded),
        counts=tuple(int(p[1]) for p in bounded),
        right=tuple(int(p[2]) for p in bounded),
    )


def _merge_last(pools: list[list[float]]) -> None:
    last = pools.pop()
    pools[-1][1] += last[1]
    pools[-1][2] += last[2]


def _bound(pool: Sequence[float], z: float) -> float:
    return wilson_lower_bound(int(pool[2]), int(pool[1]), z)


#: The scorer's tolerance on an applied amount (``../shared/bench/cashapp/score.py``: ``same``).
_CENT = Decimal("0.01")


def labelled_outcomes(
    results: Iterable[MatchResult], confirmed: Mapping[str, Mapping[str, Decimal]]
) -> list[tuple[float, bool]]:
    """``(raw score, right?)`` per result whose payment the ledger has confirmed.

    ``confirmed``: per payment id, the amount applied to each item (item id -> amount in the
    item's currency); an empty mapping means the payment was rightly left alone.  A result is
    right as the benchmarks' scorer counts it: its best proposal (posted or suggested) applies
    to exactly those items amounts each within a cent of the confirmed one; a result without a
    proposal is right when the confirmation is empty.
    """
    out: list[tuple[float, bool]] = []
    for r in results:
        truth = confirmed.get(r.payment_id)
        if truth is None or not r.payment.is_incoming:
            continue
        best = r.allocations or (r.suggestions[0].allocations if r.suggestions else ())
        got = {a.item_id: a.applied.amount for a in best}
        right = got.keys() == truth.keys() and all(abs(got[k] - truth[k]) <= _CENT for k in got)
        out.append((r.score, right))
    return out


#: The shipped default, fitted by ``benchmarks/cash_application.py --fit`` on the confirmed
#: history of the public bank-file set (``../shared/bench/cashapp2/history``: 49,205 payments
#: of nine months, each matched again against the items its month's and the next month's
#: confirmed allocations name, rebuilt as a ledger held them (open for the applied amount,
#: residual included; the discount offer where one was taken; dated from the document number
#: and due by the customer's terms), learning payers from the other months; the test lines and
#: their truth are never used).  46,769 of the 49,205 come out right as the scorer counts.
#: Isotonic estimate (``z`` 0, steps of at least 30 outcomes); per step: raw score from, expected
#: precision, outcomes (right of n).  Auto (99.8%) starts at a raw score of 0.917: the history's
#: wrong matches at raw 0.92-0.93 were long or cut lists of documents closed with a deduction or
#: money on account, and named credit notes left out; those wait for a person
#: (``MatchPolicy.full_text_field``, ``long_list``), so the band holds.  Refitted after issue 17's
#: subset odds, slips to other customers' documents and numbers read once: the steps moved by a
#: thousandth (0.916 -> 0.917), the auto band holds 7,955 right of 7,962.
DEFAULT_CONFIDENCE = ConfidenceMap(
    edges=(0.0, 0.029, 0.897, 0.917, 0.973, 0.976, 0.995),
    values=(0.0028, 0.3862, 0.9886, 0.9991, 0.9996, 0.9997, 0.9997),
    counts=(695, 2812, 88, 7962, 6192, 3650, 27806),
    right=(2, 1086, 87, 7955, 6190, 3649, 27800),
)
