"""Schedules: jobs as data, the planner (caught up once, DST) and the runner (never twice).

Every "now" is passed in (a fake clock); a restart is a new store and ledger object on the
same SQLite file.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.adapters.sqlite import SQLiteLedgerStore
from o2c.collecting.reminders import InMemoryNotifier, Notification
from o2c.errors import DeliveryError, ScheduleError
from o2c.invoice.parties import Contact
from o2c.ledger import (
    CollectionPreferences,
    ContactChannel,
    CustomerContact,
    CustomerDetails,
    CustomerRegistered,
    Ledger,
)
from o2c.ledger.facts import RunOutcome, ScheduledRunRecorded
from o2c.reports.jobs import Channel, JobKind, load_schedule, parse_schedule
from o2c.reports.schedule import (
    DueRun,
    interrupted,
    latest_slot,
    plan,
    recorded_runs,
    run_due,
    slot_fact_id,
    stream_of,
)
from tests.test_ledger import at, invoice

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def _job(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "daily",
        "kind": "report",
        "report": "aged-balance",
        "cron": "0 7 * * *",
        "timezone": "Europe/Berlin",
        "recipients": ["controller@example.com"],
    }
    return base | fields


def _schedule(*jobs: dict[str, Any]) -> Any:
    return load_schedule({"jobs": list(jobs) or [_job()]})


def _recorded(job: str, *slots: dt.datetime) -> dict[str, list[ScheduledRunRecorded]]:
    return {
        job: [
            ScheduledRunRecorded(
                fact_id=slot_fact_id(job, s, "claimed"),
                customer_id=stream_of(job),
                effective=s.date(),
                recorded_at=s,
                job=job,
                slot=s,
                outcome=RunOutcome.SENT,
            )
            for s in slots
        ]
    }


# ------------------------------------------------------------------------------ the file


def test_a_schedule_file_in_toml_and_json() -> None:
    toml = parse_schedule(
        """
        [[jobs]]
        name = "weekly-statement"
        kind = "report"
        report = "statement"
        cron = "0 6 * * MON"
        timezone = "America/New_York"
        recipients = ["ap@customer.example"]
        format = "csv"
        locale = "de"
        start = 2026-04-01
        options = { customer_id = "C1" }

        [[jobs]]
        name = "sms-reminders"
        kind = "reminder"
        channel = "sms"
        cron = "0 10 * * 1-5"
        timezone = "Europe/Paris"
        levels = [{ level = 1, days_after_due = 7 }, { level = 2, days_after_due = 21 }]
        grace_days = 3
        region = "fr"
        """
    )
    report, reminder = toml.jobs
    assert (report.kind, report.format, report.locale, dict(report.options)) == (
        JobKind.REPORT,
        "csv",
        "de",
        {"customer_id": "C1"},
    )
    assert report.start == dt.datetime(2026, 4, 1, tzinfo=report.zone)
    assert (reminder.kind, reminder.channel, reminder.levels, reminder.grace_days) == (
        JobKind.REMINDER,
        Channel.SMS,
        ((1, 7), (2, 21)),
        3,
    )
    assert reminder.region == "FR"
    json = parse_schedule(
        '{"jobs": [{"name": "j", "kind": "reminder", "cron": "0 9 * * *", "timezone": "UTC"}]}',
        syntax="json",
    )
    assert json.job("j").levels == ((1, 1),)
    with pytest.raises(ScheduleError, match="no job 'x'"):
        json.job("x")


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"cron": "0 7 * *"}, "jobs[0].cron", "not a cron expression"),
        ({"cron": "0 25 * * *"}, "jobs[0].cron", "not a cron expression"),
        ({"timezone": "Mars/Olympus"}, "jobs[0].timezone", "not an IANA time zone"),
        ({"timezone": None}, "jobs[0].timezone", "give a timezone"),
        ({"kind": "fax"}, "jobs[0].kind", "'report', 'reminder'"),
        ({"channel": "pigeon"}, "jobs[0].channel", "'email', 'sms'"),
        ({"channel": "sms"}, "jobs[0].channel", "a report goes by e-mail"),
        ({"report": "horoscope"}, "jobs[0].report", "choose one of"),
        ({"format": "docx"}, "jobs[0].format", "choose one of html, pdf, xlsx, csv"),
        ({"recipients": []}, "jobs[0].recipients", "at least one recipient"),
        ({"recipients": "a@b.c"}, "jobs[0].recipients", "a list of addresses"),
        ({"name": "bad name!"}, "jobs[0].name", "letters, digits"),
        ({"start": "soon"}, "jobs[0].start", "not an ISO date"),
        ({"colour": "blue"}, "jobs[0].colour", "unknown field"),
        ({"options": "x"}, "jobs[0].options", "a table of the report's options"),
        ({"options": {"colour": 1}}, "jobs[0].options.colour", "takes no option 'colour'"),
    ],
)
def test_each_bad_field_is_one_schedule_error_naming_it(
    change: dict[str, Any], field: str, says: str
) -> None:
    with pytest.raises(ScheduleError, match=says) as caught:
        _schedule(_job(**change))
    assert caught.value.field == field


def test_bad_reminder_fields_and_whole_file_errors() -> None:
    reminder = {"name": "r", "kind": "reminder", "cron": "0 9 * * *", "timezone": "UTC"}
    with pytest.raises(ScheduleError, match="for report jobs") as caught:
        _schedule(reminder | {"report": "aged-balance"})
    assert caught.value.field == "jobs[0].report"
    with pytest.raises(ScheduleError, match="days_after_due") as caught:
        _schedule(reminder | {"levels": [{"level": 1}]})
    assert caught.value.field == "jobs[0].levels"
    with pytest.raises(ScheduleError, match="names two jobs") as caught:
        _schedule(_job(), _job())
    assert caught.value.field == "jobs[1].name"
    with pytest.raises(ScheduleError, match="non-empty list 'jobs'"):
        load_schedule({"jobs": []})
    with pytest.raises(ScheduleError, match="not valid TOML"):
        parse_schedule("[[jobs]\nname=")
    with pytest.raises(ScheduleError, match="not valid JSON"):
        parse_schedule("{", syntax="json")


# ------------------------------------------------------------------------------ the planner


def test_the_latest_slot_is_due_once_then_the_next_one() -> None:
    schedule = _schedule()
    # 07:00 in Berlin is 06:00 UTC in winter.
    assert plan(schedule, utc(2026, 1, 5, 5, 59), {})[0].slot == utc(2026, 1, 4, 6)
    due = plan(schedule, utc(2026, 1, 5, 6, 0), {})
    assert [(d.slot, d.missed, d.as_of) for d in due] == [
        (utc(2026, 1, 5, 6), 0, dt.date(2026, 1, 5))
    ]
    assert plan(schedule, utc(2026, 1, 5, 12), _recorded("daily", utc(2026, 1, 5, 6))) == ()
    assert plan(schedule, utc(2026, 1, 6, 6), _recorded("daily", utc(2026, 1, 5, 6)))[
        0
    ].slot == utc(2026, 1, 6, 6)


def test_missed_runs_are_caught_up_once_not_once_per_slot() -> None:
    runs = _recorded("daily", utc(2026, 1, 1, 6))
    due = plan(_schedule(), utc(2026, 1, 5, 9), runs)
    assert len(due) == 1
    assert (due[0].slot, due[0].missed) == (utc(2026, 1, 5, 6), 3)  # the 2nd, 3rd and 4th


def test_a_new_job_does_not_catch_up_before_its_start() -> None:
    schedule = _schedule(_job(start="2026-01-10"))
    assert plan(schedule, utc(2026, 1, 9, 12), {}) == ()
    due = plan(schedule, utc(2026, 1, 12, 12), {})
    assert [(d.slot, d.missed) for d in due] == [(utc(2026, 1, 12, 6), 2)]


def test_now_needs_a_time_zone() -> None:
    with pytest.raises(ScheduleError, match="with a time zone"):
        plan(_schedule(), dt.datetime(2026, 1, 1), {})


def test_a_slot_in_the_spring_gap_runs_at_the_gaps_end_once() -> None:
    # Berlin 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC); 02:30 does not exist.
    job = _schedule(_job(cron="30 2 * * *")).jobs[0]
    assert latest_slot(job, utc(2026, 3, 29, 0, 59)) == utc(2026, 3, 28, 1, 30)
    assert latest_slot(job, utc(2026, 3, 29, 1, 0)) == utc(2026, 3, 29, 1, 0)  # 03:00 CEST
    assert latest_slot(job, utc(2026, 3, 30, 0, 30)) == utc(2026, 3, 30, 0, 30)
    runs = _recorded("daily", utc(2026, 3, 29, 1, 0))
    assert plan(_schedule(_job(cron="30 2 * * *")), utc(2026, 3, 29, 23), runs) == ()


def test_a_slot_in_the_repeated_autumn_hour_runs_once() -> None:
    # Berlin 2026-10-25: 03:00 CEST goes back to 02:00 CET; 02:30 happens at 00:30 and 01:30 UTC.
    schedule = _schedule(_job(cron="30 2 * * *"))
    first = plan(schedule, utc(2026, 10, 25, 0, 30), {})
    assert [d.slot for d in first] == [utc(2026, 10, 25, 0, 30)]
    after = _recorded("daily", utc(2026, 10, 25, 0, 30))
    assert plan(schedule, utc(2026, 10, 25, 1, 45), after) == ()
    assert plan(schedule, utc(2026, 10, 25, 23), after) == ()
    hourly = _schedule(_job(cron="0 * * * *"))
    slots = []
    now = utc(2026, 10, 24, 23, 0)
    runs: dict[str, list[ScheduledRunRecorded]] = {"daily": []}
    while now <= utc(2026, 10, 25, 3, 0):
        for d in plan(hourly, now, runs):
            slots.append(d.local.strftime("%H:%M%z"))
            runs["daily"] += _recorded("daily", d.slot)["daily"]
        now += dt.timedelta(minutes=15)
    # Wall-clock slots run once each; the repeated 02:00 (CET) is not a second slot.
    assert slots == ["01:00+0200", "02:00+0200", "03:00+0100", "04:00+0100"]


# ------------------------------------------------------------------------------ the runner


def _ar_ledger(path: Path) -> Ledger:
    ledger = Ledger(SQLiteLedgerStore(path))
    details = {
        "C1": CustomerDetails(
            name="Muster GmbH",
            locale="de_DE",
            contacts=(CustomerContact(contact=Contact(name="AP", email="ap@muster.example")),),
        ),
        "C2": CustomerDetails(
            name="Texto SARL",
            locale="fr_FR",
            contacts=(CustomerContact(contact=Contact(name="AP", phone="+33 6 12 34 56 78")),),
            collection=CollectionPreferences(channel=ContactChannel.SMS),
        ),
    }
    ledger.append(
        [
            CustomerRegistered(
                fact_id=f"reg:{cid}",
                customer_id=cid,
                effective=dt.date(2026, 1, 1),
                recorded_at=at(0),
                details=d,
            )
            for cid, d in details.items()
        ]
    )
    ledger.append(
        [
            invoice("i1", "INV-1", "1190.00", recorded=1),
            invoice("i2", "INV-2", "595.00", customer="C2", recorded=1),
        ]
    )
    return ledger


SCHEDULE = """
[[jobs]]
name = "daily-aging"
kind = "report"
report = "aged-balance"
cron = "0 7 * * *"
timezone = "Europe/Berlin"
recipients = ["controller@example.com"]
format = "html"
company = "o2c Demo AG"

