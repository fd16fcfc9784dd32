"""Whether calibration gains: two tests with the segment as the unit, both passed.

The windows of one segment agree with each other, so the evidence is the
number of segments, not of windows. The statistic is the gain: the mean over
held-out segments of (personal minus base accuracy on the segment's
windows). A gain is claimed only when two nulls are both rejected at the
level (an intersection-union test, whose level is the larger of the two):

- labels that mean nothing: the null distribution of the gain comes from
  relabelling whole segments within each fold of the blocked
  cross-validation (each fold keeps its class counts, so every fold still
  holds out and trains on every class) and repeating the cross-validation
  fit on each relabelling; ``p = (1 + #{null gain >= observed}) / (1 +
  permutations)``, or exact over every distinct relabelling when a design has
  no more. Its level is measured (``benchmarks/bench_calibration_level.py``).
- a personal model no better than the base: a one-sided paired t test of
  the segments' gains (the relabelling null alone would call a personal
  model equal to a good base a gain: relabelled, the base's structure is
  lost and the null gains fall below zero).

A design whose relabellings cannot give a p-value at or below the level is
reported as "not enough segments to tell".
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import EEGStreamError
from .options import MAX_ALPHA, NETWORK_PERMUTATIONS, PERMUTATIONS

#: Name of the test, for verdicts and cards.
TEST_NAME = (
    "fold-stratified permutation test over whole segments and paired t test of "
    "the segments' gains, both at alpha"
)


def default_permutations(method: str, alpha: float) -> int:
    """Relabellings used unless told: many for a last-layer refit, few for a network."""
    if method == "last-layer":
        return max(PERMUTATIONS, math.ceil(1 / alpha) - 1)
    return max(NETWORK_PERMUTATIONS, math.ceil(1 / alpha) - 1)


def check_alpha(alpha: float, permutations: int) -> None:
    """Refuse a level outside (0, 0.5] or too few permutations to reach it.

    Raises
    ------
    EEGStreamError
        One line naming ``alpha`` or ``permutations`` and what would work.
    """
    from .._checks import check_number

    check_number(alpha, "alpha", min=0, min_inclusive=False, max=MAX_ALPHA)
    check_number(permutations, "permutations", min=1, integer=True)
    if 1 / (permutations + 1) > alpha:
        raise EEGStreamError(
            f"{{permutations}} {permutations} cannot reach {{alpha}} {alpha:g}: the "
            f"smallest p-value is 1/{permutations + 1}; use at least "
            f"{math.ceil(1 / alpha) - 1} permutations",
            param=("permutations", "alpha"),
        )


def _multinomial(counts: Sequence[int]) -> int:
    """Distinct orders of a multiset with these counts."""
    out = math.factorial(sum(counts))
    for c in counts:
        out //= math.factorial(c)
    return out


def _multinomials(per_fold: np.ndarray) -> int:
    """Distinct relabellings of a design, shape (n_folds, n_classes) counts."""
    return math.prod(_multinomial(row.tolist()) for row in per_fold)


def relabellings(
    labels: Sequence[int] | np.ndarray, folds: Sequence[np.ndarray]
) -> int:
    """Distinct relabellings of segments within folds (the observed one included)."""
    ids = np.asarray(labels)
    classes = np.unique(ids)
    return _multinomials(
        np.array([[np.sum(ids[f] == c) for c in classes] for f in folds])
    )


def design_min_p(counts: Sequence[int], max_folds: int) -> float:
    """Smallest exact p of a design with ``counts`` segments per class.

    The segments of each class are dealt round the folds as
    :func:`~eegstream.calibration.estimate.blocked_folds` deals them.
    """
    n_folds = int(min(max_folds, min(counts)))
    per_fold = np.array(
        [[n // n_folds + (k < n % n_folds) for n in counts] for k in range(n_folds)]
    )
    return 1 / _multinomials(per_fold)


def more_segments_needed(counts: Sequence[int], max_folds: int, alpha: float) -> int:
    """Fewest extra segments of each class with which the design can reach ``alpha``."""
    more = 0
    while design_min_p([n + more for n in counts], max_folds) > alpha:
        more += 1
    return more


def _distinct_orders(items: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    """Every distinct order of a multiset (each once)."""
    if not items:
        yield ()
        return
    for first in sorted(set(items)):
        rest = list(items)
        rest.remove(first)
        for tail in _distinct_orders(tuple(rest)):
            yield (first, *tail)


def null_labellings(
    labels: Sequence[int] | np.ndarray,
    folds: Sequence[np.ndarray],
    permutations: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, bool]:
    """Relabellings of the segments within folds, for the null distribution.

    Parameters
    ----------
    labels : sequence of int, shape (n_segments,)
        The observed labels.
    folds : sequence of arrays of int
        Held-out segment indices of each fold (a partition).
    permutations : int
        Random relabellings drawn when there are more distinct ones than
        ``permutations + 1``.
    rng : numpy Generator

    Returns
    -------
    labellings : array of int, shape (n, n_segments)
        Every distinct relabelling (the observed one included) when
        ``exact``, else ``permutations`` random ones.
    exact : bool
    """
    ids = np.asarray(labels)
    if relabellings(ids, folds) <= permutations + 1:
        per_fold = [list(_distinct_orders(tuple(ids[f].tolist()))) for f in folds]
        out = np.empty((math.prod(map(len, per_fold)), len(ids)), dtype=ids.dtype)
        for row, combo in enumerate(itertools.product(*per_fold)):
            for f, order in zip(folds, combo, strict=True):
                out[row, f] = order
        return out, True
    out = np.repeat(ids[None], permutations, axis=0)
    for f in folds:
        out[:, f] = rng.permuted(out[:, f], axis=1)
    return out, False


@dataclass(frozen=True)
class GainTest:
    """The permutation test of the gain, with the segment as the unit.

    Attributes
    ----------
    gain : float
        Mean over held-out segments of personal minus base accuracy (the
        base's classes renamed at best: the identity unless it consistently
        confuses the wearer's classes).
    ci : tuple of float
        Its two-sided ``1 - 2 * alpha`` confidence interval (t over
        segments): its lower bound is above zero exactly when the paired t
        test rejects at ``alpha``.
    p_permutation : float
        Share of null gains at or above ``gain`` (+1 corrected, or exact).
    p_paired : float
        One-sided paired t test of the segments' gains (> 0).
    alpha : float
        The level.
    n_segments : int
        Independent units: labelled segments.
    n_relabellings : int
        Distinct relabellings of the design (the observed one included).
    permutations : int
        Null relabellings used.
    exact : bool
        Whether every distinct relabelling was used.
    more_per_class : int
        More segments of each class the design needs to reach ``alpha``
        (0 when it can).
    """

    gain: float
    ci: tuple[float, float]
    p_permutation: float
    p_paired: float
    alpha: float
    n_segments: int
    n_relabellings: int
    permutations: int
    exact: bool
    more_per_class: int = 0

    @property
    def p_value(self) -> float:
        """The test's p-value: the larger of the two (intersection-union)."""
        return max(self.p_permutation, self.p_paired)

    @property
    def ci_level(self) -> float:
        """Confidence level of :attr:`ci`."""
        return 1 - 2 * self.alpha

    @property
    def min_p(self) -> float:
        """The smallest p-value this design and number of permutations can give."""
        if self.exact:
            return 1 / self.n_relabellings
        return 1 / (self.permutations + 1)

    @property
    def can_tell(self) -> bool:
        """Whether the design can reach the level at all."""
        return self.min_p <= self.alpha

    @property
    def improves(self) -> bool:
        """A gain at the level: p <= alpha (and a design that can reach it)."""
        return self.can_tell and self.gain > 0 and self.p_value <= self.alpha

    def describe(self) -> str:
        """State the evidence in words: gain, interval, test, p, segments."""
        how = (
            f"exact over all {self.n_relabellings} relabellings"
            if self.exact
            else f"{self.permutations} relabellings"
        )
        return (
            f"gain {self.gain:+.1%} per segment, {self.ci_level:.0%} CI "
            f"[{self.ci[0]:+.1%}, {self.ci[1]:+.1%}]; p = {self.p_value:.3g} at "
            f"alpha {self.alpha:g} (permutation test over whole segments, {how}: "
            f"p = {self.p_permutation:.3g}; paired t test of the segments' gains: "
            f"p = {self.p_paired:.3g}); {self.n_segments} independent segments"
        )

    def verdict(self) -> str:
        """One sentence: a gain, no gain, or not enough segments to tell."""
        if not self.can_tell:
            return (
                f"not enough segments to tell: {self.n_segments} segments allow at "
                f"best p = {self.min_p:.3g} > alpha {self.alpha:g}; record "
                f"{self.more_per_class} more segment(s) of each class "
                f"({self.describe()})"
            )
        if self.improves:
            return (
                "the personal model beats the base model on held-out segments "
                f"({self.describe()})"
            )
        return (
            "the personal model does NOT beat the base model on held-out segments "
            f"({self.describe()})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "test": TEST_NAME,
            "gain": self.gain,
            "ci": list(self.ci),
            "ci_level": self.ci_level,
            "p_value": self.p_value,
            "p_permutation": self.p_permutation,
            "p_paired": self.p_paired,
            "alpha": self.alpha,
            "n_segments": self.n_segments,
            "n_relabellings": self.n_relabellings,
            "permutations": self.permutations,
            "exact": self.exact,
            "can_tell": self.can_tell,
            "more_per_class": self.more_per_class,
        }


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Two-sided t confidence interval of the mean of ``values`` (n >= 2)."""
    from scipy.stats import t

    n = len(values)
    half = t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)
    mean = float(values.mean())
    return mean - float(half), mean + float(half)


def paired_p(gains: np.ndarray) -> float:
    """One-sided p of a paired t test that the mean of ``gains`` is above zero."""
    from scipy.stats import t

    sd = gains.std(ddof=1)
    if sd == 0:  # every segment gained alike: no spread to weigh it against
        return 0.0 if gains.mean() > 0 else 1.0
    stat = gains.mean() / (sd / np.sqrt(len(gains)))
    return float(t.sf(stat, len(gains) - 1))


def permutation_p(observed: float, null: np.ndarray, exact: bool) -> float:
    """p-value of ``observed`` against ``null`` gains (exact: all relabellings)."""
    # A small tolerance: equal gains computed in another order count as ties.
    above = int(np.count_nonzero(null >= observed - 1e-12))
    return above / len(null) if exact else (1 + above) / (1 + len(null))


def gain_test(
    observed: np.ndarray,
    null: np.ndarray,
    *,
    exact: bool,
    alpha: float,
    n_relabellings: int,
    counts: Sequence[int],
    max_folds: int,
) -> GainTest:
    """Assemble the test from per-segment gains and the null's gains.

    Parameters
    ----------
    observed : array of float, shape (n_segments,)
        Personal minus base accuracy of each held-out segment.
    null : array of float, shape (n_relabellings_used,)
        The gain under each relabelling.
    exact : bool
        Whether ``null`` holds every distinct relabelling.
    alpha : float
    n_relabellings : int
        :func:`relabellings`.
    counts : sequence of int
        Segments per class.
    max_folds : int
    """
    gain = float(observed.mean())
    return GainTest(
        gain=gain,
        ci=t_interval(observed, 1 - 2 * alpha),
        p_permutation=permutation_p(gain, null, exact),
        p_paired=paired_p(observed),
        alpha=alpha,
        n_segments=len(observed),
        n_relabellings=n_relabellings,
        permutations=len(null),
        exact=exact,
        more_per_class=more_segments_needed(counts, max_folds, alpha),
    )
