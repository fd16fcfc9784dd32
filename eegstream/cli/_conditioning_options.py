"""Conditioning options shared by the commands that compute features offline."""

from __future__ import annotations

import argparse
from typing import Any

# Option -> ConditioningSettings field. The defaults stay the settings' own
# (options not given are left out), so the parser needs no import of
# eegstream.features (scipy.signal: over a second of CLI start-up).
_FIELDS = {
    "highpass": "highpass_hz",
    "lowpass": "lowpass_hz",
    "filter_order": "order",
    "line_freq": "line_freq",
}


def add_conditioning_options(parser: argparse.ArgumentParser) -> None:
    """Add --highpass, --lowpass, --filter-order, --line-freq, --no-conditioning."""
    group = parser.add_argument_group(
        "signal conditioning (causal filters before the DE, stored with the "
        "feature settings; defaults: high-pass 0.5 Hz, order 2, no low-pass, "
        "50 Hz notch)"
    )
    unset = argparse.SUPPRESS
    group.add_argument(
        "--highpass",
        type=_hz_or_none,
        default=unset,
        metavar="HZ",
        help="high-pass edge in Hz, or 'none'",
    )
    group.add_argument(
        "--lowpass",
        type=_hz_or_none,
        default=unset,
        metavar="HZ",
        help="low-pass edge in Hz, or 'none'",
    )
    group.add_argument(
        "--filter-order",
        type=int,
        default=unset,
        metavar="N",
        help="Butterworth order of the high- and low-pass, 1-8",
    )
    group.add_argument(
        "--line-freq",
        type=float,
        default=unset,
        metavar="{50,60}",
        help="mains frequency in Hz, notched with its harmonics below Nyquist",
    )
    group.add_argument(
        "--no-conditioning",
        action="store_true",
        help="no filtering: the DE of the EEG as it is (e.g. to reproduce a "
        "release's features from its preprocessed EEG)",
    )


def conditioning_from_args(args: argparse.Namespace) -> Any:
    """Return the ConditioningSettings the options ask for, or None (off)."""
    from .._errors import EEGStreamError
    from ..features import ConditioningSettings

    given = {f: getattr(args, o) for o, f in _FIELDS.items() if hasattr(args, o)}
    if args.no_conditioning:
        if given:
            raise EEGStreamError(
                "--no-conditioning turns filtering off; drop "
                + ", ".join(
                    "--" + o.replace("_", "-") for o in _FIELDS if hasattr(args, o)
                )
            )
        return None
    return ConditioningSettings(**given)


def _hz_or_none(text: str) -> float | None:
    return None if text.lower() == "none" else float(text)
