"""Splits as Ray tasks: a real two-node cluster on loopback, SYNTHETIC SEED-IV data.

The cluster (two nodes of one CPU each, both on 127.0.0.1) is shared by the
module and stopped at its end; every run is compared with the same run on
one worker, in this process, without Ray.
"""

from __future__ import annotations

import json
import threading

import psutil
import pytest
from _synth import feature_cache

from eegstream import EEGStreamError
from eegstream.cli import main

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

pytestmark = pytest.mark.slow
TASK = "ray::_train_split_task"
FAST = ["--protocol", "loso", "--subjects", "1-4", "--epochs", "2"]
FAST += ["--base-width", "8", "--no-save"]


@pytest.fixture(scope="module")
def cluster():
    """A head and a worker node, one CPU each, on 127.0.0.1; shut down afterwards."""
    c = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "node_ip_address": "127.0.0.1"},
    )
    try:
        c.add_node(num_cpus=1, node_ip_address="127.0.0.1")
        c.wait_for_nodes()
        yield c
    finally:
        ray.shutdown()
        c.shutdown()


def _train(root, out, *extra):
    code = main(
        ["train", "--dataset", "seed-iv", "--root", str(root), "--out", str(out),
         "--cache-dir", str(feature_cache(root)), *FAST, *extra]
    )  # fmt: skip
    return code, json.loads((out / "metrics.json").read_text()) if code == 0 else None


def _comparable(metrics):
    return {
        k: v
        for k, v in metrics.items()
        if k not in ("started", "finished", "execution")
    }


@pytest.fixture(scope="module")
def serial(synthetic_seed_iv_small, tmp_path_factory):
    """The reference: the same LOSO run on one worker, without Ray."""
    code, metrics = _train(
        synthetic_seed_iv_small, tmp_path_factory.mktemp("serial") / "run"
    )
    assert code == 0
    assert metrics["execution"]["nodes"] == [None] * 4
    return metrics


def test_cluster_run_equals_single_worker_and_uses_both_nodes(
    cluster, serial, synthetic_seed_iv_small, tmp_path
):
    code, metrics = _train(
        synthetic_seed_iv_small, tmp_path / "run", "--ray-address", cluster.address
    )
    assert code == 0
    assert _comparable(metrics) == _comparable(serial)  # to the last digit
    nodes = metrics["execution"]["nodes"]
    assert None not in nodes and len(set(nodes)) == 2  # tasks landed on both nodes
    assert not ray.is_initialized()  # the driver left the cluster, which lives on


def test_headset_subset_with_the_full_montage_equals_single_worker(
    cluster, synthetic_seed_iv_small, tmp_path
):
    # --compare-full fits the 62-channel model inside each split's task.
    extra = ["--arch", "logreg", "--channels-from", "emotiv-epoc", "--compare-full"]
    code, alone = _train(synthetic_seed_iv_small, tmp_path / "serial", *extra)
    assert code == 0
    code, spread = _train(
        synthetic_seed_iv_small,
        tmp_path / "cluster",
        *extra,
        "--ray-address",
        cluster.address,
    )
    assert code == 0
    assert _comparable(spread) == _comparable(alone)
    assert spread["channels"]["set"] == "emotiv-epoc (14 channels)"
    assert all("full_montage" in s for s in spread["splits"])
    assert "minus_full" in spread["summary"]


def test_killed_worker_is_retried_with_the_same_result(
    cluster, serial, synthetic_seed_iv_small, tmp_path
):
    killed = []
    stop = threading.Event()

    def kill_first_task():
        while not stop.is_set() and not killed:
            for proc in psutil.process_iter(["name", "cmdline"]):
                cmd = " ".join(proc.info["cmdline"] or [])
                if cmd.startswith(TASK):
                    proc.kill()
                    killed.append(proc.pid)
                    break
            stop.wait(0.05)

    killer = threading.Thread(target=kill_first_task)
    killer.start()
    try:
        code, metrics = _train(
            synthetic_seed_iv_small, tmp_path / "run", "--ray-address", cluster.address
        )
    finally:
        stop.set()
        killer.join()
    assert killed, "no split task was seen running"
    assert code == 0
    assert _comparable(metrics) == _comparable(serial)


