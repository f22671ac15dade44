"""Adapters: everything that touches a file format, a database, a network or a clock.

One module per technology; each imports its optional dependency lazily through
:func:`require`, which names the extra to install when it is missing.
"""

from __future__ import annotations

from o2c._optional import require

__all__ = ["require"]
