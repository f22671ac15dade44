"""Adapters: everything that touches a file format, a database, a network or a clock.

One module per technology; each imports its optional dependency lazily through
:func:`require`, which names the extra to install when it is missing.
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
