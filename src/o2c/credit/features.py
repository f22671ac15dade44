"""What the ledger knows about an invoice at a moment: the features payment prediction learns from.

One builder for every model (:mod:`o2c.credit.prediction`, :mod:`o2c.credit.prediction_learned`)
and every backtest.  It reads :class:`ItemTimeline` records, built from the ledger's one read model
(:func:`timelines_from_history` over :class:`o2c.ledger.History`), and describes each requested
item *as known at* a moment: nothing dated or recorded after the moment is seen.

What each feature is and where it comes from:

- the item: amount and currency, terms (days from document to due date), whether a cash
  discount was offered (the instalment's discount offers), days overdue at the moment;
- disputes: the item's dispute state at the moment (none, open, resolved) from ``DisputeOpened``
  / ``DisputeResolved`` (and deductions taken), and the customer's recency-weighted share of
  disputed payments;
- promises to pay (``PromisedToPay``): an open promise for the item, and the customer's promises
  kept and broken so far (a promise is judged on its date, or when the item is paid);
- dunning: the highest dunning level the customer's open items had reached at the moment, from
  the days overdue of its oldest open item and the policy's level thresholds
  (:attr:`FeatureContext.dunning_days`, e.g. the ``days_after_due`` of a
  :class:`o2c.collecting.DunningPolicy`);
- the customer's history: the recency-weighted mean days late of its undisputed payments (an
  exponential decay with half-life :attr:`FeatureContext.half_life_days`), the weight behind it,
  its trend (a fast-decaying mean minus the slow one), the plain median days late and the count;
  the same for the customer's group and the whole portfolio, for thin histories;
- seasonality: whether the due date falls in the last days of a month or of a quarter;
- channel, country and group: the ledger's facts do not carry them, so the caller supplies them
  in a :class:`FeatureContext` (channel by document or item id, e.g. ``"paper"`` /
  ``"electronic"``; country and group by customer); absent ones are ``None``.

Known-at: payments count from the day the ledger recorded them (``TrailEntry.recorded_on``),
promises from the day they were recorded, disputes from their effective dates (the read model
keeps no recording time for them), and a timeline comes from one read of the ledger: a reversal
recorded later is applied to every earlier moment of that read.  Read the ledger as known at the
cut-off (``known_at``) to exclude even that.

Floats: the history statistics (means of days, weights, trends) are floats; they describe days,
never money.  Amounts stay ``Decimal``.

>>> import datetime as dt
>>> from o2c.money import money
>>> day = dt.date(2026, 1, 1)
>>> t = [ItemTimeline(item_id=ItemId(f"I{n}"), customer_id=CustomerId("C1"),
...     document_id=f"I{n}", amount=money("100", "EUR"), document_date=day + dt.timedelta(n * 10),
...     due_date=day + dt.timedelta(n * 10 + 30), paid_on=day + dt.timedelta(n * 10 + 35),
...     paid_known_on=day + dt.timedelta(n * 10 + 35)) for n in range(3)]
>>> f = build_features(t, [(t[2], dt.date(2026, 1, 21))])[0]
>>> f.history.count, f.history.median, f.terms_days
(0, None, 30)
>>> f = build_features(t, [(t[2], dt.date(2026, 2, 22))])[0]
>>> f.history.count, f.history.median, f.overdue_days
(2, 5, 2)
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

import attrs
from moneyed import Money

from o2c.errors import ValidationError
from o2c.ledger import CustomerId, History, ItemId

__all__ = [
    "FeatureContext",
    "HistoryStats",
    "ItemDisputeState",
    "ItemTimeline",
    "PaymentFeatures",
    "build_features",
    "timelines_from_history",
]


class ItemDisputeState(enum.Enum):
    """An item's dispute state at a moment, as a payment feature (a dispute's own workflow state
    is :class:`o2c.collecting.DisputeState`)."""

    NONE = "none"
    OPEN = "open"
    RESOLVED = "resolved"


@attrs.frozen(kw_only=True)
class ItemTimeline:
    """An invoice item with the dated events of its life: what the features are read from.

    ``paid_on`` / ``paid_known_on``: the effective date of the settlement that closed it by
    collections and the day the ledger recorded it (``None`` while open or when written off);
    ``disputes``: ``(opened, resolved or None)``; ``promises``: ``(recorded on, promised date)``.
    """

    item_id: ItemId
    customer_id: CustomerId
    document_id: str
    amount: Money
    document_date: dt.date
    due_date: dt.date
    discount_offered: bool = False
    paid_on: dt.date | None = None
    paid_known_on: dt.date | None = None
    disputes: tuple[tuple[dt.date, dt.date | None], ...] = ()
    promises: tuple[tuple[dt.date, dt.date], ...] = ()

    @property
    def days_late(self) -> int | None:
        """Days from the due date to payment (``None`` while not paid)."""
        return None if self.paid_on is None else (self.paid_on - self.due_date).days

    def paid_by(self, moment: dt.date) -> bool:
        """Whether its payment was known on ``moment``."""
        return self.paid_known_on is not None and self.paid_known_on <= moment

    def dispute_state(self, moment: dt.date) -> ItemDisputeState:
        """The dispute state known on ``moment``."""
        state = ItemDisputeState.NONE
        for opened, resolved in self.disputes:
            if opened > moment:
                continue
            if resolved is None or resolved > moment:
                return ItemDisputeState.OPEN
            state = ItemDisputeState.RESOLVED
        return state

    def open_promise(self, moment: dt.date) -> dt.date | None:
        """The latest promised date recorded by ``moment`` that is not past on ``moment``."""
        dates = [d for made, d in self.promises if made <= moment and d >= moment]
        return max(dates, default=None)


def timelines_from_history(history: History) -> tuple[ItemTimeline, ...]:
    """The invoice items of a read of the ledger as timelines (one per instalment).

    A migration's stand-ins are left out (their dates are not the customer's), like every reader
    of payment behaviour; an item closed by a write-off stays unpaid.
    """
    disputes: dict[tuple[str, str], list[tuple[dt.date, dt.date | None]]] = {}
    for d in history.disputes():
        resolved = d.opened_on if d.deduction else max((r[0] for r in d.resolutions), default=None)
        disputes.setdefault((d.customer_id, d.item_id), []).append((d.opened_on, resolved))
    promises: dict[tuple[str, str], list[tuple[dt.date, dt.date]]] = {}
    for p in history.promises:
        if p.item_id is not None:
            key = (p.customer_id, p.item_id)
            promises.setdefault(key, []).append((p.recorded_at.date(), p.promised_date))
    out = []
    for trail in history.settlement_trails():
        key = (trail.customer_id, trail.item_id)
        state = history.items[key]
        paid = trail.closed and bool(trail.settlements) and trail.written_off <= 0
        out.append(
            ItemTimeline(
                item_id=trail.item_id,
                customer_id=trail.customer_id,
                document_id=state.document_id,
                amount=trail.amount,
                document_date=trail.document_date,
                due_date=trail.due_date,
                discount_offered=bool(state.discounts),
                paid_on=max(s.effective for s in trail.settlements) if paid else None,
                paid_known_on=max(s.recorded_on for s in trail.settlements) if paid else None,
                disputes=tuple(disputes.get(key, ())),
                promises=tuple(promises.get(key, ())),
            )
        )
    return tuple(out)


def _text_map(value: Mapping[str, str]) -> Mapping[str, str]:
    return dict(value)


def _days(value: Iterable[int]) -> tuple[int, ...]:
    out = tuple(sorted(value))
    if any(d < 0 for d in out):
        raise ValidationError(
            f"dunning_days={out} must not be negative", field="dunning_days", value=out
        )
    return out


def _positive(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value <= 0:
        raise ValidationError(
            f"{attribute.name}={value} must be positive", field=attribute.name, value=value
        )


@attrs.frozen(kw_only=True)
class FeatureContext:
    """What the ledger does not record, supplied by the caller, and the builder's settings.

    ``channels`` maps a document id (or an item id) to the channel and medium the invoice went
    out by; ``countries`` and ``groups`` map customer ids.  ``dunning_days`` are the days after
    due at which each dunning level is reached (level n at ``dunning_days[n - 1]``).
    """

    channels: Mapping[str, str] = attrs.field(factory=dict, converter=_text_map, hash=False)
    countries: Mapping[str, str] = attrs.field(factory=dict, converter=_text_map, hash=False)
    groups: Mapping[str, str] = attrs.field(factory=dict, converter=_text_map, hash=False)
    dunning_days: tuple[int, ...] = attrs.field(default=(1, 15, 30), converter=_days)
    #: Half-life of a payment's weight in the customer's history (days).  Habits drift: the
    #: issue's dataset moved from 29 to 22 mean days to settle in two years, so a year-old
    #: payment should count about a quarter of today's.
    half_life_days: int = attrs.field(default=180, validator=_positive)
    #: Half-life of the fast mean whose difference to the slow one is the trend.
    trend_half_life_days: int = attrs.field(default=45, validator=_positive)
    #: Days before a month's end (inclusive) that count as "month end" for a due date.
    month_end_days: int = attrs.field(default=3, validator=_positive)

    def channel_of(self, timeline: ItemTimeline) -> str | None:
        """The item's channel: by item id, else by document id."""
        return self.channels.get(timeline.item_id) or self.channels.get(timeline.document_id)

    def dunning_level(self, days_overdue: int) -> int:
        """The level reached ``days_overdue`` days after due (0: none)."""
        return bisect.bisect_right(self.dunning_days, days_overdue) if days_overdue > 0 else 0


