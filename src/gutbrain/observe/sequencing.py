r"""16S amplicon sequencing: relative abundances as a study sees them, from read sampling.

For a sample with true guild proportions :math:`p` and read depth :math:`N`, the read counts
are Dirichlet-multinomial:

.. math::

    \pi \sim \operatorname{Dirichlet}(\theta p), \qquad n \sim \operatorname{Multinomial}(N, \pi),
    \qquad \hat p = n / N

The precision :math:`\theta` sets the overdispersion: the intra-class correlation is
:math:`\rho = 1/(1 + \theta)` and :math:`\operatorname{Var}(\hat p_k) = p_k(1-p_k)
\,[1 + (N-1)\rho]/N`. :math:`\theta = \infty` gives a plain multinomial. Read depth varies
between samples, :math:`\log N \sim N(\log N_{med}, s^2)`. A guild with true share 0 is never
observed (the Dirichlet gives it weight 0).

Optionally each guild's reads are split into taxa by fixed within-guild shares, for example the
HITChip Atlas shares from :func:`gutbrain.population.atlas.within_guild_shares`, so the taxa
table can name real taxa. Defaults (``sequencing.*``) live in ``parameters.csv``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gutbrain.errors import DataError, ParameterError
from gutbrain.observe.latent import GUILDS, check_latent, latent_rows
from gutbrain.observe.tables import parameter

__all__ = [
    "SequencingModel",
    "dirichlet_shares",
    "draw_depths",
    "sequence_samples",
]

#: Guild proportions must sum to 1 within this tolerance (floating-point round-off of the model).
_SUM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class SequencingModel:
    """Parameters of the read-sampling model.

    Attributes
    ----------
    depth_median
        Median reads per sample :math:`N_{med}`.
    depth_sd_log
        SD of log read depth between samples (0 = every sample has ``depth_median`` reads).
    precision
        Dirichlet-multinomial precision :math:`\\theta`; ``np.inf`` for a plain multinomial.
    """

    depth_median: float = field(default_factory=lambda: parameter("sequencing.depth_median"))
    depth_sd_log: float = field(default_factory=lambda: parameter("sequencing.depth_sd_log"))
    precision: float = field(default_factory=lambda: parameter("sequencing.dm_precision"))

    def __post_init__(self) -> None:
        if not (np.isfinite(self.depth_median) and self.depth_median >= 1):
            raise ParameterError(
                f"SequencingModel.depth_median = {self.depth_median!r}; expected >= 1 read"
            )
        if not (np.isfinite(self.depth_sd_log) and self.depth_sd_log >= 0):
            raise ParameterError(
                f"SequencingModel.depth_sd_log = {self.depth_sd_log!r}; expected >= 0"
            )
        if not self.precision > 0:
            raise ParameterError(
                f"SequencingModel.precision = {self.precision!r}; expected > 0 (np.inf allowed)"
            )

    @property
    def overdispersion(self) -> float:
        """Intra-class correlation :math:`\\rho = 1/(1+\\theta)` (0 for a multinomial)."""
        return 0.0 if np.isinf(self.precision) else 1.0 / (1.0 + self.precision)

    def with_(self, **changes: Any) -> SequencingModel:
        """Return a copy with ``changes`` applied (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)


def draw_depths(model: SequencingModel, n: int, rng: np.random.Generator) -> np.ndarray:
    """Read depth of ``n`` samples: :math:`\\log N \\sim N(\\log N_{med}, s^2)`, at least 1."""
    return np.maximum(
        1, np.rint(model.depth_median * np.exp(rng.normal(0, model.depth_sd_log, n)))
    ).astype(np.int64)


def dirichlet_shares(p: np.ndarray, model: SequencingModel, rng: np.random.Generator) -> np.ndarray:
    """Each sample's shares :math:`\\pi \\sim \\operatorname{Dirichlet}(\\theta p)` (rows of
    ``p``); ``p`` itself for a plain multinomial (:math:`\\theta = \\infty`)."""
    if np.isinf(model.precision):
        return p
    gammas = rng.gamma(np.maximum(model.precision * p, 0.0))
    gammas = np.where(p > 0, gammas, 0.0)
    sums = gammas.sum(axis=1, keepdims=True)
    # All gamma draws can underflow to 0 for tiny shapes; fall back to the true proportions.
    return np.where(sums > 0, gammas / np.where(sums > 0, sums, 1.0), p)


def _check_shares(shares: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("guild", "taxon", "share") if c not in shares.columns]
    if missing:
        raise DataError(f"within-guild shares: missing column(s) {missing}")
    unknown = sorted(set(shares["guild"]) - set(GUILDS))
    if unknown:
        raise DataError(f"within-guild shares: unknown guild(s) {unknown}; expected {GUILDS}")
    negative = (shares["share"] < 0).to_numpy()
    if negative.any():
        pos = int(np.flatnonzero(negative)[0])
        raise DataError(
            f"within-guild shares row {shares.index[pos]}: share "
            f"{shares['share'].to_numpy()[pos]} < 0; expected >= 0"
        )
    sums = shares.groupby("guild")["share"].sum()
    bad = sums[(sums - 1).abs() > _SUM_TOLERANCE]
    if len(bad):
        raise DataError(
            f"within-guild shares: shares of guild {bad.index[0]!r} sum to {bad.iloc[0]:.6f}; "
            "expected 1"
        )
    return shares


