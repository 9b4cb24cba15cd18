"""CLIP hints with a tiny custom open_clip config saved as a real checkpoint by the test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
open_clip = pytest.importorskip("open_clip")

from backend.vision.clip_hints import ClipHinter, ClipUnavailable, find_weights  # noqa: E402

from .conftest import make_jpeg, make_settings  # noqa: E402

TINY = {"embed_dim": 64,
        "vision_cfg": {"image_size": 64, "layers": 2, "width": 64, "head_width": 32, "patch_size": 16},
        "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2}}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("clip")
    config = root / "tiny-clip-test.json"
    config.write_text(json.dumps(TINY))
    open_clip.add_model_config(config)
    torch.manual_seed(1234)
    model = open_clip.create_model("tiny-clip-test", pretrained=None)
    torch.save(model.state_dict(), root / "tiny.pt")
    return config, root / "tiny.pt"


def test_hints_load_the_checkpoint_and_rank_the_label_vocabulary(tmp_path: Path, tiny: tuple[Path, Path]) -> None:
    config, weights = tiny
    settings = make_settings(tmp_path, ("http://127.0.0.1:9",), clip_model=str(config), clip_weights=str(weights))
    hinter = ClipHinter(settings)
    image = make_jpeg(tmp_path / "bird.jpg")
    hints = hinter.hints(image, top_k=3, min_score=0.0)
    assert [h["label"] for h in hints] and all(h["label"] in settings.clip_labels for h in hints)
    assert [h["score"] for h in hints] == sorted((h["score"] for h in hints), reverse=True)
    assert 0 < sum(h["score"] for h in hints) <= 1.0001
    saved = torch.load(weights)
    loaded = hinter._model.state_dict()
    assert all(torch.equal(saved[k], loaded[k]) for k in saved)  # the file's weights, not a random init
    assert hinter.hints(image, top_k=3, min_score=0.0) == hints  # deterministic


def test_weights_are_found_in_the_models_folder(tmp_path: Path, tiny: tuple[Path, Path]) -> None:
    config, weights = tiny
    settings = make_settings(tmp_path, ("http://127.0.0.1:9",), clip_model=str(config), clip_weights="")
    target = settings.models_dir / "tiny-clip-test" / "open_clip_pytorch_model.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(weights.read_bytes())
    assert find_weights(settings)[0] == target
    assert ClipHinter(settings, labels=["birds", "aircraft"]).hints(make_jpeg(tmp_path / "a.jpg"), min_score=0)


def test_missing_weights_say_what_is_missing_and_how_to_get_it(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, ("http://127.0.0.1:9",), clip_weights="")
    ok, message = ClipHinter(settings).available()
    assert not ok
    assert "no weights for ViT-B-32" in message and "laion/CLIP-ViT-B-32-laion2B-s34B-b79K" in message
    assert str(settings.models_dir / "ViT-B-32" / "open_clip_pytorch_model.bin") in message
    assert "Captions are still written" in message


def test_a_broken_checkpoint_is_retried_once_then_reported(tmp_path: Path, tiny: tuple[Path, Path]) -> None:
    config, _ = tiny
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"not a checkpoint")
    hinter = ClipHinter(make_settings(tmp_path, ("http://127.0.0.1:9",), clip_model=str(config),
                                      clip_weights=str(bad)))
    with pytest.raises(ClipUnavailable, match="could not be loaded"):
        hinter.ensure_loaded()
    with pytest.raises(ClipUnavailable):  # remembered: no retry storm on every photo
        hinter.hints(make_jpeg(tmp_path / "a.jpg"))
