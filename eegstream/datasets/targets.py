"""Class labels from self-assessment ratings, as the literature uses them.

A *target* turns each trial's ratings (or its clip's category) into a class:

- ``valence``, ``arousal``, ``dominance``, ``liking``: two classes,
  ``low-<scale>`` and ``high-<scale>``; a rating >= the threshold is high
  (TorchEEG's ``Binary``; the middle of the scale by default: 5 on DEAP's
  and AMIGOS's 1-9, 3 on DREAMER's 1-5).
- ``quadrant``: four classes ``LVLA``, ``LVHA``, ``HVLA``, ``HVHA``
  (valence x arousal, each split at the threshold).
- ``category``: FACED's nine emotion categories (its clip order).

FACED has no per-trial ratings in its processed release: its ``valence`` is
the clip's negative / neutral / positive group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .._errors import EEGStreamError
from .rated_tables import (
    FACED_CATEGORIES,
    FACED_CATEGORY_VALENCE,
    FACED_CLIP_CATEGORY,
    RELEASES,
    TARGETS,
)

QUADRANTS: tuple[str, ...] = ("LVLA", "LVHA", "HVLA", "HVHA")
FACED_VALENCE: tuple[str, ...] = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Target:
    """How a rated dataset's trials are labelled.

    Attributes
    ----------
    dataset : str
        The dataset.
    target : str
        One of :data:`TARGETS`.
    threshold : float | None
        Rating at or above which a scale is "high"; None for categories.
    classes : tuple of str
        Class names; the index is the label id.
    """

    dataset: str
    target: str
    threshold: float | None
    classes: tuple[str, ...]

    def label(self, ratings: Mapping[str, float], clip: int) -> int:
        """Return the class id of a trial with these ``ratings`` (FACED: ``clip``)."""
        if self.dataset == "faced":
            category = FACED_CLIP_CATEGORY[clip - 1]
            if self.target == "category":
                return category
            return FACED_CATEGORY_VALENCE[category]
        assert self.threshold is not None
        if self.target == "quadrant":
            hv = ratings["valence"] >= self.threshold
            ha = ratings["arousal"] >= self.threshold
            return 2 * int(hv) + int(ha)
        return int(ratings[self.target] >= self.threshold)

    def describe(self) -> str:
        """E.g. ``valence >= 5 is high-valence (1-9 scale)``."""
        if self.threshold is None:
            return f"{self.target}: {', '.join(self.classes)} (clip order)"
        scale = RELEASES[self.dataset].scale
        assert scale is not None
        split = f">= {self.threshold:g} is high on the {scale[0]:g}-{scale[1]:g} scale"
        if self.target == "quadrant":
            return f"quadrant of valence x arousal ({split})"
        return f"{self.target} ({split})"

    def to_dict(self) -> dict:
        """JSON-able form (the model card's and the report's)."""
        return {
            "target": self.target,
            "threshold": self.threshold,
            "classes": list(self.classes),
        }


def make_target(
    dataset: str, target: str | None = None, threshold: float | None = None
) -> Target:
    """Check a target and threshold for ``dataset``; fill in the defaults.

    Parameters
    ----------
    dataset : str
        One of the rated datasets.
    target : str | None
        One of :data:`TARGETS`; None: ``valence`` (FACED: ``category``).
    threshold : float | None
        The split of each rating scale; None: the scale's middle.

    Raises
    ------
    EEGStreamError
        A target the dataset lacks (DREAMER has no liking, only FACED has
        categories), a threshold for FACED, or one outside the scale.
    """
    release = RELEASES[dataset]
    if target is None:
        target = "category" if dataset == "faced" else "valence"
    if target not in TARGETS:
        raise EEGStreamError(
            f"unknown target {target!r}; choose one of {', '.join(TARGETS)}",
            param="target",
        )
    if dataset == "faced":
        if target not in ("category", "valence"):
            raise EEGStreamError(
                f"FACED has no {target} ratings in its processed release; its "
                "targets are category (nine classes) and valence (negative, "
                "neutral, positive by clip)",
                param="target",
            )
        if threshold is not None:
            raise EEGStreamError(
                "FACED's labels come from its clip order, not from ratings: "
                "leave out {threshold}",
                param="threshold",
            )
        classes = FACED_CATEGORIES if target == "category" else FACED_VALENCE
        return Target(dataset, target, None, classes)
    needs = ("valence", "arousal") if target == "quadrant" else (target,)
    lacking = [n for n in needs if n not in release.ratings]
    if target == "category" or lacking:
        raise EEGStreamError(
            f"{release.pretty} has no {target} "
            f"{'labels' if target == 'category' else 'rating'}; its targets are "
            f"{', '.join(r for r in release.ratings if r != 'familiarity')} and "
            "quadrant",
            param="target",
        )
    assert release.scale is not None and release.threshold is not None
    lo, hi = release.scale
    threshold = release.threshold if threshold is None else float(threshold)
    if not lo < threshold <= hi:
        raise EEGStreamError(
            f"{{threshold}} {threshold:g} is outside {release.pretty}'s {lo:g}-{hi:g} "
            f"rating scale; give a value above {lo:g} and at most {hi:g} (default "
            f"{release.threshold:g})",
            param="threshold",
        )
    classes = QUADRANTS if target == "quadrant" else (f"low-{target}", f"high-{target}")
    return Target(dataset, target, threshold, classes)


def check_ratings(path: object, release: str, values: ArrayLike, what: str) -> None:
    """Refuse ratings outside the dataset's scale (or not finite), naming the file."""
    scale = RELEASES[release].scale
    assert scale is not None
    arr = np.asarray(values, dtype=float)
    bad = ~np.isfinite(arr) | (arr < scale[0]) | (arr > scale[1])
    if bad.any():
        raise EEGStreamError(
            f"{path}: {what} rating {arr[bad][0]:g} is outside the "
            f"{RELEASES[release].pretty} scale {scale[0]:g}-{scale[1]:g}"
        )


def check_classes(target: Target, labels: Sequence[int], where: str) -> None:
    """Refuse a threshold (or a partial release) that leaves a class empty."""
    counts = [0] * len(target.classes)
    for label in labels:
        counts[label] += 1
    empty = [c for c, n in zip(target.classes, counts, strict=True) if n == 0]
    if empty:
        setting = (
            f"{{threshold}} {target.threshold:g}"
            if target.threshold is not None
            else f"{{target}} {target.target}"
        )
        raise EEGStreamError(
            f"{setting} leaves class {', '.join(empty)} empty in {where} "
            f"({len(labels)} trials); choose a threshold that splits the ratings",
            param="threshold" if target.threshold is not None else "target",
        )
