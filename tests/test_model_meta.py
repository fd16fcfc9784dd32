"""The typed checkpoint header: parsed once, written back as it was stored."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import save_file

from eegstream import EEGStreamError
from eegstream.model import (
    CheckpointMeta,
    DatasetInfo,
    FeatureSource,
    load_checkpoint,
    resolve_model,
    save_checkpoint,
)
from eegstream.model._testing import untrained_checkpoint
from eegstream.model.checkpoint import FORMAT, FORMAT_VERSION, MODELS_DIR, _digest

SHIPPED = MODELS_DIR / "demo-seed-iv.safetensors"


def _stored_meta_json(path) -> str:
    """The ``meta`` string of a checkpoint, read straight from the file's bytes."""
    data = path.read_bytes()
    n = int.from_bytes(data[:8], "little")
    return json.loads(data[8 : 8 + n])["__metadata__"]["meta"]


def _write_raw(path, meta: dict, tensors: dict[str, torch.Tensor]) -> None:
    """A checkpoint with exactly this header, as an older eegstream wrote it."""
    meta_json = json.dumps(meta, sort_keys=True)
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "meta": meta_json,
        "sha256": _digest(meta_json, tensors),
    }
    save_file(tensors, str(path), metadata=header)


def test_shipped_model_header_round_trips_to_the_same_json():
    stored = _stored_meta_json(SHIPPED)
    meta = load_checkpoint(SHIPPED).meta
    assert meta.to_dict() == json.loads(stored)
    # Byte for byte: a re-saved header has the same digest input.
    assert json.dumps(meta.to_dict(), sort_keys=True) == stored


def test_shipped_model_header_is_typed():
    meta = load_checkpoint(resolve_model("demo-seed-iv")).meta
    assert meta.dataset.synthetic is True and meta.dataset.name == "seed-iv"
    assert meta.protocol is not None and meta.protocol.split is not None
    split = meta.protocol.split
    assert meta.metrics.test_subjects == split.test
    assert not set(split.test) & (set(split.train) | set(split.val))
    assert meta.metrics.test is not None and 0.0 <= meta.metrics.test.accuracy <= 1
    assert len(meta.normaliser.mean) == meta.n_features == 310
    assert meta.features == FeatureSource()
    assert {"train_config", "run", "command", "best_epoch"} <= set(meta.provenance)


def test_resaved_checkpoint_keeps_its_header(tmp_path):
    ckpt = load_checkpoint(SHIPPED)
    copy = save_checkpoint(tmp_path / "copy.safetensors", ckpt.state_dict, ckpt.meta)
    assert _stored_meta_json(copy) == _stored_meta_json(SHIPPED)
    assert load_checkpoint(copy).meta == ckpt.meta


def test_older_string_header_loads(tmp_path):
    path = untrained_checkpoint(tmp_path / "new.safetensors")
    ckpt = load_checkpoint(path)
    old = ckpt.meta.to_dict()
    old.update(dataset="untrained", protocol="none")
    del old["features"]
    _write_raw(tmp_path / "old.safetensors", old, ckpt.state_dict)
    meta = load_checkpoint(tmp_path / "old.safetensors").meta
    assert meta.dataset == DatasetInfo("untrained")
    assert meta.protocol is None
    assert meta.features == FeatureSource()
    assert meta.normaliser == ckpt.meta.normaliser
    load_checkpoint(tmp_path / "old.safetensors").build()


def test_malformed_header_named_in_one_line(tmp_path):
    ckpt = load_checkpoint(untrained_checkpoint(tmp_path / "a.safetensors"))
    bad = ckpt.meta.to_dict()
    bad["normaliser"] = dict(bad["normaliser"], mode="weird")
    _write_raw(tmp_path / "bad.safetensors", bad, ckpt.state_dict)
    with pytest.raises(EEGStreamError, match="normaliser mode 'weird'") as info:
        load_checkpoint(tmp_path / "bad.safetensors")
    assert "bad.safetensors" in str(info.value) and "\n" not in str(info.value)
    bad = dict(ckpt.meta.to_dict(), max_missing_channels="many")
    with pytest.raises(EEGStreamError, match="malformed"):
        CheckpointMeta.from_dict(bad)


@pytest.mark.parametrize("text", ["own", "official:de_LDS", "official:de_movingAve"])
def test_feature_source_round_trip(text):
    assert str(FeatureSource.parse(text)) == text


@pytest.mark.parametrize("text", ["official", "official:", "mine"])
def test_feature_source_refuses_other_forms(text):
    with pytest.raises(ValueError, match="'own' or 'official:KIND'"):
        FeatureSource.parse(text)


def test_headers_without_quality_settings_load_with_the_defaults(tmp_path):
    from eegstream.quality import QualitySettings

    shipped = load_checkpoint(SHIPPED).meta  # written before the signal checks
    assert "quality" not in json.loads(_stored_meta_json(SHIPPED))
    assert shipped.quality is None and shipped.quality_settings == QualitySettings()
    ckpt = load_checkpoint(untrained_checkpoint(tmp_path / "new.safetensors"))
    # A header made now carries its settings, and they come back as written.
    assert ckpt.meta.to_dict()["quality"] == QualitySettings().to_dict()
    header = dict(ckpt.meta.to_dict(), quality={"flat_uv": 2.0, "bad_after": 3})
    meta = CheckpointMeta.from_dict(header)
    assert meta.quality_settings == QualitySettings(flat_uv=2.0, bad_after=3)
    assert CheckpointMeta.from_dict(meta.to_dict()) == meta


def test_quality_settings_out_of_range_in_a_header_are_named(tmp_path):
    ckpt = load_checkpoint(untrained_checkpoint(tmp_path / "a.safetensors"))
    bad = dict(ckpt.meta.to_dict(), quality={"z_limit": 0.5})
    _write_raw(tmp_path / "bad.safetensors", bad, ckpt.state_dict)
    with pytest.raises(EEGStreamError, match="z_limit must be a number from 1 to 50"):
        load_checkpoint(tmp_path / "bad.safetensors")
