"""Visit questionnaires: the forms the diary shows, their answers and their scores.

Every form comes from the instrument registry (:data:`gutbrain.instruments.FORMS`): its
instruction, item texts, response options, and the instruments it scores with their items,
reversed items and score ranges. The diary administers each form whose instruments carry
response options: PHQ-9, GAD-7, PANAS (scored as PANAS-NA and PANAS-PA) and STAI-state. A study
lists a form by its name, e.g. ``"PANAS"``.

PHQ-9 and GAD-7 are free to use (Pfizer, no permission required). The STAI is copyrighted by
Mind Garden: its item texts are not shipped here. A study that holds a licence supplies them in
``study.toml`` (``[instrument_text] "STAI-state" = [...]``); otherwise the form shows item
numbers for use alongside the licensed paper form.

Safety: a PHQ-9 item 9 answer above 0 ("thoughts that you would be better off dead or of hurting
yourself") is risky and shows crisis resources at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

from gutbrain.diary.numbers import parse_int
from gutbrain.errors import DataError
from gutbrain.instruments import FORMS, Instrument

__all__ = [
    "QUESTIONNAIRES",
    "Questionnaire",
    "get_instrument",
    "parse_answers",
    "risky_items",
    "score",
]


@dataclass(frozen=True)
class Questionnaire:
    """A form the diary shows at a visit: the registry instruments printed on it, on one page.

    Attributes
    ----------
    name
        The form's name, as a study lists it (``"PANAS"`` for PANAS-NA and PANAS-PA).
    instruments
        The instruments the form scores, in registry order.
    items
        The item texts in form order (placeholders for a licensed form without its texts).
    licensed_text
        Whether ``items`` are placeholders for licensed texts the study team gives on paper.
    """

    name: str
    instruments: tuple[Instrument, ...]
    items: tuple[str, ...]
    licensed_text: bool = False

    @property
    def instruction(self) -> str:
        return self.instruments[0].instruction

    @property
    def options(self) -> tuple[str, ...]:
        return self.instruments[0].options

    @property
    def first_value(self) -> int:
        return self.instruments[0].item_min

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(range(self.first_value, self.first_value + len(self.options)))

    @property
    def outputs(self) -> tuple[str, ...]:
        """Bundle instrument names this questionnaire produces (PANAS produces two)."""
        return tuple(inst.name for inst in self.instruments)


def _questionnaire(name: str, instruments: tuple[Instrument, ...]) -> Questionnaire:
    texts: dict[int, str] = {}
    for inst in instruments:
        for k, position in enumerate(inst.form_items):
            texts[position] = (
                inst.item_text[k]
                if inst.item_text
                else f"{inst.licensed_form}, item {position} (licensed text)"
            )
    return Questionnaire(
        name=name,
        instruments=instruments,
        items=tuple(texts[p] for p in sorted(texts)),
        licensed_text=any(inst.licensed_form for inst in instruments),
    )


QUESTIONNAIRES: Mapping[str, Questionnaire] = MappingProxyType(
    {name: _questionnaire(name, insts) for name, insts in FORMS.items() if insts[0].options}
)
"""Every form the diary administers, by the name a study lists (read-only)."""


def get_instrument(
    name: str, item_text: Mapping[str, Sequence[str]] | None = None
) -> Questionnaire:
    """Look a visit questionnaire up by name, with study-supplied item texts where given.

    Raises
    ------
    DataError
        For an unknown questionnaire name or a wrong number of supplied item texts.
    """
    if name not in QUESTIONNAIRES:
        raise DataError(
            f"instrument {name!r} is not available; expected one of {list(QUESTIONNAIRES)}"
        )
    inst = QUESTIONNAIRES[name]
    texts = (item_text or {}).get(name)
    if texts:
        if len(texts) != len(inst.items):
            raise DataError(
                f"instrument_text for {name!r} has {len(texts)} items; expected {len(inst.items)}"
            )
        inst = replace(inst, items=tuple(str(t) for t in texts), licensed_text=False)
    return inst


def parse_answers(inst: Questionnaire, raw: Mapping[str, str]) -> list[int]:
    """Read ``item_1`` ... ``item_n`` from a form; every item must be answered in range."""
    answers: list[int] = []
    missing: list[int] = []
    for i in range(1, len(inst.items) + 1):
        value = raw.get(f"item_{i}")
        if value is None or str(value).strip() == "":
            missing.append(i)
            continue
        v = parse_int(str(value), f"{inst.name} item {i}")
        if v not in inst.values:
            raise DataError(
                f"{inst.name} item {i}: {v} is out of range; expected {inst.values[0]} to "
                f"{inst.values[-1]}"
            )
        answers.append(v)
    if missing:
        raise DataError(f"{inst.name}: please answer item(s) {missing}")
    return answers


def _total(inst: Instrument, answers: Sequence[int]) -> int:
    """An instrument's total: the sum of its items on the form, reversed items reversed."""
    total = 0
    for k, position in enumerate(inst.form_items, start=1):
        answer = answers[position - 1]
        reverse = k in inst.reversed_items
        total += inst.item_min + inst.item_max - answer if reverse else answer
    return total


def score(inst: Questionnaire, answers: Sequence[int]) -> dict[str, int]:
    """Score a completed questionnaire.

    Returns
    -------
    dict
        Bundle instrument name to score, one per instrument of the form: ``{"PHQ-9": ...}``, or
        ``{"PANAS-NA": ..., "PANAS-PA": ...}`` for the PANAS.
    """
    if len(answers) != len(inst.items):
        raise DataError(f"{inst.name}: {len(answers)} answers; expected {len(inst.items)}")
    return {i.name: _total(i, answers) for i in inst.instruments}


def risky_items(inst: Questionnaire, answers: Sequence[int]) -> list[tuple[str, int]]:
    """The answers that need crisis resources: PHQ-9 item 9 above 0."""
    if inst.name == "PHQ-9" and len(answers) == 9 and answers[8] > 0:
        return [("PHQ-9 item 9", answers[8])]
    return []
