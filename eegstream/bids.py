"""Share a recording the way the field does: BIDS (EEG in BrainVision, events).

:func:`export_bids` reads any recording :func:`eegstream.files.reading.read_raw`
opens (an XDF of a session above all) and writes it with mne-bids into a BIDS
folder: the EEG as BrainVision (``.vhdr``/``.vmrk``/``.eeg``, via pybv), its
markers as ``events.tsv`` (``trial_type`` = the marker string, ``stream`` =
the XDF marker stream's name), with the sidecars mne-bids writes.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ._errors import EEGStreamError

#: BIDS entity labels are alphanumeric.
_LABEL = re.compile(r"^[A-Za-z0-9]+$")


def export_bids(
    recording: str | os.PathLike,
    root: str | os.PathLike,
    *,
    subject: str | None = None,
    session: str | None = None,
    task: str = "emotion",
    stream_name: str | None = None,
    line_freq: float = 50.0,
    overwrite: bool = False,
) -> Path:
    """Write a recording and its events into a BIDS dataset.

    Parameters
    ----------
    recording : path-like
        An ``.xdf`` (its EEG stream and marker streams) or any EEG file
        :func:`eegstream.files.reading.read_raw` opens.
    root : path-like
        The BIDS dataset's folder (created if needed).
    subject, session : str | None
        BIDS labels (letters and digits); ``None`` takes ``sub-<label>`` /
        ``ses-<label>`` from the recording's file name (a subject is required,
        a session is optional).
    task : str
        BIDS task label.
    stream_name : str | None
        XDF only: the EEG stream (default: the one of type ``EEG``).
    line_freq : float
        Power-line frequency in Hz, for ``*_eeg.json`` (50 in Europe and Asia,
        60 in the Americas).
    overwrite : bool
        Replace the subject/session/task's files if they exist.

    Returns
    -------
    Path
        The ``.vhdr`` written.

    Raises
    ------
    EEGStreamError
        If the recording cannot be read, a label is missing or not
        alphanumeric, or the files exist and ``overwrite`` is False.
    """
    import mne_bids

    from .files.reading import read_raw

    recording = Path(recording)
    subject = subject if subject is not None else _entity(recording, "sub")
    session = session if session is not None else _entity(recording, "ses")
    if subject is None:
        raise EEGStreamError(
            f"no subject for {recording.name}: give {{subject}} (a BIDS label such "
            "as 01) or name the file sub-<label>_...",
            param="subject",
        )
    for name, value in (("subject", subject), ("session", session), ("task", task)):
        if value is not None and not _LABEL.match(value):
            raise EEGStreamError(
                f"{{{name}}} must be letters and digits only (a BIDS label), "
                f"got {value!r}",
                param=name,
            )
    raw = read_raw(recording, stream_name=stream_name)
    raw.load_data(verbose="error")
    raw.info["line_freq"] = float(line_freq)
    path = mne_bids.BIDSPath(
        subject=subject, session=session, task=task, root=root, datatype="eeg"
    )
    try:
        written = mne_bids.write_raw_bids(
            raw,
            path,
            format="BrainVision",
            allow_preload=True,
            overwrite=overwrite,
            verbose=False,
        )
    except FileExistsError:
        raise EEGStreamError(
            f"{path.basename} exists in {root}; give {{overwrite}} to replace it, "
            "or another subject/session",
            param="overwrite",
        ) from None
    return Path(written.fpath)


def _entity(path: Path, key: str) -> str | None:
    """Return the label of BIDS entity ``key`` in a file name (``sub-01_...``)."""
    match = re.search(rf"(?:^|_){key}-([A-Za-z0-9]+)", path.name)
    return match.group(1) if match else None
