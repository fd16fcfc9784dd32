"""A live session's wearer: their personal model and statistics, and live calibration.

What ``--wearer`` and ``--calibrate`` make of ``eegstream run`` and ``live``:
:func:`personal_session` finds the wearer in the store (their personal
model, their normaliser statistics of an earlier session) and prepares the
calibration function :meth:`LivePipeline.start_calibration
<eegstream.pipeline.LivePipeline.start_calibration>` calls in the background;
the :class:`PersonalSession` it returns says what to start with, what to
tell the user and how to save the wearer's statistics at the end.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._checks import check_number
from .._errors import EEGStreamError
from ..features.normalise import NormaliserState
from ..labelmap import LabelMap
from ..model import Checkpoint
from ..pipeline.live_calibration import Calibrate, PersonalModel
from ..recorder import check_record_path
from ..wearers import Wearer
from .options import ALPHA, MAX_ALPHA
from .personal import CalibrationResult


@dataclass(frozen=True)
class PersonalLibrary:
    """The calls a wearer's session makes into the calibration library and store.

    :func:`personal_library` gives the real ones; tests may give others.

    Attributes
    ----------
    calibrate : callable
        :func:`eegstream.calibration.calibrate`.
    load_wearer, save_normaliser_state, wearer_dir : callable
        :func:`eegstream.wearers.load_wearer`, ``save_normaliser_state``,
        ``wearer_dir``.
    """

    calibrate: Callable[..., CalibrationResult]
    load_wearer: Callable[[str], Wearer]
    save_normaliser_state: Callable[[str, NormaliserState], Path]
    wearer_dir: Callable[[str], Path]


def personal_library() -> PersonalLibrary:
    """Return the real calibration function and wearer store."""
    from .. import wearers
    from .personal import calibrate

    return PersonalLibrary(
        calibrate,
        wearers.load_wearer,
        wearers.save_normaliser_state,
        wearers.wearer_dir,
    )


#: A model to start with: a loaded checkpoint, a file, or a name in models/.
ModelRef = Checkpoint | str | os.PathLike


@dataclass
class PersonalSession:
    """What ``--wearer`` and ``--calibrate`` make of a ``run`` or ``live`` session.

    Attributes
    ----------
    model : Checkpoint | str | path-like | None
        The model to start with: the wearer's personal model, else ``--model``.
    wearer : str | None
        ``--wearer``.
    state : NormaliserState | None
        The wearer's saved normaliser statistics.
    calibrate : callable | None
        ``calibrate(xdf) -> PersonalModel`` for
        :meth:`~eegstream.pipeline.LivePipeline.start_calibration`; None
        without ``--calibrate``.
    recording : Path | None
        The calibration XDF to write.
    save_state : callable | None
        Saves a ``NormaliserState`` for the wearer (atomically).
    lines : list of str
        What to tell the user at start.
    """

    model: ModelRef | None
    wearer: str | None = None
    state: NormaliserState | None = None
    calibrate: Calibrate | None = None
    recording: Path | None = None
    save_state: Callable[[NormaliserState], Path] | None = None
    lines: list[str] = field(default_factory=list)

    @property
    def pipeline_options(self) -> dict[str, Any]:
        """``wearer`` and ``wearer_state`` for the pipeline."""
        return {"wearer": self.wearer, "wearer_state": self.state}


def personal_session(
    model: ModelRef | None,
    *,
    wearer: str | None = None,
    calibrate_s: float | None = None,
    label_map: LabelMap | str | os.PathLike | None = None,
    personal_model: str | None = None,
    calibration_record: str | os.PathLike | None = None,
    alpha: float = ALPHA,
    markers: Sequence[str] | None = None,
    library: PersonalLibrary | None = None,
) -> PersonalSession:
    """Find the wearer and prepare the live calibration that the options ask for.

    Without ``wearer`` and ``calibrate_s`` the session is ``model`` as it is.
    A wearer never seen (no folder in the store) starts from ``model`` and is
    created when the session saves its statistics.

    Parameters
    ----------
    model : Checkpoint | str | path-like | None
        ``--model``: the model to start with, and to calibrate from.
    wearer : str | None
        ``--wearer``.
    calibrate_s : float | None
        ``--calibrate``: seconds of labelled EEG to calibrate on.
    label_map : LabelMap | path-like | None
        ``--label-map``: how the calibration's markers become labels.
    personal_model : str | None
        ``--personal-model``: the name of the personal model written.
    calibration_record : path-like | None
        ``--calibration-record``: the calibration XDF to write.
    alpha : float
        ``--alpha``: the gain test's level (:mod:`eegstream.calibration.gain`).
    markers : sequence of str | None
        ``--markers``: the marker streams that label the calibration (None:
        as :func:`~eegstream.calibration.calibrate` decides).
    library : PersonalLibrary | None
        The calls to make (default: :func:`personal_library`).

    Raises
    ------
    EEGStreamError
        ``calibrate_s`` not positive or without ``model``; ``alpha`` out of
        range; a calibration record path that cannot be written; an
        unreadable wearer.
    """
    if calibrate_s is None and wearer is None:
        return PersonalSession(model)
    lib = library or personal_library()
    session = PersonalSession(model, wearer=wearer)
    if wearer is not None:
        _find_wearer(session, wearer, lib)
    if calibrate_s is not None:
        check_number(calibrate_s, "calibrate", unit="s", min=0, min_inclusive=False)
        check_number(alpha, "alpha", min=0, min_inclusive=False, max=MAX_ALPHA)
        if model is None:
            raise EEGStreamError(
                "--calibrate needs --model BASE: the model to calibrate from"
            )
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out = (
            personal_model or f"{Path(str(model)).stem}-{wearer or 'personal'}-{stamp}"
        )
        session.recording = check_record_path(
            calibration_record
            or Path(f"calibration-{wearer or 'live'}-{stamp}.xdf").resolve()
        )
        session.calibrate = _calibration(
            model, out, wearer, label_map, alpha, markers, lib
        )
    return session


def _find_wearer(session: PersonalSession, wearer: str, lib: PersonalLibrary) -> None:
    """Start from the wearer's model and statistics when the store has them."""
    if lib.wearer_dir(wearer).is_dir():
        found = lib.load_wearer(wearer)
        session.state = found.normaliser
        if found.checkpoint is not None:
            session.model = found.checkpoint
            session.lines.append(
                f"wearer {wearer}: starting with their personal model "
                f"{found.checkpoint}"
            )
        if found.normaliser is not None:
            session.lines.append(
                f"wearer {wearer}: normaliser statistics of an earlier session"
            )
    else:
        session.lines.append(
            f"wearer {wearer}: new (saved in {lib.wearer_dir(wearer)} at the end)"
        )
    session.save_state = lambda state: lib.save_normaliser_state(wearer, state)


