"""Standing balance from a CoP path (METHODS §6; Prieto et al. 1996, IEEE TBME 43:956,
doi:10.1109/10.532130).

The path is low-pass filtered first (4th-order zero-lag Butterworth at ``CUTOFF_HZ`` 10 Hz,
when the sampling rate allows; ``low_pass_hz`` says which), because path length and
velocity depend on the noise (METHODS §6). With AP and ML the detrended (mean-removed)
coordinates, in mm:

* ``mean_distance_mm`` (MDIST), ``rms_distance_mm`` (RDIST), per-axis RMS;
* ``path_length_mm`` (TOTEX) and ``mean_velocity_mm_s`` = TOTEX / T, per axis too;
* ``range_ap_mm``, ``range_ml_mm`` (max − min);
* ``ellipse_area_mm2``: the 95 % *prediction* ellipse, π · c · sqrt(det S) with
  c = 2 (n+1)(n−1) / (n (n−2)) · F(0.95; 2, n−2) (Schubert & Kirchner 2014, Gait Posture
  39:518, doi:10.1016/j.gaitpost.2013.09.001 recommend it over the "confidence" ellipse);
* ``mean_frequency_hz`` = TOTEX / (2π · MDIST · T).

Insole sway is device-specific: coarse sensors and a shoe in between. Compare it with the same
device's recordings, not with force-plate norms (METHODS §6).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

CUTOFF_HZ = 10.0
MIN_FINITE = 0.9  # of the samples, or no measures


def ellipse_area(ap: FloatArray, ml: FloatArray) -> float:
    """95 % prediction-ellipse area of the points (module docstring), in their unit²."""
    from scipy.stats import f as f_dist

    n = ap.size
    if n < 4:
        return float("nan")
    cov = np.cov(np.vstack([ap, ml]))
    det = max(float(np.linalg.det(cov)), 0.0)
    c = 2 * (n + 1) * (n - 1) / (n * (n - 2)) * float(f_dist.ppf(0.95, 2, n - 2))
    return math.pi * c * math.sqrt(det)


def sway(time_s: FloatArray, x_mm: FloatArray, y_mm: FloatArray) -> dict[str, float | None] | None:
    """Sway measures of a CoP path (module docstring), or None with too few valid samples."""
    ok = np.isfinite(x_mm) & np.isfinite(y_mm)
    if ok.sum() < max(10, MIN_FINITE * ok.size):
        return None
    t, ml, ap = time_s[ok], x_mm[ok], y_mm[ok]
    duration = float(t[-1] - t[0])
    if duration <= 0:
        return None
    fs = (t.size - 1) / duration
    filtered: float | None = None
    if fs > 2.5 * CUTOFF_HZ and t.size > 30:
        filtered = CUTOFF_HZ
        from scipy.signal import butter, sosfiltfilt

        sos = butter(4, CUTOFF_HZ, fs=fs, output="sos")
        ml, ap = sosfiltfilt(sos, ml), sosfiltfilt(sos, ap)
    ml = ml - ml.mean()
    ap = ap - ap.mean()
    rd = np.hypot(ml, ap)
    steps_ap, steps_ml = np.diff(ap), np.diff(ml)
    path = float(np.sum(np.hypot(steps_ap, steps_ml)))
    mdist = float(rd.mean())
    return {
        "duration_s": duration,
        "low_pass_hz": filtered,  # None: too slow a sampling rate to filter at CUTOFF_HZ
        "mean_distance_mm": mdist,
        "rms_distance_mm": float(np.sqrt(np.mean(rd**2))),
        "rms_ap_mm": float(np.sqrt(np.mean(ap**2))),
        "rms_ml_mm": float(np.sqrt(np.mean(ml**2))),
        "path_length_mm": path,
        "mean_velocity_mm_s": path / duration,
        "mean_velocity_ap_mm_s": float(np.sum(np.abs(steps_ap))) / duration,
        "mean_velocity_ml_mm_s": float(np.sum(np.abs(steps_ml))) / duration,
        "range_ap_mm": float(ap.max() - ap.min()),
        "range_ml_mm": float(ml.max() - ml.min()),
        "ellipse_area_mm2": ellipse_area(ap, ml),
        "mean_frequency_hz": path / (2 * math.pi * mdist * duration) if mdist > 0 else math.nan,
    }
