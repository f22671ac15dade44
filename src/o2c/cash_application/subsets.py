"""Exact subset sums (meet in the middle) and the density of coincidental sums."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


__all__ = []


def _sums(values: Sequence[int]) -> list[int]:
    """Every subset sum of ``values`` (2**len entries; the subset of bit mask m at index m).

    Remembered (the list is shared: callers do not change it): the subset search and the
    density read the same halves, and a customer's open amounts recur from payment to payment.
    """
    return _sums_of(tuple(values))


@lru_cache(maxsize=128)
def _sums_of(values: tuple[int, ...]) -> list[int]:
    sums = [0]
    for v in values:
        sums += [s + v for s in sums]
    return sums


@lru_cache(maxsize=128)
def _sorted_sums(values: tuple[int, ...]) -> tuple[list[int], Counter[int]]:
    """The subset sums of ``values`` in order, and how often each occurs (remembered)."""
    ordered = sorted(_sums_of(values))
    return ordered, Counter(ordered)


def _half_sums(values: Sequence[int]) -> tuple[list[int], list[int]]:
    """Every subset sum of ``values`` with its bit mask (2**len entries)."""
    return _sums(values), list(range(1 << len(values)))


def _subset_sums(
    values: Sequence[int], target: int, max_size: int, limit: int = 2
) -> list[tuple[int, ...]]:
    """Up to ``limit`` non-empty index subsets of ``values`` summing exactly to ``target``.

    Meet in the middle: the sums of each half are enumerated (2**(n/2) each) and joined
    through a hash table, so 22 items cost about 4,000 sums rather than 4 million.
    """
    n = len(values)
    half = n // 2
    lsums, lmasks = _half_sums(values[:half])
    rsums, rmasks = _half_sums(values[half:])
    lkeys = [target - v for v in lsums]
    rmap = dict(zip(rsums, rmasks, strict=True))
    lmap = dict(zip(lkeys, lmasks, strict=True))
    ldup = len(lmap) < len(lkeys)
    rdup = len(rmap) < len(rsums)
    found: list[tuple[int, ...]] = []
    for key in sorted(lmap.keys() & rmap.keys()):
        # Equal sums within a half are rare (equal or round amounts): expand them only here.
        lms = [m for k, m in zip(lkeys, lmasks, strict=True) if k == key] if ldup else [lmap[key]]
        rms = [m for k, m in zip(rsums, rmasks, strict=True) if k == key] if rdup else [rmap[key]]
        for mask in lms:
            for rmask in rms:
                if mask == 0 and rmask == 0:
                    continue
                idx = _indices(mask, rmask, half, n)
                if len(idx) <= max_size:
                    found.append(idx)
                    if len(found) >= limit:
                        return found
    return found


def _indices(mask: int, rmask: int, half: int, n: int) -> tuple[int, ...]:
    return tuple(i for i in range(half) if mask >> i & 1) + tuple(
        half + i for i in range(n - half) if rmask >> i & 1
    )


def _window(target: int) -> int:
    """Half the width (minor units) of the window :func:`_local_density` counts sums in: 5% of
    ``target``, at least one unit of currency (100 minor units)."""
    return max(100, target // 20)


def _least_density(target: int) -> float:
    """The density one subset sum in the window around ``target`` would give.

    What a window without any other sum still allows: none seen among a few thousand sums is no
    proof that a coincidence is impossible (one pseudo-sum, as a Laplace estimate adds one).
    """
    return 1.0 / (2 * _window(target))


def _local_density(values: Sequence[int], target: int) -> float:
    """Subset sums per minor unit in a window around ``target`` (exact hits excluded).

    The expected number of subsets that would add up to an amount near ``target`` by
    coincidence: the chance that a unique exact subset is an accident.
    """
    width = _window(target)
    n = len(values)
    half = n // 2
    left = _sums(values[:half])
    right, rset = _sorted_sums(tuple(values[half:]))
    lo, hi = target - width, target + width
    # For each left sum s, the right sums in [lo - s, hi - s] (binary search in the sorted half).
    count = 0
    exact = 0
    for s in left:
        count += bisect_right(right, hi - s) - bisect_left(right, lo - s)
        exact += rset.get(target - s, 0)
    return (count - exact) / (2 * width)
