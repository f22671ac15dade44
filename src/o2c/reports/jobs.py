"""Report and reminder jobs declared as data: what to send, to whom, when (cron) and where.

A schedule file (TOML or JSON) lists jobs; :func:`parse_schedule` reads its text and
:func:`load_schedule` an already-parsed mapping (reading the file is the caller's: the core
opens none).  Every bad field is one :class:`~o2c.errors.ScheduleError` naming the job and the
field (``jobs[2].cron``) and the value.

>>> schedule = parse_schedule('''
... [[jobs]]
... name = "weekly-aging"
... kind = "report"
... report = "aged-balance"
... cron = "0 7 * * MON"
... timezone = "Europe/Berlin"
... recipients = ["controller@example.com"]
... format = "html"
... ''')
>>> job = schedule.jobs[0]
>>> job.name, job.channel.value, job.format, job.zone.key
('weekly-aging', 'email', 'html', 'Europe/Berlin')
>>> parse_schedule('[[jobs]]\\nname = "x"\\nkind = "report"\\nreport = "aged-balance"\\n'
...                'cron = "61 * * * *"\\ntimezone = "UTC"\\nrecipients = ["a@b.c"]')
Traceback (most recent call last):
...
o2c.errors.ScheduleError: jobs[0].cron: '61 * * * *' is not a cron expression (...)
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from o2c._optional import require
from o2c.errors import ScheduleError

__all__ = [
    "Channel",
    "Job",
    "JobKind",
    "JobSchedule",
    "REPORT_FORMATS",
    "cron_module",
    "load_schedule",
    "parse_schedule",
]

#: The formats a report job renders to (those of :func:`o2c.reports.render`).
REPORT_FORMATS = ("html", "pdf", "xlsx", "csv")

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")


class JobKind(enum.Enum):
    """What a job sends."""

    #: A report of the catalogue (:func:`o2c.reports.build_report`), rendered and sent.
    REPORT = "report"
    #: Payment reminders: the dunning proposal of the day, each notice to its customer.
    REMINDER = "reminder"


class Channel(enum.Enum):
    """How a job's messages go out."""

    EMAIL = "email"
    SMS = "sms"


def cron_module() -> Any:
    """``croniter`` (extra ``reports``), imported when a schedule is read."""
    return require("croniter", extra="reports", feature="report schedules")


@attrs.frozen(kw_only=True)
class Job:
    """One scheduled job (see the module docstring for the file's fields)."""

    name: str
    kind: JobKind
    #: A five-field cron expression (minute hour day month weekday), in the job's time zone.
    cron: str
    #: The IANA time zone the cron expression is read in.
    zone: zoneinfo.ZoneInfo
    channel: Channel = Channel.EMAIL
    #: E-mail addresses (or phone numbers for SMS) of a report job; a reminder job writes to
    #: each customer's contacts from the customer master.
    recipients: tuple[str, ...] = ()
    #: Report jobs: the catalogue's report name, its format and its options (filters).
    report: str = ""
    format: str = "html"
    options: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    #: Language of the report or the default of reminders (a customer's own locale wins).
    locale: str = "en"
    #: No slot before this moment is ever due (a new job does not catch up its past).
    start: dt.datetime | None = None
    #: Reminder jobs: the dunning levels as (level, days after due), and grace days.
    levels: tuple[tuple[int, int], ...] = ((1, 1),)
    grace_days: int = 0
    #: Who the messages come from (e-mail sender, SMS sender id) and the company's name.
    sender: str | None = None
    company: str = ""
    #: The region national phone numbers are read in (SMS).
    region: str = "DE"


@attrs.frozen
class JobSchedule:
    """The jobs of a schedule file, by name in file order."""

    jobs: tuple[Job, ...]

    def job(self, name: str) -> Job:
        """The job called ``name``.

        Raises:
            ScheduleError: no such job.
        """
        for job in self.jobs:
            if job.name == name:
                return job
        raise ScheduleError(f"no job {name!r} in the schedule", field="job", value=name)


