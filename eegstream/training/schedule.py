"""Where the splits run: one after another here, or together as Ray tasks."""

from __future__ import annotations

from .._errors import EEGStreamError
from .distributed import ray_session, run_splits
from .fit import SplitResult, train_split
from .job import PreparedRun


def train_runs(
    runs: list[PreparedRun],
    workers: int = 1,
    ray_address: str | None = None,
    progress: bool = True,
) -> list[list[SplitResult]]:
    """Train every split of every run: one after another, or together on Ray.

    Parameters
    ----------
    runs : list of PreparedRun
        From :func:`prepare_run`.
    workers : int
        More than 1: splits at once on an embedded local Ray.
    ray_address : str | None
        An existing Ray cluster to run the splits on instead.
    progress : bool
        One progress bar over the finished splits of all runs.

    Returns
    -------
    list of list of SplitResult
        Per run, :func:`~eegstream.training.fit.train_split` of each split, in
        split order.
    """
    if workers < 1:
        raise EEGStreamError(f"workers must be >= 1, got {workers}")
    if workers > 1 or ray_address:
        threads = max(r.job.opts.threads for r in runs)
        with ray_session(workers, ray_address, threads):
            return run_splits(runs, train_split, progress)
    from tqdm import tqdm

    total = sum(len(r.splits) for r in runs)
    bar = tqdm(
        total=total,
        desc="splits",
        unit="split",
        disable=None if progress and total > 1 else True,
    )
    with bar:
        out: list[list[SplitResult]] = []
        for run in runs:
            out.append([])
            for i, split in enumerate(run.splits):
                out[-1].append(train_split(run.job, i, split))
                bar.update()
    return out
