"""Scheduled reports and reminders: which runs are due, and running them exactly once.

The host's scheduler (cron, a systemd timer, Celery beat) calls ``o2c schedule run`` every few
minutes; this module does the rest, with "now" passed in (the core reads no clock):

- :func:`plan` works out, for each job of a :class:`~o2c.reports.jobs.JobSchedule`, whether a run
  is due: the latest slot of its cron expression at or before now, read in the job's time zone,
  unless a run of that slot (or a later one) is recorded.  Only the latest slot counts, so a
  runner that was down for three slots catches up **once**, not three times (the skipped slots
  are counted in :attr:`DueRun.missed`).
- :func:`run_due` renders and delivers each due run and records it as
  :class:`~o2c.ledger.facts.ScheduledRunRecorded` facts in a journal :class:`~o2c.ledger.Ledger`.

**Never twice (at most once).** A run is recorded *before* it is delivered: the runner first
appends a ``claimed`` fact whose id is derived from the job and the slot
(``schedule-run:<job>:<slot>:claimed``), then delivers, then appends the outcome (``sent`` with
the message ids, or ``failed`` with the error).  A second runner, or the same one restarted, finds
the claim and skips the slot; two runners racing for it cannot both store the claim (one id, one
stream per job).  The price: a runner killed between its claim and its outcome leaves the slot
claimed and undelivered — :func:`interrupted` lists such runs for a person to look at — rather
than sending a customer the same reminder twice, which is what recording after delivery (at
least once) would risk.

**Time zones and DST.** Slots are wall-clock times in the job's zone.  A slot that does not
exist (the hour skipped in spring) runs at the end of the gap, as cron does; a slot in the hour
that repeats in autumn runs once, at its first occurrence.

**Where runs are recorded.** In a journal ledger of their own (the CLI keeps it in the ledger's
database, in the table ``o2c_schedule_runs``), one stream per job (``schedule:<job>``), read
back with :func:`recorded_runs`; the AR ledger's streams stay the customers'.  The read model
keeps them apart from the customers' balances either way (:meth:`History.scheduled_runs`).

>>> import datetime as dt
>>> from o2c.reports.jobs import parse_schedule
>>> schedule = parse_schedule('''
... [[jobs]]
... name = "daily-aging"
... kind = "report"
... report = "aged-balance"
... cron = "0 7 * * *"
... timezone = "Europe/Berlin"
... recipients = ["controller@example.com"]
... ''')
>>> now = dt.datetime(2026, 3, 30, 9, 0, tzinfo=dt.timezone.utc)
>>> [(d.job.name, d.slot.isoformat()) for d in plan(schedule, now, {})]
[('daily-aging', '2026-03-30T05:00:00+00:00')]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

from o2c.collecting.dunning import DunningLevel, DunningPolicy, propose_dunning
from o2c.collecting.reminders import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
    Notification,
    Notifier,
    send_reminders,
)
from o2c.collecting.sms import render_sms_reminder, sms_notification, sms_numbers
from o2c.errors import (
    ConcurrencyError,
    DeliveryError,
    DuplicateFactError,
    InvalidFactError,
    ScheduleError,
)
from o2c.ledger import CustomerId, FactId, Ledger
from o2c.ledger.facts import RunOutcome, ScheduledRunRecorded
from o2c.reports.jobs import Channel, Job, JobKind, JobSchedule, cron_module

__all__ = [
    "DueRun",
    "MAX_MISSED_COUNTED",
    "RECORDED_BY",
    "RunResult",
    "interrupted",
    "latest_slot",
    "plan",
    "recorded_runs",
    "run_due",
    "slot_fact_id",
    "stream_of",
]

#: Who the run facts say recorded them.
RECORDED_BY = "o2c schedule"
#: Missed slots are counted up to this many (a job every minute, down for a month, says
#: "10000 or more" rather than walking 43,200 slots).
MAX_MISSED_COUNTED = 10_000
#: How far past "now" (wall clock) the backward search for the latest slot starts: more than
#: any DST shift (at most 2 hours anywhere), so a slot in a repeated hour is not overlooked.
_SEARCH_MARGIN = dt.timedelta(hours=3)


@attrs.frozen(kw_only=True)
class DueRun:
    """A run to make: the job, its slot (UTC) and the slots skipped since its last run."""

    job: Job
    slot: dt.datetime
    #: Slots between the last recorded run and this one that will not run (caught up once).
    missed: int = 0

    @property
    def local(self) -> dt.datetime:
        """The slot in the job's time zone."""
        return self.slot.astimezone(self.job.zone)

    @property
    def as_of(self) -> dt.date:
        """The date the run reports on: the slot's date in the job's time zone."""
        return self.local.date()