def test_split_error_is_one_line_naming_the_split(
    cluster, synthetic_seed_iv_small, tmp_path
):
    from eegstream.training import RunOptions
    from eegstream.training.distributed import ray_session, run_splits
    from eegstream.training.fit import train_split
    from eegstream.training.run import prepare_run
    from eegstream.training.splits import Split

    opts = RunOptions(
        "seed-iv", synthetic_seed_iv_small, arch="logreg", subjects=[1, 2, 3, 4],
        cache_dir=feature_cache(synthetic_seed_iv_small), progress=False,
    )  # fmt: skip
    prepared = prepare_run(opts)
    # Subjects the data does not have: this split's own error, not the worker's.
    prepared.splits.append(Split("bad", (97,), (98,), (99,)))
    with ray_session(address=cluster.address):
        with pytest.raises(EEGStreamError) as err:
            run_splits([prepared], train_split, progress=False)
    assert str(err.value).startswith("split bad: no feature steps for subjects [97]")
    assert "\n" not in str(err.value)
    assert not ray.is_initialized()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--workers", "0"], "--workers must be an integer >= 1, got 0"),
        (["--ray-address", "127.0.0.1:1"], "no Ray cluster answers at ray address"),
        (["--ray-address", "nonsense"], "ray address must be HOST:PORT"),
    ],
)
def test_bad_parallel_settings_fail_in_one_line(
    extra, message, synthetic_seed_iv_small, tmp_path, capsys
):
    code, _ = _train(synthetic_seed_iv_small, tmp_path / "run", *extra)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and err.count("\n") == 1
    assert not ray.is_initialized()
    assert not (tmp_path / "run").exists()


def test_without_ray_says_how_to_install(
    synthetic_seed_iv_small, tmp_path, capsys, monkeypatch
):
    monkeypatch.setitem(__import__("sys").modules, "ray", None)  # Ray not installed
    code, _ = _train(synthetic_seed_iv_small, tmp_path / "run", "--workers", "2")
    assert code == 2
    assert "pip install 'eegstream[distributed]'" in capsys.readouterr().err


def test_sweep_on_the_cluster_equals_the_serial_sweep(
    cluster, synthetic_seed_iv_small, tmp_path
):
    def sweep(name, *extra):
        spec = tmp_path / f"{name}.toml"
        spec.write_text(
            f'[sweep]\nout = "{tmp_path / name}"\nprotocols = ["paper", "loso"]\n'
            f'archs = ["logreg"]\n[datasets.seed-iv]\nsubjects = "1-4"\n'
            f'root = "{synthetic_seed_iv_small}"\n'
            f'[train]\ncache-dir = "{feature_cache(synthetic_seed_iv_small)}"\n'
        )
        assert main(["sweep", str(spec), *extra]) == 0
        return (tmp_path / name / "results.csv").read_text().replace(name, "")

    assert sweep("serial") == sweep("ray", "--ray-address", cluster.address)
    assert not ray.is_initialized()


def test_ctrl_c_cancels_the_tasks_and_writes_nothing(synthetic_seed_iv_small, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "eegstream", "train", "--dataset", "seed-iv",
         "--root", str(synthetic_seed_iv_small), "--out", str(out),
         "--cache-dir", str(feature_cache(synthetic_seed_iv_small)),
         "--models-dir", str(tmp_path / "m"),
         "--protocol", "loso", "--epochs", "100", "--patience", "100",
         "--workers", "2"],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "RAY_ADDRESS": ""},
    )  # fmt: skip
    parent = psutil.Process(proc.pid)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            family = parent.children(recursive=True)
            running = [p for p in family if " ".join(_cmdline(p)).startswith(TASK)]
            if running:
                break
            time.sleep(0.2)
        assert running, "no split task started"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err.splitlines()[-1]
    assert not out.exists() and not (tmp_path / "m").exists()
    _, alive = psutil.wait_procs(family, timeout=30)
    assert not alive, f"Ray processes left: {[_cmdline(p)[:1] for p in alive]}"


def _cmdline(proc):
    try:
        return proc.cmdline()
    except psutil.Error:  # ended meanwhile
        return []
