"""One Dask LocalCluster for a test module: two in-process workers on 127.0.0.1 over TCP.

Each module that needs it opens its own (module scope, not session): the cluster's threads use
the random module, which Hypothesis notices (and, with warnings as errors, fails) in every
property run while it is alive.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def local_dask_engine(partitions: int = 3) -> Iterator[Any]:
    """A ``DaskEngine`` on a fresh two-worker LocalCluster, closed afterwards."""
    import distributed

    from o2c.adapters.dask import DaskEngine

    with warnings.catch_warnings():
        # distributed warns about the event loop and ports it picks; none of it is ours
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        cluster = distributed.LocalCluster(
            n_workers=2,
            processes=False,
            threads_per_worker=1,
            host="127.0.0.1",
            protocol="tcp",
            dashboard_address=None,
            # the scheduler's HTTP routes on a free port of its own: on the default port
            # (8787), taken by another cluster, distributed retries and leaks a socket
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        )
        client = distributed.Client(cluster)
    try:
        assert len(client.scheduler_info()["workers"]) == 2
        yield DaskEngine(client=client, partitions=partitions)
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            client.close()
            cluster.close()
