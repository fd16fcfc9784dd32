"""Synthetic EEG that looks like EEG and carries a planted, documented emotion effect.

THIS IS NOT REAL DATA. It exists so that tests, demos and the training code
can run end to end without the licensed SEED recordings. Nothing measured on
it says anything about emotion recognition from real EEG.

The signal of one trial, per channel, in microvolts (SEED order, 62 channels):

- **Background**: 16 latent sources with a 1/f^beta power spectrum (beta per
  subject, 1.2-2.0), mixed onto the scalp through a smooth spatial kernel
  (volume conduction: neighbouring channels correlate), about 20 µV rms,
  band-limited to 0-75 Hz like the released preprocessed data.
- **Alpha rhythm**: two occipital sources (left, right) at a per-subject peak
  of 9-11.5 Hz (1 Hz wide), strongest at O1/OZ/O2/PO*, waxing and waning
  with a slow random envelope.
- **Emotion effect** (planted in the spectrum before the sources reach the
  electrodes' gains; sizes below are in DE units, i.e. log2 of a band-power
  ratio, so 0.5 means x1.41 power). Each class has a valence v and arousal a
  in [-1, 1] (``VALENCE_AROUSAL``) and, modelled on Zheng & Lu 2015 and
  Zheng, Zhu & Lu 2017 (SEED):

  * beta and gamma at lateral temporal sites (FT7/8, T7/8, TP7/8, C5/6,
    CP5/6): ``+0.6 * v`` (positive > negative);
  * alpha at parietal and occipital sites: ``-0.5 * a`` (calm, neutral states
    show more alpha);
  * delta at parietal and occipital sites: ``+0.5 * max(-v, 0)``;
  * gamma at prefrontal sites (FP*, AF*): ``+0.4 * max(-v, 0)``;
  * frontal alpha asymmetry: left frontal alpha ``-0.3 * v``, right ``+0.3 * v``;
  * plus a class-specific smooth spatial pattern of 0.05 rms per band, so
    classes with similar valence and arousal still differ a little.

  Per subject the population effect is scaled by a factor drawn from
  0.3-1.2 and a subject-specific smooth pattern of 0.35 rms per class and
  band is added, so a model must generalise across subjects but can. Each
  trial adds a clip-specific smooth offset of 0.4 rms per channel and band.
  Measured in DE of 4 s windows (10 subjects x 12 trials of 40 s, SEED
  classes): positive minus negative at lateral temporal sites is +0.78 (beta)
  and +0.61 (gamma); neutral minus negative parieto-occipital alpha +0.31;
  negative minus positive parieto-occipital delta +0.64 (volume conduction,
  the noise floor and the subject scaling dilute the planted values).
  Measured with these settings (6 subjects x 24 trials of 20 s, per-subject
  z-scored mean DE per trial, logistic regression, leave one subject out):
  about 60 % for SEED-IV's 4 classes, 78 % for SEED's 3 and 40 % for
  SEED-VII's 7, against chance 25 %, 33 % and 14 %.
- **Per-subject nuisance**: channel gains (log-normal, 15 %), DC offsets
  (+-5 µV), white sensor noise (1-4 µV rms) and blinks on frontal channels
  (0.05-0.3 per second, 60-150 µV, about 0.4 s long, decaying with distance
  from the eyes).

References
----------
.. [1] Zheng W.-L., Lu B.-L. (2015). Investigating critical frequency bands and
   channels for EEG-based emotion recognition with deep neural networks.
   IEEE Trans. Auton. Ment. Dev. 7(3), 162-175.
.. [2] Zheng W.-L., Zhu J.-Y., Lu B.-L. (2017). Identifying stable patterns over
   time for emotion recognition from EEG. IEEE Trans. Affect. Comput. 10(3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.fft import next_fast_len

from ..features.config import SEED_BANDS
from ..montage import SEED_CHANNELS, positions_3d

#: (valence, arousal) of each class name used by the SEED family.
VALENCE_AROUSAL: dict[str, tuple[float, float]] = {
    "positive": (1.0, 0.5),
    "happy": (1.0, 0.5),
    "neutral": (0.0, -0.6),
    "negative": (-1.0, 0.0),
    "sad": (-0.8, -0.4),
    "fear": (-0.7, 0.8),
    "disgust": (-0.6, 0.3),
    "anger": (-0.8, 0.9),
    "surprise": (0.4, 0.9),
    # FACED's other categories.
    "sadness": (-0.8, -0.4),
    "amusement": (0.8, 0.6),
    "inspiration": (0.6, 0.3),
    "joy": (1.0, 0.5),
    "tenderness": (0.7, -0.3),
}

#: Sizes of the planted effect's variability, DE (log2) units; see the module doc.
CLASS_PATTERN_RMS = 0.05
SUBJECT_SCALE = (0.3, 1.2)
SUBJECT_PATTERN_RMS = 0.35
TRIAL_RMS = 0.4

_N_SOURCES = 16
_BG_RMS_UV = 20.0
_ALPHA_RMS_UV = 8.0
_BAND_LIMIT_HZ = (70.0, 80.0)  # taper of the 0-75 Hz preprocessing band


def _idx(*names: str) -> np.ndarray:
    return np.array([SEED_CHANNELS.index(n) for n in names])


_TEMPORAL = _idx("FT7", "FT8", "T7", "T8", "TP7", "TP8", "C5", "C6", "CP5", "CP6")
_POSTERIOR = np.array(
    [i for i, n in enumerate(SEED_CHANNELS) if n[0] in "PO" or n.startswith("CB")]
)
_PREFRONTAL = _idx("FP1", "FPZ", "FP2", "AF3", "AF4")
_LEFT_FRONTAL = _idx("FP1", "AF3", "F7", "F5", "F3", "F1")
_RIGHT_FRONTAL = _idx("FP2", "AF4", "F8", "F6", "F4", "F2")
_POS = positions_3d()


def _smooth_kernel(width: float) -> np.ndarray:
    """(62, 62) Gaussian kernel of scalp distance, rows of unit norm."""
    d2 = ((_POS[:, None, :] - _POS[None, :, :]) ** 2).sum(-1)
    k = np.exp(-d2 / (2 * width**2))
    return k / np.linalg.norm(k, axis=1, keepdims=True)


_SMOOTH = _smooth_kernel(0.35)


def _smooth_field(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Spatially smooth random values of unit rms, shape ``shape + (62, 5)``."""
    raw = rng.standard_normal(shape + (len(SEED_CHANNELS), 5))
    smooth = np.einsum("ij,...jb->...ib", _SMOOTH, raw)
    return smooth / smooth.std(axis=(-2, -1), keepdims=True)


