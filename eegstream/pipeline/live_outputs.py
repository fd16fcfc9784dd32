"""Where each step of a live pipeline goes: outlets, subscribers, the session log.

The outlets and the log open once the stream is checked
(:meth:`OutputsMixin._open_outputs`); then every step the chain returns is
labelled from the markers, judged by the artifact policy and handed out
(:meth:`OutputsMixin._emit`): the probability, band-power, quality and held
outlets, the subscribers' queues (the oldest result dropped when one is
full), :class:`~eegstream.pipeline.SessionStats` and a ``step`` record.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import time

import numpy as np

from .. import _realtime
from ..acquisition import StreamSummary
from .chain import LiveChain
from .held_outlet import HeldOutlet
from .live_base import PipelineBase
from .outlets import ResultOutlets, quality_row
from .results import StepResult
from .session_header import session_header
from .session_log import SessionLog

logger = logging.getLogger(__name__)


class OutputsMixin(PipelineBase):
    """Open the outputs of :class:`~eegstream.pipeline.LivePipeline`; emit steps."""

    def _open_held_outlet(self, summary: StreamSummary) -> None:
        # Apart from _open_outputs: only a policy that can hold needs it.
        if self.use_outlets and self.artifacts != "off":
            self.held_outlet = HeldOutlet(
                summary.name, summary.source_id, self.classes, self.artifacts
            )

    def _open_outputs(self, summary: StreamSummary, chain: LiveChain) -> None:
        if self.use_outlets:
            self.outlets = ResultOutlets.of_chain(
                chain,
                summary.name,
                summary.source_id,
                wearer=self.wearer_name,
                synthetic=self.synthetic,
            )
        if self.log_path is not None:
            self.log = SessionLog(self.log_path)
        self._started_wall = time.time()
        self._started_mono = time.monotonic()
        self._logged_warnings = len(chain.warnings)
        for message in chain.warnings:
            logger.warning(message)
        self._log("session_start", **self._session_header(summary, chain))

    def _log_warnings(self, chain: LiveChain) -> None:
        """Log and show what the chain has said since the last call (unit, ASR)."""
        for message in chain.warnings[self._logged_warnings :]:
            logger.warning(message)
            self._log("warning", message=message)
        self._logged_warnings = len(chain.warnings)

    def _emit(self, chain: LiveChain, result: StepResult) -> None:
        if self.markers:
            found = self._trial(result.window_start, result.timestamp)
            if found is not None:
                label, onset = found
                result = dataclasses.replace(
                    result, true_label=label, since_onset_s=result.timestamp - onset
                )
        shown = self.policy.apply(result)
        result = dataclasses.replace(result, shown=shown)
        band = result.band_power
        if self.held_outlet is not None:
            self.held_outlet.push(shown.probabilities, result.timestamp)
        if self.outlets is not None:
            with np.errstate(invalid="ignore"):
                means = _nanmean_rows(band[chain.plan.present])
            self.outlets.push(result.probabilities, means, result.timestamp)
            self.outlets.push_quality(
                quality_row(result.quality, chain.plan), result.timestamp
            )
        self.stats.count(result)
        with self._sub_lock:
            subscribers = list(self._subscribers)
        for q in subscribers:
            _put_dropping_oldest(q, result)
        self._log(
            "step",
            time=result.timestamp,
            step=self.stats.steps - 1,
            probabilities=dict(
                zip(self.classes, result.probabilities.tolist(), strict=True)
            ),
            predicted=result.predicted,
            warm=result.warm,
            latency_s=result.latency_s,
            band_power=band,
            true_label=result.true_label,
            since_onset_s=result.since_onset_s,
            quality=None if result.quality is None else result.quality.to_dict(),
            shown=shown.to_dict(),
        )
        _realtime.after_step()  # collect now, between steps, not inside the next

    def _session_header(self, summary: StreamSummary, chain: LiveChain) -> dict:
        return session_header(
            chain,
            summary,
            wearer=self.wearer,
            wearer_notes=self.wearer_notes,
            synthetic=self.synthetic,
            unit_option=self.unit_option,
            declared_unit=self._declared_unit,
            line_freq_option=self.line_freq_option,
            artifacts=self.artifacts,
        )


def _nanmean_rows(band: np.ndarray) -> np.ndarray:
    """Mean over channels (rows) ignoring NaN; NaN where a band has no finite value."""
    finite = np.isfinite(band)
    count = finite.sum(axis=0)
    total = np.where(finite, band, 0.0).sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _put_dropping_oldest(q: queue.Queue, item) -> None:
    while True:
        try:
            q.put_nowait(item)
            return
        except queue.Full:
            try:
                q.get_nowait()
            except queue.Empty:
                pass
