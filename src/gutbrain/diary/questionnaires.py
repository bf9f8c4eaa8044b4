"""Visit questionnaires: item texts, response options and scoring.

=========== ===== ======= ===================================================================
instrument  items options score
=========== ===== ======= ===================================================================
PHQ-9       9     0-3     sum, 0-27 (Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606)
GAD-7       7     0-3     sum, 0-21 (Spitzer et al. 2006, Arch Intern Med 166:1092)
PANAS       20    1-5     PANAS-PA and PANAS-NA, 10 items each, 10-50 (Watson, Clark & Tellegen
                          1988, J Pers Soc Psychol 54:1063)
STAI-state  20    1-4     sum after reversing the 10 anxiety-absent items, 20-80 (Spielberger
                          1983, STAI Form Y-1 manual)
=========== ===== ======= ===================================================================

PHQ-9 and GAD-7 are free to use (Pfizer, no permission required). The STAI is copyrighted by
Mind Garden: its item texts are not shipped here. A study that holds a licence supplies them in
``study.toml`` (``[instrument_text] "STAI-state" = [...]``); otherwise the form shows item
numbers for use alongside the licensed paper form.

Safety: a PHQ-9 item 9 answer above 0 ("thoughts that you would be better off dead or of hurting
yourself") is risky and shows crisis resources at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gutbrain.errors import DataError

__all__ = ["INSTRUMENTS", "Instrument", "get_instrument", "risky_items", "score"]

_FREQ = ("Not at all", "Several days", "More than half the days", "Nearly every day")


@dataclass(frozen=True)
class Instrument:
    """A questionnaire: its items, response options and scored outputs."""

    name: str
    instruction: str
    items: tuple[str, ...]
    options: tuple[str, ...]
    first_value: int
    #: Bundle instrument names this questionnaire produces (PANAS produces two).
    outputs: tuple[str, ...]
    licensed_text: bool = False

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(range(self.first_value, self.first_value + len(self.options)))


PHQ9 = Instrument(
    name="PHQ-9",
    instruction="Over the last 2 weeks, how often have you been bothered by any of the following "
    "problems?",
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself, or that you are a failure or have let yourself or your "
        "family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed, or the opposite: "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead, or of hurting yourself in some way",
    ),
    options=_FREQ,
    first_value=0,
    outputs=("PHQ-9",),
)

GAD7 = Instrument(
    name="GAD-7",
    instruction="Over the last 2 weeks, how often have you been bothered by the following "
    "problems?",
    items=(
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid, as if something awful might happen",
    ),
    options=_FREQ,
    first_value=0,
    outputs=("GAD-7",),
)

PANAS_WORDS = (
    "Interested", "Distressed", "Excited", "Upset", "Strong", "Guilty", "Scared", "Hostile",
    "Enthusiastic", "Proud", "Irritable", "Alert", "Ashamed", "Inspired", "Nervous",
    "Determined", "Attentive", "Jittery", "Active", "Afraid",
)  # fmt: skip
#: 1-based item numbers of the positive-affect scale; the other ten are negative affect.
PANAS_PA_ITEMS = (1, 3, 5, 9, 10, 12, 14, 16, 17, 19)

PANAS = Instrument(
    name="PANAS",
    instruction="Indicate to what extent you have felt this way during the past week.",
    items=PANAS_WORDS,
    options=("Very slightly or not at all", "A little", "Moderately", "Quite a bit", "Extremely"),
    first_value=1,
    outputs=("PANAS-NA", "PANAS-PA"),
)

#: 1-based STAI Form Y-1 items worded in the anxiety-absent direction, scored 5 - answer.
STAI_REVERSED = (1, 2, 5, 8, 10, 11, 15, 16, 19, 20)

STAI_STATE = Instrument(
    name="STAI-state",
    instruction="Read each statement and select how you feel right now, at this moment.",
    items=tuple(f"STAI Form Y-1, item {i} (licensed text)" for i in range(1, 21)),
    options=("Not at all", "Somewhat", "Moderately so", "Very much so"),
    first_value=1,
    outputs=("STAI-state",),
    licensed_text=True,
)

INSTRUMENTS: dict[str, Instrument] = {i.name: i for i in (PHQ9, GAD7, PANAS, STAI_STATE)}


def get_instrument(name: str, item_text: Mapping[str, Sequence[str]] | None = None) -> Instrument:
    """Look an instrument up by name, with study-supplied item texts where given.

    Raises
    ------
    DataError
        For an unknown instrument name or a wrong number of supplied item texts.
    """
    if name not in INSTRUMENTS:
        raise DataError(
            f"instrument {name!r} is not available; expected one of {list(INSTRUMENTS)}"
        )
    inst = INSTRUMENTS[name]
    texts = (item_text or {}).get(name)
    if texts:
        if len(texts) != len(inst.items):
            raise DataError(
                f"instrument_text for {name!r} has {len(texts)} items; expected {len(inst.items)}"
            )
        from dataclasses import replace

        inst = replace(inst, items=tuple(str(t) for t in texts), licensed_text=False)
    return inst


def parse_answers(inst: Instrument, raw: Mapping[str, str]) -> list[int]:
    """Read ``item_1`` ... ``item_n`` from a form; every item must be answered in range."""
    answers: list[int] = []
    missing: list[int] = []
    for i in range(1, len(inst.items) + 1):
        value = raw.get(f"item_{i}")
        if value is None or str(value).strip() == "":
            missing.append(i)
            continue
        try:
            v = int(str(value))
        except ValueError:
            raise DataError(f"{inst.name} item {i}: {value!r} is not a whole number") from None
        if v not in inst.values:
            raise DataError(
                f"{inst.name} item {i}: {v} is out of range; expected {inst.values[0]} to "
                f"{inst.values[-1]}"
            )
        answers.append(v)
    if missing:
        raise DataError(f"{inst.name}: please answer item(s) {missing}")
    return answers


def score(inst: Instrument, answers: Sequence[int]) -> dict[str, int]:
    """Score a completed questionnaire.

    Returns
    -------
    dict
        Bundle instrument name to score: ``{"PHQ-9": 0..27}``, ``{"GAD-7": 0..21}``,
        ``{"PANAS-NA": 10..50, "PANAS-PA": 10..50}`` or ``{"STAI-state": 20..80}``.
    """
    if len(answers) != len(inst.items):
        raise DataError(f"{inst.name}: {len(answers)} answers; expected {len(inst.items)}")
    if inst.name == "PANAS":
        pa = sum(a for i, a in enumerate(answers, 1) if i in PANAS_PA_ITEMS)
        na = sum(a for i, a in enumerate(answers, 1) if i not in PANAS_PA_ITEMS)
        return {"PANAS-NA": na, "PANAS-PA": pa}
    if inst.name == "STAI-state":
        return {
            "STAI-state": sum(5 - a if i in STAI_REVERSED else a for i, a in enumerate(answers, 1))
        }
    return {inst.name: sum(answers)}


def risky_items(inst: Instrument, answers: Sequence[int]) -> list[tuple[str, int]]:
    """The answers that need crisis resources: PHQ-9 item 9 above 0."""
    if inst.name == "PHQ-9" and len(answers) == 9 and answers[8] > 0:
        return [("PHQ-9 item 9", answers[8])]
    return []