def valence_arousal_effect(v: float, a: float) -> np.ndarray:
    """Return the planted effect of valence and arousal in [-1, 1]: (62, 5), DE."""
    effect = np.zeros((len(SEED_CHANNELS), 5))
    effect[_TEMPORAL, 3:5] += 0.6 * v
    effect[_POSTERIOR, 2] += -0.5 * a
    effect[_POSTERIOR, 0] += 0.5 * max(-v, 0.0)
    effect[_PREFRONTAL, 4] += 0.4 * max(-v, 0.0)
    effect[_LEFT_FRONTAL, 2] += -0.3 * v
    effect[_RIGHT_FRONTAL, 2] += 0.3 * v
    return effect


def population_effect(classes: tuple[str, ...], rng: np.random.Generator) -> np.ndarray:
    """Draw the planted effect of each class: (n_classes, 62, 5), DE (log2) units."""
    effect = np.stack([valence_arousal_effect(*VALENCE_AROUSAL[c]) for c in classes])
    return effect + CLASS_PATTERN_RMS * _smooth_field(rng, (len(classes),))


@dataclass(frozen=True)
class SubjectModel:
    """Everything that makes one synthetic subject differ from another."""

    effect: np.ndarray  # (n_classes, 62, 5) DE units
    gains: np.ndarray  # (62,) amplitude factors
    offsets: np.ndarray  # (62,) µV
    noise_uv: float
    beta: float
    alpha_hz: float
    blink_rate: float  # blinks per second
    mixing: np.ndarray  # (62, n_sources) background mixing
    alpha_mixing: np.ndarray  # (62, 2) left/right occipital alpha


def make_subject(population: np.ndarray, rng: np.random.Generator) -> SubjectModel:
    """Draw one subject: scaled population effect, own pattern, own nuisance."""
    n_ch = len(SEED_CHANNELS)
    scale = rng.uniform(*SUBJECT_SCALE)
    effect = scale * population + SUBJECT_PATTERN_RMS * _smooth_field(
        rng, (population.shape[0],)
    )
    # Background sources sit at random scalp points; each electrode sees a
    # distance-weighted mix of them (unit-norm rows keep the rms per channel).
    centres = rng.choice(n_ch, _N_SOURCES, replace=False)
    mixing = _SMOOTH[:, centres] + 0.1 * rng.standard_normal((n_ch, _N_SOURCES))
    mixing /= np.linalg.norm(mixing, axis=1, keepdims=True)
    alpha_mixing = np.column_stack(
        [_SMOOTH[:, SEED_CHANNELS.index(c)] for c in ("O1", "O2")]
    )
    alpha_mixing /= alpha_mixing.max()
    return SubjectModel(
        effect=effect,
        gains=np.exp(0.15 * rng.standard_normal(n_ch)),
        offsets=rng.uniform(-5.0, 5.0, n_ch),
        noise_uv=rng.uniform(1.0, 4.0),
        beta=rng.uniform(1.2, 2.0),
        alpha_hz=rng.uniform(9.0, 11.5),
        blink_rate=rng.uniform(0.05, 0.3),
        mixing=mixing,
        alpha_mixing=alpha_mixing,
    )


def _band_index(freqs: np.ndarray) -> np.ndarray:
    """SEED band (0-4) of each frequency, -1 outside the bands."""
    index = np.full(freqs.shape, -1)
    for b, (lo, hi) in enumerate(SEED_BANDS):
        index[(freqs >= lo) & (freqs < hi)] = b
    return index