def parse_schedule(text: str, *, syntax: str = "toml") -> JobSchedule:
    """The schedule written in ``text`` (TOML, or JSON with ``syntax="json"``).

    Raises:
        ScheduleError: text that does not parse, or a bad job (see :func:`load_schedule`).
    """
    try:
        if syntax == "json":
            data = json.loads(text)
        elif syntax == "toml":
            import tomllib

            data = tomllib.loads(text)
        else:
            raise ScheduleError(
                f"syntax={syntax!r}: a schedule is written in TOML or JSON",
                field="syntax",
                value=syntax,
            )
    except ValueError as exc:  # tomllib.TOMLDecodeError and json.JSONDecodeError
        raise ScheduleError(
            f"the schedule is not valid {syntax.upper()}: {exc}", field="schedule", value=None
        ) from None
    if not isinstance(data, Mapping):
        raise ScheduleError("a schedule is a table with a list of jobs", field="schedule")
    return load_schedule(data)


def load_schedule(data: Mapping[str, Any]) -> JobSchedule:
    """The schedule of a parsed file: ``{"jobs": [{...}, ...]}``.

    Raises:
        ScheduleError: a missing or bad field (named ``jobs[i].field``), an unknown field, or
            two jobs with one name.
    """
    jobs = data.get("jobs")
    if not isinstance(jobs, Sequence) or isinstance(jobs, str) or not jobs:
        raise ScheduleError(
            "a schedule needs a non-empty list 'jobs' ([[jobs]] tables in TOML)",
            field="jobs",
            value=jobs,
        )
    loaded = tuple(_job(entry, f"jobs[{i}]") for i, entry in enumerate(jobs))
    seen: set[str] = set()
    for i, job in enumerate(loaded):
        if job.name in seen:
            raise ScheduleError(
                f"jobs[{i}].name: {job.name!r} names two jobs; each job needs its own name (its "
                "runs are recorded by it)",
                field=f"jobs[{i}].name",
                value=job.name,
            )
        seen.add(job.name)
    return JobSchedule(loaded)


_FIELDS = {
    "name",
    "kind",
    "cron",
    "timezone",
    "channel",
    "recipients",
    "report",
    "format",
    "options",
    "locale",
    "start",
    "levels",
    "grace_days",
    "sender",
    "company",
    "region",
}


def _bad(where: str, field: str, value: Any, why: str) -> ScheduleError:
    return ScheduleError(f"{where}.{field}: {why}", field=f"{where}.{field}", value=value)


def _text(entry: Mapping[str, Any], where: str, field: str, default: str | None = None) -> str:
    value = entry.get(field, default)
    if not isinstance(value, str) or not value.strip():
        raise _bad(where, field, value, f"{value!r} is not text; give a {field}")
    return value.strip()


def _enum(entry: Mapping[str, Any], where: str, field: str, cls: Any, default: Any) -> Any:
    value = entry.get(field, default.value if default is not None else None)
    try:
        return cls(value)
    except ValueError:
        choices = ", ".join(repr(m.value) for m in cls)
        raise _bad(where, field, value, f"{value!r} is not one of {choices}") from None


