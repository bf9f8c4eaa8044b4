"""The arms a parallel-group analysis compares."""

from __future__ import annotations

from gutbrain.errors import DesignError
from gutbrain.io import StudyBundle

__all__ = ["check_arms"]


def check_arms(bundle: StudyBundle, control: str | None, treatment: str | None) -> tuple[str, str]:
    """The control and treatment arms of a parallel study: as given, or by default the first arm
    of ``study.toml`` and the only other one. Errors name the CLI options."""
    labels = list(bundle.study.labels)
    control = control if control is not None else labels[0]
    if control not in labels:
        raise DesignError(f"--control {control!r} is not an arm of the study ({', '.join(labels)})")
    if treatment is None:
        rest = [a for a in labels if a != control]
        if len(rest) != 1:
            raise DesignError(
                f"study {bundle.study.name!r} has arms {', '.join(labels)}; name the treatment arm "
                "to compare with the control with --treatment ARM"
            )
        treatment = rest[0]
    for role, lab in (("control", control), ("treatment", treatment)):
        if lab not in labels:
            raise DesignError(f"--{role} {lab!r} is not an arm of the study ({', '.join(labels)})")
    if control == treatment:
        raise DesignError(f"--control and --treatment are the same arm ({control!r})")
    return control, treatment
