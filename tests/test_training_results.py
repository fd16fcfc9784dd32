"""Evaluation results: typed fields, and ``evaluation.json``'s layout from to_dict."""

from __future__ import annotations

import json

import numpy as np

from eegstream.training.evaluate import (
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
    ]
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
