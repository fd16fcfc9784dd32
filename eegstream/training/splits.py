"""Subject-wise splits: the paper's 70/15/15 and leave-one-subject-out; within.

No subject is ever in two parts of a split; :func:`check_disjoint` asserts it
and every split constructor calls it. The ``within`` protocol (data of one
subject) splits blocks of whole trials instead (:func:`segment_blocks`): its
splits hold block numbers where the others hold subjects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from .._errors import EEGStreamError
from ..model.meta import Split

PROTOCOLS = ("paper", "loso", "within")
#: How the paper protocol draws: the project's (``round()`` sizes, a numpy
#: Generator) or the paper annex's (``int()`` sizes, ``np.random.seed`` then
#: ``np.random.shuffle`` of the subject list, re-shuffled until it covers).
SPLIT_DRAWS = ("project", "annex")
#: Blocks per subject of the within-subject protocol (fewer with fewer trials).
WITHIN_BLOCKS = 10
_MAX_DRAWS = 1000


def check_disjoint(split: Split) -> Split:
    """Sanity check: no subject in two parts, no empty part. Returns ``split``."""
    parts = {"train": set(split.train), "val": set(split.val), "test": set(split.test)}
    for a, b in (("train", "val"), ("train", "test"), ("val", "test")):
        shared = parts[a] & parts[b]
        if shared:
            raise AssertionError(
                f"sanity check failed: split {split.name} has subjects "
                f"{sorted(shared)} "
                f"in both {a} and {b}"
            )
    empty = [k for k, v in parts.items() if not v]
    if empty:
        raise AssertionError(
            f"sanity check failed: split {split.name} has empty {empty}"
        )
    return split


def _sizes(n: int) -> tuple[int, int]:
    """(n_val, n_test) for the paper's 15% / 15% of ``n`` subjects, at least 1 each."""
    return max(1, round(0.15 * n)), max(1, round(0.15 * n))


def _parts(order: list[int], draw: str) -> tuple[list[int], list[int], list[int]]:
    """(train, val, test) of a drawn order.

    ``"project"``: test first, then validation, ``round(0.15 n)`` each.
    ``"annex"``: as the paper's code, ``int(0.7 n)`` train first, then
    ``int(0.15 n)`` validation, the rest test (3 of 15 subjects).
    """
    n = len(order)
    if draw == "annex":
        n_val = max(1, int(0.15 * n))
        n_train = min(int(0.7 * n), n - n_val - 1)  # a test subject left, if few
        return (
            order[:n_train],
            order[n_train : n_train + n_val],
            order[n_train + n_val :],
        )
    n_val, n_test = _sizes(n)
    return order[n_test + n_val :], order[n_test : n_test + n_val], order[:n_test]


def _annex_orders(subjects: list[int], seed: int):
    """Yield the annex's draws: seed the legacy RNG once, then shuffle again."""
    order = list(subjects)
    np.random.seed(seed)  # noqa: NPY002 - the annex's own draw, reproduced as published
    while True:
        np.random.shuffle(order)  # noqa: NPY002
        yield list(order)


def _project_orders(subjects: list[int], seed: int):
    rng = np.random.default_rng(seed)
    while True:
        yield [subjects[i] for i in rng.permutation(len(subjects))]


def _covers(
    subjects: Sequence[int], classes_of: Mapping[int, set[int]], n_classes: int
) -> bool:
    present = set().union(*(classes_of[s] for s in subjects))
    return len(present) == n_classes


def _check_enough(subjects: Sequence[int], protocol: str) -> None:
    if len(subjects) < 3:
        raise EEGStreamError(
            f"protocol {protocol!r} needs at least 3 subjects (train, validation, "
            "test), "
            f"the data has {len(subjects)}: {list(subjects)}"
        )


