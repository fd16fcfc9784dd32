"""A running pipeline's model switch: the handshake between a caller and the worker.

The caller (:meth:`LivePipeline.switch_model
<eegstream.pipeline.LivePipeline.switch_model>`, on any thread) loads and warms
up the new model, then :meth:`ModelSwitcher.request` leaves it for the worker
and waits; the worker, between two blocks of samples,
:meth:`ModelSwitcher.apply` switches the chain to it, so no step is computed
half with one model and half with the other.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

from .._errors import EEGStreamError
from ..model import Checkpoint, StreamingClassifier
from .chain import LiveChain
from .results import ModelSwitch


def checkpoint_wearer(checkpoint: Checkpoint) -> str | None:
    """Return the wearer a personal model was calibrated for; None for other models."""
    return checkpoint.meta.wearer


@dataclasses.dataclass
class _SwitchRequest:
    """A model switch asked for by a caller, made by the worker."""

    classifier: StreamingClassifier
    reason: str
    done: threading.Event = dataclasses.field(default_factory=threading.Event)
    switch: ModelSwitch | None = None
    error: str | None = None


class ModelSwitcher:
    """Hand a new classifier to a pipeline's worker; one switch at a time."""

    def __init__(self) -> None:
        self._request: _SwitchRequest | None = None
        self._lock = threading.Lock()

    def request(
        self,
        classifier: StreamingClassifier,
        reason: str,
        timeout: float,
        ended: Callable[[], bool],
    ) -> ModelSwitch:
        """Leave ``classifier`` for the worker and wait until it switched.

        Parameters
        ----------
        classifier : StreamingClassifier
            Loaded, checked against the chain and warmed up.
        reason : str
            Why, for the log.
        timeout : float
            Seconds to wait for the worker to take it.
        ended : callable
            Whether the pipeline has stopped (the request is then withdrawn).

        Raises
        ------
        EEGStreamError
            Another switch is under way; the worker did not take it in time or
            the pipeline stopped; the chain refused it.
        """
        request = _SwitchRequest(classifier, reason)
        with self._lock:
            if self._request is not None:
                raise EEGStreamError("switch_model: another switch is under way")
            self._request = request
        deadline = time.monotonic() + timeout
        while not request.done.wait(0.05):
            stopped = ended()
            if not stopped and time.monotonic() < deadline:
                continue
            with self._lock:
                withdrawn = self._request is request
                if withdrawn:
                    self._request = None
            if withdrawn:
                state = "stopped" if stopped else "was busy"
                raise EEGStreamError(
                    f"switch_model: the pipeline {state} before model "
                    f"{classifier.checkpoint.name!r} could take over"
                )
            request.done.wait()  # the worker took it and is switching now
        if request.error is not None:
            raise EEGStreamError(request.error)
        assert request.switch is not None  # sanity check: done without error
        return request.switch

    def apply(self, chain: LiveChain, switched: Callable[[str], ModelSwitch]) -> None:
        """On the worker, between blocks: make the requested switch, if any.

        ``switched(reason)`` records the switch once the chain runs the new
        classifier and returns what the caller receives.
        """
        with self._lock:
            request, self._request = self._request, None
        if request is None:
            return
        try:
            chain.switch_classifier(request.classifier)
        except EEGStreamError as err:
            request.error = str(err)
            return
        except BaseException as err:  # stops the worker; the caller learns why
            request.error = f"{type(err).__name__}: {err}"
            raise
        else:
            request.switch = switched(request.reason)
        finally:
            request.done.set()
