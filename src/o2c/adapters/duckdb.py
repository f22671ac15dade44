"""DuckDB, embedded: the portfolio's default engine, and the reader of Parquet/CSV layouts.

:class:`DuckDBEngine` runs a :class:`~o2c.portfolio.engine.Kernel` over Arrow tables in an
in-memory DuckDB database (no file, no extension: nothing is downloaded, ``autoinstall`` and
``autoload`` of extensions are switched off).  :func:`read_layout` reads the read model's two
tables from Parquet or CSV files (``items.parquet`` / ``settlements.parquet`` or ``.csv``).
Needs ``pip install "o2c[portfolio]"``.

>>> import pyarrow as pa
>>> from o2c.portfolio.engine import Kernel
>>> kernel = Kernel(name="sum", sql="SELECT customer, CAST(SUM(amount) AS BIGINT) AS total "
...     "FROM items GROUP BY customer ORDER BY customer", order=("customer",))
>>> items = pa.table({"customer": ["A", "B", "A"], "amount": [1, 2, 3]})
>>> DuckDBEngine().run(kernel, {"items": items}).to_pydict()
{'customer': ['A', 'B'], 'total': [4, 2]}
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from o2c._optional import require
from o2c.errors import ValidationError
from o2c.portfolio.engine import Kernel
from o2c.portfolio.model import ReadModel, from_tables

__all__ = ["DuckDBEngine", "read_layout"]


def _duckdb() -> Any:
    return require("duckdb", extra="portfolio", feature="the DuckDB engine")


@attrs.frozen(kw_only=True)
class DuckDBEngine:
    """Runs kernels in an embedded, in-memory DuckDB (one connection per run).

    ``threads`` caps DuckDB's threads (``None``: DuckDB's default, one per core);
    ``memory_limit`` (e.g. ``"4GB"``) caps its memory (``None``: DuckDB's default).
    The engine holds no connection, so it can be sent to another process (a Dask worker).
    """

    threads: int | None = None
    memory_limit: str | None = None

    def connect(self) -> Any:
        """A new in-memory connection that installs and loads no extension."""
        duckdb = _duckdb()
        config: dict[str, Any] = {
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            # every kernel orders its answer itself: DuckDB need not keep the scan's order
            # (less memory, and aggregates run without it)
            "preserve_insertion_order": False,
        }
        if self.threads is not None:
            config["threads"] = self.threads
        if self.memory_limit is not None:
            config["memory_limit"] = self.memory_limit
        return duckdb.connect(":memory:", config=config)

    def run(self, kernel: Kernel, tables: Mapping[str, Any]) -> Any:
        """The kernel's answer (an Arrow table) over the Arrow ``tables``."""
        con = self.connect()
        try:
            for name, table in tables.items():
                con.register(name, table)
            answer = con.sql(kernel.sql).to_arrow_table()
            if kernel.combine is not None:
                con.register("partial", answer)
                answer = con.sql(kernel.combine).to_arrow_table()
            return answer
        finally:
            con.close()


def _read(path: Path) -> Any:
    pa = require("pyarrow", extra="portfolio", feature="reading a layout")
    if path.suffix == ".parquet":
        parquet = require("pyarrow.parquet", extra="portfolio", feature="reading Parquet")
        return parquet.read_table(path)
    if path.suffix == ".csv":
        csv = require("pyarrow.csv", extra="portfolio", feature="reading CSV")
        # amounts must stay integers: a column with a decimal point is refused by from_tables;
        # kind and cause may be names or codes (inferred, mapped by from_tables)
        options = csv.ConvertOptions(
            column_types={
                "amount": pa.int64(),
                "item": pa.int64(),
                "customer": pa.string(),
                "item_id": pa.string(),
                "currency": pa.string(),
                "written_off": pa.int64(),
            },
            timestamp_parsers=["%Y-%m-%d"],
        )
        return csv.read_csv(path, convert_options=options)
    raise ValidationError(
        f"{path}: give a .parquet or .csv file", field="path", value=str(path)
    )  # pragma: no cover - _find only returns those


def _find(directory: Path, name: str) -> Path:
    for suffix in (".parquet", ".csv"):
        path = directory / f"{name}{suffix}"
        if path.is_file():
            return path
    raise ValidationError(
        f"{directory} has no {name}.parquet or {name}.csv",
        field="layout",
        value=str(directory),
    )


def read_layout(directory: str | Path, *, currency_code: str | None = None) -> ReadModel:
    """The read model from ``items`` and ``settlements`` files (Parquet or CSV) in a directory.

    The columns are those of :func:`o2c.portfolio.model.from_tables` (amounts as whole minor
    units: a CSV amount with a decimal point is refused, never rounded).

    Raises:
        ValidationError: a missing file or column, or a column of the wrong type.
    """
    root = Path(directory)
    try:
        items = _read(_find(root, "items"))
        settlements = _read(_find(root, "settlements"))
    except OSError as exc:
        raise ValidationError(f"{root}: {exc}", field="layout", value=str(root)) from exc
    except ValidationError:
        raise
    except Exception as exc:  # pyarrow's ArrowInvalid: a value that is not of its column's type
        raise ValidationError(
            f"{root}: {str(exc).splitlines()[0]}", field="layout", value=str(root)
        ) from exc
    return from_tables(items, settlements, currency_code=currency_code)
