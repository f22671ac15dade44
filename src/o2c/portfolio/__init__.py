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
- :mod:`o2c.portfolio.cohorts`: cohort loss rates by issue month (the domain's cohort flows,
  summed by the engine; the rates are the domain's).
- :mod:`o2c.portfolio.features`: behavioural-score features per customer (what the domain's
  scorecard reads from payment records and open items).
- :mod:`o2c.portfolio.candidates`: cash-application candidates at scale (payments joined to
  open items by the matcher's reference keys and the policy's amount tolerances).

Arrow is optional (``pip install "o2c[portfolio]"``); this package imports without it.
"""

from __future__ import annotations

from o2c.portfolio.aging import age_portfolio, aging_kernel, aging_table
from o2c.portfolio.candidates import candidate_kernel, candidates_table
from o2c.portfolio.cohorts import (
    CohortMonth,
    MonthlyCohorts,
    cohort_kernel,
    cohort_table,
    portfolio_cohort_loss_rates,
)
from o2c.portfolio.engine import Engine, Kernel, run
from o2c.portfolio.features import (
    BehaviourFeatures,
    behaviour_kernel,
    behaviour_table,
    portfolio_behaviour_features,
)
from o2c.portfolio.items import open_items_kernel, open_items_table
from o2c.portfolio.kpi import DaysToPay, PortfolioKpis, kpi_kernel, kpi_table, portfolio_kpis
from o2c.portfolio.model import (
    MOVEMENT_CODES,
    MOVEMENT_COLUMNS,
    ReadModel,
    batches_from_facts,
    check_exact,
    from_facts,
    from_tables,
    movements_schema,
)
from o2c.portfolio.provision import (
    portfolio_bucket_balances,
    portfolio_cohort_provision,
    portfolio_provision,
    portfolio_roll_rates,
    portfolio_roll_snapshots,
    snapshots_kernel,
)

__all__ = [
    "BehaviourFeatures",
    "CohortMonth",
    "DaysToPay",
    "Engine",
    "Kernel",
    "MOVEMENT_CODES",
    "MOVEMENT_COLUMNS",
    "MonthlyCohorts",
    "PortfolioKpis",
    "ReadModel",
    "age_portfolio",
    "aging_kernel",
    "aging_table",
    "batches_from_facts",
    "behaviour_kernel",
    "behaviour_table",
    "candidate_kernel",
    "candidates_table",
    "check_exact",
    "cohort_kernel",
    "cohort_table",
    "from_facts",
    "from_tables",
    "kpi_kernel",
    "kpi_table",
    "movements_schema",
    "open_items_kernel",
    "open_items_table",
    "portfolio_behaviour_features",
    "portfolio_bucket_balances",
    "portfolio_cohort_loss_rates",
    "portfolio_cohort_provision",
    "portfolio_kpis",
    "portfolio_provision",
    "portfolio_roll_rates",
    "portfolio_roll_snapshots",
    "run",
    "snapshots_kernel",
]
