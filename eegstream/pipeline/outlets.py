"""LSL outlets of the pipeline's results: class probabilities and band power.

Both are irregular-rate float32 streams (one sample per hop, stamped with the
LSL time of the window's last sample, so a consumer can align them with the
EEG). Names follow :mod:`eegstream.protocol` for derived streams:

- ``<eeg name>-probabilities``, type ``Probabilities``, source_id
  ``<eeg source_id>-probabilities``: one channel per class, labelled with the
  class name, unit ``probability``;
- ``<eeg name>-bandpower``, type ``BandPower``, source_id
  ``<eeg source_id>-bandpower``: one channel per band (delta..gamma),
  the mean DE over the stream's own (not interpolated) SEED channels, unit
  ``DE (log2 of 100 x power in uV^2)``;
- ``<eeg name>-quality``, type ``Quality``, source_id
  ``<eeg source_id>-quality`` (:func:`quality_row`): one channel per model
  channel, labelled with its SEED name (0 ok, 1 bad and interpolated, 2
  missing and interpolated), one per artifact kind (``muscle``,
  ``movement``, ``eye``: 0 or 1), and ``reliable`` (1, or 0 when more channels
  are missing or bad than the model allows); a stimulus program pauses a
  trial on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pylsl

from ..protocol import (
    DESC_MARKERS,
    DESC_MODEL,
    DESC_SYNTHETIC,
    DESC_WEARER,
    bandpower_name,
    probabilities_name,
    quality_name,
)
from ..quality import ARTIFACT_KINDS, StepQuality
from .channels import ChannelPlan

if TYPE_CHECKING:
    from .chain import LiveChain

DE_UNIT = "DE (log2 of 100 x power in uV^2)"
#: Values of a channel's state on the quality outlet.
CHANNEL_OK, CHANNEL_BAD, CHANNEL_MISSING = 0, 1, 2
#: Unit of the quality outlet's channel states, and of its 0/1 flags.
STATE_UNIT = "state (0 ok, 1 bad interpolated, 2 missing interpolated)"
FLAG_UNIT = "flag (0 no, 1 yes)"


def quality_labels(channels: Sequence[str]) -> list[str]:
    """Channel labels of the quality outlet: model channels, artifacts, reliable."""
    return [*channels, *ARTIFACT_KINDS, "reliable"]


def quality_row(quality: StepQuality | None, plan: ChannelPlan) -> np.ndarray:
    """One sample of the quality outlet for a step.

    Parameters
    ----------
    quality : StepQuality | None
        The step's (``None`` with the checks off: the missing channels only,
        no flags, reliable).
    plan : ChannelPlan
        The chain's plan (its model channels and the missing ones).

    Returns
    -------
    array of float32, shape (n_model_channels + len(ARTIFACT_KINDS) + 1,)
        In :func:`quality_labels` order.
    """
    channels = plan.channels
    row = np.zeros(len(channels) + len(ARTIFACT_KINDS) + 1, dtype=np.float32)
    row[plan.missing_index] = CHANNEL_MISSING
    if quality is None:
        row[-1] = 1.0
        return row
    index = {name: i for i, name in enumerate(channels)}
    for bad in quality.bad:
        if bad.name in index:  # a support channel is no model channel
            row[index[bad.name]] = CHANNEL_BAD
    for k, kind in enumerate(ARTIFACT_KINDS):
        row[len(channels) + k] = quality.flagged(kind)
    row[-1] = quality.reliable
    return row


def _info(
    name: str,
    kind: str,
    source_id: str,
    labels: Sequence[str],
    unit: str | list[str],
    about: str,
    identity: dict[str, str],
) -> pylsl.StreamInfo:
    info = pylsl.StreamInfo(
        name, kind, len(labels), pylsl.IRREGULAR_RATE, pylsl.cf_float32, source_id
    )
    info.set_channel_labels(list(labels))
    info.set_channel_units(unit)
    info.desc().append_child_value("manufacturer", "eegstream")
    info.desc().append_child_value("about", about)
    for key, value in identity.items():
        info.desc().append_child_value(key, value)
    return info


class ResultOutlets:
    """The probability, band-power and (optional) quality outlets of one pipeline.

    Parameters
    ----------
    stream_name, source_id : str
        The EEG stream's name and source_id (the outlets' names derive from them).
    classes : sequence of str
        Class names in the model's order.
    band_names : sequence of str
        Band names (``delta``..``gamma``).
    model_name : str
        Written into the streams' descriptions.
    channels : sequence of str | None
        The model's channels: opens the quality outlet
        (:meth:`push_quality`); ``None``: none.
    wearer : str | None
        Whose session it is, written into the descriptions (a web view shows it).
    synthetic : bool
        Whether the EEG is synthetic (the EEG stream's ``synthetic`` key, copied).
    markers : str | None
        The marker stream with the truth, when it is not ``<stream_name>-markers``
        (a group session's wearer: the room's), written into the descriptions.
    """

    def __init__(
        self,
        stream_name: str,
        source_id: str,
        classes: Sequence[str],
        band_names: Sequence[str],
        model_name: str,
        channels: Sequence[str] | None = None,
        wearer: str | None = None,
        synthetic: bool = False,
        markers: str | None = None,
    ) -> None:
        base_id = source_id or stream_name
        identity = {
            DESC_MODEL: model_name,
            DESC_WEARER: wearer or "",
            DESC_SYNTHETIC: "true" if synthetic else "false",
        }
        if markers:
            identity[DESC_MARKERS] = markers
        self.probabilities = pylsl.StreamOutlet(
            _info(
                probabilities_name(stream_name),
                "Probabilities",
                probabilities_name(base_id),
                classes,
                "probability",
                f"class probabilities of model {model_name}",
                identity,
            )
        )
        self.band_power = pylsl.StreamOutlet(
            _info(
                bandpower_name(stream_name),
                "BandPower",
                bandpower_name(base_id),
                band_names,
                DE_UNIT,
                f"mean band DE over channels, model {model_name}",
                identity,
            )
        )
        self.quality: pylsl.StreamOutlet | None = None
        if channels is not None:
            labels = quality_labels(channels)
            n_flags = len(labels) - len(channels)
            self.quality = pylsl.StreamOutlet(
                _info(
                    quality_name(stream_name),
                    "Quality",
                    quality_name(base_id),
                    labels,
                    [STATE_UNIT] * len(channels) + [FLAG_UNIT] * n_flags,
                    f"signal quality per step, model {model_name}",
                    identity,
                )
            )
        self._probs = np.zeros(len(classes), dtype=np.float32)
        self._bands = np.zeros(len(band_names), dtype=np.float32)

    @classmethod
    def of_chain(
        cls, chain: LiveChain, stream_name: str, source_id: str, **identity: Any
    ) -> ResultOutlets:
        """Open the outlets of ``chain``'s results: its classes, bands, model, channels.

        ``identity``: ``wearer``, ``synthetic`` and ``markers``, as for the class.
        """
        return cls(
            stream_name,
            source_id,
            chain.classes,
            chain.cfg.band_names,
            chain.checkpoint.name,
            channels=chain.plan.channels,
            **identity,
        )

    def push(
        self, probabilities: np.ndarray, band_power: np.ndarray, timestamp: float
    ) -> None:
        """Push one hop: probabilities (n_classes,) and band means (n_bands,)."""
        self._probs[:] = probabilities
        self._bands[:] = band_power
        self.probabilities.push_sample(self._probs, timestamp)
        self.band_power.push_sample(self._bands, timestamp)

    def push_quality(self, row: np.ndarray, timestamp: float) -> None:
        """Push one hop's :func:`quality_row`, stamped like the probabilities."""
        if self.quality is not None:
            self.quality.push_sample(row, timestamp)

    def close(self) -> None:
        """Withdraw the streams."""
        self.probabilities = self.band_power = self.quality = None