[[jobs]]
name = "weekly-reminders"
kind = "reminder"
cron = "0 9 * * MON"
timezone = "Europe/Berlin"
levels = [{ level = 1, days_after_due = 7 }]
company = "o2c Demo AG"

[[jobs]]
name = "weekly-texts"
kind = "reminder"
channel = "sms"
cron = "0 9 * * MON"
timezone = "Europe/Berlin"
levels = [{ level = 1, days_after_due = 7 }]
company = "o2c Demo AG"
"""


def _journal(path: Path) -> Ledger:
    return Ledger(SQLiteLedgerStore(path, table="o2c_schedule_runs"))


def _run(path: Path, now: dt.datetime, **kw: Any) -> tuple[Any, InMemoryNotifier, InMemoryNotifier]:
    """One runner process: fresh store objects on the file, fresh notifiers."""
    email, sms = InMemoryNotifier(), InMemoryNotifier()
    results = run_due(
        parse_schedule(SCHEDULE),
        ledger=Ledger(SQLiteLedgerStore(path)),
        journal=_journal(path),
        now=now,
        notifiers={Channel.EMAIL: email, Channel.SMS: sms},
        **kw,
    )
    return results, email, sms


def test_each_due_run_is_sent_exactly_once_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    _ar_ledger(path)
    monday = utc(2026, 3, 2, 8, 30)  # 09:30 in Berlin: all three jobs are due
    results, email, sms = _run(path, monday)
    assert [(r.job, r.outcome) for r in results] == [
        ("daily-aging", RunOutcome.SENT),
        ("weekly-reminders", RunOutcome.SENT),
        ("weekly-texts", RunOutcome.SENT),
    ]
    subjects = [m.subject for m in email.outbox]
    assert subjects[0] == "o2c Demo AG: aged-balance as of 2026-03-02"
    assert email.outbox[0].html is not None
    assert "<html" in email.outbox[0].html.lower()
    assert email.outbox[1].recipients == ("ap@muster.example",)
    assert [m.recipients for m in sms.outbox] == [("+33612345678@sms",)]
    assert "rappel de paiement" in sms.outbox[0].text
    reminders = results[1].detail
    assert reminders == ("C1: sent memory-2", "C2: not sent: prefers sms: not sent by e-mail")
    # The same "now" again, in a new process: nothing is due, nothing is sent.
    again, email2, sms2 = _run(path, monday + dt.timedelta(minutes=5))
    assert (again, email2.outbox, sms2.outbox) == ((), [], [])
    # Tuesday: only the daily report.
    tuesday, email3, sms3 = _run(path, utc(2026, 3, 3, 6, 5))
    assert [(r.job, r.outcome) for r in tuesday] == [("daily-aging", RunOutcome.SENT)]
    assert (len(email3.outbox), sms3.outbox) == (1, [])
    journal = _journal(path)
    daily = recorded_runs(journal, "daily-aging")
    assert [(f.outcome, f.slot) for f in daily] == [
        (RunOutcome.CLAIMED, utc(2026, 3, 2, 6)),
        (RunOutcome.SENT, utc(2026, 3, 2, 6)),
        (RunOutcome.CLAIMED, utc(2026, 3, 3, 6)),
        (RunOutcome.SENT, utc(2026, 3, 3, 6)),
    ]
    # The AR ledger's own streams hold no run records (its read model is untouched).
    ar = Ledger(SQLiteLedgerStore(path))
    assert sorted({f.customer_id for f in ar.facts()}) == ["C1", "C2"]
    assert len(ar.open_items(dt.date(2026, 3, 3))) == 2


def test_a_week_down_is_caught_up_once(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    _ar_ledger(path)
    _run(path, utc(2026, 3, 2, 8, 30))
    results, email, _ = _run(path, utc(2026, 3, 9, 6, 30))  # a week later, before 09:00
    assert [(r.job, r.missed) for r in results] == [("daily-aging", 6)]
    assert len(email.outbox) == 1


def test_a_failed_delivery_is_recorded_and_not_retried(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    _ar_ledger(path)

    class Refusing:
        def send(self, message: Notification, /) -> str:
            raise DeliveryError("SMTP", "relay refused")

    schedule = load_schedule({"jobs": [_job(name="daily-aging")]})
    now = utc(2026, 3, 3, 6, 5)
    results = run_due(
        schedule,
        ledger=Ledger(SQLiteLedgerStore(path)),
        journal=_journal(path),
        now=now,
        notifiers={Channel.EMAIL: Refusing(), Channel.SMS: InMemoryNotifier()},
    )
    assert [(r.job, r.outcome) for r in results] == [("daily-aging", RunOutcome.FAILED)]
    assert "relay refused" in results[0].detail[0]
    again, _email, _ = _run(path, now + dt.timedelta(hours=1))
    assert "daily-aging" not in [r.job for r in again]
    assert [f.outcome for f in recorded_runs(_journal(path), "daily-aging")] == [
        RunOutcome.CLAIMED,
        RunOutcome.FAILED,
    ]


def test_a_runner_killed_after_its_claim_never_sends_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    _ar_ledger(path)

    class Dying:
        def send(self, message: Notification, /) -> str:
            raise SystemExit("killed mid-delivery")

    now = utc(2026, 3, 3, 6, 5)
    with pytest.raises(SystemExit):
        run_due(
            parse_schedule(SCHEDULE),
            ledger=Ledger(SQLiteLedgerStore(path)),
            journal=_journal(path),
            now=now,
            notifiers={Channel.EMAIL: Dying(), Channel.SMS: InMemoryNotifier()},
        )
    results, email, _ = _run(path, now + dt.timedelta(minutes=1))
    # The weekly jobs had not been reached; the daily report is never sent again.
    assert [r.job for r in results] == ["weekly-reminders", "weekly-texts"]
    assert not [m for m in email.outbox if "aged-balance" in m.subject]
    assert interrupted(_journal(path), "daily-aging") == (utc(2026, 3, 3, 6),)
    assert interrupted(_journal(path), "weekly-reminders") == ()


def test_two_runners_racing_deliver_once(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    _ar_ledger(path)
    barrier = threading.Barrier(4)
    sent: list[int] = []
    now = utc(2026, 3, 3, 6, 5)

    def runner() -> None:
        barrier.wait(timeout=30)
        _results, email, sms = _run(path, now)
        sent.append(len(email.outbox) + len(sms.outbox))

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    # The report, C1's reminder e-mail and C2's text: three messages, whoever sent them.
    assert sum(sent) == 3
    for job in ("daily-aging", "weekly-reminders", "weekly-texts"):
        assert len(recorded_runs(_journal(path), job)) == 2


def test_a_dry_run_records_and_sends_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    _ar_ledger(path)
    results, email, sms = _run(path, utc(2026, 3, 2, 8, 30), dry_run=True)
    assert [r.outcome for r in results] == [None, None, None]
    assert (email.outbox, sms.outbox) == ([], [])
    assert recorded_runs(_journal(path), "daily-aging") == ()


def test_report_files_are_attached_and_csv_goes_in_the_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.sqlite"
    _ar_ledger(path)
    jobs = [
        _job(name="as-csv", format="csv"),
        _job(name="as-xlsx", format="xlsx"),
        _job(name="as-html", format="html"),
    ]
    now = utc(2026, 3, 3, 6, 5)
    email = InMemoryNotifier()
    results = run_due(
        load_schedule({"jobs": jobs}),
        ledger=Ledger(SQLiteLedgerStore(path)),
        journal=_journal(path),
        now=now,
        notifiers={Channel.EMAIL: email},
    )
    assert [r.outcome for r in results] == [RunOutcome.SENT] * 3
    as_csv, as_xlsx, as_html = email.outbox
    assert "," in as_csv.text
    assert as_csv.html is None
    [csv_file] = as_csv.attachments
    assert (csv_file.file_name, csv_file.media_type) == ("as-csv-2026-03-03.csv", "text/csv")
    assert csv_file.content.decode("utf-8") == as_csv.text
    [xlsx] = as_xlsx.attachments
    assert xlsx.file_name == "as-xlsx-2026-03-03.xlsx"
    assert xlsx.media_type.endswith("spreadsheetml.sheet")
    assert xlsx.content[:2] == b"PK"
    assert "as-xlsx-2026-03-03.xlsx is attached" in as_xlsx.text
    [page] = as_html.attachments
    assert page.media_type == "text/html"
    assert as_html.html == page.content.decode("utf-8")

    # a file too large to attach goes to the archive and the message says where; without an
    # archive the run fails, naming the way out
    import o2c.reports.schedule as schedule_module

    monkeypatch.setattr(schedule_module, "MAX_ATTACHMENT_BYTES", 100)
    written: dict[str, bytes] = {}

    def archive(name: str, content: bytes) -> str:
        written[name] = content
        return f"/srv/reports/{name}"

    later = run_due(
        load_schedule({"jobs": jobs[1:2]}),
        ledger=Ledger(SQLiteLedgerStore(path)),
        journal=_journal(path),
        now=now + dt.timedelta(days=1),
        notifiers={Channel.EMAIL: email},
        archive=archive,
    )
    assert [r.outcome for r in later] == [RunOutcome.SENT]
    assert written["as-xlsx-2026-03-04.xlsx"][:2] == b"PK"
    assert email.outbox[-1].attachments == ()
    assert "/srv/reports/as-xlsx-2026-03-04.xlsx" in email.outbox[-1].text
    assert "too large to attach" in email.outbox[-1].text
    failed = run_due(
        load_schedule({"jobs": jobs[1:2]}),
        ledger=Ledger(SQLiteLedgerStore(path)),
        journal=_journal(path),
        now=now + dt.timedelta(days=2),
        notifiers={Channel.EMAIL: email},
    )
    assert [r.outcome for r in failed] == [RunOutcome.FAILED]
    assert "--archive" in failed[0].detail[0]
    assert "more than a message attaches (100)" in failed[0].detail[0]


def test_due_runs_report_their_local_date() -> None:
    job = _schedule(_job(timezone="Pacific/Auckland", cron="0 8 * * *")).jobs[0]
    run = DueRun(job=job, slot=utc(2026, 1, 4, 19), missed=0)
    assert run.as_of == dt.date(2026, 1, 5)


@settings(max_examples=60, deadline=None)
@given(
    cron=st.sampled_from(["0 7 * * *", "*/20 * * * *", "30 2 * * *", "0 9 * * MON", "0 0 1 * *"]),
    zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]),
    start=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 1)),
    steps=st.lists(st.integers(1, 60 * 24 * 9), min_size=1, max_size=25),
)
def test_a_runner_on_any_clock_runs_each_slot_at_most_once(
    cron: str, zone: str, start: dt.datetime, steps: list[int]
) -> None:
    schedule = _schedule(_job(cron=cron, timezone=zone))
    job = schedule.jobs[0]
    now = start.replace(tzinfo=UTC)
    runs: dict[str, list[ScheduledRunRecorded]] = {"daily": []}
    for minutes in steps:
        now += dt.timedelta(minutes=minutes)
        due = plan(schedule, now, runs)
        assert len(due) <= 1  # caught up once, whatever was missed
        for d in due:
            done = [r.slot for r in runs["daily"]]
            assert d.slot <= now
            assert all(d.slot > s for s in done)
            assert latest_slot(job, d.slot) == d.slot  # a slot of the cron expression
            assert latest_slot(job, now) == d.slot  # the latest one
            runs["daily"] += _recorded("daily", d.slot)["daily"]
        assert plan(schedule, now, runs) == ()  # nothing twice at the same time


@pytest.mark.postgres
def test_runs_recorded_on_postgresql_are_sent_once(request: pytest.FixtureRequest) -> None:
    from o2c.adapters.sqlalchemy import SQLAlchemyLedgerStore
    from tests.pg import fresh_database

    with fresh_database(request.getfixturevalue("postgres_url")) as url:
        stores: list[SQLAlchemyLedgerStore] = []

        def runner(now: dt.datetime) -> tuple[Any, InMemoryNotifier]:
            ar = SQLAlchemyLedgerStore(url)
            runs = SQLAlchemyLedgerStore(url, table_name="o2c_schedule_runs")
            stores.extend([ar, runs])
            email = InMemoryNotifier()
            results = run_due(
                load_schedule({"jobs": [_job(name="daily-aging")]}),
                ledger=Ledger(ar),
                journal=Ledger(runs),
                now=now,
                notifiers={Channel.EMAIL: email},
            )
            return results, email

        try:
            first, email = runner(utc(2026, 3, 3, 6, 5))
            assert [r.outcome for r in first] == [RunOutcome.SENT]
            assert len(email.outbox) == 1
            again, email = runner(utc(2026, 3, 3, 7, 5))
            assert (again, email.outbox) == ((), [])
            runs = Ledger(SQLAlchemyLedgerStore(url, table_name="o2c_schedule_runs"))
            assert len(recorded_runs(runs, "daily-aging")) == 2
            runs.store.close()  # type: ignore[attr-defined]
        finally:
            for store in stores:
                store.close()
