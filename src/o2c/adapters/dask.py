"""Dask distributed: the portfolio's kernels on a cluster, the data partitioned by customer.

:class:`DaskEngine` splits the read model's tables into partitions of customers (every item of a
customer, and every settlement of those items, in one partition), scatters each partition to
the workers (as data: the task graph only names it) and runs the kernel on it there with an
embedded engine (DuckDB by default): every partition runs the same kernel, and since a kernel
answers per customer, the answers put together (and sorted by the kernel's order) are the
kernel's answer over everything.  A kernel's ``combine`` query then runs once over those
answers, on the client.

Connect to a running cluster with ``DaskEngine.connect("tcp://host:8786")``, or pass a
``distributed.Client``.  Needs ``pip install "o2c[dask]"``; nothing is downloaded at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from o2c._optional import require
from o2c.errors import ValidationError
from o2c.portfolio.engine import Engine, Kernel

__all__ = ["DaskEngine", "partition_by_customer"]


def _arrow() -> tuple[Any, Any]:
    pa = require("pyarrow", extra="dask", feature="the Dask engine")
    pc = require("pyarrow.compute", extra="dask", feature="the Dask engine")
    return pa, pc


def partition_by_customer(tables: Mapping[str, Any], partitions: int) -> list[dict[str, Any]]:
    """The tables split into ``partitions`` groups of customers (by the order customers first
    appear in ``items``, dealt round-robin); settlements follow their item.

    Tables other than ``items`` and ``settlements`` go whole to every partition.
    """
    pa, pc = _arrow()
    items = tables["items"]
    codes = pc.dictionary_encode(items.column("customer")).combine_chunks().indices
    part = pc.cast(pc.remainder(codes.cast(pa.int64()), partitions), pa.int32())
    settlements = tables.get("settlements")
    # settlements refer to items by position (item == row number of items)
    set_part = pc.take(part, settlements.column("item")) if settlements is not None else None
    out = []
    for p in range(partitions):
        piece = {k: v for k, v in tables.items() if k not in ("items", "settlements")}
        piece["items"] = items.filter(pc.equal(part, p))
        if settlements is not None:
            piece["settlements"] = settlements.filter(pc.equal(set_part, p))
        out.append(piece)
    return out


def _run_partition(inner: Engine, kernel: Kernel, tables: Mapping[str, Any]) -> Any:
    """What a worker runs: the kernel over its partition (with partial answers left as they are)."""
    return inner.run(attrs.evolve(kernel, combine=None), tables)


@attrs.frozen(kw_only=True)
class DaskEngine:
    """Runs kernels on a Dask cluster, ``partitions`` partitions of customers at a time.

    ``client`` is a ``distributed.Client``; ``inner`` is the engine each worker runs its
    partition with (default: :class:`o2c.adapters.duckdb.DuckDBEngine` with one thread, the
    cluster giving the parallelism); ``partitions`` defaults to twice the workers.
    """

    client: Any
    inner: Engine | None = None
    partitions: int | None = None

    @classmethod
    def connect(cls, address: str, **options: Any) -> DaskEngine:
        """An engine on the cluster whose scheduler listens at ``address``.

        Raises:
            ValidationError: no scheduler answers at ``address``.
        """
        distributed = require("distributed", extra="dask", feature="the Dask engine")
        try:
            client = distributed.Client(address, timeout=10)
        except OSError as exc:
            raise ValidationError(
                f"no Dask scheduler answers at {address!r}: {exc}", field="scheduler", value=address
            ) from exc
        return cls(client=client, **options)

    def _inner(self) -> Engine:
        if self.inner is not None:
            return self.inner
        from o2c.adapters.duckdb import DuckDBEngine

        return DuckDBEngine(threads=1)

    def _partitions(self) -> int:
        if self.partitions is not None:
            return self.partitions
        workers = len(self.client.scheduler_info().get("workers", {})) or 1
        return 2 * workers

    def run(self, kernel: Kernel, tables: Mapping[str, Any]) -> Any:
        """The kernel's answer: per partition on the cluster, put together on the client."""
        pa, _pc = _arrow()
        inner = self._inner()
        pieces = partition_by_customer(tables, self._partitions())
        # the partitions go to the workers as data, not inside the task graph (which made the
        # scheduler warn of a "large graph" and carry the data): the tasks only name them
        scattered = self.client.scatter(pieces, hash=False)
        futures = [
            self.client.submit(_run_partition, inner, kernel, piece, pure=False)
            for piece in scattered
        ]
        answers = [a for a in self.client.gather(futures) if a.num_rows]
        if answers:
            answer = pa.concat_tables(answers, promote_options="default")
        else:  # no rows anywhere: the empty answer of the first partition keeps the columns
            answer = self.client.gather(futures[0])
        if kernel.order:
            answer = answer.sort_by([(name, "ascending") for name in kernel.order])
        if kernel.combine is not None:
            answer = inner.run(
                Kernel(name=kernel.name, sql=kernel.combine, order=()), {"partial": answer}
            )
        return answer