def _calibration(
    base: ModelRef,
    out: str,
    wearer: str | None,
    label_map: LabelMap | str | os.PathLike | None,
    alpha: float,
    markers: Sequence[str] | None,
    lib: PersonalLibrary,
) -> Calibrate:
    """Make the function that calibrates on the session's calibration XDF."""

    def calibrate(path: Path) -> PersonalModel:
        result = lib.calibrate(
            base, [path], label_map, out=out, wearer=wearer, progress=False,
            alpha=alpha, markers=markers,
        )  # fmt: skip
        verdict = result.estimate.verdict()
        if result.checkpoint is None or not result.improves:
            again = f"--model {base} --recording {path} --out {out}"
            if label_map is not None:
                again += f" --label-map {label_map}"
            if wearer is not None:
                again += f" --wearer {wearer}"
            if alpha != ALPHA:
                again += f" --alpha {alpha:g}"
            for name in markers or ():
                again += f" --markers {name}"
            raise EEGStreamError(
                f"{verdict}; it is not used (to keep it anyway: `eegstream "
                f"calibrate {again} --force`)"
            )
        # The verdict states the test and its p; the switch is logged with p.
        return PersonalModel(
            Path(result.checkpoint), note=verdict, p_value=result.estimate.test.p_value
        )

    return calibrate
