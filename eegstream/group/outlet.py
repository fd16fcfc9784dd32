"""The group outlet: every wearer's probabilities of a tick in one LSL sample.

``<name>`` (type ``GroupProbabilities``, source_id ``<name>``), irregular rate,
float32: for each wearer (in the session's order) one channel per class,
labelled ``<wearer>:<class>``, then one ``<wearer>:dt`` per wearer. A tick
(:mod:`eegstream.group.session`) is published as one sample per set of its
steps that lie within ``span_s`` of LSL time (one step per wearer; a stream
catching up after a gap gives steps of other times): stamped with their
median LSL time, ``dt`` is each wearer's step time minus that stamp in
seconds; a wearer without a step in the sample has NaN throughout.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pylsl

#: The group outlet's type.
GROUP_TYPE = "GroupProbabilities"


def group_labels(wearers: Sequence[str], classes: Sequence[str]) -> list[str]:
    """Channel labels: ``<wearer>:<class>`` for every wearer, then ``<wearer>:dt``."""
    return [f"{w}:{c}" for w in wearers for c in classes] + [f"{w}:dt" for w in wearers]


class GroupOutlet:
    """Publish per tick every wearer's probabilities, aligned on LSL time.

    Parameters
    ----------
    name : str
        Stream name and source_id.
    wearers : sequence of str
        The wearers with a slot, in channel order.
    classes : sequence of str
        The model's classes (every wearer's model has them).
    span_s : float
        The most LSL time, in seconds, between the steps of one sample (the
        model's hop, 1 s by default).
    """

    def __init__(
        self,
        name: str,
        wearers: Sequence[str],
        classes: Sequence[str],
        span_s: float = 1.0,
    ) -> None:
        self.span_s = float(span_s)
        self.wearers = tuple(wearers)
        self.n_classes = len(classes)
        labels = group_labels(self.wearers, classes)
        info = pylsl.StreamInfo(
            name, GROUP_TYPE, len(labels), pylsl.IRREGULAR_RATE, pylsl.cf_float32, name
        )
        info.set_channel_labels(labels)
        info.set_channel_units(
            ["probability"] * (len(labels) - len(self.wearers))
            + ["s"] * len(self.wearers)
        )
        info.desc().append_child_value("manufacturer", "eegstream")
        self.outlet: pylsl.StreamOutlet | None = pylsl.StreamOutlet(info)
        self._slot = {w: i for i, w in enumerate(self.wearers)}

    def push(self, steps: Sequence[tuple[str, float, np.ndarray]]) -> list[float]:
        """Publish one tick.

        Parameters
        ----------
        steps : sequence of (wearer, timestamp, probabilities)
            The tick's steps (LSL seconds; array of shape (n_classes,)).
            Wearers without a slot are left out.

        Returns
        -------
        list of float
            The LSL time of each sample published, oldest first.
        """
        mine = sorted((s for s in steps if s[0] in self._slot), key=lambda s: s[1])
        aligned: list[list[tuple[str, float, np.ndarray]]] = []
        for step in mine:
            last = aligned[-1] if aligned else None
            if (
                last is None
                or step[1] - last[0][1] > self.span_s
                or any(w == step[0] for w, _, _ in last)
            ):
                aligned.append([step])
            else:
                last.append(step)
        return [self._push_aligned(group) for group in aligned]

    def _push_aligned(self, mine: list[tuple[str, float, np.ndarray]]) -> float:
        stamp = float(np.median([t for _, t, _ in mine]))
        row = np.full(len(self.wearers) * (self.n_classes + 1), np.nan, np.float32)
        offset = len(self.wearers) * self.n_classes
        for wearer, t, probs in mine:
            i = self._slot[wearer]
            row[i * self.n_classes : (i + 1) * self.n_classes] = probs
            row[offset + i] = t - stamp
        if self.outlet is not None:
            self.outlet.push_sample(row, stamp)
        return stamp

    def close(self) -> None:
        """Withdraw the stream."""
        self.outlet = None
