"""The quantities the explorer plots and the evidence behind each pathway.

Each plotted quantity names the parameters of the pathways that drive it (a regular expression
over the parameter table, ``model/data/parameters.csv``: its inflows ``e_<source>_<target>``,
its rate and reference values) and the section of ``docs/model.md`` that states its equation.
The evidence page lists those parameters with their value, range, role (literature, calibrated
or assumed), source and the full citation from ``model/data/references.csv``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from gutbrain.model.catalogues import strains
from gutbrain.model.parameters import PARAMETER_TABLE, ParameterSpec
from gutbrain.model.states import AUX_INFO, STATE_INFO

__all__ = ["QUANTITIES", "Quantity", "citations", "evidence", "strain_evidence"]


@dataclass(frozen=True)
class Quantity:
    """A plotted quantity: its model output, label, unit, meaning and evidence."""

    key: str
    label: str
    panel: str
    docs: str
    """The section of docs/model.md that gives its equation."""
    pattern: str
    """Parameters of the pathways into it (a full match on the parameter name)."""

    @property
    def unit(self) -> str:
        if self.key in STATE_INFO:
            return STATE_INFO[self.key].unit
        if self.key in AUX_INFO:
            return AUX_INFO[self.key].unit
        return "0-100"

    @property
    def description(self) -> str:
        if self.key in STATE_INFO:
            return STATE_INFO[self.key].description
        if self.key in AUX_INFO:
            return AUX_INFO[self.key].description
        return f"daily {self.label.lower()} on a 0-100 visual-analogue scale"


_E = r"e_\w+_"
#: What the page plots, in panels: the gut, the body, the brain and mood.
QUANTITIES: tuple[Quantity, ...] = (
    Quantity("diversity", "Diversity", "gut", "Microbiota",
             rf"{_E}diversity|gamma_diversity|diversity_capacity|gamma_taxa_pool|"
             r"antibiotic_\w+_loss"),
    Quantity("butyrate_producers", "Butyrate producers", "gut", "Microbiota",
             rf"{_E}butyrate_producers|ref_butyrate_producers|gamma_microbiota"),
    Quantity("pathobionts", "Pathobionts", "gut", "Microbiota",
             rf"{_E}pathobionts|ref_pathobionts|gamma_microbiota"),
    Quantity("barrier", "Gut barrier", "body", "Barrier",
             rf"{_E}barrier|barrier_\w+|gamma_barrier"),
    Quantity("inflammation", "Inflammation", "body", "Immune",
             rf"{_E}inflammation|gamma_inflammation|inflammation_\w+"),
    Quantity("cortisol", "Cortisol", "body", "HPA",
             rf"{_E}hpa|hpa_\w+|k_gr|gamma_(pituitary|adrenal|gr)|gr_floor|vulnerability"),
    Quantity("neuroplasticity", "Neuroplasticity", "brain", "Brain",
             r"\w+_neuroplasticity|plasticity_recovery_floor"),
    Quantity("perceived_stress", "Perceived stress", "brain", "Mood",
             r"stress_ref|threat_sensitivity|e_na_stress|e_sleep_reactivity|\w+_stress_damping"),
    Quantity("negative_affect", "Negative affect", "mood", "Mood",
             rf"{_E}na|eta_na_ref|gamma_na|sigma_na|affect_max_shift"),
    Quantity("positive_affect", "Positive affect", "mood", "Mood",
             rf"{_E}pa|eta_pa_ref|gamma_pa|sigma_pa|affect_max_shift"),
)  # fmt: skip


@cache
def citations() -> dict[str, str]:
    """Citation key -> full reference, from ``model/data/references.csv``."""
    text = files("gutbrain.model").joinpath("data/references.csv").read_text(encoding="utf-8")
    return {row["key"]: row["citation"] for row in csv.DictReader(io.StringIO(text))}


def _cited(source: str) -> list[tuple[str, str]]:
    """(key, reference) of every citation key named in a ``source`` cell."""
    refs = citations()
    return [(k, refs[k]) for k in dict.fromkeys(re.findall(r"[A-Z][A-Z0-9]+", source)) if k in refs]


def evidence(q: Quantity) -> list[tuple[ParameterSpec, list[tuple[str, str]]]]:
    """The parameters of the pathways into ``q``, each with the references its source names."""
    rx = re.compile(q.pattern)
    return [(s, _cited(s.source)) for n, s in PARAMETER_TABLE.items() if rx.fullmatch(n)]


def strain_evidence() -> list[tuple[str, str, list[dict[str, str]]]]:
    """(key, label, evidence rows) of every probiotic product in the strain catalogue."""
    return [(k, s.label, [dict(e) for e in s.evidence]) for k, s in strains().items()]
