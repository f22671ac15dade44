"""``o2c schedule run``: each due run once across separate processes; bad input is exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from o2c.cli.main import main
from tests.test_schedule import SCHEDULE, _ar_ledger


def _o2c(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "o2c", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_each_run_is_sent_once_by_separate_processes(tmp_path: Path) -> None:
    _ar_ledger(tmp_path / "ledger.sqlite")
    (tmp_path / "schedule.toml").write_text(SCHEDULE, encoding="utf-8")
    args = ["schedule", "run", "--db", "ledger.sqlite", "--config", "schedule.toml"]
    monday = ["--now", "2026-03-02T08:30:00+00:00", "--outbox", "out"]
    first = _o2c(*args, *monday, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "daily-aging 2026-03-02T06:00:00+00:00 sent" in first.stdout
    sent = sorted(p.name for p in (tmp_path / "out").glob("*.json"))
    assert len(sent) == 3
    texts = [json.loads((tmp_path / "out" / n).read_text()) for n in sent]
    assert [t["recipients"] for t in texts if "sms" in t["recipients"][0]] == [["+33612345678@sms"]]
    files = [a for t in texts for a in t["attachments"]]  # the report's file, beside its message
    assert [a["media_type"] for a in files] == ["text/html"]
    assert (tmp_path / "out" / files[0]["path"]).stat().st_size == files[0]["size"] > 0
    on_disk = len(list((tmp_path / "out").iterdir()))
    assert on_disk == 4
    again = _o2c(*args, *monday, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout == "nothing due at 2026-03-02T08:30:00+00:00\n"
    assert len(list((tmp_path / "out").iterdir())) == on_disk
    dry = _o2c(*args, "--now", "2026-03-03T06:30:00+00:00", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[:2] == [
        "daily-aging 2026-03-03T06:00:00+00:00 skipped",
        "  due: dry run, nothing sent",
    ]


def test_bad_input_is_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _ar_ledger(tmp_path / "ledger.sqlite")
    bad = tmp_path / "bad.toml"
    bad.write_text(SCHEDULE.replace('cron = "0 7 * * *"', 'cron = "0 7 * *"'), encoding="utf-8")
    db = str(tmp_path / "ledger.sqlite")
    assert main(["schedule", "run", "--db", db, "--config", str(bad), "--outbox", "x"]) == 2
    assert "jobs[0].cron: '0 7 * *' is not a cron expression" in capsys.readouterr().err
    good = tmp_path / "good.toml"
    good.write_text(SCHEDULE, encoding="utf-8")
    assert main(["schedule", "run", "--db", db, "--config", str(good)]) == 2
    assert "has no [email] table" in capsys.readouterr().err
    assert main(["schedule", "run", "--db", db, "--config", str(good), "--now", "today"]) == 2


def test_a_failed_run_is_exit_1_and_secrets_come_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _ar_ledger(tmp_path / "ledger.sqlite")
    config = tmp_path / "s.toml"
    only_report = SCHEDULE.split("[[jobs]]")[1]
    config.write_text(
        '[email]\nhost = "127.0.0.1"\nport = 9\nsender = "ar@example.com"\n'
        'username = "ar"\npassword_env = "O2C_TEST_SMTP_PASSWORD"\n\n[[jobs]]' + only_report,
        encoding="utf-8",
    )
    db = str(tmp_path / "ledger.sqlite")
    args = ["schedule", "run", "--db", db, "--config", str(config), "--now", "2026-03-03T06:30Z"]
    assert main(args) == 2
    assert "O2C_TEST_SMTP_PASSWORD is not set" in capsys.readouterr().err
    monkeypatch.setenv("O2C_TEST_SMTP_PASSWORD", "pw")
    assert main(args) == 1  # nothing listens on port 9: the delivery fails, and is recorded
    assert "failed" in capsys.readouterr().out
    assert main(args) == 0  # not retried
    assert "nothing due" in capsys.readouterr().out
    config.write_text(
        config.read_text().replace('password_env = "O2C_TEST_SMTP_PASSWORD"', 'password = "plain"'),
        encoding="utf-8",
    )
    assert main(args) == 2
    assert "secrets are not kept in the schedule file" in capsys.readouterr().err
