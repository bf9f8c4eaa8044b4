"""The credibility checks over a parameter ensemble: ``gutbrain validate --ensemble N``.

Every member runs every check (:mod:`gutbrain.model.validation`) with its own parameters as the
reference person's; a check is then reported as the share of members that pass it. Members run
one after another, or in parallel on a Dask cluster (:func:`gutbrain._runner.run_ordered`), with
the same results: a check is deterministic given its member.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gutbrain._runner import run_ordered
from gutbrain.model.ensemble import Ensemble
from gutbrain.model.validation import CHECKS, CheckResult, member_parameters, run_checks

__all__ = ["PASS_SHARE", "EnsembleCheck", "EnsembleValidation", "validate_ensemble"]

#: The share of the ensemble in which each behaviour must hold: "B1-B12 hold in at least 90 % of
#: the ensemble" (issue 18, Done when).
PASS_SHARE = 0.9


@dataclass(frozen=True)
class EnsembleCheck:
    """One check over the ensemble: how many members pass it, and which fail."""

    id: str
    description: str
    expected: str
    members: int
    passed: int
    failed_members: tuple[str, ...]

    @property
    def share(self) -> float:
        return self.passed / self.members

    @property
    def holds(self) -> bool:
        """Whether at least :data:`PASS_SHARE` of the members pass."""
        return self.share >= PASS_SHARE

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "expected": self.expected,
            "members": self.members,
            "passed": self.passed,
            "share": self.share,
            "holds": self.holds,
            "failed_members": list(self.failed_members),
        }


@dataclass(frozen=True)
class EnsembleValidation:
    """Every check over the ensemble, and each member's own results."""

    label: str
    checks: tuple[EnsembleCheck, ...]
    results: tuple[tuple[str, tuple[CheckResult, ...]], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ensemble": self.label,
            "pass_share": PASS_SHARE,
            "checks": [c.to_dict() for c in self.checks],
            "members": [
                {"member": m, "results": [r.to_dict() for r in rs]} for m, rs in self.results
            ],
        }


def _member_checks(shared: tuple[Ensemble, list[str] | None], i: int) -> list[CheckResult]:
    ensemble, ids = shared
    with member_parameters(ensemble.parameters(i)):
        return run_checks(ids)


def validate_ensemble(
    ensemble: Ensemble,
    ids: Sequence[str] | None = None,
    *,
    scheduler: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> EnsembleValidation:
    """Run the checks ``ids`` (default: all) for every member of ``ensemble``.

    ``scheduler`` (``None``, a ``dask.distributed.Client`` or an address) runs the members on a
    Dask cluster; ``progress`` is called with (members done, members) after each member.
    """
    chosen = list(ids) if ids else list(CHECKS)
    per_member: list[tuple[str, tuple[CheckResult, ...]]] = []
    runs = run_ordered(
        _member_checks, (ensemble, chosen), range(len(ensemble)), scheduler=scheduler
    )
    for name, results in zip(ensemble.members, runs, strict=True):
        per_member.append((name, tuple(results)))
        if progress is not None:
            progress(len(per_member), len(ensemble))
    checks = []
    for j, cid in enumerate(chosen):
        first = per_member[0][1][j]
        failed = tuple(m for m, rs in per_member if not rs[j].passed)
        checks.append(
            EnsembleCheck(
                cid,
                first.description,
                first.expected,
                len(per_member),
                len(per_member) - len(failed),
                failed,
            )
        )
    return EnsembleValidation(ensemble.label, tuple(checks), tuple(per_member))
