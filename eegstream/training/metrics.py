"""Trial-level classification metrics and their summary over splits."""

from __future__ import annotations

from typing import Any

import numpy as np


def classification_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, classes: tuple[str, ...] | list[str]
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix.

    Parameters
    ----------
    y_true, y_pred : arrays of int, shape (n_trials,)
        True and predicted label ids.
    classes : sequence of str
        Class names in id order.

    Returns
    -------
    dict
        ``accuracy``, ``macro_f1``, ``n``, ``per_class`` (name -> precision,
        recall, f1, support) and ``confusion`` (rows true, columns predicted).
    """
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    labels = list(range(len(classes)))
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    p, r, f, s = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    return {
        "n": int(len(y_true)),
        "accuracy": float(np.mean(y_true == y_pred)) if len(y_true) else float("nan"),
        "macro_f1": float(np.mean(f)),
        "per_class": {
            c: {
                "precision": float(p[i]),
                "recall": float(r[i]),
                "f1": float(f[i]),
                "support": int(s[i]),
            }
            for i, c in enumerate(classes)
        },
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def summarise(values: list[float]) -> dict[str, float]:
    """Mean and sample SD (0 for one value) of per-split figures."""
    a = np.asarray(values, dtype=np.float64)
    return {
        "mean": float(a.mean()) if a.size else float("nan"),
        "sd": float(a.std(ddof=1)) if a.size > 1 else 0.0,
        "n": int(a.size),
    }
