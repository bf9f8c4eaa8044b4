"""Every number ``gutbrain validate`` reports, at the kernel's default step and at fine steps.

Runs every credibility check (``gutbrain.model.validation``) with ``simulate``'s default step
(2 Heun steps a day) and with ``--substeps`` others (default 1, 4 and 64), and compares each
number of each check's ``simulated`` text with the 64-steps-a-day reference. The numbers are
compared as reported: two printed numbers agree when they differ by at most 1 % of the
reference plus one unit in the last printed digit (the printing's own rounding: two values
within 1 % of each other can print one unit apart; a day index, the first day a threshold is
crossed, moves by a whole day when the crossing moves by a fraction of one). It prints, per
check, the reported numbers at each step, the largest relative difference from the
reference and whether every number agrees; the output is committed beside this file
(``check_step_size.txt``). ``tests/model/test_step_size.py`` runs the default step against the
reference.

The initial states (``cohort``'s steady states) are computed as the checks compute them; they
are the model's fixed points, which do not depend on the step.

Usage: ``python benchmarks/check_step_size.py [--substeps 1 4]``.
"""

from __future__ import annotations

import argparse
import functools
import platform
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from gutbrain.model import validation
from gutbrain.model.simulate import simulate
from gutbrain.model.validation import CheckResult, run_checks

#: The reference step: 64 Heun steps a day.
REFERENCE_SUBSTEPS = 64
#: The largest relative difference from the reference a reported number may show (issue 17).
RELATIVE_TOLERANCE = 0.01

_NUMBER = re.compile(r"[-+]?\d+(?:\.(\d+))?(?:e([-+]?\d+))?")


@dataclass(frozen=True)
class Number:
    """A number as a check reports it, and one unit in its last printed digit."""

    value: float
    unit: float


def numbers(text: str) -> list[Number]:
    """The numbers in a check's ``simulated`` text (a percentage counts in percent)."""
    out = []
    for m in _NUMBER.finditer(text):
        decimals = len(m.group(1) or "")
        exponent = int(m.group(2) or 0)
        out.append(Number(float(m.group(0)), 10.0 ** (exponent - decimals)))
    return out


def disagreements(result: CheckResult, reference: CheckResult) -> list[str]:
    """What differs between a check's result and its reference beyond the tolerance: each
    number further than 1 % of the reference plus one printed unit, a different count of
    numbers, or a different verdict. Empty when they agree."""
    if result.passed != reference.passed:
        return [f"passed {result.passed} vs {reference.passed}"]
    got, ref = numbers(result.simulated), numbers(reference.simulated)
    if len(got) != len(ref):
        return [f"{len(got)} numbers vs {len(ref)}"]
    return [
        f"{g.value:g} vs {r.value:g}"
        for g, r in zip(got, ref, strict=True)
        if abs(g.value - r.value) > RELATIVE_TOLERANCE * abs(r.value) + max(g.unit, r.unit)
    ]


def largest_relative_difference(result: CheckResult, reference: CheckResult) -> float:
    """The largest ``|x - x_ref| / |x_ref|`` over the reported numbers whose reference is not 0
    (0 if there is none)."""
    pairs = zip(numbers(result.simulated), numbers(reference.simulated), strict=False)
    return max((abs(g.value - r.value) / abs(r.value) for g, r in pairs if r.value), default=0.0)


@contextmanager
def substeps(n: int | None) -> Iterator[None]:
    """Within the block the checks simulate with ``n`` Heun steps a day (None: the default)."""
    original = validation.simulate
    if n is not None:
        validation.simulate = functools.partial(simulate, substeps=n)
    try:
        yield
    finally:
        validation.simulate = original


def checks_at(n: int | None, ids: list[str] | None = None) -> list[CheckResult]:
    """The checks' results with ``n`` Heun steps a day (None: ``simulate``'s default)."""
    with substeps(n):
        return run_checks(ids)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--substeps", type=int, nargs="+", default=[1, 4])
    a = ap.parse_args()
    reference = checks_at(REFERENCE_SUBSTEPS)
    runs = {"default (2)": checks_at(None)} | {str(n): checks_at(n) for n in a.substeps}
    print(f"{platform.machine()}; reference {REFERENCE_SUBSTEPS} Heun steps a day")
    print(f"tolerance: {RELATIVE_TOLERANCE:.0%} of the reference + one printed unit")
    for i, ref in enumerate(reference):
        print(f"\n{ref.id}: reference   {ref.simulated}")
        for label, results in runs.items():
            r = results[i]
            bad = disagreements(r, ref)
            verdict = "agrees" if not bad else "DIFFERS: " + "; ".join(bad)
            print(
                f"  steps/day {label:<11} {r.simulated}\n"
                f"    largest relative difference "
                f"{largest_relative_difference(r, ref):.2%}, {verdict}"
            )
    print()
    for label, results in runs.items():
        n_bad = sum(bool(disagreements(r, ref)) for r, ref in zip(results, reference, strict=True))
        print(f"steps/day {label}: {n_bad} of {len(reference)} checks differ from the reference")


if __name__ == "__main__":
    main()
