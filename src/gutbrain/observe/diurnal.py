r"""The diurnal cortisol rhythm of the observation layer.

The model's latent ``cortisol`` is one relative value per day (no circadian rhythm). A cortisol
sample taken at a time of day reads that value through a documented waking-day profile
:math:`g(h)`, with :math:`h` the hours after waking and the waking level :math:`g(0) = 1`:

- the **cortisol awakening response**: a rise by ``diurnal.car_rise`` (Wust 2000: about 50%)
  to a peak ``diurnal.car_peak_hours`` after waking (about 30 min);
- then a log-linear **decline** to the **evening nadir** ``diurnal.bedtime_ratio`` of the
  waking level at bedtime, ``diurnal.bedtime_hours`` after waking.

.. math::

    \log g(h) = \text{linear interpolation of } \log g \text{ through }
    (0, 1),\; (h_{peak}, 1 + \text{rise}),\; (h_{bed}, \text{ratio})

A marker whose reference level was published at ``reference_hours`` (``biomarkers.csv``) and that
is sampled at the registry's ``hours_after_waking`` is scaled by
:math:`g(h_{sample}) / g(h_{reference})`. A 24-h urine collection integrates the day: its
reference is itself a 24-h level, so it reads the day's latent value unscaled. Sleep is outside
the profile (no sample is taken asleep). The parameters and their sources are in
``parameters.csv``.
"""

from __future__ import annotations

import numpy as np

from gutbrain.errors import ParameterError
from gutbrain.observe.tables import parameter

__all__ = ["cortisol_rhythm", "rhythm_knots"]


def rhythm_knots() -> tuple[np.ndarray, np.ndarray]:
    """The profile's knots: hours after waking and relative levels (waking level = 1)."""
    peak = parameter("diurnal.car_peak_hours")
    bedtime = parameter("diurnal.bedtime_hours")
    if not 0 < peak < bedtime:
        raise ParameterError(
            f"parameters.csv: diurnal.car_peak_hours = {peak}; expected between 0 and "
            f"diurnal.bedtime_hours ({bedtime})"
        )
    hours = np.array([0.0, peak, bedtime])
    levels = np.array(
        [1.0, 1.0 + parameter("diurnal.car_rise"), parameter("diurnal.bedtime_ratio")]
    )
    return hours, levels


def cortisol_rhythm(hours: float | np.ndarray) -> np.ndarray:
    """Cortisol at ``hours`` after waking, relative to the waking level.

    Parameters
    ----------
    hours
        Hours after waking, from 0 to ``diurnal.bedtime_hours``.

    Returns
    -------
    numpy.ndarray
        :math:`g(h)`: 1 at waking, the awakening-response peak, then the decline to bedtime.

    Examples
    --------
    >>> float(cortisol_rhythm(0.5))  # the awakening response: +50% (Wust 2000)
    1.5
    >>> bool(cortisol_rhythm(16.0) < cortisol_rhythm(1.0))  # evening nadir below the morning
    True
    """
    knots, levels = rhythm_knots()
    h = np.asarray(hours, dtype=float)
    if np.any(~np.isfinite(h) | (h < 0) | (h > knots[-1])):
        raise ParameterError(
            f"cortisol rhythm: sampling time {hours!r} hours after waking; expected 0 to "
            f"{knots[-1]:g} (diurnal.bedtime_hours)"
        )
    return np.exp(np.interp(h, knots, np.log(levels)))