@attrs.frozen(kw_only=True)
class HistoryStats:
    """Payment history known at a moment (floats: days, not money).

    ``mean``: recency-weighted mean days late of the undisputed payments (``None`` without
    one); ``weight``: the sum of their weights (the effective number of payments); ``trend``:
    the fast-decaying mean minus ``mean`` (negative: paying faster lately); ``median``: the plain
    median days late of every payment; ``count``: how many; ``dispute_share``: the
    recency-weighted share of disputed payments; ``channel_share``: the weighted share of the
    history sent by the item's channel (``None`` without a channel).
    """

    mean: float | None = None
    weight: float = 0.0
    trend: float | None = None
    median: int | None = None
    count: int = 0
    dispute_share: float = 0.0
    channel_share: float | None = None


@attrs.frozen(kw_only=True)
class PaymentFeatures:
    """An item described as known at ``moment`` (see the module docstring for each feature)."""

    item_id: ItemId
    customer_id: CustomerId
    moment: dt.date
    amount: Decimal
    currency: str
    document_date: dt.date
    due_date: dt.date
    terms_days: int
    discount_offered: bool
    overdue_days: int
    dispute: ItemDisputeState
    promised_date: dt.date | None
    promises_kept: int
    promises_broken: int
    dunning_level: int
    channel: str | None
    country: str | None
    group: str | None
    month_end: bool
    quarter_end: bool
    history: HistoryStats
    group_history: HistoryStats
    portfolio: HistoryStats

    @property
    def earliest_days_late(self) -> int:
        """The fewest days late still possible: the item is unpaid on ``moment``."""
        return (self.moment - self.due_date).days + 1 if self.moment >= self.due_date else -(10**6)


