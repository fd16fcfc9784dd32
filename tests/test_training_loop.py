"""The training loop and the baseline learn a planted effect from arrays; metrics."""

from __future__ import annotations

import numpy as np
import pytest

from eegstream.training import (
    TrainConfig,
    classification_metrics,
    train_logreg,
    train_network,
)
from eegstream.training.fit import predict_proba
from eegstream.training.loop import balanced_class_weights


def _planted(n_per_class, n_classes=3, seq_len=20, n_features=30, shift=1.0, seed=0):
    """Sequences of 4 "subjects" whose first features carry a class-dependent shift.

    Each subject adds its own offset to every feature; a new ``seed`` makes
    new subjects, so a model must generalise across them.
    """
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), n_per_class)
    x = rng.normal(size=(len(y), seq_len, n_features)).astype(np.float32)
    subject = rng.integers(0, 4, len(y))
    x += rng.normal(0, 0.5, (4, 1, n_features)).astype(np.float32)[subject]
    for c in range(n_classes):
        x[y == c, :, c * 3 : c * 3 + 3] += shift
    x[:, -4:] = 0  # padded tail, as short trials have
    return x, y


def test_network_learns_planted_effect_on_new_subjects():
    x, y = _planted(40)
    xv, yv = _planted(15, seed=1)
    xt, yt = _planted(20, seed=2)
    cfg = TrainConfig(epochs=12, lr=3e-3, base_width=8, seed=0, device="cpu")
    model, history = train_network(x, y, xv, yv, 3, cfg, progress=False)
    assert len(history["train_loss"]) <= 12
    assert history["best_epoch"] == 1 + int(np.argmin(history["val_loss"]))
    acc = np.mean(predict_proba(model, xt).argmax(1) == yt)
    assert acc > 0.7  # chance is 1/3


def test_training_is_seeded():
    x, y = _planted(10)
    cfg = TrainConfig(epochs=2, lr=3e-3, base_width=4, seed=5, device="cpu")
    runs = [
        train_network(x, y, x[:9], y[:9], 3, cfg, progress=False)[0] for _ in range(2)
    ]
    np.testing.assert_allclose(
        predict_proba(runs[0], x), predict_proba(runs[1], x), atol=1e-5
    )


def test_select_on_loss_keeps_lowest_validation_loss():
    x, y = _planted(15)
    cfg = TrainConfig(epochs=6, lr=3e-3, base_width=4, select_on="loss", device="cpu")
    _, history = train_network(x, y, x[:12], y[:12], 3, cfg, progress=False)
    assert history["best_epoch"] == 1 + int(np.argmin(history["val_loss"]))


def test_early_stopping_stops():
    x, y = _planted(10, shift=0.0)
    cfg = TrainConfig(epochs=50, early_stopping=2, lr=1e-2, base_width=4, device="cpu")
    _, history = train_network(x, y, x[:9], y[:9], 3, cfg, progress=False)
    assert len(history["val_loss"]) < 50
    assert len(history["val_loss"]) - history["best_epoch"] == 2


def test_logreg_learns_and_ignores_padding():
    x, y = _planted(40)
    xt, yt = _planted(20, seed=2)
    model = train_logreg(x, y, 3)
    assert np.mean(predict_proba(model, xt).argmax(1) == yt) > 0.9
    # Extra zero padding at the end does not change the baseline's input.
    padded = np.concatenate([xt, np.zeros_like(xt[:, :5])], axis=1)
    np.testing.assert_allclose(
        predict_proba(model, padded), predict_proba(model, xt), atol=1e-6
    )


def test_logreg_class_absent_from_training_is_never_predicted():
    x, y = _planted(20)
    keep = y != 1
    model = train_logreg(x[keep], y[keep], 3)
    assert 1 not in predict_proba(model, x).argmax(1)


def test_balanced_class_weights():
    w = balanced_class_weights(np.array([0, 0, 0, 1]), 3)
    np.testing.assert_allclose(w, [4 / 9, 4 / 3, 0.0])


def test_classification_metrics():
    m = classification_metrics([0, 0, 1, 2], [0, 1, 1, 2], ("a", "b", "c"))
    assert m["accuracy"] == pytest.approx(0.75)
    assert m["per_class"]["a"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "support": 2,
    }
    assert m["confusion"] == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]
    assert m["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)


def test_mean_readout_starts_at_the_baseline_and_stays_frozen():
    x, y = _planted(12)
    xv, yv = _planted(6, seed=1)
    # No epoch beats the read-out alone on validation: epoch 0 is kept.
    cfg = TrainConfig(epochs=2, lr=0.0, base_width=4, readout="mean", device="cpu")
    model, history = train_network(x, y, xv, yv, 3, cfg, progress=False)
    baseline = train_logreg(x, y, 3, seed=cfg.seed)
    assert history["best_epoch"] == 0
    np.testing.assert_allclose(
        predict_proba(model, xv), predict_proba(baseline, xv), atol=1e-5
    )
    # Training moves the deep branch only; the read-out is the baseline still.
    cfg = TrainConfig(epochs=3, lr=1e-2, base_width=4, readout="mean", keep="last")
    model, _ = train_network(x, y, xv, yv, 3, cfg, progress=False)
    for key, value in baseline.state_dict().items():
        np.testing.assert_array_equal(
            model.mean_readout.state_dict()[key].numpy(), value.numpy()
        )
    assert not np.allclose(
        predict_proba(model, xv), predict_proba(baseline, xv), atol=1e-3
    )
