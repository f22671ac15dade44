"""``o2c schedule run``: make the report and reminder runs that are due, each exactly once.

Called by the host's scheduler every few minutes (cron, a systemd timer, Celery beat; see
docs/schedules.md).  The ledger is a SQLite file (``--db``) or a SQLAlchemy URL (``--url``);
the runs are recorded beside it, in the table ``o2c_schedule_runs`` of the same database, so a
second call (or a restart) never sends a run twice.  ``--config`` is the schedule (TOML, or
JSON by its extension): its ``[[jobs]]`` (see :mod:`o2c.reports.jobs`) and how to deliver:

.. code-block:: toml

    [email]                      # o2c.adapters.smtp.SmtpNotifier
    host = "smtp.example.com"
    port = 587
    security = "starttls"        # none, starttls, ssl
    sender = "ar@example.com"
    username = "ar@example.com"
    password_env = "O2C_SMTP_PASSWORD"   # secrets come from the environment, never the file

    [sms]                        # o2c.adapters.sms.SmsNotifier
    region = "DE"
    opted_out = ["+4915100000000"]
    [[sms.gateways]]
    type = "twilio"
    account_sid = "AC..."
    auth_token_env = "TWILIO_AUTH_TOKEN"
    from_number = "+15005550006"
    [[sms.gateways]]
    type = "http"                # any o2c.adapters.sms.HttpGateway field
    name = "acme"
    url = "https://api.acme-sms.example/v1/messages"
    template = { to = "{number}", text = "{text}" }
    headers_env = { Authorization = "ACME_SMS_AUTH" }

``--outbox DIR`` writes every message to a file there instead of sending it (to try a schedule
out); a report job's message carries the rendered file as an attachment, and ``--archive DIR``
keeps each file there too (a file too large to attach, over 10 MiB, is only sent as its path
there: without an archive that run fails).  ``--now`` runs as of another time (ISO with a UTC
offset); ``--dry-run`` only says what is due.

Exit status: 0 when every due run was delivered (or nothing was due), 1 when a run failed (its
failure is recorded and not retried: see ``o2c.reports.schedule``), 2 for bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import json
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from o2c.cli.commands import input_file, ledger_file
from o2c.cli.commands.aging import _moment, open_store
from o2c.errors import ScheduleError, ValidationError

__all__ = ["JOURNAL_TABLE", "OutboxNotifier", "register", "run"]

#: The table the runs are recorded in, in the ledger's own database.
JOURNAL_TABLE = "o2c_schedule_runs"


def register(subparsers: Any) -> None:
    """Add the ``schedule`` sub-command (``schedule run``) to the ``o2c`` parser."""
    parser = subparsers.add_parser(
        "schedule",
        help="run the scheduled reports and reminders that are due",
        description="Scheduled reports and reminders (called by cron, systemd or Celery beat).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    run_parser = actions.add_parser(
        "run",
        help="make the runs that are due, each exactly once",
        description="Make every run of the schedule that is due, record it, and say what it did.",
    )
    source = run_parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--db", type=ledger_file, help="SQLite ledger file")
    source.add_argument("--url", help="SQLAlchemy URL of the ledger database (extra 'sql')")
    run_parser.add_argument(
        "--config", type=input_file, required=True, help="the schedule (TOML, or .json)"
    )
    run_parser.add_argument(
        "--now",
        type=_moment,
        default=None,
        help="run as of this time (ISO, with a UTC offset; default: the clock)",
    )
    run_parser.add_argument(
        "--dry-run", dest="dry_run", action="store_true", help="say what is due; send nothing"
    )
    run_parser.add_argument(
        "--outbox", default=None, help="write the messages to files in this directory instead"
    )
    run_parser.add_argument(
        "--archive", default=None, help="keep the rendered report files in this directory"
    )
    run_parser.set_defaults(func=_main, parser=run_parser)


def _main(args: argparse.Namespace) -> int:
    return run(args, out=sys.stdout, err=sys.stderr)


class OutboxNotifier:
    """A Notifier that writes each message as JSON to a directory (``--outbox``), its
    attachments as files beside it (``<message>-<file name>``)."""

    _counter = itertools.count(1)

    def __init__(self, directory: Path, channel: str) -> None:
        self.directory = directory
        self.channel = channel

    def send(self, message: Any, /) -> str:
        """Write ``message``; returns ``outbox-<channel>-<n>``."""
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"outbox-{self.channel}-{os.getpid()}-{next(self._counter)}"
        data = {
            "recipients": list(message.recipients),
            "subject": message.subject,
            "text": message.text,
            "html": message.html,
            "sender": message.sender,
            "headers": [list(h) for h in message.headers],
            "attachments": [],
        }
        for attachment in message.attachments:  # each file beside the message
            path = self.directory / f"{name}-{attachment.file_name}"
            path.write_bytes(attachment.content)
            data["attachments"].append(
                {
                    "file_name": attachment.file_name,
                    "media_type": attachment.media_type,
                    "size": attachment.size,
                    "path": path.name,
                }
            )
        (self.directory / f"{name}.json").write_text(
            json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        return name


def _secret(table: Mapping[str, Any], key: str, where: str) -> str | None:
    """The value of ``<key>_env``'s environment variable (``None`` when not configured)."""
    variable = table.get(f"{key}_env")
    if variable is None:
        if key in table:
            raise ScheduleError(
                f"{where}.{key}: secrets are not kept in the schedule file; name an environment "
                f"variable with {key}_env",
                field=f"{where}.{key}",
            )
        return None
    value = os.environ.get(str(variable))
    if not value:
        raise ScheduleError(
            f"{where}.{key}_env: the environment variable {variable} is not set",
            field=f"{where}.{key}_env",
            value=variable,
        )
    return value