def _job(entry: Any, where: str) -> Job:
    if not isinstance(entry, Mapping):
        raise ScheduleError(f"{where}: a job is a table of fields", field=where, value=entry)
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        raise _bad(
            where,
            unknown[0],
            entry[unknown[0]],
            f"unknown field; known: {', '.join(sorted(_FIELDS))}",
        )
    name = _text(entry, where, "name")
    if not _NAME.fullmatch(name):
        raise _bad(where, "name", name, f"{name!r}: use letters, digits, '-', '_' and '.'")
    kind = _enum(entry, where, "kind", JobKind, None)
    cron = _text(entry, where, "cron")
    croniter = cron_module()
    if len(cron.split()) != 5 or not croniter.croniter.is_valid(cron):
        raise _bad(
            where,
            "cron",
            cron,
            f"{cron!r} is not a cron expression (five fields: minute hour day month weekday, "
            "e.g. '0 7 * * MON')",
        )
    zone_name = _text(entry, where, "timezone")
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise _bad(
            where, "timezone", zone_name, f"{zone_name!r} is not an IANA time zone (Europe/Paris)"
        ) from None
    channel = _enum(entry, where, "channel", Channel, Channel.EMAIL)
    recipients = entry.get("recipients", [])
    if not isinstance(recipients, Sequence) or isinstance(recipients, str):
        raise _bad(where, "recipients", recipients, "give a list of addresses")
    if any(not isinstance(r, str) or not r.strip() for r in recipients):
        raise _bad(where, "recipients", recipients, "every recipient is a non-empty text")
    fields: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "cron": cron,
        "zone": zone,
        "channel": channel,
        "recipients": tuple(r.strip() for r in recipients),
        "locale": _text(entry, where, "locale", "en"),
        "region": _text(entry, where, "region", "DE").upper(),
        "company": str(entry.get("company", "")),
        "sender": entry.get("sender"),
        "start": _start(entry, where, zone),
    }
    if kind is JobKind.REPORT:
        fields |= _report_fields(entry, where, channel, fields["recipients"])
    else:
        fields |= _reminder_fields(entry, where)
    return Job(**fields)


def _start(entry: Mapping[str, Any], where: str, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    value = entry.get("start")
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise _bad(where, "start", value, f"{value!r} is not an ISO date or time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _report_fields(
    entry: Mapping[str, Any], where: str, channel: Channel, recipients: tuple[str, ...]
) -> dict[str, Any]:
    import inspect

    from o2c.reports import REPORTS, report_names

    report = _text(entry, where, "report")
    if report not in report_names():
        raise _bad(where, "report", report, f"choose one of {', '.join(report_names())}")
    fmt = _text(entry, where, "format", "html").lower()
    if fmt not in REPORT_FORMATS:
        raise _bad(where, "format", fmt, f"choose one of {', '.join(REPORT_FORMATS)}")
    if channel is not Channel.EMAIL:
        raise _bad(
            where, "channel", channel.value, "a report goes by e-mail; SMS carries reminders"
        )
    if not recipients:
        raise _bad(where, "recipients", [], "a report job needs at least one recipient")
    options = entry.get("options", {})
    if not isinstance(options, Mapping):
        raise _bad(where, "options", options, "give a table of the report's options")
    taken = set(inspect.signature(REPORTS[report]).parameters) - {"ledger", "as_of"}
    for key in options:
        if key not in taken:
            raise _bad(
                where,
                f"options.{key}",
                options[key],
                f"the {report} report takes no option {key!r}; it takes {', '.join(sorted(taken))}",
            )
    return {"report": report, "format": fmt, "options": dict(options)}


def _reminder_fields(entry: Mapping[str, Any], where: str) -> dict[str, Any]:
    for field in ("report", "format", "options", "recipients"):
        if field in entry:
            raise _bad(
                where,
                field,
                entry[field],
                "a reminder job writes to each customer's contacts from the master; this field "
                "is for report jobs",
            )
    raw = entry.get("levels", [{"level": 1, "days_after_due": 1}])
    levels: list[tuple[int, int]] = []
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        raise _bad(where, "levels", raw, "give a list of {level, days_after_due} tables")
    for level in raw:
        number = level.get("level") if isinstance(level, Mapping) else None
        days = level.get("days_after_due") if isinstance(level, Mapping) else None
        if not isinstance(number, int) or not isinstance(days, int) or number < 1 or days < 1:
            raise _bad(
                where, "levels", raw, f"{level!r}: each level is {{level = 1, days_after_due = 7}}"
            )
        levels.append((number, days))
    grace = entry.get("grace_days", 0)
    if not isinstance(grace, int) or isinstance(grace, bool) or grace < 0:
        raise _bad(where, "grace_days", grace, "give a whole number of days >= 0")
    return {"levels": tuple(levels), "grace_days": grace}
