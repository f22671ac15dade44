""":class:`Rules`: a :class:`~o2c.tax.policy.TaxPolicy` compiled for a currency (and a
tax-base discount), cached by value: its rounding step and tie rule as one rounding function,
and its choices as flags the engine reads.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from o2c.money import rounder
from o2c.tax.kinds import HUNDRED, ONE, ZERO
from o2c.tax.plan import canonical_step
from o2c.tax.policy import CompoundBase, GlobalBase, JurisdictionRounding, RoundingMethod, TaxPolicy

__all__ = ["Rules", "cached_rules", "rules_for"]


class Rules:
    """A :class:`TaxPolicy` compiled for one currency (and tax-base discount): its rounding step
    and tie rule as one rounding function, and its choices as flags the engine reads."""

    __slots__ = (
        "by_nets",
        "cash_into_tax",
        "compound_raw",
        "decimal_mode",
        "epd",
        "global_rounded",
        "included",
        "mode",
        "per_line",
        "per_unit",
        "q",
        "quantum",
        "separate_jurisdictions",
        "step",
        "zero",
    )

    def __init__(self, policy: TaxPolicy, step: Decimal, epd: Decimal | None) -> None:
        self.step = canonical_step(step)
        self.mode = policy.rounding.rounding
        #: Rounds a Decimal to ``step`` under ``mode`` (the step inspected once).
        self.q = rounder(self.step, self.mode)
        #: The step when it is a power of ten, else ``None``: ``q(x)`` is then
        #: ``x.quantize(quantum, decimal_mode, CONTEXT)`` (see :func:`o2c.money.rounder`), which
        #: the engine's loop over lines calls directly on line amounts (inside the amount
        #: limit, so none of ``q``'s errors can arise).
        self.quantum = self.step if self.step.as_tuple().digits == (1,) else None
        self.decimal_mode = self.mode.value
        #: Zero with the step's exponent (0.00 in EUR).
        self.zero = ZERO * self.step
        self.per_line = policy.method is not RoundingMethod.GLOBAL
        self.per_unit = policy.method is RoundingMethod.PER_UNIT
        self.global_rounded = policy.global_base is GlobalBase.ROUNDED_LINES
        #: Global rounding over rounded line nets (EN 16931): a linear plan's lines are then
        #: summed by their nets alone, and kept as their nets.
        self.by_nets = not self.per_line and self.global_rounded
        self.separate_jurisdictions = policy.jurisdictions is JurisdictionRounding.SEPARATE
        self.compound_raw = policy.compound_base is CompoundBase.RAW
        self.included = policy.included
        #: The factor a "mixed" early-payment discount leaves of the tax base.
        self.epd = None if epd is None else ONE - epd / HUNDRED
        #: Cash rounding folded into the biggest tax (``cash_rounding_in_biggest_tax``), else
        #: ``None`` (the difference is a separate amount, read off the result).
        self.cash_into_tax = policy.cash_rounding if policy.cash_rounding_in_biggest_tax else None


def rules_for(policy: TaxPolicy, code: str, epd: Decimal | None) -> Rules:
    """``policy`` compiled for the currency ``code``, once per policy value (see :class:`Rules`).

    A policy that cannot be hashed (cash rounding with its overrides mapping) is compiled again
    for each document.
    """
    try:
        return cached_rules(policy, code, epd)
    except TypeError:  # unhashable: not cached
        return Rules(policy, policy.step_for(code), epd)


@lru_cache(maxsize=1024)
def cached_rules(policy: TaxPolicy, code: str, epd: Decimal | None) -> Rules:
    """:class:`Rules` of a hashable ``policy``, once per value (``TypeError`` for another)."""
    return Rules(policy, policy.step_for(code), epd)
