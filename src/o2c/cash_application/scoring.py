"""Hypotheses and their confidence."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    pass

from o2c.cash_application.amounts import _Fit
from o2c.cash_application.candidates import _Item
from o2c.cash_application.evidence import Evidence, EvidenceKind
from o2c.cash_application.weights import ScoreWeights

__all__ = []


@attrs.define(slots=True)
class _Hyp:
    fits: list[tuple[_Item, _Fit]]
    on_account: int
    confidence: float
    evidence: list[Evidence]
    rate: Decimal | None = None
    #: The item ids, computed when first asked (``fits`` is complete when a hypothesis is made).
    _key: frozenset[str] | None = attrs.field(default=None, init=False, repr=False, eq=False)
    _ids: tuple[str, ...] | None = attrs.field(default=None, init=False, repr=False, eq=False)

    @property
    def exact(self) -> bool:
        """Whether every item's fit is exact or an earned discount (no deduction, no rest)."""
        return self.on_account == 0 and all(
            f.quality >= 0.97 and not f.partial for _, f in self.fits
        )

    @property
    def key(self) -> frozenset[str]:
        """The set of item ids the hypothesis applies cash to."""
        if self._key is None:
            self._key = frozenset(i.item_id for i, _ in self.fits)
        return self._key

    @property
    def ids(self) -> tuple[str, ...]:
        """The item ids in order (the tie-break between hypotheses of equal confidence)."""
        if self._ids is None:
            self._ids = tuple(sorted(self.key))
        return self._ids


def _hyp_from_fit(
    item: _Item, fit: _Fit, amount_paid: int, conf: float, ev: list[Evidence]
) -> _Hyp:
    return _Hyp([(item, fit)], amount_paid - fit.paid, conf, ev)


def _said(reference: str, payer: str, amount: str) -> list[Evidence]:
    """The evidence a hypothesis' score was computed from: reference, payer, amount fit.

    An empty sentence is left out (no reference, say).
    """
    out = []
    for kind, detail in (
        (EvidenceKind.REFERENCE, reference),
        (EvidenceKind.PAYER, payer),
        (EvidenceKind.AMOUNT, amount),
    ):
        if detail:
            out.append(Evidence(kind, detail))
    return out


def _cap(hyp: _Hyp, bar: float, why: str) -> None:
    """Keep ``hyp`` at most at ``bar``, saying why (a doubt weighing what it cost)."""
    before = hyp.confidence
    hyp.confidence = min(hyp.confidence, bar)
    hyp.evidence.append(Evidence(EvidenceKind.DOUBT, why, round(hyp.confidence - before, 6)))


def _cost(hyp: _Hyp, cost: float, why: str) -> None:
    """Take ``cost`` off ``hyp``'s score, saying why."""
    hyp.confidence -= cost
    hyp.evidence.append(Evidence(EvidenceKind.DOUBT, why, -cost))


def _ref_confidence(
    strength: float, quality: float, c_score: float, contra: float, w: ScoreWeights
) -> float:
    """Raw score for items named by references with an amount fit of ``quality``.

    ``contra`` is how strongly the payer looks like another customer than the items' one: a
    parent paying for a subsidiary is normal with an exact amount, suspicious without.  The
    weights are the rows ``named_*`` and ``weak_*`` of :class:`ScoreWeights`.
    """
    if strength >= w.strong_reference:
        conf = w.named_base + w.named_amount * quality - (1.0 - strength) * w.named_weakness
        conf += w.named_payer * min(c_score, 1.0)
        if contra >= w.named_contradiction_from:
            cost = w.named_contradiction_exact if quality >= 0.98 else w.named_contradiction_inexact
            conf -= cost * min(1.0, contra / w.named_contradiction_full)
        return min(conf, w.named_cap)
    # Fuzzy or otherwise weak references: the amount and the customer must confirm.
    conf = w.weak_base + w.weak_amount * quality * quality + w.weak_payer * min(c_score, 1.0)
    if quality < 0.97:
        conf -= w.weak_inexact
    if contra >= w.named_contradiction_full:
        conf -= w.weak_contradicted
    return conf
