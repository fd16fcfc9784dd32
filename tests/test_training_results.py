"""Evaluation results: typed fields, and ``evaluation.json``'s layout from to_dict."""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from eegstream.evaluation import (
    OfflineEvaluation,
    StreamedTrial,
    StreamingEvaluation,
    TrialPrediction,
)
from eegstream.training.metrics import classification_metrics


def test_offline_layout_is_the_metrics_then_the_extras():
    true, pred = np.array([0, 1, 2, 3, 1]), np.array([0, 1, 2, 0, 1])
    metrics = classification_metrics(true, pred, ("a", "b", "c", "d"))
    result = OfflineEvaluation(
        **metrics,
        per_subject={7: 0.5, 8: 1.0},
        trials=(TrialPrediction("s7_k1_t1", 7, 3, 0),),
        normaliser="subject",
        features="own",
    )
    data = json.loads(json.dumps(result.to_dict()))
    assert list(data) == [
        *metrics,
        "per_subject",
        "trials",
        "normaliser",
        "features",
    ]
    assert data["accuracy"] == result.accuracy == 0.8
    assert data["per_subject"] == {"7": 0.5, "8": 1.0}
    assert data["trials"] == [{"key": "s7_k1_t1", "subject": 7, "true": 3, "pred": 0}]


def test_streaming_layout():
    trial = StreamedTrial("s1_k1_t1", 1, 2, True, False, None, 3)
    result = StreamingEvaluation(
        chunk_samples=10,
        device="cpu",
        n_trials=1,
        time_s=(4.0, 5.0, 6.0),
        accuracy=(0.0, 0.0, 1.0),
        n_trials_at_step=(1, 1, 1),
        final_accuracy=1.0,
        warm_accuracy=0.0,
        settled_fraction=0.0,
        median_settle_s=None,
        trials=(trial,),
    )
    data = json.loads(json.dumps(result.to_dict()))
    assert list(data) == [
        "chunk_samples",
        "device",
        "n_trials",
        "time_s",
        "accuracy",
        "n_trials_at_step",
        "final_accuracy",
        "warm_accuracy",
        "settled_fraction",
        "median_settle_s",
        "trials",
        "mode",
        "quality",
    ]
    assert data["mode"] == "trial"  # every streamed figure names its mode
    assert data["quality"] is None  # not scored by signal quality
    assert data["time_s"] == [4.0, 5.0, 6.0]
    assert data["trials"][0] == {
        "key": "s1_k1_t1",
        "subject": 1,
        "label": 2,
        "final_correct": True,
        "warm_correct": False,
        "settle_s": None,
        "n_steps": 3,
    }


def test_run_metrics_layout():
    from eegstream.features import FeatureConfig
    from eegstream.model import ProtocolSpec
    from eegstream.training import TrainConfig
    from eegstream.training.results import RunDataset, RunMetrics

    metrics = RunMetrics(
        name="run",
        dataset=RunDataset("seed-iv", "data/x", None, False, (1, 2, 3), 72),
        classes=("neutral", "sad", "fear", "happy"),
        arch="logreg",
        n_parameters=1244,
        protocol=ProtocolSpec("paper"),
        feature_config=FeatureConfig(),
        train_config=TrainConfig(),
        summary={"chance": 0.25},
        best_split="paper-seed42",
        splits=({"split": {"name": "paper-seed42"}},),
        started="2026-01-01T00:00:00+00:00",
        finished="2026-01-01T00:01:00+00:00",
        command="eegstream train --dataset seed-iv --root data/x",
    )
    data = json.loads(json.dumps(metrics.to_dict()))
    assert list(data) == [
        "name",
        "dataset",
        "classes",
        "arch",
        "n_parameters",
        "protocol",
        "channels",
        "feature_config",
        "train_config",
        "summary",
        "best_split",
        "splits",
        "started",
        "finished",
        "command",
        "recipe",
        "overrides",
        "departures_from_paper",
    ]
    assert list(data["dataset"]) == [
        "name",
        "root",
        "generated_by",
        "synthetic",
        "subjects",
        "n_trials",
    ]
    assert data["protocol"] == ProtocolSpec("paper").to_dict()
    # The full montage by default; a headset model names its set (test_headsets).
    assert data["channels"]["set"] == "seed-62 (62 channels)"
    assert len(data["channels"]["names"]) == 62
    assert "split" not in data["protocol"]
    assert FeatureConfig.from_dict(data["feature_config"]) == FeatureConfig()
    saved = json.loads(json.dumps(dataclasses.replace(metrics, model="m").to_dict()))
    assert list(saved)[-1] == "model" and saved["model"] == "m"


def test_quality_accuracy_splits_steps_by_clean():
    from eegstream.evaluation import QualityAccuracy

    q = QualityAccuracy.of(
        np.array([True, False, True, True]), np.array([True, True, False, True])
    )
    assert q == QualityAccuracy(3, 2 / 3, 1, 1.0)
    none_flagged = QualityAccuracy.of(np.array([True]), np.array([True]))
    assert none_flagged.n_flagged == 0 and none_flagged.flagged_accuracy is None