def paper_splits(
    classes_of: Mapping[int, set[int]],
    n_classes: int,
    repeats: int = 1,
    seed: int = 42,
    draw: str = "project",
) -> list[Split]:
    """Draw the paper's subject split (70% train, 15% val, 15% test), repeatedly.

    Each repeat ``r`` draws with seed ``seed + r`` and re-draws until every
    class is present in each part (parts: :func:`_parts`).

    Parameters
    ----------
    classes_of : mapping of int to set of int
        Subject id -> label ids among that subject's trials.
    n_classes : int
        Number of classes that must appear in each part.
    repeats : int
        Number of independent splits.
    seed : int
        Seed of the first split.
    draw : "project" | "annex"
        See :data:`SPLIT_DRAWS`.
    """
    subjects = sorted(classes_of)
    _check_enough(subjects, "paper")
    if repeats < 1:
        raise EEGStreamError(f"repeats must be >= 1, got {repeats}")
    if draw not in SPLIT_DRAWS:
        raise EEGStreamError(f"split_draw must be one of {SPLIT_DRAWS}, got {draw!r}")
    orders = _annex_orders if draw == "annex" else _project_orders
    splits = []
    for r in range(repeats):
        draws = orders(subjects, seed + r)
        for _ in range(_MAX_DRAWS):
            order = next(draws)
            train, val, test = _parts(order, draw)
            if all(_covers(p, classes_of, n_classes) for p in (train, val, test)):
                break
        else:
            raise EEGStreamError(
                f"no subject split with every one of the {n_classes} classes in train, "
                f"validation and test after {_MAX_DRAWS} draws; the subjects' trials "
                f"cover too few classes"
            )
        split = Split(
            f"paper-seed{seed + r}" + ("-annex" if draw == "annex" else ""),
            tuple(sorted(train)),
            tuple(sorted(val)),
            tuple(sorted(test)),
        )
        splits.append(check_disjoint(split))
    return splits


def loso_splits(
    classes_of: Mapping[int, set[int]], n_classes: int, seed: int = 42
) -> list[Split]:
    """Leave one subject out; validation subjects drawn from the others only.

    For each test subject, 15% of the remaining subjects (at least one) are
    drawn for validation (with every class present where possible); the rest
    train.
    """
    subjects = sorted(classes_of)
    _check_enough(subjects, "loso")
    splits = []
    rng = np.random.default_rng(seed)
    for test in subjects:
        rest = [s for s in subjects if s != test]
        n_val = max(1, round(0.15 * len(rest)))
        for _ in range(_MAX_DRAWS):
            order = [rest[i] for i in rng.permutation(len(rest))]
            val, train = order[:n_val], order[n_val:]
            if _covers(val, classes_of, n_classes) and _covers(
                train, classes_of, n_classes
            ):
                break
        split = Split(
            f"loso-s{test}", tuple(sorted(train)), tuple(sorted(val)), (test,)
        )
        splits.append(check_disjoint(split))
    return splits


def segment_blocks(trials: Sequence[Any]) -> dict[str, int]:
    """Cut each subject's trials, in time order, into consecutive blocks.

    Parameters
    ----------
    trials : sequence
        Objects with ``key``, ``subject``, ``session`` and ``trial``.

    Returns
    -------
    dict
        Trial key -> block number (from 1, unique over subjects); each
        subject's trials form up to :data:`WITHIN_BLOCKS` blocks of
        neighbouring trials, so a held-out block never has a neighbour of
        its trials (nor a window of them) on the training side within it.
    """
    out: dict[str, int] = {}
    by_subject: dict[int, list[Any]] = {}
    for t in sorted(trials, key=lambda t: (t.subject, t.session, t.trial)):
        by_subject.setdefault(t.subject, []).append(t)
    block = 0
    for group in by_subject.values():
        for part in np.array_split(
            np.arange(len(group)), min(len(group), WITHIN_BLOCKS)
        ):
            block += 1
            out.update((group[i].key, block) for i in part)
    return out


def within_splits(
    classes_of_block: Mapping[int, set[int]],
    n_classes: int,
    repeats: int = 1,
    seed: int = 42,
) -> list[Split]:
    """Draw the paper's 70/15/15 split over blocks (:func:`segment_blocks`)."""
    if len(classes_of_block) < 3:
        raise EEGStreamError(
            f"protocol 'within' needs at least 3 labelled segments (train, "
            f"validation, test), the data has {len(classes_of_block)}"
        )
    return [
        replace(s, name=s.name.replace("paper", "within"))
        for s in paper_splits(classes_of_block, n_classes, repeats, seed)
    ]


def make_splits(
    protocol: str,
    classes_of: Mapping[int, set[int]],
    n_classes: int,
    repeats: int = 1,
    seed: int = 42,
    draw: str = "project",
) -> list[Split]:
    """Make the splits of ``protocol`` (``"paper"``, ``"loso"`` or ``"within"``).

    ``draw`` is the paper protocol's (:data:`SPLIT_DRAWS`); the others ignore
    it. For ``"within"``, ``classes_of`` maps block numbers, not subjects.
    """
    if protocol == "within":
        return within_splits(classes_of, n_classes, repeats, seed)
    if protocol == "paper":
        return paper_splits(classes_of, n_classes, repeats, seed, draw)
    if protocol == "loso":
        return loso_splits(classes_of, n_classes, seed)
    raise EEGStreamError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
