"""The model of a running live pipeline: switched live, and the wearer's statistics.

:meth:`ModelMixin.switch_model` loads and checks the new model on the
caller's thread and leaves it to the worker (:mod:`~eegstream.pipeline.model_switch`);
:meth:`ModelMixin.wearer_state` gives the wearer's normaliser statistics to
start a later session from.
"""

from __future__ import annotations

import dataclasses
import logging
import os

from ..features.normalise import NormaliserState
from ..model import Checkpoint, StreamingClassifier
from .live_base import PipelineBase
from .model_switch import checkpoint_wearer
from .results import ModelSwitch

logger = logging.getLogger(__name__)


class ModelMixin(PipelineBase):
    """Switch the model of :class:`~eegstream.pipeline.LivePipeline`; its statistics."""

    def switch_model(
        self,
        checkpoint: Checkpoint | str | os.PathLike,
        *,
        reason: str = "",
        timeout: float = 30.0,
    ) -> ModelSwitch:
        """Go on with another model without dropping the stream or a step.

        The new model is loaded and warmed up on the calling thread; the
        worker switches to it between two blocks of samples: the signal state
        and the wearer's statistics carry over
        (:meth:`LiveChain.switch_classifier
        <eegstream.pipeline.LiveChain.switch_classifier>`), outlets and
        subscribers go on unchanged. Logged as a ``model`` record.

        Parameters
        ----------
        checkpoint : Checkpoint | str | path-like
            A model with the running one's classes (in order: the
            probabilities outlet keeps its channels) and feature settings, e.g.
            a personal model calibrated from it.
        reason : str
            Why, for the log (e.g. ``"live calibration"``).
        timeout : float
            Seconds to wait for the worker to switch.

        Returns
        -------
        ModelSwitch
            Which step is the new model's first.

        Raises
        ------
        EEGStreamError
            The pipeline is not running, the classes or features differ (one
            line; the pipeline runs on with its model).
        """
        self._check_running("switch_model")
        chain = self.chain
        assert chain is not None  # sanity check: running
        classifier = StreamingClassifier(checkpoint, device=self.classifier.device)
        chain.check_classifier(classifier)
        classifier.warm_up()  # torch's first call, not on a live step
        return self._switcher.request(
            classifier,
            reason,
            timeout,
            ended=lambda: self._stop.is_set() or self._error is not None,
        )

    def _switched(self, reason: str) -> ModelSwitch:
        """On the worker, once the chain runs the new model: record the switch."""
        chain = self.chain
        assert chain is not None  # sanity check: the worker runs the chain
        previous = self.checkpoint.name
        self.classifier = chain.classifier
        switch = ModelSwitch(
            step=self.stats.steps,
            model=self.checkpoint.name,
            path=str(self.checkpoint.path),
            previous=previous,
            wearer=checkpoint_wearer(self.checkpoint),
            reason=reason,
        )
        self.switches.append(switch)
        self._log("model", **switch.to_dict())
        logger.info(
            "switched to model %s%s at step %d",
            switch.model,
            f" (personal, wearer {switch.wearer})" if switch.wearer else "",
            switch.step,
        )
        return switch

    def wearer_state(self) -> NormaliserState:
        """Return the wearer's normaliser statistics, to start a later session from.

        A ``NormaliserState`` (:meth:`RunningNormaliser.state
        <eegstream.features.RunningNormaliser.state>`); read it after
        :meth:`stop`, when no step changes it.
        """
        return dataclasses.replace(
            self.normaliser.state(), key=self.checkpoint.meta.statistics_key
        )
