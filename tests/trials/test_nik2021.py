"""NIK2021 (Nikolova et al. 2021, J Clin Med 10:647): adjunct vs stand-alone probiotic SMDs.

Published pooled SMDs (improvement vs placebo): adjunct to antidepressants 0.83 (95% CI
0.49-1.17); stand-alone -0.02 (95% CI -0.34 to 0.30). The in-silico factorial design
(examples/trials/nik2021_adjunct.toml, 500 per arm so the simulation's own error is small)
must put each Hedges' g of HAMD-17 change inside the published CI. No tolerance beyond the CI.
"""

from __future__ import annotations

import pytest
from _known_gap import known_gap
from _nik2021 import nik2021_smds

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smds() -> dict[str, tuple[float, float]]:
    r = nik2021_smds(2000, seed=1)
    for k, (g, se) in r.items():
        print(
            f"\nNIK2021 {k}: g = {g:+.3f} (simulation 95% CI {g - 1.96 * se:+.3f} to "
            f"{g + 1.96 * se:+.3f})"
        )
    return r


def test_adjunct_smd_inside_published_ci(smds) -> None:
    g, _ = smds["adjunct"]
    assert 0.49 <= g <= 1.17, f"adjunct g = {g:.3f}; NIK2021 CI 0.49-1.17"


def test_standalone_smd_inside_published_ci(smds) -> None:
    g, _ = smds["standalone"]
    known_gap(
        -0.34 <= g <= 0.30,
        f"stand-alone g = {g:.3f}; NIK2021 CI -0.34 to 0.30: with the natural course "
        "(docs/trials.md), people whose episode wanes regain neuroplasticity during the trial, "
        "which opens the plasticity window the probiotic acts through",
    )
