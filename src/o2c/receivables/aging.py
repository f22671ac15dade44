"""Receivables aging as of any date: a not-due column, configurable buckets and a credits column.

Aging is a pure function over the items open on a date.  Every open amount lands in exactly one
column, so the columns of every row always sum to that row's balance (ERPNext leaves future-due
items out of its buckets, erpnext#51596; here they are in *not due*):

- **not due**: items whose age is below the first bucket;
- **buckets**: configurable upper edges in days (default 30/60/90/120 and an *older* bucket);
- **credits**: credit memos and unapplied cash, negative, in their own column (or aged like
  invoices with ``credits=CreditPlacement.AGED``).

The age is ``as_of - basis date`` in days, where the basis is the due date (per instalment) or
the document date.  An item due *today* (age 0) is *not due* under
:attr:`DueToday.NOT_DUE` (Odoo's convention, the default) and in the first bucket under
:attr:`DueToday.OVERDUE` (ERPNext's ``0-30``).

>>> import datetime as dt
>>> from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
>>> from o2c.money import money
>>> def item(n, due, amount, kind=ItemKind.INVOICE):
...     return OpenItem(item_id=ItemId(n), customer_id=CustomerId("C1"), kind=kind,
...                     document_number=n, document_date=dt.date(2026, 1, 1),
...                     due_date=due, original_amount=money(amount, "EUR"),
...                     open_amount=money(amount, "EUR"))
>>> items = [item("I1", dt.date(2026, 3, 31), "100.00"), item("I2", dt.date(2026, 2, 1), "50.00"),
...          item("CM", dt.date(2026, 1, 1), "-30.00", ItemKind.CREDIT_MEMO)]
>>> report = age(items, dt.date(2026, 3, 31))
>>> report.column_labels
('not due', '1-30', '31-60', '61-90', '91-120', '121+', 'credits')
>>> [str(m.amount) for m in report.total("EUR").columns]
['100.00', '0', '50.00', '0', '0', '0', '-30.00']
>>> report.total("EUR").balance
Money('120.00', 'EUR')
>>> erpnext = BucketScheme.standard(due_today=DueToday.OVERDUE)
>>> age(items, dt.date(2026, 3, 31), scheme=erpnext).total("EUR").buckets[0]
Money('100.00', 'EUR')
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from functools import partial
from itertools import repeat
from operator import attrgetter, lt
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import attrs
from moneyed import Money

from o2c.errors import CurrencyMismatchError, OverApplicationError, ValidationError
from o2c.fx import Rate, RateKind
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import RoundingPolicy, currency, minor_units

if TYPE_CHECKING:
    from o2c.fx import RateProvider

__all__ = [
    "AgedItem",
    "AgingBasis",
    "AgingReport",
    "AgingRow",
    "ApplicationColumns",
    "BucketScheme",
    "CreditPlacement",
    "DueToday",
    "ItemColumns",
    "ItemSettlement",
    "LedgerView",
    "age",
    "age_columns",
    "age_from_ledger",
    "convert_report",
    "open_items_as_of",
]

_ZERO = Decimal(0)


class DueToday(enum.Enum):
    """Where an item due on the as-of date (age 0) goes."""

    #: Due today is not yet overdue (Odoo); the first bucket starts at 1 day.
    NOT_DUE = "not_due"
    #: Due today is in the first bucket (ERPNext's ``0-30``).
    OVERDUE = "overdue"


class AgingBasis(enum.Enum):
    """The date an item's age is counted from."""

    #: The due date (of the instalment, for instalment invoices).
    DUE_DATE = "due_date"
    #: The document (invoice) date.
    DOCUMENT_DATE = "document_date"


class CreditPlacement(enum.Enum):
    """Where credit memos and unapplied cash (negative items) go."""

    #: Their own ``credits`` column (the default).
    OWN_COLUMN = "own_column"
    #: Aged by their basis date like invoices (the credits column stays zero).
    AGED = "aged"


