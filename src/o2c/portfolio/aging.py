"""As-of aging of a whole portfolio on an engine, with every convention of the domain ``age()``.

The aging's conventions (:class:`~o2c.receivables.aging.BucketScheme` with its due-today rule,
:class:`~o2c.receivables.aging.AgingBasis`, :class:`~o2c.receivables.aging.CreditPlacement`)
are compiled into one kernel: the open amount of each item on ``as_of`` as known at
``known_at`` (the read model's rule), its age, its column (each bucket's range comes from the
scheme itself and the compiled column is checked against :meth:`BucketScheme.column` for every
age the scheme distinguishes), and the sums per customer and currency in integer minor units.

:func:`aging_table` answers an Arrow table (for millions of customers); :func:`age_portfolio`
answers the domain's :class:`~o2c.receivables.aging.AgingReport` (rows per customer and currency,
totals per currency), converted to a report currency through the rate port when asked
(:func:`~o2c.receivables.aging.convert_report`, the domain's one conversion).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from o2c.errors import ValidationError
from o2c.ledger.ids import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import currency, from_minor, minor_units
from o2c.portfolio.engine import Engine, Kernel, run
from o2c.portfolio.items import check_not_over_applied, date_sql, open_items_sql
from o2c.portfolio.model import CREDIT_CODES, KIND_CODES, ReadModel
from o2c.receivables.aging import (
    AgingBasis,
    AgingReport,
    AgingRow,
    BucketScheme,
    CreditPlacement,
    ItemSettlement,
    convert_report,
    open_items_as_of,
)

if TYPE_CHECKING:
    from o2c.fx import RateKind, RateProvider
    from o2c.money import RoundingPolicy

__all__ = ["age_portfolio", "aging_kernel", "aging_table", "column_names", "domain_open_items"]


def column_names(scheme: BucketScheme) -> tuple[str, ...]:
    """The answer's amount columns: ``c0`` (not due), one per bucket, then credits."""
    return tuple(f"c{i}" for i in range(len(scheme.labels) + 2))


def _column_case(scheme: BucketScheme, credits: CreditPlacement) -> str:
    """The SQL ``CASE`` that puts an age (``age``) and a kind (``kind``) in a column.

    Built from the scheme's own bucket ranges and checked against :meth:`BucketScheme.column`
    for every age from before the first day to beyond the last edge.
    """
    n_buckets = len(scheme.labels)
    whens = []
    if credits is CreditPlacement.OWN_COLUMN:
        low, high = min(CREDIT_CODES), max(CREDIT_CODES)
        assert set(CREDIT_CODES) == set(range(low, high + 1))  # one range test covers them
        whens.append(f"WHEN kind >= {low} THEN {n_buckets + 1}")
    whens.append(f"WHEN age < {scheme.first_day} THEN 0")
    bounds: list[tuple[int, int]] = []
    for index in range(n_buckets - 1):
        _lower, upper = scheme.bucket_range(index)
        assert upper is not None  # every bucket but the last is closed
        bounds.append((upper, index + 1))
        whens.append(f"WHEN age <= {upper} THEN {index + 1}")
    # the compiled plan is the scheme's: the same column for every age it tells apart
    for age_days in range(scheme.first_day - 2, scheme.edges[-1] + 3):
        compiled = 0 if age_days < scheme.first_day else n_buckets
        if age_days >= scheme.first_day:
            for upper, column in bounds:
                if age_days <= upper:
                    compiled = column
                    break
        assert compiled == scheme.column(age_days) + 1, (age_days, compiled)
    return "CASE " + " ".join(whens) + f" ELSE {n_buckets} END"