def _unit_rms(shape: np.ndarray, n: int) -> np.ndarray:
    """Scale a one-sided amplitude response so white noise through it has unit rms."""
    power = 2 * np.sum(shape**2) - shape[0] ** 2
    return shape * np.sqrt(n / max(power, 1e-30))


def simulate(
    subject: SubjectModel,
    label: int | None,
    n_samples: int,
    sfreq: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """One stretch of synthetic EEG.

    Parameters
    ----------
    subject : SubjectModel
        From :func:`make_subject`.
    label : int | None
        Class id whose effect to plant; ``None`` for rest (no effect).
    n_samples : int
        Length in samples.
    sfreq : float
        Sampling rate in Hz (200 for preprocessed files, 1000 for raw ``.cnt``).
    rng : numpy.random.Generator

    Returns
    -------
    array of float64, shape (62, n_samples)
        Microvolts, SEED channel order.
    """
    # Simulate a length the FFT handles fast (200 * T + 1 is often prime), then cut.
    n_out = int(n_samples)
    n = next_fast_len(n_out, real=True)
    freqs = np.fft.rfftfreq(n, 1.0 / sfreq)
    lo, hi = _BAND_LIMIT_HZ
    limit = np.clip((hi - freqs) / (hi - lo), 0.0, 1.0)
    # White noise through the spectral shapes; rfft of unit white noise has
    # E|X|^2 = n, so a shape of unit one-sided rms gives unit time-domain rms.
    bg_shape = _unit_rms(limit / np.maximum(freqs, 0.5) ** (subject.beta / 2), n)
    alpha_shape = _unit_rms(np.exp(-0.5 * ((freqs - subject.alpha_hz) / 1.0) ** 2), n)
    sources = np.fft.rfft(rng.standard_normal((_N_SOURCES, n)), axis=1)
    alpha_src = np.fft.rfft(rng.standard_normal((2, n)), axis=1)
    spectrum = _BG_RMS_UV * _mix(subject.mixing, sources * bg_shape)
    alpha = _mix(subject.alpha_mixing, alpha_src * alpha_shape)
    if label is not None:
        # Clip-specific offset on top of the subject's class effect.
        delta = subject.effect[label] + TRIAL_RMS * _smooth_field(rng, ())
        band = _band_index(freqs)
        gain = np.where(band >= 0, 2.0 ** (delta[:, np.maximum(band, 0)] / 2), 1.0)
        spectrum *= gain
        alpha *= gain
    x = np.fft.irfft(spectrum, n=n, axis=1)
    # Alpha waxes and wanes: a slow log-normal envelope (changes over ~2 s).
    envelope = np.fft.irfft(np.fft.rfft(rng.standard_normal(n)) * (freqs < 0.5), n=n)
    envelope = np.exp(0.5 * envelope / max(envelope.std(), 1e-12))
    x += _ALPHA_RMS_UV * np.fft.irfft(alpha, n=n, axis=1) * envelope
    x = x * subject.gains[:, None] + subject.offsets[:, None]
    x += subject.noise_uv * rng.standard_normal(x.shape)
    x += _blinks(subject, n, sfreq, rng)
    return x[:, :n_out]


def _mix(weights: np.ndarray, spectra: np.ndarray) -> np.ndarray:
    """Real mixing of complex spectra.

    Interleaved (real, imag) pairs form one contiguous real matrix; einsum
    (no BLAS threads) because threaded BLAS on these small products took
    10-25 ms per call on a loaded 2-core machine against about 1 ms here.
    """
    flat = np.ascontiguousarray(spectra).view(np.float64)
    return np.einsum("ij,jk->ik", weights, flat).view(np.complex128)


# The eyes: in front of and below FP1 and FP2.
_EYES = _POS[[SEED_CHANNELS.index("FP1"), SEED_CHANNELS.index("FP2")]] + [
    0.0,
    0.15,
    -0.3,
]
# Blink amplitude relative to FP1/FP2 (about 0.7 at FPZ, 0.35 at AF3, 0.12 at
# F3, < 0.01 behind CZ).
_BLINK_WEIGHTS = np.exp(
    -np.linalg.norm(_POS[:, None] - _EYES[None], axis=2).min(axis=1) / 0.3
)
_BLINK_WEIGHTS /= _BLINK_WEIGHTS.max()


def _blinks(
    subject: SubjectModel, n: int, sfreq: float, rng: np.random.Generator
) -> np.ndarray:
    """Blink artifacts: positive frontal deflections decaying away from the eyes."""
    count = rng.poisson(subject.blink_rate * n / sfreq)
    if count == 0:
        return np.zeros((1, 1))
    t = np.arange(int(0.6 * sfreq)) / sfreq
    kernel = (t / 0.08) ** 2 * np.exp(-t / 0.08) / (4 * np.exp(-2))  # peak 1 at 0.16 s
    train = np.zeros(n)
    np.add.at(train, rng.integers(0, n, count), rng.uniform(60.0, 150.0, count))
    wave = np.convolve(train, kernel)[:n]
    return _BLINK_WEIGHTS[:, None] * wave[None, :]
