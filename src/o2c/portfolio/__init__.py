"""Portfolio scale: the ledger's read model as columns (Arrow, integer minor units) on an engine.

- :mod:`o2c.portfolio.model`: the columnar read model (items and settlements) built from a
  ledger's facts or from another system's tables, and the exactness guard.
- :mod:`o2c.portfolio.engine`: the :class:`Engine` port and the :class:`Kernel` it runs
  (adapters: :mod:`o2c.adapters.duckdb` embedded, :mod:`o2c.adapters.dask` distributed).
- :mod:`o2c.portfolio.items`: open items on a date as known at a time (the rule every kernel
  starts from).
- :mod:`o2c.portfolio.aging`: as-of aging with every convention of the domain ``age()``.
- :mod:`o2c.portfolio.kpi`: the receivables KPIs per period and per customer (the domain's
  KPIs over figures the engine sums).
- :mod:`o2c.portfolio.provision`: expected credit loss — bucket balances, the provision matrix
  and roll rates (the domain's arithmetic over sums the engine makes).

Arrow is optional (``pip install "o2c[portfolio]"``); this package imports without it.
"""

from __future__ import annotations

from o2c.portfolio.aging import age_portfolio, aging_kernel, aging_table
from o2c.portfolio.engine import Engine, Kernel, run
from o2c.portfolio.items import open_items_kernel, open_items_table
from o2c.portfolio.kpi import DaysToPay, PortfolioKpis, kpi_kernel, kpi_table, portfolio_kpis
from o2c.portfolio.model import (
    ReadModel,
    batches_from_facts,
    check_exact,
    from_facts,
    from_tables,
)
from o2c.portfolio.provision import (
    portfolio_bucket_balances,
    portfolio_provision,
    portfolio_roll_rates,
    portfolio_roll_snapshots,
    snapshots_kernel,
)

__all__ = [
    "DaysToPay",
    "Engine",
    "Kernel",
    "PortfolioKpis",
    "ReadModel",
    "age_portfolio",
    "aging_kernel",
    "aging_table",
    "batches_from_facts",
    "check_exact",
    "from_facts",
    "from_tables",
    "kpi_kernel",
    "kpi_table",
    "open_items_kernel",
    "open_items_table",
    "portfolio_bucket_balances",
    "portfolio_kpis",
    "portfolio_provision",
    "portfolio_roll_rates",
    "portfolio_roll_snapshots",
    "run",
    "snapshots_kernel",
]
