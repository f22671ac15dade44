"""Shared test configuration: Hypothesis profiles and paths to ../shared."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# "ci" runs every property with 1,000 examples; "dev" is quicker for local runs.
settings.register_profile(
    "ci",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("O2C_SHARED", REPO.parent / "shared"))
VECTORS = SHARED / "vectors"
BENCH = SHARED / "bench"


def load_vectors(name: str) -> Any:
    """The parsed JSON of ``../shared/vectors/<name>``; fails loudly when it is missing."""
    path = VECTORS / name
    if not path.exists():
        pytest.fail(f"vector file {path} is missing: the vectors must be beside the repository")
    return json.loads(path.read_text(encoding="utf-8"))


# ------------------------------------------------------------------ PostgreSQL (ledger area)


@pytest.fixture(scope="session")
def postgres_url() -> Any:
    """The URL of a throwaway PostgreSQL 15 server for the session (see tests/pg.py).

    Skips loudly without the binaries; fails instead when ``O2C_REQUIRE_POSTGRES=1``.
    """
    from tests.pg import postgres_server

    with postgres_server() as url:
        yield url
