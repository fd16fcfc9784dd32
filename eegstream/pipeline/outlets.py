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
  ``DE (log2 of 100 x power in uV^2)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pylsl

from ..protocol import bandpower_name, probabilities_name

DE_UNIT = "DE (log2 of 100 x power in uV^2)"


def _info(
    name: str, kind: str, source_id: str, labels: Sequence[str], unit: str, about: str
) -> pylsl.StreamInfo:
    info = pylsl.StreamInfo(
        name, kind, len(labels), pylsl.IRREGULAR_RATE, pylsl.cf_float32, source_id
    )
    info.set_channel_labels(list(labels))
    info.set_channel_units(unit)
    info.desc().append_child_value("manufacturer", "eegstream")
    info.desc().append_child_value("about", about)
    return info


class ResultOutlets:
    """The probability and band-power outlets of one pipeline.

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
    """

    def __init__(
        self,
        stream_name: str,
        source_id: str,
        classes: Sequence[str],
        band_names: Sequence[str],
        model_name: str,
    ) -> None:
        base_id = source_id or stream_name
        self.probabilities = pylsl.StreamOutlet(
            _info(
                probabilities_name(stream_name),
                "Probabilities",
                probabilities_name(base_id),
                classes,
                "probability",
                f"class probabilities of model {model_name}",
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
            )
        )
        self._probs = np.zeros(len(classes), dtype=np.float32)
        self._bands = np.zeros(len(band_names), dtype=np.float32)

    def push(
        self, probabilities: np.ndarray, band_power: np.ndarray, timestamp: float
    ) -> None:
        """Push one hop: probabilities (n_classes,) and band means (n_bands,)."""
        self._probs[:] = probabilities
        self._bands[:] = band_power
        self.probabilities.push_sample(self._probs, timestamp)
        self.band_power.push_sample(self._bands, timestamp)

    def close(self) -> None:
        """Withdraw both streams."""
        self.probabilities = self.band_power = None