def _email_notifier(table: Mapping[str, Any]) -> Any:
    from o2c.adapters.smtp import SmtpNotifier, SmtpSecurity

    try:
        return SmtpNotifier(
            str(table["host"]),
            int(table.get("port", 25)),
            sender=str(table["sender"]),
            username=table.get("username"),
            password=_secret(table, "password", "email"),
            security=SmtpSecurity(table.get("security", "none")),
            timeout=float(table.get("timeout", 30.0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ScheduleError(
            f"email: {exc!s}: give host, port, sender (and security none/starttls/ssl)",
            field="email",
        ) from None


def _sms_notifier(table: Mapping[str, Any]) -> Any:
    from o2c.adapters.sms import BodyFormat, HttpGateway, SmsNotifier, TwilioGateway

    gateways: list[Any] = []
    for i, entry in enumerate(table.get("gateways", [])):
        where = f"sms.gateways[{i}]"
        fields = {k: v for k, v in entry.items() if k != "type" and not k.endswith("_env")}
        try:
            if entry.get("type") == "twilio":
                fields.pop("auth_token", None)
                token = _secret(entry, "auth_token", where)
                gateways.append(TwilioGateway(auth_token=token or "", **fields))
            elif entry.get("type") == "http":
                if "body" in fields:
                    fields["body"] = BodyFormat(fields["body"])
                headers = dict(fields.pop("headers", {}))
                for header, variable in dict(entry.get("headers_env", {})).items():
                    value = os.environ.get(str(variable))
                    if not value:
                        raise ScheduleError(
                            f"{where}.headers_env: the environment variable {variable} is not set",
                            field=f"{where}.headers_env",
                            value=variable,
                        )
                    headers[header] = value
                gateways.append(HttpGateway(headers=headers, **fields))
            else:
                raise ScheduleError(
                    f"{where}.type: {entry.get('type')!r} is not 'http' or 'twilio'",
                    field=f"{where}.type",
                    value=entry.get("type"),
                )
        except TypeError as exc:
            raise ScheduleError(f"{where}: {exc}", field=where) from None
    return SmsNotifier(
        gateways,
        region=str(table.get("region", "DE")),
        opted_out=table.get("opted_out", ()),
        sender=table.get("sender"),
    )


def _read_config(path: str) -> tuple[Any, Mapping[str, Any]]:
    from o2c.reports.jobs import load_schedule

    text = Path(path).read_text(encoding="utf-8")
    try:
        if path.lower().endswith(".json"):
            data = json.loads(text)
        else:
            import tomllib

            data = tomllib.loads(text)
    except ValueError as exc:
        raise ScheduleError(
            f"--config {path}: not valid TOML/JSON: {exc}", field="--config"
        ) from None
    if not isinstance(data, Mapping):
        raise ScheduleError(f"--config {path}: a schedule is a table of jobs", field="--config")
    return load_schedule(data), data


def run(args: argparse.Namespace, *, out: IO[str], err: IO[str]) -> int:
    """Make the due runs; returns the exit status (0, or 1 when a run failed).

    Raises:
        ValidationError: bad input (a bad schedule file is a ScheduleError, one of them).
    """
    from o2c.ledger import Ledger
    from o2c.ledger.facts import RunOutcome
    from o2c.reports.jobs import Channel
    from o2c.reports.schedule import interrupted, run_due

    schedule, data = _read_config(args.config)
    now = args.now or dt.datetime.now(dt.UTC)
    notifiers: dict[Any, Any] = {}
    if args.outbox:
        for channel in Channel:
            notifiers[channel] = OutboxNotifier(Path(args.outbox), channel.value)
    else:
        if isinstance(data.get("email"), Mapping):
            notifiers[Channel.EMAIL] = _email_notifier(data["email"])
        if isinstance(data.get("sms"), Mapping):
            notifiers[Channel.SMS] = _sms_notifier(data["sms"])
    for job in schedule.jobs:
        if job.channel not in notifiers and not args.dry_run:
            raise ValidationError(
                f"job {job.name} sends by {job.channel.value}, but --config has no "
                f"[{job.channel.value}] table (or pass --outbox DIR)",
                field="--config",
                value=job.channel.value,
            )
    archive = None
    if args.archive:
        directory = Path(args.archive)

        def archive(name: str, content: bytes) -> str:
            directory.mkdir(parents=True, exist_ok=True)
            target = directory / name
            target.write_bytes(content)
            return str(target)

    with open_store(args) as store, _journal_store(args) as journal_store:
        journal = Ledger(journal_store)
        results = run_due(
            schedule,
            ledger=Ledger(store),
            journal=journal,
            now=now,
            notifiers=notifiers,
            archive=archive,
            dry_run=args.dry_run,
        )
        stuck = {job.name: interrupted(journal, job.name) for job in schedule.jobs}
    failed = False
    for result in results:
        state = result.outcome.value if result.outcome is not None else "skipped"
        missed = f" (caught up; {result.missed} earlier slot(s) skipped)" if result.missed else ""
        out.write(f"{result.job} {result.slot.isoformat()} {state}{missed}\n")
        for line in result.detail:
            out.write(f"  {line}\n")
        failed = failed or result.outcome is RunOutcome.FAILED
    if not results:
        out.write(f"nothing due at {now.isoformat()}\n")
    for name, slots in stuck.items():
        for slot in slots:
            err.write(
                f"o2c: {name} {slot.isoformat()} was claimed but never finished (the runner "
                "stopped mid-delivery): check what was sent; it is not retried\n"
            )
    return 1 if failed else 0


@contextlib.contextmanager
def _journal_store(args: argparse.Namespace) -> Iterator[Any]:
    """The journal's store: the ledger's database, table ``o2c_schedule_runs``."""
    store: Any
    if args.url:
        from o2c.adapters.sqlalchemy import SQLAlchemyLedgerStore

        store = SQLAlchemyLedgerStore(args.url, table_name=JOURNAL_TABLE)
    else:
        from o2c.adapters.sqlite import SQLiteLedgerStore

        store = SQLiteLedgerStore(args.db, table=JOURNAL_TABLE)
    try:
        yield store
    finally:
        store.close()