class _Decay:
    """A recency-weighted running mean: weights halve every ``half_life`` days."""

    __slots__ = ("rate", "sw", "swx", "t")

    def __init__(self, half_life: int) -> None:
        self.rate = math.log(2) / half_life
        self.sw = 0.0
        self.swx = 0.0
        self.t = 0

    def add(self, t: int, x: float, w: float = 1.0) -> None:
        if self.sw:
            f = math.exp(-self.rate * (t - self.t))
            self.sw *= f
            self.swx *= f
        self.sw += w
        self.swx += w * x
        self.t = t

    def at(self, t: int) -> tuple[float | None, float]:
        """The mean and the total weight seen from day ``t``."""
        if not self.sw:
            return None, 0.0
        return self.swx / self.sw, self.sw * math.exp(-self.rate * (t - self.t))


class _Book:
    """The running history of one customer, group or the portfolio."""

    __slots__ = ("channels", "days", "disputed", "fast", "slow", "total")

    def __init__(self, ctx: FeatureContext) -> None:
        self.slow = _Decay(ctx.half_life_days)
        self.fast = _Decay(ctx.trend_half_life_days)
        self.total = _Decay(ctx.half_life_days)
        self.disputed = _Decay(ctx.half_life_days)
        self.channels: dict[str, _Decay] = {}
        self.days: list[int] = []

    def add(self, t: int, late: int, disputed: bool, channel: str | None, half: int) -> None:
        if not disputed:
            self.slow.add(t, late)
            self.fast.add(t, late)
        self.total.add(t, 0.0)
        self.disputed.add(t, 1.0 if disputed else 0.0)
        if channel is not None:
            self.channels.setdefault(channel, _Decay(half)).add(t, 0.0)
        bisect.insort(self.days, late)

    def stats(self, t: int, channel: str | None) -> HistoryStats:
        mean, weight = self.slow.at(t)
        fast, _ = self.fast.at(t)
        share, _ = self.disputed.at(t)
        n = len(self.days)
        channel_share = None
        if channel is not None:
            _, all_w = self.total.at(t)
            found = self.channels.get(channel)
            ch_w = found.at(t)[1] if found is not None else 0.0
            channel_share = ch_w / all_w if all_w else None
        return HistoryStats(
            mean=mean,
            weight=weight,
            trend=None if mean is None or fast is None else fast - mean,
            median=self.days[(n - 1) // 2] if n else None,
            count=n,
            dispute_share=share or 0.0,
            channel_share=channel_share,
        )


def _month_end(day: dt.date, days: int) -> bool:
    nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (nxt - day).days <= days


def build_features(
    timelines: Sequence[ItemTimeline],
    requests: Sequence[tuple[ItemTimeline, dt.date]],
    *,
    context: FeatureContext | None = None,
    history_as_of: dt.date | None = None,
) -> list[PaymentFeatures]:
    """Describe each requested ``(item, moment)`` as known at its moment.

    With ``history_as_of`` the histories (customer, group, portfolio, promises, dunning) are read
    as known on that day when it is earlier than the moment: items issued after a cut-off are
    then predicted from what was known at the cut-off, their own state (disputes, promises)
    from their moment.

    One sweep over the timelines in day order: each payment enters the histories on the day it
    was recorded, each promise is judged on its date (kept when the item was paid by then),
    and each request reads the state after the payments recorded on its day (ask for items
    unpaid at their moment: a payment already known would count in the history).  Results are
    in the order requested.

    Raises:
        ValidationError: a moment before the item's document date.
    """
    ctx = context or FeatureContext()
    _check_moments(requests)
    sweep = _Sweep(ctx, timelines)
    out: list[PaymentFeatures | None] = [None] * len(requests)
    for day, kind, index in _events(timelines, requests, history_as_of):
        if kind == _ISSUED:
            sweep.issued(index)
        elif kind == _PAID:
            sweep.paid(day, index)
        elif kind == _PROMISE_JUDGED:
            sweep.promise_judged(day, index)
        else:
            item, moment = requests[index]
            out[index] = _describe(
                item, moment, day, ctx, sweep.books, sweep.open_by_customer, sweep.promises
            )
    return [f for f in out if f is not None]


def _check_moments(requests: Sequence[tuple[ItemTimeline, dt.date]]) -> None:
    """Refuse a moment before its item's document date."""
    for item, moment in requests:
        if moment < item.document_date:
            raise ValidationError(
                f"moment {moment} is before the document date {item.document_date} of "
                f"{item.item_id}: an item is described from its issue on",
                field="moment",
                value=moment,
            )


# The kinds of events of the sweep, in the order they are taken on one day: issues open items
# for the dunning level; payments and judged promises come before the requests of the same day.
_ISSUED = -1
_PAID = 0
_PROMISE_JUDGED = 1
_REQUEST = 2


#: One event of the sweep: (day ordinal, kind, the timeline's index or a request's).  A plain
#: tuple because it is the sort key (day, then kind) and is unpacked by name where it is read: a
#: NamedTuple here made build_features 3 % slower.
_Event = tuple[int, int, int]


def _events(
    timelines: Sequence[ItemTimeline],
    requests: Sequence[tuple[ItemTimeline, dt.date]],
    history_as_of: dt.date | None,
) -> list[_Event]:
    """The sweep's events in the order they are taken."""
    events: list[_Event] = []
    for i, tl in enumerate(timelines):
        events.append((tl.document_date.toordinal(), _ISSUED, i))
        if tl.paid_known_on is not None:
            events.append((tl.paid_known_on.toordinal(), _PAID, i))
        for made, promised in tl.promises:
            judged = promised if tl.paid_on is None else min(promised, tl.paid_on)
            events.append((max(made, judged).toordinal(), _PROMISE_JUDGED, i))
    for r, (_, moment) in enumerate(requests):
        seen = moment if history_as_of is None else min(moment, history_as_of)
        events.append((seen.toordinal(), _REQUEST, r))
    events.sort()
    return events


class _Sweep:
    """The histories as the sweep has read them so far: the books of each customer, group and
    the portfolio, each customer's open items (due day by timeline), and each customer's
    promises kept and broken."""

    __slots__ = ("books", "ctx", "open_by_customer", "promises", "timelines")

    def __init__(self, ctx: FeatureContext, timelines: Sequence[ItemTimeline]) -> None:
        self.ctx = ctx
        self.timelines = timelines
        self.books: dict[tuple[int, str], _Book] = {}
        self.open_by_customer: dict[str, dict[int, int]] = {}
        self.promises: dict[str, list[int]] = {}

    def book(self, level: int, key: str) -> _Book:
        found = self.books.get((level, key))
        if found is None:
            found = self.books[(level, key)] = _Book(self.ctx)
        return found

    def issued(self, index: int) -> None:
        tl = self.timelines[index]
        self.open_by_customer.setdefault(tl.customer_id, {})[index] = tl.due_date.toordinal()

    def paid(self, day: int, index: int) -> None:
        """The payment enters the customer's, its group's and the portfolio's books."""
        tl = self.timelines[index]
        self.open_by_customer.get(tl.customer_id, {}).pop(index, None)
        late = tl.days_late or 0
        disputed = bool(tl.disputes)
        channel = self.ctx.channel_of(tl)
        keys = [(0, tl.customer_id), (2, "")]
        group = self.ctx.groups.get(tl.customer_id)
        if group is not None:
            keys.append((1, group))
        for level, key in keys:
            self.book(level, key).add(day, late, disputed, channel, self.ctx.half_life_days)

    def promise_judged(self, day: int, index: int) -> None:
        """A promise is kept when the item was paid by a date promised by then."""
        tl = self.timelines[index]
        kept = tl.paid_on is not None and any(
            tl.paid_on <= promised for made, promised in tl.promises if made.toordinal() <= day
        )
        counts = self.promises.setdefault(tl.customer_id, [0, 0])
        counts[0 if kept else 1] += 1


_EMPTY = HistoryStats()


def _describe(
    item: ItemTimeline,
    moment: dt.date,
    day: int,
    ctx: FeatureContext,
    books: Mapping[tuple[int, str], _Book],
    open_by_customer: Mapping[str, Mapping[int, int]],
    promises: Mapping[str, list[int]],
) -> PaymentFeatures:
    cid = item.customer_id
    channel = ctx.channel_of(item)
    group = ctx.groups.get(cid)
    own = books.get((0, cid))
    grp = books.get((1, group)) if group is not None else None
    port = books.get((2, ""))
    dues = open_by_customer.get(cid, {}).values()
    oldest = min(dues, default=day)
    kept, broken = promises.get(cid, (0, 0))
    due = item.due_date
    return PaymentFeatures(
        item_id=item.item_id,
        customer_id=cid,
        moment=moment,
        amount=item.amount.amount,
        currency=item.amount.currency.code,
        document_date=item.document_date,
        due_date=due,
        terms_days=(due - item.document_date).days,
        discount_offered=item.discount_offered,
        overdue_days=(moment - due).days,
        dispute=item.dispute_state(moment),
        promised_date=item.open_promise(moment),
        promises_kept=kept,
        promises_broken=broken,
        dunning_level=ctx.dunning_level(day - oldest),
        channel=channel,
        country=ctx.countries.get(cid),
        group=group,
        month_end=_month_end(due, ctx.month_end_days),
        quarter_end=due.month % 3 == 0 and _month_end(due, 7),
        history=own.stats(day, channel) if own is not None else _EMPTY,
        group_history=grp.stats(day, channel) if grp is not None else _EMPTY,
        portfolio=port.stats(day, channel) if port is not None else _EMPTY,
    )
