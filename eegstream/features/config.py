"""Feature settings: one object that names the exact features a model sees."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from .._errors import EEGStreamError
from .._records import check_keys

BAND_NAMES: tuple[str, ...] = ("delta", "theta", "alpha", "beta", "gamma")
#: Band edges in Hz of SEED-IV, SEED-V and SEED-VII (the paper's bands).
SEED_BANDS: tuple[tuple[float, float], ...] = (
    (1.0, 4.0), (4.0, 8.0), (8.0, 14.0), (14.0, 31.0), (31.0, 50.0),
)  # fmt: skip
#: The official SEED-VII extractor ends gamma at 49 Hz.
SEED_VII_BANDS: tuple[tuple[float, float], ...] = SEED_BANDS[:4] + ((31.0, 49.0),)
COMPAT_MODES = (None, "seed-vii")
SMOOTHING_MODES = ("kalman", "none")
PADDING_SIDES = ("end", "start")
#: Mains frequencies a conditioning notch accepts, in Hz.
LINE_FREQS: tuple[float, ...] = (50.0, 60.0)


@dataclass(frozen=True)
class KalmanSettings:
    """Random-walk Kalman filter settings, one independent filter per feature.

    Defaults are those of the official SEED-VII extractor's LDS smoother.

    Parameters
    ----------
    transition_cov : float
        Variance of the random-walk step between two hops (DE units squared).
    observation_cov : float
        Variance of the observation noise of one DE value.
    initial_cov : float
        Variance of the initial state.
    initial_mean : float | None
        Initial state mean. ``None`` starts from the first finite observation
        of each feature, which needs no look-ahead and so works live (the
        official smoother starts from the whole trial's mean instead).
    """

    transition_cov: float = 0.001
    observation_cov: float = 1.0
    initial_cov: float = 0.1
    initial_mean: float | None = None

    def __post_init__(self) -> None:
        # Store plain floats so that equal settings give equal JSON and hash.
        for name in (
            "transition_cov",
            "observation_cov",
            "initial_cov",
            "initial_mean",
        ):
            value = getattr(self, name)
            if value is None and name == "initial_mean":
                continue
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise EEGStreamError(
                    f"Kalman {name} must be a number, got {value!r}"
                ) from None
            object.__setattr__(self, name, value)
            if name != "initial_mean" and not value > 0:
                raise EEGStreamError(f"Kalman {name} must be > 0, got {value}")
            if not np.isfinite(value):
                raise EEGStreamError(f"Kalman {name} must be finite, got {value}")


@dataclass(frozen=True)
class ConditioningSettings:
    """Causal filters applied to the EEG before the DE (:mod:`.conditioning`).

    Butterworth high-pass (and optional low-pass) and an ``iirnotch`` at the
    line frequency and each of its harmonics below the Nyquist frequency, as
    second-order sections. The defaults are chosen for a live headset
    (``benchmarks/bench_conditioning.py``, synthetic EEG, log2 units of DE):
    a 0.5 Hz order-2 high-pass cuts the delta error of a 300 µV 0.05 Hz sway
    plus 2 µV/s drift from 0.50 to 0.006 (0.10 with the paper's 0.1 Hz edge)
    and disturbs one window more than the windows holding a 1 mV electrode
    step (0.1 Hz: five more; the paper's 0.1-70 Hz order-4 band-pass: eight),
    for a 0.05 drop of delta DE on clean EEG. No low-pass: no band reaches
    above 50 Hz. The 50 Hz notch removes the 2.0 gamma lift of a 10 µV line
    and lowers clean gamma by 0.065.

    Parameters
    ----------
    highpass_hz : float | None
        High-pass edge in Hz (-3 dB), or ``None`` for none.
    lowpass_hz : float | None
        Low-pass edge in Hz (-3 dB), or ``None`` for none; above ``highpass_hz``
        and below the Nyquist frequency.
    order : int
        Butterworth order of each of the high-pass and the low-pass (1-8).
    line_freq : float
        Mains frequency in Hz, 50 or 60; notched with its harmonics.
    notch_q : float
        Quality factor of each notch (centre / -3 dB width): 30 at 50 Hz is a
        1.7 Hz wide notch, wide enough for the grid's +-0.2 Hz.
    """

    highpass_hz: float | None = 0.5
    lowpass_hz: float | None = None
    order: int = 2
    line_freq: float = 50.0
    notch_q: float = 30.0

    def __post_init__(self) -> None:
        for name in ("highpass_hz", "lowpass_hz", "line_freq", "notch_q"):
            value = getattr(self, name)
            if value is None and name in ("highpass_hz", "lowpass_hz"):
                continue
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise EEGStreamError(
                    f"conditioning {{{name}}} must be a number, got {value!r}",
                    param=name,
                ) from None
            if not (np.isfinite(value) and value > 0):
                raise EEGStreamError(
                    f"conditioning {{{name}}} must be a finite number > 0, got {value}",
                    param=name,
                )
            object.__setattr__(self, name, value)
        if self.line_freq not in LINE_FREQS:
            raise EEGStreamError(
                f"conditioning {{line_freq}} must be 50 or 60 Hz, got "
                f"{self.line_freq:g}",
                param="line_freq",
            )
        lo, hi = self.highpass_hz, self.lowpass_hz
        if lo is not None and hi is not None and not lo < hi:
            raise EEGStreamError(
                f"conditioning edges in the wrong order: {{highpass_hz}} {lo:g} must "
                f"be below {{lowpass_hz}} {hi:g}",
                param=("highpass_hz", "lowpass_hz"),
            )
        order: Any = self.order
        if isinstance(order, float) and order.is_integer():
            order = int(order)
        if (
            not isinstance(order, (int, np.integer))
            or isinstance(order, bool)
            or not 1 <= order <= 8
        ):
            raise EEGStreamError(
                f"conditioning {{order}} must be a whole number from 1 to 8, got "
                f"{order!r}",
                param="order",
            )
        object.__setattr__(self, "order", int(order))

    def check_rate(self, sfreq: float) -> None:
        """Refuse edges at or above the Nyquist frequency of ``sfreq`` Hz data."""
        nyquist = sfreq / 2
        for name in ("highpass_hz", "lowpass_hz"):
            value = getattr(self, name)
            if value is not None and value >= nyquist:
                raise EEGStreamError(
                    f"conditioning {{{name}}} {value:g} Hz is at or above the "
                    f"Nyquist frequency of {sfreq:g} Hz data; it must be in "
                    f"(0, {nyquist:g}) Hz",
                    param=name,
                )

    def describe(self) -> str:
        """Return the filters in words: ``high-pass 0.5 Hz (order 2), notch ...``."""
        parts = [
            f"{kind} {edge:g} Hz (order {self.order})"
            for kind, edge in (
                ("high-pass", self.highpass_hz),
                ("low-pass", self.lowpass_hz),
            )
            if edge is not None
        ]
        parts.append(f"notch {self.line_freq:g} Hz and harmonics (Q {self.notch_q:g})")
        return ", ".join(parts)

    def harmonics(self, sfreq: float) -> tuple[float, ...]:
        """Line frequency and its harmonics below the Nyquist frequency, in Hz."""
        count = int(np.ceil(sfreq / 2 / self.line_freq)) - 1
        return tuple(self.line_freq * k for k in range(1, count + 1))


#: (low, high, unit) of each setting, both ends allowed.
_ASR_RANGES: dict[str, tuple[float, float, str]] = {
    "cutoff": (1.0, 100.0, "SD"),
    "block_seconds": (0.1, 2.0, "s"),
    "window_seconds": (0.1, 2.0, "s"),
    "memory_seconds": (0.1, 10.0, "s"),
    "max_bad_channels": (0.01, 0.5, "(fraction of channels)"),
    "min_clean_seconds": (10.0, 600.0, "s"),
    "lead_in_seconds": (10.0, 1800.0, "s"),
    "fit_grace_seconds": (0.0, 60.0, "s"),
}


@dataclass(frozen=True)
class ASRSettings:
    """Settings of :class:`StreamingASR`; they travel in the checkpoint.

    Parameters
    ----------
    cutoff : float
        A component whose variance lies more than this many standard
        deviations above the calibration data's is reconstructed (1-100 SD).
        20 is EEGLAB clean_rawdata's default (``BurstCriterion``), within the
        10-100 that Chang et al. (2020) found to keep brain activity and
        remove large artifacts; 5 (meegkit's default) is aggressive.
    block_seconds : float
        Length of the blocks the stream is processed in (0.1-2 s): the
        reconstruction is updated once per block and blended over it with a
        raised cosine. Also the most a sample waits before it comes out.
    window_seconds : float
        Length of the windows the calibration data is judged and the
        thresholds are estimated in (0.1-2 s; meegkit's ``win_len``).
    memory_seconds : float
        How far back the stream's covariance is taken from (0.1-10 s), as a
        weighted geometric median of the blocks' covariances with recency
        weights from 1 down to 0.05. The default, one block, takes each
        block's own: with 0.5 s blocks meegkit's 2 s default gives the same
        output (2.9e-9 µV apart on PhysioNet R03), since the newest block's
        weight (1) exceeds the three older ones' (0.80) and so is their
        weighted geometric median, but finding it by iteration took 6.2 ms
        per second of EEG against 1.2 ms (``benchmarks/bench_asr.py``).
    max_bad_channels : float
        A calibration window with more than this fraction of channels of
        abnormal power is not clean (0.01-0.5; meegkit's default 0.3).
    min_clean_seconds : float
        Clean calibration EEG needed to fit (10-600 s); meegkit asks for
        30 s at least, one minute or more being typical.
    lead_in_seconds : float
        How much of a session's start the live chain gives to :meth:`fit`
        to find the clean seconds in (10-1800 s, at least
        ``min_clean_seconds``).
    fit_grace_seconds : float
        Seconds after the lead-in at which cleaning starts (0-60 s). The
        fit runs in a child process meanwhile (seconds for a minute of 62
        channels on the 2-core machine, ``docs/asr.md``), so no step
        waits for it; a fixed sample, not the fit's end, starts the cleaning,
        so that offline and live outputs are the same.
    """

    cutoff: float = 20.0
    block_seconds: float = 0.5
    window_seconds: float = 0.5
    memory_seconds: float = 0.5
    max_bad_channels: float = 0.3
    min_clean_seconds: float = 30.0
    lead_in_seconds: float = 60.0
    fit_grace_seconds: float = 10.0

    def __post_init__(self) -> None:
        for name, (low, high, unit) in _ASR_RANGES.items():
            value: Any = getattr(self, name)
            number = (
                isinstance(value, int | float | np.integer | np.floating)
                and not isinstance(value, bool)
                and low <= float(value) <= high
            )
            if not number:
                raise EEGStreamError(
                    f"ASR {{{name}}} must be a number from {low:g} to {high:g} "
                    f"{unit}, got {value!r}",
                    param=name,
                )
            object.__setattr__(self, name, float(value))
        if self.lead_in_seconds < self.min_clean_seconds:
            raise EEGStreamError(
                f"ASR {{lead_in_seconds}} {self.lead_in_seconds:g} s must be at "
                f"least {{min_clean_seconds}} {self.min_clean_seconds:g} s",
                param=("lead_in_seconds", "min_clean_seconds"),
            )

    def to_dict(self) -> dict[str, float]:
        """Plain JSON-able dict of every setting."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ASRSettings:
        """Rebuild from :meth:`to_dict` output; unknown keys are an error."""
        settings: ASRSettings = _settings_from_dict(cls, data)
        return settings


@dataclass(frozen=True)
class FeatureConfig:
    """Everything that defines the differential-entropy feature stream.

    Parameters
    ----------
    sfreq : float
        Sampling rate of the EEG the features are computed from, in Hz (SEED: 200).
    bands : tuple of (float, float)
        Band edges in Hz, low to high. A band holds the FFT bins with
        ``low <= f < high``.
    window_s : float
        Length of one analysis window in seconds.
    hop_s : float
        Step between consecutive windows in seconds (live default 1 s; the
        official features use 4 s).
    n_fft : int | None
        FFT length in samples; ``None`` means the window length. Shorter than
        the window truncates it (the SEED-VII quirk), longer zero-pads.
    compat : None | "seed-vii"
        ``"seed-vii"`` reproduces the official SEED-VII extractor: 256-point FFT
        of the first 1.28 s of each 4 s window, gamma 31-49 Hz, band bins shifted
        one bin down as MATLAB-style indexing left them.
    smoothing : "kalman" | "none"
        Causal Kalman smoothing of each feature over hops, or none.
    kalman : KalmanSettings
        Settings of the Kalman filter.
    conditioning : ConditioningSettings | None
        Causal filters applied to the EEG before the DE, or ``None`` for none
        (raw EEG, as every setting saved before conditioning existed: a dict
        without the key loads as ``None``, and ``None`` is left out of
        :meth:`to_dict`, so those settings keep their hash).
    seq_len : int
        Steps in the sequence the classifier sees.
    padding : "end" | "start"
        Where zero steps go while fewer than ``seq_len`` steps exist (the paper
        pads at the end).
    asr : ASRSettings | None
        Artifact subspace reconstruction after the conditioning, or ``None``
        for none (the default, left out of :meth:`to_dict` so that settings
        saved before it existed keep their hash). ``True`` means the default
        :class:`ASRSettings`. It needs the conditioning's high-pass, and its
        blocks must divide the hop.
    """

    sfreq: float = 200.0
    bands: tuple[tuple[float, float], ...] = SEED_BANDS
    window_s: float = 4.0
    hop_s: float = 1.0
    n_fft: int | None = None
    compat: str | None = None
    smoothing: str = "kalman"
    kalman: KalmanSettings = field(default_factory=KalmanSettings)
    conditioning: ConditioningSettings | None = field(
        default_factory=ConditioningSettings
    )
    seq_len: int = 60
    padding: str = "end"
    asr: ASRSettings | None = None

    def __post_init__(self) -> None:
        # Plain floats and ints, so that equal settings give equal JSON and hash
        # (window_s=4 and window_s=4.0 are the same features).
        try:
            bands = tuple((float(lo), float(hi)) for lo, hi in self.bands)
            for name in ("sfreq", "window_s", "hop_s"):
                object.__setattr__(self, name, float(getattr(self, name)))
        except (TypeError, ValueError):
            raise EEGStreamError(
                "sfreq, window_s, hop_s must be numbers and bands (low, high) pairs "
                f"in Hz, got "
                f"sfreq={self.sfreq!r}, window_s={self.window_s!r}, "
                f"hop_s={self.hop_s!r}, bands={self.bands!r}"
            ) from None
        object.__setattr__(self, "bands", bands)
        if isinstance(self.kalman, dict):
            object.__setattr__(
                self, "kalman", _settings_from_dict(KalmanSettings, self.kalman)
            )
        if not isinstance(self.kalman, KalmanSettings):
            raise EEGStreamError(
                f"kalman must be KalmanSettings or a dict, got {self.kalman!r}"
            )
        if isinstance(self.conditioning, dict):
            object.__setattr__(
                self,
                "conditioning",
                _settings_from_dict(ConditioningSettings, self.conditioning),
            )
        if not isinstance(self.conditioning, (ConditioningSettings, type(None))):
            raise EEGStreamError(
                "conditioning must be ConditioningSettings, a dict or None, got "
                f"{self.conditioning!r}"
            )
        for name in ("n_fft", "seq_len"):
            value = getattr(self, name)
            if value is None or isinstance(value, bool):
                continue
            if isinstance(value, (int, np.integer)) or (
                isinstance(value, float) and value.is_integer()
            ):
                object.__setattr__(self, name, int(value))
        if self.compat not in COMPAT_MODES:
            raise EEGStreamError(
                f"compat must be one of {COMPAT_MODES}, got {self.compat!r}"
            )
        if self.compat == "seed-vii":
            if self.bands == SEED_BANDS:
                object.__setattr__(self, "bands", SEED_VII_BANDS)
            if self.n_fft is None:
                object.__setattr__(self, "n_fft", 256)
        if self.smoothing not in SMOOTHING_MODES:
            raise EEGStreamError(
                f"smoothing must be one of {SMOOTHING_MODES}, got {self.smoothing!r}"
            )
        if self.padding not in PADDING_SIDES:
            raise EEGStreamError(
                f"padding must be one of {PADDING_SIDES}, got {self.padding!r}"
            )
        if not (self.sfreq > 0 and np.isfinite(self.sfreq)):
            raise EEGStreamError(f"sfreq must be > 0 Hz, got {self.sfreq}")
        for name in ("window_s", "hop_s"):
            seconds = getattr(self, name)
            samples = seconds * self.sfreq
            if (
                not (seconds > 0 and np.isfinite(samples))
                or abs(samples - round(samples)) > 1e-9
            ):
                raise EEGStreamError(
                    f"{name} must be a positive whole number of samples at "
                    f"{self.sfreq:g} Hz, got {seconds} s"
                )
        if self.conditioning is not None:
            self.conditioning.check_rate(self.sfreq)
        self._check_asr()
        if self.n_fft is not None and self.n_fft < 2:
            raise EEGStreamError(f"n_fft must be >= 2 samples, got {self.n_fft}")
        if not self.bands:
            raise EEGStreamError("bands must hold at least one (low, high) pair in Hz")
        nyquist = self.sfreq / 2
        for lo, hi in self.bands:
            if not 0 <= lo < hi:
                raise EEGStreamError(f"band ({lo}, {hi}) Hz must have 0 <= low < high")
            if hi > nyquist:
                raise EEGStreamError(
                    f"band ({lo:g}, {hi:g}) Hz reaches above the Nyquist frequency "
                    f"{nyquist:g} Hz of {self.sfreq:g} Hz data"
                )
        if self.n_fft is not None and not isinstance(self.n_fft, int):
            raise EEGStreamError(
                f"n_fft must be a whole number of samples, got {self.n_fft!r}"
            )
        if not (
            isinstance(self.seq_len, int)
            and not isinstance(self.seq_len, bool)
            and self.seq_len >= 1
        ):
            raise EEGStreamError(
                f"seq_len must be a positive integer, got {self.seq_len!r}"
            )

    def _check_asr(self) -> None:
        """Turn ``asr`` into settings or None; refuse what ASR cannot run on."""
        asr: Any = self.asr
        if isinstance(asr, bool):
            asr = ASRSettings() if asr else None
        elif isinstance(asr, dict):
            asr = ASRSettings.from_dict(asr)
        if not isinstance(asr, (ASRSettings, type(None))):
            raise EEGStreamError(
                f"asr must be ASRSettings, a dict, True or None, got {asr!r}"
            )
        object.__setattr__(self, "asr", asr)
        if asr is None:
            return
        if self.conditioning is None or self.conditioning.highpass_hz is None:
            raise EEGStreamError(
                "--asr needs zero-mean EEG: keep the conditioning's high-pass "
                "(drop --no-conditioning or --highpass none)",
                param="asr",
            )
        block = asr.block_seconds * self.sfreq
        hop = self.hop_s * self.sfreq
        if abs(block - round(block)) > 1e-9 or round(hop) % round(block):
            raise EEGStreamError(
                f"ASR {{block_seconds}} {asr.block_seconds:g} s must be a whole "
                f"number of samples at {self.sfreq:g} Hz that divides the "
                f"{self.hop_s:g} s hop (e.g. 0.5 s for a 1 s hop)",
                param="block_seconds",
            )

    @property
    def window(self) -> int:
        """Window length in samples."""
        return round(self.window_s * self.sfreq)

    @property
    def hop(self) -> int:
        """Hop in samples."""
        return round(self.hop_s * self.sfreq)

    @property
    def fft_length(self) -> int:
        """FFT length in samples actually used."""
        return self.n_fft if self.n_fft is not None else self.window

    @property
    def band_names(self) -> tuple[str, ...]:
        """Names of the bands (delta ... gamma for the 5 SEED bands)."""
        if len(self.bands) == len(BAND_NAMES):
            return BAND_NAMES
        return tuple(f"{lo:g}-{hi:g}Hz" for lo, hi in self.bands)

    def replace(self, **changes: Any) -> FeatureConfig:
        """Return a copy with some settings changed (validated again)."""
        return replace(self, **changes)

    def with_asr(self, asr: bool | ASRSettings | None) -> FeatureConfig:
        """Return these settings with ASR as ``--asr``/``--no-asr`` ask.

        Parameters
        ----------
        asr : bool | ASRSettings | None
            ``None``: as they are; ``True``: on (these settings' ASR, else
            the defaults); ``False``: off; or these ASR settings.
        """
        if asr is None or (asr is True and self.asr is not None):
            return self
        return self.replace(asr=(ASRSettings() if asr is True else asr) or None)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict of every setting."""
        out = asdict(self)
        out["bands"] = [list(b) for b in self.bands]
        if self.conditioning is None:
            del out["conditioning"]  # as written before conditioning existed
        if self.asr is None:
            del out["asr"]  # as written before ASR existed
        return out

    def to_json(self) -> str:
        """Canonical JSON (sorted keys), the input of :meth:`hash`."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureConfig:
        """Rebuild from :meth:`to_dict` output; unknown keys are an error.

        A dict without ``conditioning`` (saved before it existed) means none.
        """
        check_keys(cls, data, "feature settings")
        data = {"conditioning": None, **data}
        if "bands" in data:
            data["bands"] = tuple(tuple(b) for b in data["bands"])
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> FeatureConfig:
        """Rebuild from :meth:`to_json` output."""
        return cls.from_dict(json.loads(text))

    def hash(self) -> str:
        """Stable 12-hex-digit digest of the settings, for cache and file names."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:12]


def _settings_from_dict(cls: type, data: dict[str, Any]) -> Any:
    """Build a settings dataclass from a dict, naming unknown keys (no TypeError)."""
    check_keys(cls, data, f"{cls.__name__} keys")
    return cls(**data)
