"""Shared fixtures. LSL stays on this machine, so tests never meet other streams."""

from __future__ import annotations

import hashlib
import os
import signal
import tempfile
import uuid
from pathlib import Path

import pytest

# Must happen before pylsl is first imported: resolve only on this machine,
# IPv4 only, so parallel or repeated runs on a shared network never mix.
_LSL_CFG_TEXT = (
    # Past liblsl's 32 ports an outlet takes a random one, which the unicast
    # waves below never ask: with parallel test workers (and LabRecorder) a
    # machine can hold more than 32 outlets at once.
    "[ports]\nIPv6 = disable\nPortRange = 256\n\n"
    "[multicast]\nResolveScope = machine\n\n"
    # LabRecorderCLI's short resolve misses a process's second outlet with
    # machine-scope multicast alone; unicast to this host finds every one.
    "[lab]\nKnownPeers = {127.0.0.1}\n\n"
    "[log]\nlevel = -1\n"
)
# Named by its content: test runs of other checkouts on this machine (other
# settings) never overwrite the file a LabRecorder child is about to read.
_DIGEST = hashlib.sha256(_LSL_CFG_TEXT.encode()).hexdigest()[:8]
_LSL_CFG = Path(tempfile.gettempdir()) / f"eegstream-tests-lsl_api-{_DIGEST}.cfg"
_LSL_CFG.write_text(_LSL_CFG_TEXT)
os.environ.setdefault("LSLAPICFG", str(_LSL_CFG))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Before numpy's and torch's first import, and inherited by every child (the
# CLI, examples, Ray workers): one BLAS/OpenMP thread per process. The suite
# runs three workers plus their children on two cores, where a second
# spinning thread per process only steals the core another process waits
# for (test_training_artifacts beside two busy processes: 63 s -> 30 s).
# Tests of the threading itself raise the limit where they need it.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
# Before Ray's first import: its nodes then take 127.0.0.1 as their address
# and send no usage statistics, so no test traffic leaves loopback.
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
os.environ["RAY_USAGE_STATS_ENABLED"] = "0"

# A shell without job control starts a background command with SIGINT
# ignored, and children inherit that: the Ctrl-C tests, which send SIGINT to
# eegstream subprocesses, would then wait for nothing. A handled signal is
# reset to the default in a child, where Python installs its own handler.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# The PhysioNet EDF recordings ship with the tests (ODC-By 1.0, see
# tests/data/README.md); the Neuroscan .cnt has no stated licence and stays
# beside the repository.
REALDATA = Path(__file__).resolve().parent / "data"
SHARED_REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"


@pytest.fixture
def unique_id(request: pytest.FixtureRequest) -> str:
    """A name no other test (or test run) uses: for LSL stream names and source_ids."""
    return f"eegstream-test-{request.node.name[:40]}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The folder of the real PhysioNet EDF recordings (tests/data)."""
    return REALDATA


@pytest.fixture(scope="session")
def real_cnt() -> Path:
    """The real Neuroscan .cnt (../shared/realdata); skip when absent."""
    path = SHARED_REALDATA / "neuroscan_int32_1000hz_2ch.cnt"
    if not path.is_file():
        pytest.skip(f"real Neuroscan recording not found at {path}")
    return path


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An UNTRAINED SEED-IV ResAttentioNet checkpoint with default feature settings.

    Valid header and weights for exercising the live path; its
    probabilities mean nothing.
    """
    from eegstream.model._testing import untrained_checkpoint

    return untrained_checkpoint(tmp_path_factory.mktemp("models") / "tiny.safetensors")


@pytest.fixture(scope="module")
def ckpt(tiny_checkpoint: Path):
    """:func:`tiny_checkpoint`, loaded (once per module)."""
    from eegstream.model import load_checkpoint

    return load_checkpoint(tiny_checkpoint)


@pytest.fixture(scope="module")
def one_torch_thread():
    """Run torch on one intra-op thread, as the live pipeline and group session do.

    A batch of one gains nothing from two, and on a loaded 2-core machine a
    second thread stalls (pushing 5 s through a chain: 1.9 s with two
    threads, 0.04 s with one). A module asks for it with
    ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def labrecorder_config(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Let LabRecorderCLI (a subprocess) find this process's outlets.

    See :func:`_pipeline_helpers.labrecorder_lsl_config`. A module asks for it
    with ``pytest.mark.usefixtures("labrecorder_config")``.
    """
    from _pipeline_helpers import labrecorder_lsl_config

    return labrecorder_lsl_config(monkeypatch)


@pytest.fixture(scope="session")
def synthetic_seed_iv_small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SYNTHETIC SEED-IV release: 6 subjects, session 1, 24 trials of 20 s each."""
    from _synth import synthetic_release

    root = tmp_path_factory.mktemp("synth") / "SEED_IV"
    return synthetic_release("seed-iv", root, subjects=6, trial_seconds=20)


# liblsl can crash the process that destroys an outlet while a reader is still
# connected (sccn/liblsl#218: a race in liblsl's teardown, not in eegstream).
# Tests that lose a source on purpose kill a child process instead
# (_pipeline_helpers.ChildSource), but any stream a test ends can meet the
# race. Under pytest-xdist a crashed worker is replaced and the unfinished
# tests of its module, the crashed one included, run again on the new worker:
# a test's first crash is reported as a rerun, a second one as a failure.
_CRASHED: set[str] = set()


@pytest.hookimpl(optionalhook=True)
def pytest_handlecrashitem(crashitem: str, report: pytest.TestReport, sched) -> None:
    if crashitem not in _CRASHED:
        _CRASHED.add(crashitem)
        report.outcome = "rerun"  # type: ignore[assignment]


def pytest_report_teststatus(report: pytest.TestReport):
    if report.outcome == "rerun":
        return "rerun", "R", ("RERUN", {"yellow": True})
    return None


def pytest_configure(config: pytest.Config) -> None:
    import pylsl

    # liblsl reads its configuration once, at its first use in a process: make
    # that use now, with the file above. Tests that record hand LSLAPICFG (the
    # project's settings) to LabRecorder through the environment; read here
    # first, that file made every resolve that finds nothing take 5 s longer
    # than its timeout (liblsl 1.18.0b6: MinRTT 0.2 s with a machine scope).
    pylsl.resolve_streams(wait_time=0.0)


# The modules that take longest (tens of seconds each, most of it waiting on
# LabRecorder, Ray, real-time replays or the ASR fit child, which runs at a
# lower priority and starves while the other workers run), slowest first.
# `--dist loadfile --no-loadscope-reorder` hands modules out in this order: a
# long module begun last would leave the other workers idle at the end. The
# first five as measured before; the others by `-n 0 --durations=0` per module
# on the idle machine (2026-12-07: test_cli_group 78 s, test_web 53 s,
# test_group_markers 45 s, test_features_asr_stage 43 s, test_cli_run 40 s,
# test_group_calibration 36 s, test_examples 25-30 s, test_training_artifacts
# 25 s, test_cli_asr about 25 s, test_cli_exit 23 s, test_calibration and
# test_datasets_rated_cli 21 s, then 12-19 s each).
_SLOWEST_MODULES = (
    "test_recorder.py",
    "test_training_distributed.py",
    "test_pipeline_live_calibration.py",
    "test_dashboard_live.py",
    "test_datasets_synth.py",
    "test_cli_group.py",
    "test_features_asr_stage.py",
    "test_web.py",
    "test_group_markers.py",
    "test_cli_run.py",
    "test_group_calibration.py",
    "test_examples.py",
    "test_training_artifacts.py",
    "test_cli_asr.py",
    "test_cli_exit.py",
    "test_calibration.py",
    "test_datasets_rated_cli.py",
    "test_pipeline_live.py",
    "test_acquisition_lsl.py",
    "test_replay_player.py",
    "test_xdf.py",
    "test_cli_check.py",
    "test_cli_demo.py",
    "test_web_browser.py",
    "test_group_session.py",
    "test_training_cli.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: k for k, name in enumerate(_SLOWEST_MODULES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable
