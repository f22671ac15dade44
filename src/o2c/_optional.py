"""Optional dependencies, imported lazily: a missing one names the extra that installs it.

Used by the adapters and by the few core features that need an optional package (Jinja2 for
rendering reminders), so the core's own import never needs more than its four dependencies.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from o2c.errors import MissingExtraError

__all__ = ["require"]


def require(module: str, *, extra: str, feature: str, package: str | None = None) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming ``extra``.

    >>> require("json", extra="none", feature="JSON").__name__
    'json'
    >>> require("no_such_module_o2c", extra="sql", feature="the SQL store")
    Traceback (most recent call last):
    ...
    o2c.errors.MissingExtraError: the SQL store needs ...: pip install "o2c[sql]"
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(extra, package or module, feature) from exc
