"""The reverse charge (EN 16931 category AE): the invoice shows 0 tax, and the tax its buyer
self-assesses (base x the rate of the tax's ``self_assessed_percent``) is reported beside it,
never in its totals."""

from __future__ import annotations

from decimal import Decimal

from moneyed import Currency, Money

from o2c.money import quantize_decimal
from o2c.tax.kinds import HUNDRED, ZERO, TaxCategory, TaxId
from o2c.tax.plan import canonical_step
from o2c.tax.policy import TaxPolicy
from o2c.tax.result import SelfAssessedTax, TaxColumns

__all__ = ["self_assessed"]


def self_assessed(
    columns: TaxColumns, policy: TaxPolicy, currency: Currency
) -> tuple[SelfAssessedTax, ...]:
    """The self-assessed taxes of a document's tax ``columns``, per category and rate (empty
    when no tax has a ``self_assessed_percent``), rounded under ``policy``."""
    groups: dict[tuple[TaxCategory, Decimal], list[tuple[TaxId, Decimal]]] = {}
    for t, base in zip(columns.taxes, columns.bases, strict=True):
        pct = t.self_assessed_percent
        if pct is not None and t.category is not None:
            groups.setdefault((t.category, pct.normalize()), []).append((t.id, base))
    if not groups:
        return ()
    step = canonical_step(policy.step_for(currency))
    mode = policy.rounding.rounding
    out = []
    for (category, pct), members in groups.items():
        base = sum((b for _, b in members), ZERO)
        raw = base * pct / HUNDRED
        out.append(
            SelfAssessedTax(
                category=category,
                percent=pct,
                base=Money(base, currency),
                amount=Money(quantize_decimal(raw, step, mode), currency),
                raw_amount=raw,
                tax_ids=tuple(tax_id for tax_id, _ in members),
            )
        )
    return tuple(out)
