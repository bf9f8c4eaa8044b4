"""Export the visits of a simulated NIK2023 bundle as the MMRM/responder reference data set.

    python tests/reference/make_mmrm_dataset.py        (run once; the output is committed)

Runs ``examples/trials/nik2023.toml`` with its own seed (2023) and writes
``mmrm_nik2023_visits.csv``: participant, arm, visit, day, instrument, score -- every visit
score of the 49 participants (HAMD-17, IDS-C30 and HAMA at baseline and weeks 4, 8 and 12, with
the design's dropout leaving later visits missing). ``mmrm_responder.R`` fits it in R;
``tests/analysis/test_mmrm_reference.py`` fits it here.
"""

from __future__ import annotations

from pathlib import Path

from gutbrain.trials.design import load_design
from gutbrain.trials.run import run_trial

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def main() -> None:
    bundle = run_trial(load_design(ROOT / "examples/trials/nik2023.toml"), seed=2023)
    v = bundle.visits.merge(bundle.participants[["participant", "arm"]], on="participant")
    cols = ["participant", "arm", "visit", "day", "instrument", "score"]
    v[cols].sort_values(["instrument", "participant", "day"]).to_csv(
        HERE / "mmrm_nik2023_visits.csv", index=False
    )


if __name__ == "__main__":
    main()
