"""Run the splits of one or more training runs as Ray tasks.

Ray is optional (``pip install 'eegstream[distributed]'``). :func:`ray_session`
starts an embedded Ray bound to 127.0.0.1 (``workers`` task slots) or joins an
existing cluster, and always leaves no Ray process of its own behind.
:func:`run_splits` puts each run's :class:`~eegstream.training.job.SplitJob`
(options, features, sequences) into the object store once and submits one
task per split; every task seeds and threads itself as the serial path does,
so the metrics equal those of ``workers=1`` to the last digit on CPU.

A worker process that dies mid-split (killed, out of memory, node lost) is
retried by Ray (``max_retries``); an exception raised by the split itself is
not retried and ends the run with that split's one-line error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import socket
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .._errors import EEGStreamError
from ..model import Split
from .fit import SplitResult
from .job import PreparedRun, SplitJob

#: Fits one split of a job: ``fit(job, index, split) -> result``, the same in
#: any process (:func:`eegstream.training.fit.train_split`).
FitSplit = Callable[[SplitJob, int, Split], SplitResult]

INSTALL_HINT = "pip install 'eegstream[distributed]'"
# Retries of a split whose worker process died; the split's own errors are final.
MAX_RETRIES = 3


def import_ray(local: bool = True):
    """Import Ray with the settings that keep it quiet (and local: on loopback).

    ``local`` (set before Ray's first import) makes a node started here take
    127.0.0.1 as its address; a driver joining a remote cluster leaves it off.

    Raises
    ------
    EEGStreamError
        When Ray is not installed; the message says how to install it.
    """
    # Ray then sees 127.0.0.1 as this machine's address, sends no usage
    # statistics and prints each worker line as it comes.
    if local:
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    try:
        import ray
    except ImportError:
        raise EEGStreamError(
            f"running on Ray (--workers > 1, --ray-address, sweep) needs Ray: "
            f"{INSTALL_HINT}"
        ) from None
    return ray


def check_address(address: str) -> None:
    """Fail fast, in one line, when ``HOST:PORT`` of a cluster does not answer.

    ``"auto"`` and ``ray://`` addresses are left to Ray.
    """
    match = re.fullmatch(r"\[?([^\]]+?)\]?:(\d+)", address)
    if address == "auto" or address.startswith("ray://"):
        return
    if not match:
        raise EEGStreamError(
            f"ray address must be HOST:PORT of the head node (e.g. "
            f"127.0.0.1:6379), 'auto' or ray://HOST:PORT, got {address!r}"
        )
    try:
        with socket.create_connection((match[1], int(match[2])), timeout=5):
            pass
    except OSError as err:
        raise EEGStreamError(
            f"no Ray cluster answers at ray address {address!r} "
            f"({err.strerror or err}); start one with `ray start --head` or check "
            "HOST:PORT"
        ) from None


@contextlib.contextmanager
def ray_session(
    workers: int = 1, address: str | None = None, threads: int = 1
) -> Iterator[Any]:
    """Connect to a Ray cluster for the block; yield the ``ray`` module.

    Parameters
    ----------
    workers : int
        Embedded Ray (``address`` None): splits run at once, each in its own
        process; Ray is started with ``workers * threads`` CPUs on 127.0.0.1,
        without a dashboard, and shut down after the block.
    address : str | None
        ``HOST:PORT`` (or ``auto``, ``ray://HOST:PORT``) of an existing
        cluster: the driver joins it and only disconnects afterwards.
    threads : int
        torch CPU threads of each split (the CPUs a task asks Ray for).
    """
    if workers < 1:
        raise EEGStreamError(f"workers must be >= 1, got {workers}")
    ray = import_ray(local=not address)
    if ray.is_initialized():  # a caller's own session (tests, notebooks): use it
        yield ray
        return
    if address:
        check_address(address)
        init: dict[str, Any] = {"address": address}
    else:
        init = {
            "address": "local",
            "num_cpus": workers * threads,
            "_node_ip_address": "127.0.0.1",
        }
    try:
        ray.init(
            **init,
            include_dashboard=False,
            configure_logging=True,
            logging_level="ERROR",
            log_to_driver=False,
        )
    except (ConnectionError, RuntimeError, ValueError) as err:
        ray.shutdown()
        first = str(err).strip().splitlines()[0] if str(err).strip() else repr(err)
        raise EEGStreamError(
            f"could not start or join Ray (ray address {address or 'local'!r}): {first}"
        ) from None
    except BaseException:  # Ctrl-C while starting: stop what was started
        ray.shutdown()
        raise
    try:
        yield ray
    finally:
        ray.shutdown()


def task_resources(ray, device: str, threads: int) -> dict[str, float]:
    """Resources one split asks for: its CPU threads, and one GPU where it trains."""
    gpus = 0
    if device == "cuda" or (
        device == "auto" and ray.cluster_resources().get("GPU", 0) > 0
    ):
        gpus = 1
    return {"num_cpus": threads, "num_gpus": gpus}


def _train_split_task(fit, job, trials, sequences, index, split):
    """Fit one split in a Ray worker (module level, so workers can import it)."""
    import ray

    job = dataclasses.replace(job, trials=trials, sequences=sequences)
    result = fit(job, index, split)
    return dataclasses.replace(result, node=ray.get_runtime_context().get_node_id())


def run_splits(
    runs: Sequence[PreparedRun], fit: FitSplit, progress: bool = True
) -> list[list[SplitResult]]:
    """Fit every split of every run as Ray tasks, all scheduled together.

    Call inside :func:`ray_session`. Each run's features and sequences go
    into the object store once (once in all for runs that share the very same
    lists, as a sweep's cells on one dataset do); the progress bar counts
    finished splits over all runs.

    Parameters
    ----------
    runs : sequence of PreparedRun
        From :func:`~eegstream.training.run.prepare_run`.
    fit : callable
        ``fit(job, index, split) -> SplitResult``, called in the workers
        (:func:`~eegstream.training.fit.train_split`); a module-level
        function, which Ray sends by name.
    progress : bool
        One progress bar over the finished splits of all runs.

    Returns
    -------
    list of list of SplitResult
        Per run, the results of ``fit`` in split order.

    Raises
    ------
    EEGStreamError
        The first split that failed with an error of its own, named.
    KeyboardInterrupt
        After cancelling every task (Ctrl-C).
    """
    from tqdm import tqdm

    ray = import_ray()
    refs: list[Any] = []
    where: dict[Any, tuple[int, int]] = {}
    stored: dict[int, Any] = {}  # id of a features or sequences object -> its ref

    def put_once(obj):
        if obj is not None and id(obj) not in stored:
            stored[id(obj)] = ray.put(obj)
        return None if obj is None else stored[id(obj)]

    for r, prep in enumerate(runs):
        opts = prep.job.opts
        job_ref = ray.put(
            dataclasses.replace(
                prep.job,
                opts=dataclasses.replace(opts, progress=False),
                trials=[],
                sequences=None,
            )
        )
        data = put_once(prep.job.trials), put_once(prep.job.sequences)
        task = ray.remote(
            max_retries=MAX_RETRIES,
            retry_exceptions=False,
            scheduling_strategy="SPREAD",  # fill every node, not the first one
            **task_resources(ray, opts.train.device, opts.threads),
        )(_train_split_task)
        for i, split in enumerate(prep.splits):
            ref = task.remote(fit, job_ref, *data, i, split)
            refs.append(ref)
            where[ref] = (r, i)
    out: list[list[Any]] = [[None] * len(p.splits) for p in runs]
    bar = tqdm(
        total=len(refs),
        desc="splits",
        unit="split",
        disable=None if progress and len(refs) > 1 else True,
    )
    pending = list(refs)
    try:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                r, i = where[ref]
                out[r][i] = _get(ray, ref, runs[r].splits[i].name)
                bar.update()
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    finally:
        bar.close()
    return out


def _get(ray, ref, name: str) -> Any:
    """``ray.get`` one split; its own error becomes one line naming the split."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as err:
        cause = err.cause
        if isinstance(cause, EEGStreamError):
            raise EEGStreamError(f"split {name}: {cause}") from None
        if isinstance(cause, BaseException):
            raise cause from None
        raise