def aging_kernel(
    as_of: dt.date,
    *,
    known_at: dt.datetime | None = None,
    scheme: BucketScheme | None = None,
    basis: AgingBasis = AgingBasis.DUE_DATE,
    credits: CreditPlacement = CreditPlacement.OWN_COLUMN,
) -> Kernel:
    """The aging kernel: per customer and currency, the open amounts on ``as_of`` by column.

    Its answer has ``customer``, ``currency``, ``c0`` ... (minor units, see
    :func:`column_names`), ``items`` (how many open items) and ``over_applied`` (items settled
    beyond their amount: a read model no ledger would hold).
    """
    scheme = scheme or BucketScheme.standard()
    names = column_names(scheme)
    basis_column = "due" if basis is AgingBasis.DUE_DATE else "document"
    columns = f"i.customer, i.currency, i.kind, i.amount, i.{basis_column}"
    assert max(CREDIT_CODES) == max(KIND_CODES.values())  # kind >= low: the credits only
    pivot = ", ".join(
        f"CAST(SUM(total) FILTER (WHERE col = {i}) AS BIGINT) AS {name}"
        for i, name in enumerate(names)
    )
    zeros = ", ".join(f"COALESCE({name}, 0) AS {name}" for name in names)
    # the hand-written plan: open amounts grouped by customer, currency and column, then the
    # (small) groups turned into one row per customer and currency
    sql = f"""
        WITH placed AS (
            SELECT customer, currency, {_column_case(scheme, credits)} AS col,
                   CAST(SUM(open) AS BIGINT) AS total, COUNT(*) AS n,
                   COUNT(*) FILTER (WHERE over_applied) AS over
            FROM (
                SELECT *, {date_sql(as_of)} - {basis_column} AS age
                FROM ({open_items_sql(as_of, known_at, columns=columns)})
            )
            GROUP BY ALL
        ), wide AS (
            SELECT customer, currency, {pivot},
                   CAST(SUM(n) AS BIGINT) AS items, CAST(SUM(over) AS BIGINT) AS over_applied
            FROM placed GROUP BY customer, currency
        )
        SELECT customer, currency, {zeros}, items, over_applied
        FROM wide ORDER BY customer, currency
    """
    return Kernel(name="aging", sql=sql, order=("customer", "currency"))


def aging_table(
    model: ReadModel,
    as_of: dt.date,
    engine: Engine,
    *,
    known_at: dt.datetime | None = None,
    scheme: BucketScheme | None = None,
    basis: AgingBasis = AgingBasis.DUE_DATE,
    credits: CreditPlacement = CreditPlacement.OWN_COLUMN,
) -> Any:
    """The aging as an Arrow table (see :func:`aging_kernel`), one row per customer and currency.

    Raises:
        OverApplicationError: an item settled beyond its amount on ``as_of``.
    """
    kernel = aging_kernel(as_of, known_at=known_at, scheme=scheme, basis=basis, credits=credits)
    table = run(engine, kernel, model)
    check_not_over_applied(table.column("over_applied").to_pylist(), as_of)
    return table


