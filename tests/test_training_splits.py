"""Subject-wise splits: disjointness, class coverage, LOSO validation subjects."""

from __future__ import annotations

import pytest

from eegstream import EEGStreamError
from eegstream.training import (
    Split,
    check_disjoint,
    loso_splits,
    make_splits,
    paper_splits,
)


def _all_classes(n_subjects, n_classes=4):
    return {s: set(range(n_classes)) for s in range(1, n_subjects + 1)}


def test_paper_split_sizes_disjoint_and_redrawn():
    splits = paper_splits(_all_classes(15), 4, repeats=3, seed=42)
    assert [s.name for s in splits] == ["paper-seed42", "paper-seed43", "paper-seed44"]
    for s in splits:
        assert (len(s.train), len(s.val), len(s.test)) == (11, 2, 2)
        assert set(s.train) | set(s.val) | set(s.test) == set(range(1, 16))
        assert not (set(s.train) & set(s.test)) and not (set(s.val) & set(s.test))
    assert len({s.test for s in splits}) > 1  # re-drawn, not the same split thrice
    assert paper_splits(_all_classes(15), 4, repeats=1, seed=42)[0] == splits[0]


def test_paper_split_covers_every_class():
    # Subjects 1-7 saw only classes 0/1, 8-14 only 2/3: each part must mix both groups.
    classes_of = {s: ({0, 1} if s <= 7 else {2, 3}) for s in range(1, 15)}
    for s in paper_splits(classes_of, 4, repeats=5, seed=0):
        for part in (s.train, s.val, s.test):
            assert set().union(*(classes_of[x] for x in part)) == {0, 1, 2, 3}


def test_paper_split_impossible_coverage():
    classes_of = {1: {0}, 2: {0}, 3: {0}, 4: {1}}
    with pytest.raises(EEGStreamError, match="every one of the 2 classes"):
        paper_splits(classes_of, 2)


def test_loso_validation_from_training_subjects_only():
    splits = loso_splits(_all_classes(8, 3), 3)
    assert [s.test for s in splits] == [(i,) for i in range(1, 9)]
    for s in splits:
        assert s.test[0] not in s.train + s.val
        assert len(s.val) == 1 and len(s.train) == 6


@pytest.mark.parametrize("protocol", ["paper", "loso"])
def test_too_few_subjects(protocol):
    with pytest.raises(EEGStreamError, match="at least 3 subjects.*has 2"):
        make_splits(protocol, _all_classes(2), 4)


def test_unknown_protocol():
    with pytest.raises(EEGStreamError, match="protocol must be one of"):
        make_splits("kfold", _all_classes(5), 4)


def test_disjointness_is_asserted():
    with pytest.raises(AssertionError, match=r"subjects \[3\] in both train and test"):
        check_disjoint(Split("bad", (1, 2, 3), (4,), (3,)))
    with pytest.raises(AssertionError, match="empty"):
        check_disjoint(Split("bad", (1, 2), (), (3,)))
