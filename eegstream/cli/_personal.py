"""The wearer's session that the options ask for.

Private to :mod:`eegstream.cli`; below :mod:`._options` and :mod:`._group`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..calibration.wearer_session import PersonalSession


def personal_session(
    args: argparse.Namespace, wearer: str | None = None
) -> PersonalSession:
    """Prepare what ``--wearer``, ``--calibrate`` and their options ask for.

    ``wearer`` stands for ``--wearer`` where given (each wearer of a group
    session). See :func:`eegstream.calibration.wearer_session.personal_session`.
    """
    from ..calibration.wearer_session import personal_session as prepare

    return prepare(
        args.model,
        wearer=args.wearer if wearer is None else wearer,
        calibrate_s=args.calibrate,
        label_map=args.label_map,
        personal_model=args.personal_model,
        calibration_record=args.calibration_record,
        alpha=args.alpha,
        markers=args.markers,
    )
