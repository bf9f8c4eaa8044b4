"""Wall time, CPU time and peak memory of ``gutbrain validate --ensemble N``.

Every check of :mod:`gutbrain.model.validation` runs for each of ``--members`` prior members
(:func:`gutbrain.model.ensemble.validate_ensemble`), in this process or, with ``--workers K``,
on a local Dask cluster of K single-threaded worker processes. One member runs first to load
the compiled kernel, so the figure is the ensemble's alone. Peak memory is this process's
resident peak (``ru_maxrss``) and, with workers, the largest worker's. Goal (issue 18): under
2 minutes for 200 members on 2 cores.

Usage: ``python benchmarks/bench_ensemble.py [--members 200] [--workers 2]``
"""

from __future__ import annotations

import argparse
import resource
import time

from gutbrain.model.ensemble import prior_ensemble
from gutbrain.model.ensemble_validation import validate_ensemble


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=200)
    ap.add_argument("--workers", type=int, default=0, help="local Dask worker processes")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    ens = prior_ensemble(a.members, a.seed)
    validate_ensemble(ens.head(1))  # load the compiled kernel
    client = None
    if a.workers:
        from dask.distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True)
        client = Client(cluster)
        client.run(validate_ensemble, ens.head(1))  # each worker loads the kernel too
    wall, cpu = time.perf_counter(), time.process_time()
    result = validate_ensemble(ens, scheduler=client)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line = (
        f"validate --ensemble {a.members} ({a.workers or 'no'} workers): {wall:.1f} s wall, "
        f"{cpu:.1f} s CPU in this process, peak RSS {peak:.0f} MB"
    )
    if client is not None:
        worker = max(
            client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss).values()
        )
        line += f", largest worker {worker / 1024:.0f} MB"
        client.close()
        cluster.close()
    print(line)
    held = sum(c.holds for c in result.checks)
    print(f"{held} of {len(result.checks)} checks hold in >= 90 % of the {a.members} prior members")
    for c in result.checks:
        print(f"  {c.id:<10} {c.passed:>4} of {c.members} ({c.share:.0%})")


if __name__ == "__main__":
    main()