def _edges(value: Iterable[int]) -> tuple[int, ...]:
    edges = tuple(value)
    if not edges:
        raise ValidationError("edges is empty: give at least one bucket edge", field="edges")
    previous = 0
    for e in edges:
        if isinstance(e, bool) or not isinstance(e, int) or e <= previous:
            raise ValidationError(
                f"edges={edges!r}: edges must be positive whole days in increasing order",
                field="edges",
                value=edges,
            )
        previous = e
    return edges


def _labels(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class BucketScheme:
    """The aging buckets: upper edges in days (inclusive), labels, and the due-today rule.

    ``edges=(30, 60, 90, 120)`` gives five buckets: up to 30 days, 31-60, 61-90, 91-120 and
    older.  ``labels`` has one label per bucket (``len(edges) + 1``); build schemes with
    :meth:`standard`, which derives the labels.

    >>> s = BucketScheme.standard((15, 45))
    >>> s.labels, s.column(0), s.column(1), s.column(15), s.column(16), s.column(999)
    (('1-15', '16-45', '46+'), -1, 0, 0, 1, 2)
    """

    edges: tuple[int, ...] = attrs.field(converter=_edges)
    labels: tuple[str, ...] = attrs.field(converter=_labels)
    due_today: DueToday = DueToday.NOT_DUE
    not_due_label: str = "not due"
    credits_label: str = "credits"

    @labels.validator
    def _check_labels(self, _attribute: object, value: tuple[str, ...]) -> None:
        if len(value) != len(self.edges) + 1:
            raise ValidationError(
                f"labels={value!r}: need {len(self.edges) + 1} labels for edges {self.edges}",
                field="labels",
                value=value,
            )

    @classmethod
    def standard(
        cls,
        edges: Iterable[int] = (30, 60, 90, 120),
        *,
        due_today: DueToday = DueToday.NOT_DUE,
        older_label: str | None = None,
    ) -> BucketScheme:
        """A scheme with labels ``1-30``/``0-30``, ``31-60`` ... and ``121+`` (or ``older_label``).

        >>> BucketScheme.standard(due_today=DueToday.OVERDUE, older_label="121-Above").labels
        ('0-30', '31-60', '61-90', '91-120', '121-Above')
        """
        edges = _edges(edges)
        start = 1 if due_today is DueToday.NOT_DUE else 0
        labels = []
        lower = start
        for e in edges:
            labels.append(f"{lower}-{e}")
            lower = e + 1
        labels.append(older_label if older_label is not None else f"{lower}+")
        return cls(edges=edges, labels=tuple(labels), due_today=due_today)

    @property
    def first_day(self) -> int:
        """The smallest age in the first bucket (1, or 0 when due today counts as overdue)."""
        return 1 if self.due_today is DueToday.NOT_DUE else 0

    @property
    def column_labels(self) -> tuple[str, ...]:
        """Labels of every column: not due, the buckets, credits."""
        return (self.not_due_label, *self.labels, self.credits_label)

    def column(self, age_days: int) -> int:
        """The bucket index for an age in days; ``-1`` for not due."""
        if age_days < self.first_day:
            return -1
        return bisect.bisect_left(self.edges, age_days)

    def bucket_range(self, index: int) -> tuple[int, int | None]:
        """The ages (first, last; ``None`` for open-ended) of bucket ``index``."""
        lower = self.first_day if index == 0 else self.edges[index - 1] + 1
        upper = self.edges[index] if index < len(self.edges) else None
        return lower, upper


def _default_scheme() -> BucketScheme:
    return BucketScheme.standard()


@attrs.frozen(kw_only=True)
class AgingRow:
    """One row of an aging report: a customer (or the total, ``customer_id=None``) in a currency.

    ``balance`` always equals ``not_due + sum(buckets) + credits``; build rows with
    :meth:`from_columns`, which derives it.
    """

    customer_id: CustomerId | None
    not_due: Money
    buckets: tuple[Money, ...]
    credits: Money
    balance: Money
    item_count: int = 0

    @classmethod
    def from_columns(
        cls,
        customer_id: CustomerId | None,
        columns: Sequence[Decimal],
        currency_code: str,
        *,
        item_count: int = 0,
    ) -> AgingRow:
        """A row from column amounts (not due, buckets..., credits); the balance is their sum."""
        cur = currency(currency_code)
        total = sum(columns, _ZERO)
        return cls(
            customer_id=customer_id,
            not_due=Money(columns[0], cur),
            buckets=tuple(Money(a, cur) for a in columns[1:-1]),
            credits=Money(columns[-1], cur),
            balance=Money(total, cur),
            item_count=item_count,
        )

    @property
    def currency(self) -> str:
        """The row's currency code."""
        return str(self.balance.currency.code)

    @property
    def columns(self) -> tuple[Money, ...]:
        """Every column in order: not due, the buckets, credits."""
        return (self.not_due, *self.buckets, self.credits)

    @property
    def overdue(self) -> Money:
        """The sum of the buckets (what is past due)."""
        return Money(sum((b.amount for b in self.buckets), _ZERO), self.balance.currency)


@attrs.frozen(kw_only=True)
class AgedItem:
    """An item with its age and its column (``-1`` not due, ``len(buckets)`` credits)."""

    item: OpenItem
    age_days: int
    column: int


@attrs.frozen(kw_only=True)
class AgingReport:
    """An aging as of a date: rows per customer and currency, totals per currency, item detail.

    When converted (:func:`convert_report`), every row is in ``report_currency`` at the rates of
    ``rate_date`` and there is one total row.
    """

    as_of: dt.date
    scheme: BucketScheme
    basis: AgingBasis
    credits: CreditPlacement
    rows: tuple[AgingRow, ...]
    totals: tuple[AgingRow, ...]
    items: tuple[AgedItem, ...] = ()
    known_at: dt.datetime | None = None
    report_currency: str | None = None
    rate_date: dt.date | None = None
    #: The rates a converted report used, one per source currency.
    rates_used: tuple[Rate, ...] = ()

    @property
    def column_labels(self) -> tuple[str, ...]:
        """Labels of every column: not due, the buckets, credits."""
        return self.scheme.column_labels

    @property
    def currencies(self) -> tuple[str, ...]:
        """The currencies of the total rows."""
        return tuple(r.currency for r in self.totals)

    def total(self, currency_code: str | None = None) -> AgingRow:
        """The total row in ``currency_code`` (the only one when omitted; zeros for a currency
        the report has no items in).

        Raises:
            ValidationError: for no or several currencies without ``currency_code``.
        """
        if currency_code is None:
            if len(self.totals) != 1:
                raise ValidationError(
                    f"the report has totals in {self.currencies}: name one currency",
                    field="currency_code",
                )
            return self.totals[0]
        code = currency(currency_code).code
        for row in self.totals:
            if row.currency == code:
                return row
        return AgingRow.from_columns(None, [_ZERO] * (len(self.scheme.labels) + 2), code)

    def rows_for(self, customer_id: str) -> tuple[AgingRow, ...]:
        """The rows of one customer (one per currency)."""
        return tuple(r for r in self.rows if r.customer_id == customer_id)


def _report(
    as_of: dt.date,
    scheme: BucketScheme,
    basis: AgingBasis,
    credits: CreditPlacement,
    sums: Mapping[tuple[str, str], list[Decimal]],
    counts: Mapping[tuple[str, str], int],
    *,
    items: tuple[AgedItem, ...] = (),
    known_at: dt.datetime | None = None,
) -> AgingReport:
    width = len(scheme.labels) + 2
    rows = []
    totals: dict[str, list[Decimal]] = {}
    total_counts: dict[str, int] = {}
    for key in sorted(sums):
        customer_id, code = key
        columns = sums[key]
        rows.append(
            AgingRow.from_columns(CustomerId(customer_id), columns, code, item_count=counts[key])
        )
        acc = totals.setdefault(code, [_ZERO] * width)
        for i, amount in enumerate(columns):
            acc[i] += amount
        total_counts[code] = total_counts.get(code, 0) + counts[key]
    return AgingReport(
        as_of=as_of,
        scheme=scheme,
        basis=basis,
        credits=credits,
        rows=tuple(rows),
        totals=tuple(
            AgingRow.from_columns(None, totals[c], c, item_count=total_counts[c])
            for c in sorted(totals)
        ),
        items=items,
        known_at=known_at,
    )


# --------------------------------------------------------------------------------------------
# The one implementation.  An aging's conventions are compiled into a plan (_Plan), documents
# are replayed to their open amounts on the date (_open_amounts) and the open amounts are
# tallied into columns (_tally).  Every entry point runs these: age() over OpenItem objects
# (Decimal amounts), open_items_as_of() over documents and settlements, age_columns() over
# columns of integer minor units.

_CREDIT_KINDS = frozenset({ItemKind.CREDIT_MEMO, ItemKind.UNAPPLIED_CASH})

_N = TypeVar("_N", int, Decimal)
_T = TypeVar("_T")


@attrs.frozen
class _Plan:
    """Which column an open amount goes to, decided once per aging.

    Columns are numbered 0 (not due), 1 to ``width - 2`` (the buckets, the last open-ended)
    and ``width - 1`` (credits).  ``table[age - first_day]`` is the bucket column of every age
    from the scheme's first day (1, or 0 when due today is overdue) to its last edge, computed
    by :meth:`BucketScheme.column` itself; a younger age is not due, an older one is in the
    open-ended bucket.
    """

    as_of: int
    by_due: bool
    credits_apart: bool
    first_day: int
    table: tuple[int, ...]
    width: int

    @classmethod
    def compile(
        cls, as_of: dt.date, scheme: BucketScheme, basis: AgingBasis, credits: CreditPlacement
    ) -> _Plan:
        """The plan of an aging as of ``as_of`` under a scheme, a basis and a credit placement."""
        first = scheme.first_day
        return cls(
            as_of=as_of.toordinal(),
            by_due=basis is AgingBasis.DUE_DATE,
            credits_apart=credits is CreditPlacement.OWN_COLUMN,
            first_day=first,
            table=tuple(scheme.column(a) + 1 for a in range(first, scheme.edges[-1] + 1)),
            width=len(scheme.labels) + 2,
        )

    def basis(self, due: _T, document: _T) -> _T:
        """What the age counts from: ``due`` (the due date) or ``document`` (the document date)."""
        return due if self.by_due else document


@attrs.frozen
class _Tally:
    """Open amounts summed per key (a customer in a currency) and column.

    ``sums[key * width + column]``; ``placed`` has one ``(age, column)`` per document (``None``
    for a zero amount, left out) when detail was asked for.
    """

    sums: list[Any]
    counts: list[int]
    placed: list[tuple[int, int] | None]


def _tally(
    plan: _Plan,
    key: Iterable[int],
    basis: Iterable[int],
    credit: Iterable[bool],
    amount: Iterable[_N],
    n_keys: int,
    zero: _N,
    *,
    detail: bool,
) -> _Tally:
    """Add every non-zero open amount to its key's column: the one loop of every aging.

    ``key`` are indexes below ``n_keys``, ``basis`` the ordinals of the basis dates, ``credit``
    whether each document is a credit (a credit memo or unapplied cash).
    """
    as_of, first, table, width = plan.as_of, plan.first_day, plan.table, plan.width
    n_table = len(table)
    older = width - 2
    credit_column = width - 1 if plan.credits_apart else -1
    sums = [zero] * (n_keys * width)
    counts = [0] * n_keys
    placed: list[tuple[int, int] | None] = []
    for k, base, is_credit, value in zip(key, basis, credit, amount, strict=True):
        if not value:
            if detail:
                placed.append(None)
            continue
        age_days = as_of - base
        if is_credit and credit_column > 0:
            column = credit_column
        else:
            i = age_days - first
            column = table[i] if 0 <= i < n_table else (0 if i < 0 else older)
        sums[k * width + column] += value
        counts[k] += 1
        if detail:
            placed.append((age_days, column))
    return _Tally(sums=sums, counts=counts, placed=placed)


def _rows(
    tally: _Tally, keys: Iterable[tuple[tuple[str, str], int]], width: int
) -> tuple[dict[tuple[str, str], list[Any]], dict[tuple[str, str], int]]:
    """The tally's column sums and counts by (customer, currency), for the keys with items."""
    sums = {}
    counts = {}
    for name, k in keys:
        if tally.counts[k]:
            sums[name] = tally.sums[k * width : (k + 1) * width]
            counts[name] = tally.counts[k]
    return sums, counts


def _open_amounts(
    full: Sequence[_N],
    applied: Sequence[_N],
    issued: Sequence[int],
    as_of: int,
    zero: _N,
    over_applied: Callable[[int], OverApplicationError],
) -> Iterator[_N]:
    """What is left of each document on ``as_of``: zero if it was issued later, else its
    signed full amount (negative for credits) less what was applied by then, toward zero.

    Given one at a time, as the reader takes them (a million documents need no list of them).

    Raises:
        OverApplicationError: ``over_applied(n)`` for the first document ``n`` applied beyond
            its amount.
    """
    for n, (amount, done, day) in enumerate(zip(full, applied, issued, strict=True)):
        if day > as_of:
            yield zero
        elif amount >= 0:
            rest = amount - done
            if rest < 0:
                raise over_applied(n)
            yield rest
        else:
            rest = amount + done
            if rest > 0:
                raise over_applied(n)
            yield rest


def age(
    items: Iterable[OpenItem],
    as_of: dt.date,
    *,
    scheme: BucketScheme | None = None,
    basis: AgingBasis = AgingBasis.DUE_DATE,
    credits: CreditPlacement = CreditPlacement.OWN_COLUMN,
    detail: bool = True,
    known_at: dt.datetime | None = None,
) -> AgingReport:
    """Age the items open on ``as_of`` into rows per customer and currency, and totals.

    ``items`` are taken as they stand on ``as_of`` (from the ledger's projection, or from
    :func:`open_items_as_of`); every open amount lands in exactly one column, so each row's
    columns sum to its balance.  Items with a zero open amount are left out.

    Args:
        items: the open items (each in its own currency; rows never mix currencies).
        as_of: the effective date of the aging.
        scheme: the buckets and due-today convention (default 30/60/90/120, due today not due).
        basis: count the age from the due date (default) or from the document date.
        credits: credit memos and unapplied cash in their own column (default) or aged.
        detail: keep every item with its age and column in ``report.items``.
        known_at: recorded only, to say which knowledge time the items reflect.
    """
    scheme = scheme or _default_scheme()
    plan = _Plan.compile(as_of, scheme, basis, credits)
    items = tuple(items)
    keys: dict[tuple[str, str], int] = {}
    key = [keys.setdefault((i.customer_id, i.open_amount.currency.code), len(keys)) for i in items]
    basis_date = plan.basis(attrgetter("due_date"), attrgetter("document_date"))
    tally = _tally(
        plan,
        key,
        [basis_date(i).toordinal() for i in items],
        [i.kind in _CREDIT_KINDS for i in items],
        [i.open_amount.amount for i in items],
        len(keys),
        _ZERO,
        detail=detail,
    )
    aged = (
        tuple(
            AgedItem(item=item, age_days=placed[0], column=placed[1] - 1)
            for item, placed in zip(items, tally.placed, strict=True)
            if placed is not None
        )
        if detail
        else ()
    )
    sums, counts = _rows(tally, keys.items(), plan.width)
    return _report(as_of, scheme, basis, credits, sums, counts, items=aged, known_at=known_at)


# --------------------------------------------------------------------------------------------
# Open items as of a date from documents and settlements (without a ledger)


@attrs.frozen(kw_only=True)
class ItemSettlement:
    """Something that reduced an item's open amount on an effective date.

    A payment application, a credit-memo application, a write-off.  ``amount`` is positive and
    reduces the item's open amount toward zero (for credit memos and unapplied cash too).
    ``recorded_at`` is when it was recorded (``None``: always known).
    """

    item_id: ItemId
    on: dt.date
    amount: Money
    recorded_at: dt.datetime | None = None


def _settled(
    settlements: Iterable[ItemSettlement], as_of: dt.date, known_at: dt.datetime | None
) -> tuple[dict[str, Decimal], dict[str, str]]:
    """The amounts settled per item id by ``as_of`` as known at ``known_at``, and their currency.

    Raises:
        CurrencyMismatchError: two such settlements of one item in different currencies.
    """
    applied: dict[str, Decimal] = {}
    currencies: dict[str, str] = {}
    for s in settlements:
        if s.on > as_of:
            continue
        if known_at is not None and s.recorded_at is not None and s.recorded_at > known_at:
            continue
        applied[s.item_id] = applied.get(s.item_id, _ZERO) + s.amount.amount
        currencies.setdefault(s.item_id, s.amount.currency.code)
        if currencies[s.item_id] != s.amount.currency.code:
            raise CurrencyMismatchError(
                currencies[s.item_id], s.amount.currency.code, operation="settle"
            )
    return applied, currencies


def _item_over_applied(
    items: Sequence[OpenItem], applied: Mapping[str, Decimal], as_of: dt.date, n: int
) -> OverApplicationError:
    item = items[n]
    full = abs(item.original_amount.amount)
    done = applied[item.item_id]
    return OverApplicationError(
        f"item {item.item_id} has {full} {item.original_amount.currency.code} but {done} was "
        f"settled by {as_of}: settle at most the open amount",
        field="settlements",
        value=done,
    )


def open_items_as_of(
    items: Iterable[OpenItem],
    settlements: Iterable[ItemSettlement],
    as_of: dt.date,
    *,
    known_at: dt.datetime | None = None,
) -> tuple[OpenItem, ...]:
    """The items open on ``as_of``: issued by then, less what was settled on or before it.

    Each item's full amount is ``abs(original_amount)`` with the sign of its kind (negative for
    credit memos and unapplied cash).  A settlement counts when its effective date is on or before
    ``as_of`` and, with ``known_at``, when it was recorded at or before ``known_at``; so a payment
    dated after ``as_of`` never changes the result (OCA account-financial-reporting#707).
    Fully settled items are left out; settlements of items not in ``items`` are ignored (so the
    items can be one customer's).

    Raises:
        CurrencyMismatchError: a settlement in another currency than its item.
        OverApplicationError: settlements exceeding an item's amount on ``as_of``.
    """
    items = tuple(items)
    applied, currencies = _settled(settlements, as_of, known_at)
    full = []
    for item in items:
        code = item.original_amount.currency.code
        if currencies.get(item.item_id, code) != code:
            raise CurrencyMismatchError(code, currencies[item.item_id], operation="settle")
        size = abs(item.original_amount.amount)
        full.append(-size if item.kind in _CREDIT_KINDS else size)
    left = _open_amounts(
        full,
        [applied.get(item.item_id, _ZERO) for item in items],
        [item.document_date.toordinal() for item in items],
        as_of.toordinal(),
        _ZERO,
        partial(_item_over_applied, items, applied, as_of),
    )
    return tuple(
        attrs.evolve(item, open_amount=Money(rest, item.original_amount.currency))
        for item, rest in zip(items, left, strict=True)
        if rest
    )


# --------------------------------------------------------------------------------------------
# Columns of integer minor units, for millions of items


@attrs.frozen(kw_only=True)
class ItemColumns:
    """Documents in one currency as columns, for aging millions of items quickly.

    ``amount`` is each document's full signed amount in minor units (negative for credits);
    dates are proleptic ordinals (``date.toordinal()``); ``customer`` holds indexes into
    ``customers``.
    """

    currency: str
    customers: tuple[CustomerId, ...]
    customer: Sequence[int]
    document: Sequence[int]
    due: Sequence[int]
    amount: Sequence[int]


@attrs.frozen(kw_only=True)
class ApplicationColumns:
    """Settlements as columns: item index, effective date ordinal, positive minor units."""

    item: Sequence[int]
    on: Sequence[int]
    amount: Sequence[int]


def _applied_by(applications: ApplicationColumns, n_items: int, as_of: int) -> list[int]:
    """The minor units applied to each of ``n_items`` documents on or before ``as_of``."""
    applied = [0] * n_items
    for idx, on, amount in zip(
        applications.item, applications.on, applications.amount, strict=True
    ):
        if on <= as_of:
            applied[idx] += amount
    return applied


def _column_over_applied(
    amounts: Sequence[int], applied: Sequence[int], n: int
) -> OverApplicationError:
    return OverApplicationError(
        f"a document of {amounts[n]} minor units has {applied[n]} applied: "
        "apply at most the open amount",
        field="applications",
        value=applied[n],
    )


def age_columns(
    items: ItemColumns,
    applications: ApplicationColumns,
    as_of: dt.date,
    *,
    scheme: BucketScheme | None = None,
    basis: AgingBasis = AgingBasis.DUE_DATE,
    credits: CreditPlacement = CreditPlacement.OWN_COLUMN,
) -> AgingReport:
    """Age columnar documents and applications as of ``as_of`` (integer minor units inside).

    The same aging as :func:`open_items_as_of` followed by :func:`age` (without item detail),
    run by the same code; negative amounts are credits.  Applications dated after ``as_of`` are
    ignored.

    Raises:
        OverApplicationError: applications exceeding a document's amount on ``as_of``.
    """
    scheme = scheme or _default_scheme()
    plan = _Plan.compile(as_of, scheme, basis, credits)
    applied = _applied_by(applications, len(items.amount), plan.as_of)
    left = _open_amounts(
        items.amount,
        applied,
        items.document,
        plan.as_of,
        0,
        partial(_column_over_applied, items.amount, applied),
    )
    tally = _tally(
        plan,
        items.customer,
        plan.basis(items.due, items.document),
        map(lt, items.amount, repeat(0)),  # a credit is a negative amount (lazily, in C)
        left,
        len(items.customers),
        0,
        detail=False,
    )
    code = currency(items.currency).code
    exponent = -minor_units(code)
    minor, counts = _rows(
        tally, (((c, code), k) for k, c in enumerate(items.customers)), plan.width
    )
    sums = {k: [Decimal(u).scaleb(exponent) for u in units] for k, units in minor.items()}
    return _report(as_of, scheme, basis, credits, sums, counts)


# --------------------------------------------------------------------------------------------
# From the ledger, and converted to a report currency


class LedgerView(Protocol):
    """What aging needs from the ledger: its open-items projection."""

    def open_items(
        self,
        as_of: dt.date,
        *,
        known_at: dt.datetime | None = None,
        customer_id: CustomerId | None = None,
    ) -> Iterable[OpenItem]:
        """The items open on ``as_of`` as known at ``known_at`` (latest knowledge if None)."""
        ...


def age_from_ledger(
    ledger: LedgerView,
    as_of: dt.date,
    *,
    known_at: dt.datetime | None = None,
    customer_id: CustomerId | None = None,
    scheme: BucketScheme | None = None,
    basis: AgingBasis = AgingBasis.DUE_DATE,
    credits: CreditPlacement = CreditPlacement.OWN_COLUMN,
    detail: bool = True,
) -> AgingReport:
    """Age the ledger's open items as of ``as_of``, optionally as known at ``known_at``.

    Facts recorded after ``known_at`` and applications effective after ``as_of`` do not change
    the result.
    """
    items = ledger.open_items(as_of, known_at=known_at, customer_id=customer_id)
    return age(
        items,
        as_of,
        scheme=scheme,
        basis=basis,
        credits=credits,
        detail=detail,
        known_at=known_at,
    )


def convert_report(
    report: AgingReport,
    to: str,
    on: dt.date,
    rates: RateProvider,
    *,
    kind: RateKind = RateKind.SPOT,
    rounding: RoundingPolicy | None = None,
) -> AgingReport:
    """The report in currency ``to`` at the provider's rates for ``on``: a row per customer.

    Each column of each (customer, currency) row is converted at the provider's rate for its
    currency (asked once per currency, through :func:`o2c.fx.convert`) and rounded once (half-up
    to the target's minor unit unless ``rounding`` says otherwise); a customer's converted
    columns are the sums over its currencies, and every balance is the sum of its converted
    columns, so the columns still sum to the balance.  The rates used are kept in
    ``rates_used``.

    >>> import datetime as dt
    >>> from o2c.fx import InMemoryRates
    >>> rates = InMemoryRates.from_rows([(dt.date(2026, 1, 2), "EUR", "USD", Decimal("1.25"))])
    >>> row = AgingRow.from_columns(
    ...     CustomerId("C1"), [Decimal("10.00"), Decimal("0"), Decimal("0"), Decimal("0"),
    ...     Decimal("0"), Decimal("5.00"), Decimal("-1.00")], "USD")
    >>> report = AgingReport(as_of=dt.date(2026, 1, 2), scheme=BucketScheme.standard(),
    ...     basis=AgingBasis.DUE_DATE, credits=CreditPlacement.OWN_COLUMN, rows=(row,),
    ...     totals=(attrs.evolve(row, customer_id=None),))
    >>> converted = convert_report(report, "EUR", dt.date(2026, 1, 2), rates)
    >>> [str(m.amount) for m in converted.total().columns], converted.total().balance
    (['8.00', '0.00', '0.00', '0.00', '0.00', '4.00', '-0.80'], Money('11.20', 'EUR'))

    Raises:
        RateNotFoundError: when the provider has no rate for a currency on ``on``.
    """
    from o2c.fx import convert, convert_at

    target = currency(to).code
    width = len(report.scheme.labels) + 2
    used: dict[str, Rate] = {}
    per_customer: dict[str, list[Decimal]] = {}
    counts: dict[str, int] = {}
    for row in report.rows:
        key = str(row.customer_id)
        acc = per_customer.setdefault(key, [_ZERO] * width)
        code = row.currency
        if code != target and code not in used:
            # one rate per currency, asked once (fx.convert checks the provider's answer)
            used[code] = convert(row.balance, target, on, rates, kind=kind).rate
        for i, column in enumerate(row.columns):
            if code == target:
                acc[i] += column.amount
            else:
                acc[i] += convert_at(column, used[code], on=on, rounding=rounding).amount.amount
        counts[key] = counts.get(key, 0) + row.item_count
    converted = _report(
        report.as_of,
        report.scheme,
        report.basis,
        report.credits,
        {(k, target): v for k, v in per_customer.items()},
        {(k, target): c for k, c in counts.items()},
        items=report.items,
        known_at=report.known_at,
    )
    if not converted.totals:
        converted = attrs.evolve(
            converted, totals=(AgingRow.from_columns(None, [_ZERO] * width, target),)
        )
    return attrs.evolve(
        converted,
        report_currency=target,
        rate_date=on,
        rates_used=tuple(used[c] for c in sorted(used)),
    )
