"""The session log's first record: what ran, on what, with which settings."""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..acquisition import StreamSummary
from .chain import LiveChain
from .model_switch import checkpoint_wearer


def session_header(
    chain: LiveChain,
    summary: StreamSummary,
    *,
    wearer: str | None,
    wearer_notes: list[str],
    synthetic: bool,
    unit_option: str,
    declared_unit: str | None,
    line_freq_option: float | str | None,
    artifacts: str,
) -> dict[str, Any]:
    """Return the fields of the ``session_start`` record.

    Parameters
    ----------
    chain : LiveChain
        The chain built for the stream (model, channel plan, resampling,
        feature settings, warnings so far).
    summary : StreamSummary
        The stream.
    wearer, wearer_notes
        Whose session, and what was said about the wearer's saved state.
    synthetic : bool
        Whether the stream says it carries synthetic data.
    unit_option, declared_unit, line_freq_option, artifacts
        The options as given, beside what the chain decided.
    """
    checkpoint = chain.checkpoint
    meta = checkpoint.meta.to_dict()
    r = chain.resampler
    return {
        "eegstream_version": __version__,
        "model": {
            "name": checkpoint.name,
            "path": str(checkpoint.path),
            "classes": list(chain.classes),
            "dataset": meta["dataset"],
            "protocol": meta["protocol"],
            "wearer": checkpoint_wearer(checkpoint),
        },
        "wearer": {"name": wearer, "notes": list(wearer_notes)},
        "stream": {
            "name": summary.name,
            "type": summary.type,
            "source_id": summary.source_id,
            "hostname": summary.hostname,
            "channel_count": summary.channel_count,
            "nominal_rate": summary.nominal_srate,
            "channel_format": summary.channel_format,
            "synthetic": synthetic,
        },
        "channels": chain.plan.to_dict(),
        "unit": {"option": unit_option, "declared": declared_unit},
        "line_freq": {
            "option": line_freq_option,
            "hz": chain.line_freq,
            "source": chain.line_freq_source,
        },
        "resampling": {
            "from_hz": r.sfreq_in,
            "to_hz": r.sfreq_out,
            "up": r.up,
            "down": r.down,
            "delay_s": r.delay_s,
        },
        "feature_config": chain.cfg.to_dict(),
        "device": chain.classifier.device,
        "artifacts": artifacts,
        "warnings": list(chain.warnings),
    }
