"""The report catalogue: report names, their builders, and :func:`build_report`.

>>> "statement" in REPORTS, build_report.__name__
(True, 'build_report')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from o2c.errors import ValidationError
from o2c.ledger import Ledger
from o2c.reports import cash, collecting, credit, receivables
from o2c.reports.report import Report

__all__ = ["REPORTS", "build_report", "report_names"]

#: Report name -> builder ``(ledger, *, as_of, known_at, customer_id, **options) -> Report``.
REPORTS: dict[str, Callable[..., Report]] = {
    "aged-balance": receivables.aged_balance,
    "disputes": collecting.disputes,
    "dso-trend": receivables.dso_trend,
    "dunning": collecting.dunning,
    "exceptions": cash.exceptions,
    "exposure": credit.exposure,
    "forecast": credit.forecast,
    "open-items": receivables.open_items_report,
    "payments": cash.payments,
    "provision": credit.provision,
    "statement": receivables.statement,
    "unapplied": cash.unapplied_report,
    "worklist": collecting.worklist_report,
}


def report_names() -> tuple[str, ...]:
    """The names :func:`build_report` knows, sorted."""
    return tuple(sorted(REPORTS))


def build_report(
    name: str,
    ledger: Ledger,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
    **options: Any,
) -> Report:
    """Build the report ``name`` from ``ledger`` on ``as_of`` as known at ``known_at``.

    ``options`` go to the report's builder (``detail=True`` for the aged balance, ``start`` for
    a statement, ``months`` for the DSO trend ...).

    Raises:
        ValidationError: an unknown report name, or an option its builder does not take.
    """
    try:
        builder = REPORTS[name]
    except KeyError:
        raise ValidationError(
            f"no report {name!r}: choose one of {', '.join(report_names())}",
            field="name",
            value=name,
        ) from None
    try:
        return builder(ledger, as_of=as_of, known_at=known_at, customer_id=customer_id, **options)
    except TypeError as exc:
        if "unexpected keyword argument" not in str(exc):
            raise
        raise ValidationError(
            f"report {name!r} does not take the option: {exc}", field="options", value=options
        ) from None