def age_portfolio(
    model: ReadModel,
    as_of: dt.date,
    engine: Engine,
    *,
    known_at: dt.datetime | None = None,
    scheme: BucketScheme | None = None,
    basis: AgingBasis = AgingBasis.DUE_DATE,
    credits: CreditPlacement = CreditPlacement.OWN_COLUMN,
    report_currency: str | None = None,
    rates: RateProvider | None = None,
    rate_date: dt.date | None = None,
    rate_kind: RateKind | None = None,
    rounding: RoundingPolicy | None = None,
) -> AgingReport:
    """The aging as the domain's :class:`AgingReport` (without item detail).

    The same report as :func:`o2c.receivables.aging.age` over the items open on ``as_of`` as
    known at ``known_at``; with ``report_currency`` it is converted by
    :func:`~o2c.receivables.aging.convert_report` at the ``rates`` of ``rate_date`` (default:
    ``as_of``).

    Raises:
        ValidationError: ``report_currency`` without ``rates``.
        OverApplicationError: an item settled beyond its amount on ``as_of``.
        RateNotFoundError: no rate for a currency.
    """
    scheme = scheme or BucketScheme.standard()
    table = aging_table(
        model, as_of, engine, known_at=known_at, scheme=scheme, basis=basis, credits=credits
    )
    names = column_names(scheme)
    width = len(names)
    # the answer's columns as Python ints, then one row each (the currency checked once per code)
    customers = table.column("customer").to_pylist()
    codes = table.column("currency").to_pylist()
    counts = table.column("items").to_pylist()
    units_by_row = zip(*(table.column(name).to_pylist() for name in names), strict=True)
    rows = []
    totals: dict[str, list[int]] = {}
    total_counts: dict[str, int] = {}
    exponents: dict[str, tuple[str, int]] = {}
    for customer, given, count, units in zip(customers, codes, counts, units_by_row, strict=True):
        known = exponents.get(given)
        if known is None:
            code = currency(given).code
            known = exponents[given] = (code, -minor_units(code))
        code, exponent = known
        rows.append(
            AgingRow.from_columns(
                CustomerId(customer),
                [Decimal(u).scaleb(exponent) for u in units],
                code,
                item_count=count,
            )
        )
        acc = totals.setdefault(code, [0] * width)
        for i, u in enumerate(units):
            acc[i] += u
        total_counts[code] = total_counts.get(code, 0) + count
    scale = dict(exponents.values())
    report = AgingReport(
        as_of=as_of,
        scheme=scheme,
        basis=basis,
        credits=credits,
        rows=tuple(rows),
        totals=tuple(
            AgingRow.from_columns(
                None,
                [Decimal(u).scaleb(scale[c]) for u in totals[c]],
                c,
                item_count=total_counts[c],
            )
            for c in sorted(totals)
        ),
        known_at=known_at,
    )
    if report_currency is None:
        return report
    if rates is None:
        raise ValidationError(
            "report_currency needs rates (a RateProvider)", field="rates", value=None
        )
    options: dict[str, Any] = {"rounding": rounding}
    if rate_kind is not None:
        options["kind"] = rate_kind
    return convert_report(report, report_currency, rate_date or as_of, rates, **options)


_KINDS = {code: ItemKind(name) for name, code in KIND_CODES.items()}


def domain_open_items(
    model: ReadModel, as_of: dt.date, *, known_at: dt.datetime | None = None
) -> tuple[OpenItem, ...]:
    """The items open on ``as_of`` as known at ``known_at`` by the domain path, in Python.

    The read model's items issued by ``as_of`` and recorded by ``known_at`` become
    :class:`~o2c.ledger.OpenItem` objects and its settlements
    :class:`~o2c.receivables.aging.ItemSettlement` objects, and
    :func:`~o2c.receivables.aging.open_items_as_of` decides (the ``--engine python`` path for
    a layout; one ``OpenItem`` per item, so for small portfolios).

    Raises:
        OverApplicationError: an item settled beyond its amount on ``as_of``.
    """
    items = model.items.to_pydict()
    kept: list[OpenItem] = []
    for n in range(model.items.num_rows):
        recorded = items["recorded"][n]
        if items["issued"][n] > as_of or (
            known_at is not None and recorded is not None and recorded > known_at
        ):
            continue
        code = items["currency"][n]
        amount = from_minor(items["amount"][n], code)
        item_id = items["item_id"][n] if items["item_id"][n] is not None else str(n)
        kept.append(
            OpenItem(
                item_id=ItemId(f"{n}"),
                customer_id=CustomerId(items["customer"][n]),
                kind=_KINDS[items["kind"][n]],
                document_number=item_id,
                document_date=items["document"][n],
                due_date=items["due"][n],
                original_amount=amount,
                open_amount=amount,
            )
        )
    codes = items["currency"]
    settlements = model.settlements.to_pydict()
    applied = [
        ItemSettlement(
            item_id=ItemId(f"{item}"),
            on=on,
            amount=from_minor(units, codes[item]),
            recorded_at=recorded,
        )
        for item, on, units, recorded in zip(
            settlements["item"],
            settlements["on"],
            settlements["amount"],
            settlements["recorded"],
            strict=True,
        )
    ]
    return open_items_as_of(kept, applied, as_of, known_at=known_at)
