"""The engine port: what runs the portfolio's kernels over the columnar read model.

A :class:`Kernel` is one query over the read model's tables (``items``, ``settlements``),
written once in SQL (the DuckDB dialect) and built from o2c's own conventions (an aging's bucket
scheme, a KPI's period).  Its answer has one row per customer (and currency), so a kernel run on
each partition of the customers and the answers put together is the kernel run on all of them:
that is how a distributed engine runs it.  ``combine`` (optional) is a second query over those
answers (the table ``partial``) for a figure across customers.

Engines (adapters): :class:`o2c.adapters.duckdb.DuckDBEngine` (embedded, the default) and
:class:`o2c.adapters.dask.DaskEngine` (``dask.distributed``: the tables partitioned by customer,
each partition run by the embedded engine on a worker).  :func:`run` is how the portfolio asks
an engine: it checks that no float or decimal came back (:func:`o2c.portfolio.model.check_exact`).

>>> class Echo:
...     def run(self, kernel, tables):
...         return tables["items"]
>>> isinstance(Echo(), Engine)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import attrs

from o2c.portfolio.model import ReadModel, check_exact

__all__ = ["Engine", "Kernel", "run"]


@attrs.frozen(kw_only=True)
class Kernel:
    """A query over the read model, answered per customer.

    ``sql`` reads the tables by name and returns one row per value of ``key`` (the customer,
    possibly with its currency), sorted by ``order``; ``combine`` reads its answers as the table
    ``partial`` (``None``: the answers are the result).
    """

    name: str
    sql: str
    order: tuple[str, ...]
    key: str = "customer"
    combine: str | None = None


# --------------------------------------------------------------------------------------------
# Engine (portfolio): runs kernels over Arrow tables.  Adapters:
# o2c.adapters.duckdb.DuckDBEngine (embedded), o2c.adapters.dask.DaskEngine (distributed).


@runtime_checkable
class Engine(Protocol):
    """Something that runs a :class:`Kernel` over Arrow tables and answers an Arrow table."""

    def run(self, kernel: Kernel, tables: Mapping[str, Any]) -> Any:
        """The kernel's answer over ``tables`` (by the names the kernel uses)."""
        ...


def run(engine: Engine, kernel: Kernel, model: ReadModel) -> Any:
    """The kernel's answer over the read model, checked to hold no float or decimal.

    Raises:
        ValidationError: the engine answered a float or decimal column.
    """
    return check_exact(engine.run(kernel, model.tables()), what=f"kernel {kernel.name!r}")
