"""Hypothesis strategies for random *valid* study bundles, built directly in canonical dtypes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import string

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from gutbrain.io import INSTRUMENTS, Arm, StudyBundle, StudyMeta

# Text that CSV must quote or could mangle: commas, quotes, newlines, spaces, non-ASCII, "NA".
_TRICKY = st.sampled_from(
    ["a,b", 'say "hi"', "line\nbreak", "cr\ronly", "\r\n", " padded ", "é ü 中", "NA", "0"]
)
TEXT = st.one_of(
    _TRICKY,
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        min_size=1,
        max_size=12,
    ),
)
IDS = st.text(alphabet=string.ascii_letters + string.digits + "-_ ,.", min_size=1, max_size=8)


def _frame(cols: dict[str, pd.Series]) -> pd.DataFrame:
    return pd.DataFrame(cols).reset_index(drop=True)


def _text(values: list[str | None]) -> pd.Series:
    return pd.Series(values, dtype="str")


def _floats(lo: float, hi: float, nullable: bool) -> st.SearchStrategy[float]:
    base = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    return st.one_of(base, st.just(float("nan"))) if nullable else base


@st.composite
def study_metas(draw: st.DrawFn) -> StudyMeta:
    design = draw(st.sampled_from(["parallel", "crossover", "nof1", "observational"]))
    arms: tuple[Arm, ...] = ()
    phases: tuple[Arm, ...] = ()
    labels_text = st.text(alphabet=string.ascii_letters + " -", min_size=1, max_size=10).filter(
        lambda s: s == s.strip()
    )
    if design in ("crossover", "nof1"):
        chars = draw(st.lists(st.sampled_from("ABCDX"), min_size=2, max_size=4, unique=True))
        phases = tuple(Arm(c, draw(st.sampled_from(["", "probiotic", "placebo"]))) for c in chars)
    else:
        n = draw(st.integers(2 if design == "parallel" else 0, 3))
        labels = draw(st.lists(labels_text, min_size=n, max_size=n, unique=True))
        arms = tuple(
            Arm(label, draw(st.sampled_from(["", "desc, with comma"]))) for label in labels
        )
    visit_instruments = draw(
        st.lists(st.sampled_from(sorted(INSTRUMENTS)), max_size=3, unique=True)
    )
    nof1 = None
    if design == "nof1" and draw(st.booleans()):
        nof1 = {"block_days": draw(st.integers(1, 28)), "wash_in_days": draw(st.integers(0, 7))}
    provenance = None
    if draw(st.booleans()):
        provenance = {"seed": draw(st.integers(0, 2**31)), "gutbrain_version": "0.1.0"}
    return StudyMeta(
        name=draw(TEXT.filter(lambda s: s.strip() != "")),
        design=design,  # type: ignore[arg-type]
        start=draw(st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1))),
        day0=draw(st.sampled_from(["first intervention day", "enrolment"])),
        instruments=("diary", *visit_instruments),
        arms=arms,
        phases=phases,
        nof1=nof1,
        provenance=provenance,
    )


@st.composite
def bundles(draw: st.DrawFn, min_diary_rows: int = 0) -> StudyBundle:
    """A random valid bundle: every table canonical, every cross-table rule satisfied."""
    meta = draw(study_metas())
    ids = draw(st.lists(IDS, min_size=1, max_size=5, unique=True))
    part: dict[str, pd.Series] = {"participant": _text(ids)}
    if meta.uses_sequences:
        seq = st.text(alphabet="".join(meta.labels), min_size=1, max_size=6)
        part["sequence"] = _text([draw(seq) for _ in ids])
    elif meta.arms:
        part["arm"] = _text([draw(st.sampled_from(meta.labels)) for _ in ids])
    if draw(st.booleans()):
        part["age"] = pd.Series([draw(_floats(18, 90, True)) for _ in ids], dtype="float64")
    if draw(st.booleans()):
        part["sex"] = _text([draw(st.sampled_from(["female", "male", None])) for _ in ids])
    if draw(st.booleans()):  # an extra baseline trait
        part["risk_aversion"] = pd.Series([draw(_floats(-3, 3, True)) for _ in ids])
    if draw(st.booleans()):  # an extra text column; prefixed so it never looks numeric
        part["site"] = _text(["s" + draw(TEXT) for _ in ids])

    # Diary: a random subset of days per participant.
    rows = []
    for pid in ids:
        days = draw(st.lists(st.integers(-7, 40), max_size=6, unique=True))
        rows += [(pid, d) for d in days]
    # Days above 40 never clash with the random days drawn above.
    rows += [(ids[0], 41 + j) for j in range(max(0, min_diary_rows - len(rows)))]
    k = len(rows)
    diary: dict[str, pd.Series] = {
        "participant": _text([r[0] for r in rows]),
        "day": pd.Series([r[1] for r in rows], dtype="int64"),
        "negative_affect": pd.Series([draw(_floats(0, 100, True)) for _ in rows], dtype="float64"),
        "positive_affect": pd.Series([draw(_floats(0, 100, True)) for _ in rows], dtype="float64"),
    }
    if draw(st.booleans()):
        diary["stool_form"] = pd.Series(
            [draw(st.one_of(st.none(), st.integers(1, 7))) for _ in rows], dtype="Int64"
        )
    if draw(st.booleans()):
        diary["adherence"] = pd.Series(
            [draw(st.one_of(st.none(), st.integers(0, 1))) for _ in rows], dtype="Int64"
        )
    if draw(st.booleans()):
        diary["date"] = pd.Series(
            [pd.Timestamp(meta.start) + pd.Timedelta(days=r[1]) for r in rows],
            dtype="datetime64[us]",
        )
    if draw(st.booleans()):
        diary["submitted_at"] = pd.Series(
            [
                pd.Timestamp(meta.start, tz="UTC")
                + pd.Timedelta(days=r[1], microseconds=draw(st.integers(0, 86_400 * 10**6)))
                for r in rows
            ],
            dtype="datetime64[us, UTC]",
        )
    if meta.uses_sequences and draw(st.booleans()):
        diary["phase"] = _text([draw(st.sampled_from([*meta.labels, None])) for _ in rows])
    if rows and draw(st.booleans()):  # an extra integer item (a column with no values is float)
        diary["item_sad"] = pd.Series([draw(st.integers(0, 100)) for _ in rows], dtype="int64")
    tables: dict[str, pd.DataFrame] = {"diary": _frame(diary)}
    assert len(tables["diary"]) == k

    inst = [i for i in meta.instruments if i != "diary"]
    if inst and draw(st.booleans()):
        vrows = []
        for pid in ids:
            for visit, day in draw(
                st.lists(
                    st.one_of(  # every participant's visits in the study's order
                        st.tuples(st.just("baseline"), st.integers(-7, -1)),
                        st.tuples(st.just("week4"), st.integers(20, 35)),
                        st.tuples(st.just("post"), st.integers(50, 60)),
                    ),
                    max_size=3,
                    unique_by=lambda t: t[0],
                )
            ):
                for name in draw(st.lists(st.sampled_from(inst), min_size=1, unique=True)):
                    i = INSTRUMENTS[name]
                    vrows.append((pid, visit, day, name, draw(_floats(i.min, i.max, False))))
        tables["visits"] = _frame(
            {
                "participant": _text([r[0] for r in vrows]),
                "visit": _text([r[1] for r in vrows]),
                "day": pd.Series([r[2] for r in vrows], dtype="int64"),
                "instrument": _text([r[3] for r in vrows]),
                "score": pd.Series([r[4] for r in vrows], dtype="float64"),
            }
        )
    if draw(st.booleans()):
        brows = []
        for pid in ids:
            for day, marker in draw(
                st.lists(
                    st.tuples(
                        st.integers(-7, 60), st.sampled_from(["crp", "il6", "salivary_cortisol_am"])
                    ),
                    max_size=3,
                    unique=True,
                )
            ):
                unit = {"crp": "mg/L", "il6": "pg/mL", "salivary_cortisol_am": "nmol/L"}[marker]
                brows.append((pid, day, marker, draw(_floats(0, 1e4, False)), unit))
        tables["biomarkers"] = _frame(
            {
                "participant": _text([r[0] for r in brows]),
                "day": pd.Series([r[1] for r in brows], dtype="int64"),
                "marker": _text([r[2] for r in brows]),
                "value": pd.Series([r[3] for r in brows], dtype="float64"),
                "unit": _text([r[4] for r in brows]),
            }
        )
    if draw(st.booleans()):
        trows = []
        for s_i, pid in enumerate(ids):
            day = draw(st.integers(-7, 60))
            for taxon in draw(
                st.lists(st.sampled_from(["Coprococcus", "Dialister", "Bacteroides"]), unique=True)
            ):
                trows.append((f"S{s_i}", pid, day, taxon, draw(_floats(0, 1, False))))
        tables["taxa"] = _frame(
            {
                "sample": _text([r[0] for r in trows]),
                "participant": _text([r[1] for r in trows]),
                "day": pd.Series([r[2] for r in trows], dtype="int64"),
                "taxon": _text([r[3] for r in trows]),
                "abundance": pd.Series([r[4] for r in trows], dtype="float64"),
            }
        )
    if draw(st.booleans()):
        latent = tables["diary"][["participant", "day"]].copy()
        latent["cortisol"] = np.array([draw(_floats(0.1, 5, False)) for _ in range(k)], dtype=float)
        tables["truth_latent"] = latent
    observed = [df for name, df in tables.items() if name != "truth_latent"]
    if draw(st.booleans()):  # withdrawn on or after each participant's last observation
        last = pd.concat([df[["participant", "day"]] for df in observed]).groupby("participant")
        last_day = last["day"].max()
        first = [int(last_day.get(pid, -5)) for pid in ids]
        part["withdrawn_day"] = pd.Series(
            [draw(st.one_of(st.none(), st.integers(f, max(f, 60)))) for f in first], dtype="Int64"
        )
    days = pd.concat([df["day"] for df in tables.values()] + [pd.Series([0])])
    if draw(st.booleans()):  # planned days that hold every row's day
        lo = int(days.min()) - draw(st.integers(0, 3))
        hi = int(days.max()) + draw(st.integers(0, 3))
        meta = dataclasses.replace(meta, days=(lo, hi))
    return StudyBundle(study=meta, participants=_frame(part), **tables)