def sequence_samples(
    latent: pd.DataFrame,
    schedule: pd.DataFrame | Sequence[int],
    rng: np.random.Generator,
    model: SequencingModel | None = None,
    shares: pd.DataFrame | None = None,
    reads: bool = False,
) -> pd.DataFrame:
    """Sequence stool samples and return the bundle's ``taxa`` table.

    Parameters
    ----------
    latent
        Latent daily trajectories with the guild columns (:data:`GUILDS`), summing to 1.
    schedule
        A DataFrame with ``participant, day`` (one row per stool sample), or a sequence of days
        sampled for every participant. Each sampling day must be a latent day.
    rng
        The only source of randomness: depths, then Dirichlet gammas, then multinomial counts.
    model
        Read-sampling parameters (default ``SequencingModel()``).
    shares
        Optional DataFrame ``guild, taxon, share`` splitting guilds into taxa (shares per guild
        sum to 1). A guild without rows keeps its own name as the taxon.

    Returns
    -------
    pandas.DataFrame
        The bundle's ``sample, participant, day, taxon, abundance`` (plus ``reads`` if asked),
        with ``abundance`` the observed relative abundance (reads / depth); the abundances of a
        sample sum to 1. ``sample`` is
        ``"<participant>_d<day>"``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> latent = pd.DataFrame({"participant": "p1", "day": [0], "butyrate_producers": 0.3,
    ...     "bifidobacteria_lab": 0.1, "bacteroides_prevotella": 0.4, "pathobionts": 0.1,
    ...     "akkermansia": 0.1, "probiotic": 0.0})
    >>> taxa = sequence_samples(latent, [0], np.random.default_rng(0))
    >>> float(round(taxa["abundance"].sum(), 6))
    1.0
    """
    model = SequencingModel() if model is None else model
    frame = check_latent(latent, GUILDS)
    if isinstance(schedule, pd.DataFrame):
        missing = [c for c in ("participant", "day") if c not in schedule.columns]
        if missing:
            raise DataError(f"sequencing schedule: missing column(s) {missing}")
        samples = pd.DataFrame(
            {
                "participant": schedule["participant"].astype(str).to_numpy(),
                "day": schedule["day"].to_numpy(np.int64),
            }
        )
    else:
        days = np.asarray([int(d) for d in schedule], dtype=np.int64)
        people = frame["participant"].unique()
        samples = pd.DataFrame(
            {"participant": np.repeat(people, len(days)), "day": np.tile(days, len(people))}
        )
    if samples.duplicated().any():
        bad = int(np.flatnonzero(samples.duplicated().to_numpy())[0])
        raise DataError(
            f"sequencing schedule row {bad}: participant {samples.at[bad, 'participant']!r}, "
            f"day {samples['day'].to_numpy()[bad]} is sampled twice; expected one sample per "
            "person-day"
        )
    rows = latent_rows(frame, samples, "sequencing schedule")
    p = frame.loc[rows, list(GUILDS)].to_numpy(float)
    total = p.sum(axis=1)
    off = np.abs(total - 1) > _SUM_TOLERANCE
    if off.any():
        bad = int(np.flatnonzero(off)[0])
        raise DataError(
            f"latent trajectories: guild abundances of participant "
            f"{samples.at[bad, 'participant']!r} on day {samples['day'].to_numpy()[bad]} sum to "
            f"{total[bad]:.6f}; expected 1"
        )
    p = p / total[:, None]

    depth = draw_depths(model, len(rows), rng)
    counts = rng.multinomial(depth, dirichlet_shares(p, model, rng))

    sample_id = samples["participant"] + "_d" + samples["day"].astype(str)
    columns: dict[str, np.ndarray] = {}
    split = None if shares is None else _check_shares(shares)
    for k, guild in enumerate(GUILDS):
        sub = None if split is None else split.loc[split["guild"] == guild]
        if sub is None or sub.empty:
            columns[guild] = counts[:, k]
            continue
        # Each read of the guild belongs to taxon j with probability share_j (a multinomial
        # split keeps read counts integer and the total per sample exact).
        share = sub["share"].to_numpy(float)
        taxa_counts = rng.multinomial(counts[:, k], share / share.sum())
        for j, taxon in enumerate(sub["taxon"].astype(str)):
            columns[taxon] = columns.get(taxon, 0) + taxa_counts[:, j]
    long = (
        pd.DataFrame(columns)
        .assign(sample=sample_id.to_numpy())
        .melt(id_vars="sample", var_name="taxon", value_name="reads")
    )
    meta = pd.DataFrame(
        {
            "sample": sample_id.to_numpy(),
            "participant": samples["participant"].to_numpy(),
            "day": samples["day"].to_numpy(),
            "depth": depth,
        }
    )
    out = long.merge(meta, on="sample", how="left")
    out["abundance"] = out["reads"] / out["depth"]
    order = {s: i for i, s in enumerate(meta["sample"])}
    out = out.assign(_o=out["sample"].map(order)).sort_values(["_o", "taxon"], kind="stable")
    keep = ["sample", "participant", "day", "taxon", "abundance"] + (["reads"] if reads else [])
    return out[keep].reset_index(drop=True)