@attrs.frozen(kw_only=True)
class RunResult:
    """What :func:`run_due` did with one due run.

    ``outcome`` is ``None`` when the run was not made: another runner had claimed it, or a
    dry run (``detail`` says which).
    """

    job: str
    slot: dt.datetime
    outcome: RunOutcome | None
    detail: tuple[str, ...] = ()
    missed: int = 0


def stream_of(job: str) -> str:
    """The journal stream of a job's runs."""
    return f"schedule:{job}"


def slot_fact_id(job: str, slot: dt.datetime, step: str) -> str:
    """The id of a run's ``claimed`` or ``result`` fact: one per job, slot and step."""
    stamp = slot.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"schedule-run:{job}:{stamp}:{step}"


# --------------------------------------------------------------------------------------------
# Planning


def _instant(naive: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """The UTC instant of a wall-clock time; a time in a DST gap moves to the gap's end."""
    local = naive
    for _minute in range(24 * 60):
        aware = local.replace(tzinfo=zone)
        instant = aware.astimezone(dt.UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == local:
            return instant
        local += dt.timedelta(minutes=1)
    raise ScheduleError(  # pragma: no cover - no zone skips a whole day of minutes
        f"no wall-clock time after {naive.isoformat()} exists in {zone}", field="timezone"
    )


def latest_slot(job: Job, now: dt.datetime) -> dt.datetime | None:
    """The job's latest slot at or before ``now`` (UTC), or ``None`` if it has none.

    Raises:
        ScheduleError: ``now`` without a time zone.
    """
    _check_now(now)
    croniter = cron_module().croniter
    wall = now.astimezone(job.zone).replace(tzinfo=None) + _SEARCH_MARGIN
    it = croniter(job.cron, wall)
    # Backwards from past now; a wall time maps to a later instant only across a DST gap,
    # so a few steps at most go by before the instants fall to now or before.
    for _step in range(MAX_MISSED_COUNTED):
        slot = _instant(it.get_prev(dt.datetime), job.zone)
        if slot <= now:
            return slot
    return None  # pragma: no cover - a cron expression fires at least once a year


def _count_between(job: Job, after: dt.datetime, before: dt.datetime) -> int:
    """How many distinct slots lie strictly between two slots (at most MAX_MISSED_COUNTED)."""
    croniter = cron_module().croniter
    it = croniter(job.cron, after.astimezone(job.zone).replace(tzinfo=None))
    seen: set[dt.datetime] = set()
    while len(seen) < MAX_MISSED_COUNTED:
        slot = _instant(it.get_next(dt.datetime), job.zone)
        if slot >= before:
            break
        if slot > after:
            seen.add(slot)
    return len(seen)


def _check_now(now: dt.datetime) -> None:
    if not isinstance(now, dt.datetime) or now.tzinfo is None:
        raise ScheduleError(
            f"now={now!r}: pass the current time with a time zone (UTC, say)",
            field="now",
            value=now,
        )


def plan(
    schedule: JobSchedule,
    now: dt.datetime,
    runs: Mapping[str, Sequence[ScheduledRunRecorded]],
) -> tuple[DueRun, ...]:
    """The runs due at ``now``, given the runs already recorded per job name.

    A job is due when its latest slot at or before ``now`` is later than every recorded run
    of it (claimed, sent or failed alike) and not before its ``start``.

    Raises:
        ScheduleError: ``now`` without a time zone.
    """
    _check_now(now)
    due: list[DueRun] = []
    for job in schedule.jobs:
        slot = latest_slot(job, now)
        if slot is None or (job.start is not None and slot < job.start):
            continue
        previous = [r.slot for r in runs.get(job.name, ())]
        last = max(previous, default=None)
        if last is not None and slot <= last:
            continue
        if last is not None:
            missed = _count_between(job, last, slot)
        elif job.start is not None:
            missed = _count_between(job, job.start - dt.timedelta(microseconds=1), slot)
        else:
            missed = 0
        due.append(DueRun(job=job, slot=slot, missed=missed))
    return tuple(due)


def recorded_runs(journal: Ledger, job: str) -> tuple[ScheduledRunRecorded, ...]:
    """The run facts recorded for ``job`` in the journal, in the order recorded, read through
    the journal's history (:meth:`History.scheduled_runs <o2c.ledger.History.scheduled_runs>`)
    of the job's own stream, ``schedule:<job>``."""
    return journal.read(customer_id=stream_of(job)).scheduled_runs(job)


def interrupted(journal: Ledger, job: str) -> tuple[dt.datetime, ...]:
    """The slots of ``job`` claimed without an outcome: interrupted runs to look at by hand."""
    claimed: dict[dt.datetime, bool] = {}
    for fact in recorded_runs(journal, job):
        done = fact.outcome is not RunOutcome.CLAIMED
        claimed[fact.slot] = claimed.get(fact.slot, False) or done
    return tuple(slot for slot, done in claimed.items() if not done)


# --------------------------------------------------------------------------------------------
# Running

#: Writes a rendered file (name, content) somewhere lasting and says where (the CLI's archive
#: directory); the core writes no file itself.
Archive = Callable[[str, bytes], str]


def _fact(
    run: DueRun, outcome: RunOutcome, now: dt.datetime, detail: Iterable[str] = ()
) -> ScheduledRunRecorded:
    step = "claimed" if outcome is RunOutcome.CLAIMED else "result"
    return ScheduledRunRecorded(
        fact_id=FactId(slot_fact_id(run.job.name, run.slot, step)),
        customer_id=CustomerId(stream_of(run.job.name)),
        effective=run.as_of,
        recorded_at=now,
        recorded_by=RECORDED_BY,
        job=run.job.name,
        slot=run.slot,
        outcome=outcome,
        detail=tuple(detail),
    )


def run_due(
    schedule: JobSchedule,
    *,
    ledger: Ledger,
    journal: Ledger,
    now: dt.datetime,
    notifiers: Mapping[Channel, Notifier],
    archive: Archive | None = None,
    dry_run: bool = False,
) -> tuple[RunResult, ...]:
    """Make every run due at ``now``: claim it, deliver it, record the outcome.

    Args:
        schedule: the jobs.
        ledger: the AR ledger the reports and reminders read.
        journal: where runs are recorded (its own store; see the module docstring).
        now: the current time (timezone-aware).
        notifiers: the notifier of each channel the jobs use.
        archive: writes rendered report files (needed for PDF and XLSX reports, which the
            Notifier port cannot attach; HTML goes in the message, CSV as its text).
        dry_run: only say what is due; record and send nothing.

    Returns:
        One result per due run, in schedule order.  A delivery that fails is recorded as
        ``failed`` and reported here, not raised; per-customer failures of a reminder run are
        lines of its ``detail``.

    Raises:
        ScheduleError: ``now`` without a time zone.
    """
    runs = {job.name: recorded_runs(journal, job.name) for job in schedule.jobs}
    results: list[RunResult] = []
    for run in plan(schedule, now, runs):
        if dry_run:
            results.append(_result(run, None, ("due: dry run, nothing sent",)))
            continue
        try:
            claim = journal.append([_fact(run, RunOutcome.CLAIMED, now)])
        except (ConcurrencyError, DuplicateFactError) as exc:
            results.append(_result(run, None, (f"skipped: another runner claimed it ({exc})",)))
            continue
        except InvalidFactError as exc:
            results.append(_result(run, None, (f"skipped: {exc}",)))
            continue
        if not claim.appended:
            results.append(_result(run, None, ("skipped: already claimed",)))
            continue
        try:
            detail = _deliver(run, ledger, notifiers, archive)
            outcome = RunOutcome.SENT
        except Exception as exc:  # recorded as the run's failure, whatever it was
            detail = (f"{type(exc).__name__}: {exc}",)
            outcome = RunOutcome.FAILED
        journal.append([_fact(run, outcome, now, detail)])
        results.append(_result(run, outcome, detail))
    return tuple(results)


def _result(run: DueRun, outcome: RunOutcome | None, detail: Sequence[str]) -> RunResult:
    return RunResult(
        job=run.job.name, slot=run.slot, outcome=outcome, detail=tuple(detail), missed=run.missed
    )


def _notifier(notifiers: Mapping[Channel, Notifier], channel: Channel) -> Notifier:
    try:
        return notifiers[channel]
    except KeyError:
        raise ScheduleError(
            f"no notifier for channel {channel.value!r}: configure one", field="channel"
        ) from None


def _deliver(
    run: DueRun,
    ledger: Ledger,
    notifiers: Mapping[Channel, Notifier],
    archive: Archive | None,
) -> tuple[str, ...]:
    notifier = _notifier(notifiers, run.job.channel)
    if run.job.kind is JobKind.REPORT:
        return _deliver_report(run, ledger, notifier, archive)
    return _deliver_reminders(run, ledger, notifier)


def _deliver_report(
    run: DueRun, ledger: Ledger, notifier: Notifier, archive: Archive | None
) -> tuple[str, ...]:
    """Render the job's report and send it, the file attached (HTML also as the message's HTML
    part, CSV also as its text); a file too large to attach must go to the archive."""
    from o2c.reports import build_report, render
    from o2c.reports.render import MEDIA_TYPES

    job = run.job
    report = build_report(job.report, ledger, as_of=run.as_of, **dict(job.options))
    content = render(report, job.format, job.locale)
    name = f"{job.name}-{run.as_of.isoformat()}.{job.format}"
    detail: list[str] = []
    where = None
    if archive is not None:
        where = archive(name, content)
        detail.append(f"written to {where}")
    about = f" ({report.subject()})" if report.subject() else ""
    title = f"{job.report}{about} as of {run.as_of.isoformat()}"
    attachments: tuple[Attachment, ...] = ()
    if len(content) <= MAX_ATTACHMENT_BYTES:
        attachments = (
            Attachment(file_name=name, media_type=MEDIA_TYPES[job.format], content=content),
        )
        said = f"{title}: the {job.format.upper()} file {name} is attached"
        said += f" (and kept at {where})." if where is not None else "."
    elif where is not None:
        said = (
            f"{title}: the {job.format.upper()} file is at {where} ({len(content):,} bytes, "
            "too large to attach)."
        )
    else:
        raise ScheduleError(
            f"job {job.name}: the {job.format.upper()} report is {len(content):,} bytes, more "
            f"than a message attaches ({MAX_ATTACHMENT_BYTES:,}): give an archive to write it "
            "to (o2c schedule run --archive DIR), or filter the report",
            field="format",
            value=job.format,
        )
    html = None
    text = said
    if job.format == "html":
        html = content.decode("utf-8")
    elif job.format == "csv":
        text = content.decode("utf-8")
    message = Notification(
        recipients=job.recipients,
        subject=f"{job.company + ': ' if job.company else ''}{title}",
        text=text,
        html=html,
        sender=job.sender,
        headers=(("X-O2C-Schedule", job.name), ("X-O2C-Slot", run.slot.isoformat())),
        attachments=attachments,
    )
    detail.append(f"sent {notifier.send(message)} to {', '.join(job.recipients)}")
    return tuple(detail)


def _deliver_reminders(run: DueRun, ledger: Ledger, notifier: Notifier) -> tuple[str, ...]:
    job = run.job
    policy = DunningPolicy(
        levels=[DunningLevel(level=n, days_after_due=d) for n, d in job.levels],
        grace_days=job.grace_days,
    )
    master = ledger.read(run.as_of).customer_master()
    proposal = propose_dunning(ledger.open_items(run.as_of), run.as_of, policy, master=master)
    if job.channel is Channel.EMAIL:
        results = send_reminders(
            proposal.notices, notifier, master=master, company=job.company, sender=job.sender
        )
        lines = [
            f"{r.customer_id}: sent {r.message_id}"
            if r.message_id
            else f"{r.customer_id}: not sent: {r.error}"
            for r in results
        ]
        return tuple(lines) or ("no reminders due",)
    lines = []
    for notice in proposal.notices:
        record = master.customer(notice.customer_id)
        numbers = sms_numbers(record, region=job.region) if record is not None else ()
        if not numbers:
            lines.append(f"{notice.customer_id}: not sent: no SMS number, or SMS not its channel")
            continue
        locale = (record.locale if record is not None and record.locale else job.locale).replace(
            "-", "_"
        )
        text = render_sms_reminder(notice, locale=locale, company=job.company)
        message = sms_notification(
            text, numbers, region=job.region, sender=job.sender, customer_id=notice.customer_id
        )
        try:
            lines.append(f"{notice.customer_id}: sent {notifier.send(message)}")
        except DeliveryError as exc:
            lines.append(f"{notice.customer_id}: not sent: {exc}")
    return tuple(lines) or ("no reminders due",)
