"""The held probability outlet: what the gauge shows, for a stimulus program.

``<eeg name>-probabilities-held`` (type ``Probabilities``, source_id
``<eeg source_id>-probabilities-held``) carries, every hop, the reading the
``--artifacts`` policy shows (:class:`~eegstream.quality.ShownReading`): the
step's own probabilities, or under ``hold`` the last clean ones while the
signal is contaminated. Same channels, unit and stamps as
``<eeg name>-probabilities``, which keeps publishing every step unchanged, so
a consumer switches by name and nothing is lost.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pylsl

from ..protocol import held_name


class HeldOutlet:
    """One irregular-rate float32 outlet of the shown probabilities.

    Parameters
    ----------
    stream_name, source_id : str
        The EEG stream's name and source_id.
    classes : sequence of str
        Class names in the model's order (the channel labels).
    policy : str
        The ``--artifacts`` policy, written into the description.
    """

    def __init__(
        self, stream_name: str, source_id: str, classes: Sequence[str], policy: str
    ) -> None:
        info = pylsl.StreamInfo(
            held_name(stream_name),
            "Probabilities",
            len(classes),
            pylsl.IRREGULAR_RATE,
            pylsl.cf_float32,
            held_name(source_id or stream_name),
        )
        info.set_channel_labels(list(classes))
        info.set_channel_units("probability")
        info.desc().append_child_value("manufacturer", "eegstream")
        info.desc().append_child_value("artifacts", policy)
        info.desc().append_child_value(
            "about", "class probabilities as shown: the last clean ones while held"
        )
        self.outlet: pylsl.StreamOutlet | None = pylsl.StreamOutlet(info)
        self._probs = np.zeros(len(classes), dtype=np.float32)

    def push(self, probabilities: np.ndarray, timestamp: float) -> None:
        """Push the shown probabilities (n_classes,) of the step at ``timestamp``."""
        if self.outlet is not None:
            self._probs[:] = probabilities
            self.outlet.push_sample(self._probs, timestamp)

    def close(self) -> None:
        """Withdraw the stream."""
        self.outlet = None
