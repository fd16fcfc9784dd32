"""The feature settings' command-line options (stored with the features)."""

from __future__ import annotations

from typing import Any

from .._options import Option
from .config import COMPAT_MODES, SMOOTHING_MODES, ConditioningSettings, FeatureConfig

_FEATURES = FeatureConfig()
_CONDITIONING = ConditioningSettings()

#: What ``--line-freq`` is in every command (run, live, check, train,
#: features, export); each help goes on with what the command does with it.
LINE_FREQ_HELP = (
    "mains frequency in Hz where the EEG was recorded: 50 (Europe, Asia) or 60 "
    "(Americas)"
)


def line_freq_value(text: str | None) -> float | str | None:
    """Read ``--line-freq`` of a command that runs a model (run, live, check).

    Returns 50.0 or 60.0, ``"auto"``, or None (not given: the model's), as
    :class:`~eegstream.pipeline.LiveChain` takes ``line_freq``.
    """
    return float(text) if text in ("50", "60") else text


def _hz_or_none(text: str) -> float | None:
    """Read a frequency in Hz, or ``"none"`` for None."""
    return None if text.lower() == "none" else float(text)


_COND_GROUP = (
    "signal conditioning (causal filters before the DE, stored with the feature "
    "settings)"
)


def _conditioning(flag: str, field: str, help: str, **kw: Any) -> Option:  # noqa: A002
    """Make the option of a ConditioningSettings field, its dest and default."""
    return Option(
        flag,
        help,
        attr=f"feature_config.conditioning.{field}",
        dest=field,
        default=getattr(_CONDITIONING, field),
        group=_COND_GROUP,
        **kw,
    )


#: The filters before the DE (:class:`~eegstream.features.ConditioningSettings`);
#: each ``dest`` is the settings' field, so its errors name the flag.
CONDITIONING_OPTIONS: tuple[Option, ...] = (
    _conditioning(
        "--highpass",
        "highpass_hz",
        "high-pass edge in Hz, or 'none'",
        type=_hz_or_none,
        metavar="HZ",
    ),
    _conditioning(
        "--lowpass",
        "lowpass_hz",
        "low-pass edge in Hz, or 'none'",
        type=_hz_or_none,
        metavar="HZ",
    ),
    _conditioning(
        "--filter-order",
        "order",
        "Butterworth order of the high- and low-pass, 1-8",
        type=int,
        metavar="N",
    ),
    _conditioning(
        "--line-freq",
        "line_freq",
        f"{LINE_FREQ_HELP}, notched with its harmonics below Nyquist",
        type=float,
        metavar="{50,60}",
    ),
    Option(
        "--no-conditioning",
        "no filtering: the DE of the EEG as it is (e.g. to reproduce a "
        "release's features from its preprocessed EEG)",
        attr="feature_config.conditioning",
        action="store_true",
        group=_COND_GROUP,
        none_flag=True,
    ),
)

#: The feature settings a user may change (the rest follow the checkpoint).
FEATURE_OPTIONS: tuple[Option, ...] = (
    Option(
        "--window",
        "DE window in seconds",
        attr="feature_config.window_s",
        type=float,
        default=_FEATURES.window_s,
    ),
    Option(
        "--hop",
        "step between windows in seconds",
        attr="feature_config.hop_s",
        type=float,
        default=_FEATURES.hop_s,
    ),
    Option(
        "--smoothing",
        "causal Kalman smoothing of each feature over windows, or none",
        attr="feature_config.smoothing",
        default=_FEATURES.smoothing,
        choices=SMOOTHING_MODES,
    ),
    Option(
        "--compat",
        "reproduce the official SEED-VII extractor (256-point FFT of each "
        "window's first 1.28 s, gamma 31-49 Hz) instead of the standard DE",
        attr="feature_config.compat",
        default=_FEATURES.compat,
        choices=COMPAT_MODES,
    ),
    *CONDITIONING_OPTIONS,
    Option(
        "--asr",
        "artifact subspace reconstruction after the filters (needs the asr "
        "extra): fitted on each recording's first minute, cleaning from 10 s "
        "later, as live; stored with the feature settings (docs/asr.md)",
        attr="feature_config.asr",
        action="store_true",
        group=_COND_GROUP,
    ),
)
