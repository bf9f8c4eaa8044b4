"""Module profiling throughput (issue 19): 1,000 samples x 10,000 KOs against 100 modules.

Target: <= 5 s on 2 cores. Prints the profiling time and samples per second (the reading of the
table is timed separately, from a TSV written once). Synthetic data: modules of 1-10 steps with
1-4 alternatives, a fifth of them complexes of 2-3 subunits, drawn from the 10,000 KOs; half of
the abundances are zero.

    python benchmarks/bench_profile.py [--samples 1000] [--kos 10000] [--modules 100]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from gutbrain.omics.modules import parse_modules
from gutbrain.omics.modules_profile import profile_modules
from gutbrain.omics.modules_table import KoTable, read_ko_table


def synthetic(samples: int, kos: int, modules: int, seed: int = 19):
    rng = np.random.default_rng(seed)
    names = [f"K{i:05d}" for i in range(kos)]
    lines = []
    for m in range(modules):
        lines.append(f"M{m:04d}\tsynthetic module {m}")
        for _ in range(rng.integers(1, 11)):
            alts = []
            for _ in range(rng.integers(1, 5)):
                size = rng.integers(2, 4) if rng.random() < 0.2 else 1
                alts.append(",".join(names[k] for k in rng.choice(kos, size, replace=False)))
            lines.append("\t".join(alts))
        lines.append("///")
    values = rng.exponential(10, (kos, samples)) * (rng.random((kos, samples)) < 0.5)
    table = KoTable(values, tuple(names), tuple(f"S{j}" for j in range(samples)))
    return table, parse_modules("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--kos", type=int, default=10_000)
    parser.add_argument("--modules", type=int, default=100)
    args = parser.parse_args()
    table, db = synthetic(args.samples, args.kos, args.modules)
    for estimator in ("median", "average"):
        start = time.perf_counter()
        profile_modules(table, db, estimator=estimator)
        seconds = time.perf_counter() - start
        print(
            f"profile {args.samples} samples x {args.kos} KOs x {args.modules} modules "
            f"({estimator}, learned cut-off): {seconds:.2f} s, {args.samples / seconds:,.0f} "
            "samples/s (target <= 5 s)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kos.tsv"
        header = "KO\t" + "\t".join(table.samples) + "\n"
        np.savetxt(path, table.values, fmt="%.4f", delimiter="\t", header=header.rstrip("\n"),
                   comments="")  # fmt: skip
        lines = path.read_text().splitlines()
        body = [f"{ko}\t{row}" for ko, row in zip(table.orthologs, lines[1:], strict=True)]
        path.write_text(lines[0] + "\n" + "\n".join(body) + "\n")
        start = time.perf_counter()
        read_ko_table(path)
        seconds = time.perf_counter() - start
        print(f"read the {path.stat().st_size / 1e6:.0f} MB TSV: {seconds:.2f} s")


if __name__ == "__main__":
    main()
