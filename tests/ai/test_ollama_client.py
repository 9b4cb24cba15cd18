"""The Ollama boundary against a faithful fake server, through the real `ollama` client."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from backend.prompts import PromptContext
from backend.settings import Settings
from backend.vision.ollama_client import (
    AIUnavailable,
    DescribeFailed,
    ModelMissing,
    probe_line,
    resolve_model,
)

from .conftest import make_settings
from .fake_ollama import Behaviour, FakeOllama

GOOD = json.dumps({"caption": "Oystercatcher probing wet sand with its long orange bill at low tide.",
                   "alt_text": "A black and white shorebird walks across wet sand near the water.",
                   "keywords": ["oystercatcher", "shorebird", "wet sand", "orange bill", "low tide", "mudflat",
                                "wading bird", "texel"]})
CTX = PromptContext(subject="Oystercatcher", location="Texel_Netherlands", category="Birds",
                    hint_keywords="wadden, mudflat", series_index=2, series_count=5)


def test_describe_sends_the_model_input_schema_and_fixed_options(captioner, settings: Settings, fake: FakeOllama,
                                                                 model_input: Path) -> None:
    result = captioner(settings).describe(model_input, CTX)
    assert result.answer.caption.startswith("Oystercatcher probing") and result.attempts == 1
    [req] = fake.inference_requests()
    assert req["format"]["required"] == ["caption", "alt_text", "keywords"]
    assert req["format"]["properties"]["keywords"]["maxItems"] == settings.keywords_count
    assert req["options"] == {"temperature": settings.ollama_temperature, "num_ctx": settings.ollama_num_ctx,
                              "num_predict": settings.ollama_num_predict, "seed": settings.ollama_seed}
    assert req["keep_alive"] == settings.ollama_keep_alive and req["stream"] is True
    user = req["messages"][-1]
    with Image.open(io.BytesIO(base64.b64decode(user["images"][0]))) as sent, Image.open(model_input) as mi:
        assert sent.size == mi.size  # the resized model input, not an original
    assert "Non-authoritative cues" in user["content"] and "Oystercatcher" in user["content"]
    assert "frame 2 of 5" in user["content"] and "Texel, Netherlands" in user["content"]


def test_fake_streams_by_default_like_ollama(captioner, fake: FakeOllama) -> None:
    body = {"model": "qwen2.5vl:7b", "messages": [{"role": "user", "content": "hi"}]}
    r = httpx.post(f"{fake.url}/api/chat", json=body, timeout=5)
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert r.headers["content-type"] == "application/x-ndjson" and len(lines) > 2
    assert lines[-1]["done"] is True and lines[-1]["done_reason"] == "stop" and "eval_count" in lines[-1]
    r = httpx.post(f"{fake.url}/api/generate", json={"model": "nope", "prompt": "x", "stream": False}, timeout=5)
    assert r.status_code == 404 and "try pulling it first" in r.json()["error"]


def test_probe_reports_model_processor_context_and_vram(captioner, tmp_path: Path) -> None:
    with FakeOllama(vram_fraction=0.5, context_length=8192) as fake:
        settings = make_settings(tmp_path, (fake.url, "http://127.0.0.1:9"))
        cold, down = captioner(settings).probe()
        assert cold["reachable"] and cold["model_present"] and cold["processor"] == ""
        [warm, _] = captioner(settings).probe(warm=True)
        assert (warm["processor"], warm["context"], warm["vram_gib"]) == ("50% GPU", 8192, 3.0)
        assert "processor=50% GPU context=8192 vram=3.0GiB" in warm["line"]
        assert not down["reachable"] and "not answering at http://127.0.0.1:9" in down["error"]
        assert "not reachable" in probe_line(down)


def test_missing_model_says_how_to_pull_and_pull_reports_progress(captioner, tmp_path: Path, model_input: Path) -> None:
    with FakeOllama(models=["llava:7b"]) as fake:
        settings = make_settings(tmp_path, (fake.url,), ollama_model="qwen2.5vl:3b")
        cap = captioner(settings)
        [info] = cap.probe()
        assert not info["model_present"] and 'ollama pull qwen2.5vl:3b' in info["error"]
        with pytest.raises(ModelMissing, match=r'Run "ollama pull qwen2\.5vl:3b"'):
            cap.describe(model_input, CTX)
        progress: list[dict] = []
        cap.pull("qwen2.5vl:3b", progress.append)
        assert progress[0]["status"] == "pulling manifest" and progress[-1]["status"] == "success"
        assert [p["percent"] for p in progress if p["total"]] == [0.0, 25.0, 50.0, 75.0, 100.0]
        assert cap.describe(model_input, CTX).model == "qwen2.5vl:3b"
        with pytest.raises(Exception, match="file does not exist"):
            cap.pull("no-such-model", progress.append)


def test_no_host_reachable_is_ai_unavailable(captioner, tmp_path: Path, model_input: Path) -> None:
    settings = make_settings(tmp_path, ("http://127.0.0.1:9",))
    with pytest.raises(AIUnavailable, match=r"No Ollama server answered at http://127.0.0.1:9"):
        captioner(settings).describe(model_input, CTX)


@pytest.mark.parametrize(("behaviours", "kind_note"), [
    ([Behaviour(content="Here you go:\n```json\n" + GOOD[:-1] + ",}\n```")], None),  # fence + trailing comma
    ([Behaviour(content="I cannot see the image."), Behaviour(content=GOOD)], "malformed_json"),
    ([Behaviour(content=GOOD[:70], done_reason="length"), Behaviour(content=GOOD)], "truncated"),
    ([Behaviour(status=500, error="llama runner process has terminated"), Behaviour(content=GOOD)], "http_error"),
    ([Behaviour(stall_after_chunks=2, stall_s=3.0), Behaviour(content=GOOD)], "idle_timeout"),
    ([Behaviour(content=GOOD[:40], error="unexpected EOF")], "http_error"),
])
def test_bad_answers_are_repaired_or_retried(captioner, settings: Settings, fake: FakeOllama, model_input: Path,
                                             behaviours: list[Behaviour], kind_note: str | None) -> None:
    fake.script(*behaviours)
    result = captioner(settings).describe(model_input, CTX)
    assert result.answer.keywords and result.answer.alt_text
    if kind_note is None:
        assert result.attempts == 1 and result.answer.repaired
    else:
        assert result.attempts == 2 and result.notes == [f"attempt 1: {kind_note}"]


def test_truncated_answer_retries_with_a_larger_token_budget(captioner, settings: Settings, fake: FakeOllama,
                                                             model_input: Path) -> None:
    fake.script(Behaviour(content=GOOD[:90], done_reason="length"))
    captioner(settings).describe(model_input, CTX)
    first, second = fake.inference_requests()
    assert second["options"]["num_predict"] == int(first["options"]["num_predict"] * 1.5)
    assert "Return only the JSON object" in second["messages"][-1]["content"]


def test_answer_in_thinking_with_empty_content_is_used(captioner, settings: Settings, fake: FakeOllama,
                                                       model_input: Path) -> None:
    fake.script(Behaviour(content="", thinking=GOOD))
    result = captioner(settings).describe(model_input, CTX)
    assert result.answer.source == "thinking" and result.answer.caption.startswith("Oystercatcher probing")


def test_non_english_answer_is_retried_in_english(captioner, settings: Settings, fake: FakeOllama,
                                                  model_input: Path) -> None:
    cjk = json.dumps({"caption": "一只蛎鹬在沙滩上觅食", "alt_text": "蛎鹬", "keywords": ["蛎鹬"]}, ensure_ascii=False)
    fake.script(Behaviour(content=cjk), Behaviour(content=GOOD))
    result = captioner(settings).describe(model_input, CTX)
    assert not result.answer.non_english and result.attempts == 2
    assert "only the Latin alphabet" in fake.inference_requests()[1]["messages"][-1]["content"]
    fake.script(*[Behaviour(content=cjk)] * 3)
    stubborn = captioner(settings).describe(model_input, CTX)
    assert stubborn.answer.non_english  # handed on: the gate blocks it with a clear tag


def test_idle_and_hard_watchdogs_stop_stuck_answers(captioner, tmp_path: Path, fake: FakeOllama,
                                                    model_input: Path) -> None:
    settings = make_settings(tmp_path, (fake.url,), ollama_max_attempts=1, ollama_timeout_s=1.2,
                             ollama_idle_timeout_s=0.6)
    fake.script(Behaviour(stall_after_chunks=1, stall_s=3.0))
    started = time.monotonic()
    with pytest.raises(DescribeFailed) as idle:
        captioner(settings).describe(model_input, CTX)
    assert idle.value.kind == "idle_timeout" and time.monotonic() - started < 2.5  # stall is 3 s
    fake.script(Behaviour(chunk_interval_s=0.2))  # alive but far too slow: ~20 chunks x 0.2 s
    started = time.monotonic()
    with pytest.raises(DescribeFailed) as hard:
        captioner(settings).describe(model_input, CTX)
    assert hard.value.kind == "hard_timeout" and 1.1 < time.monotonic() - started < 3.0  # answer needs ~4 s


def test_fallback_model_is_tried_when_the_primary_keeps_failing(captioner, tmp_path: Path, model_input: Path) -> None:
    with FakeOllama(models=["qwen2.5vl:7b", "qwen2.5vl:3b"]) as fake:
        settings = make_settings(tmp_path, (fake.url,), ollama_fallback_model="qwen2.5vl:3b",
                                 ollama_max_attempts=2)
        fake.script(Behaviour(status=500, error="out of memory"), Behaviour(status=500, error="out of memory"))
        result = captioner(settings).describe(model_input, CTX)
        assert result.model == "qwen2.5vl:3b"
        assert [r["model"] for r in fake.inference_requests()] == ["qwen2.5vl:7b", "qwen2.5vl:7b", "qwen2.5vl:3b"]
        fake.script(*[Behaviour(status=500, error="out of memory")] * 4)
        with pytest.raises(DescribeFailed, match="out of memory"):
            captioner(settings).describe(model_input, CTX)


def test_fallback_used_when_primary_missing(captioner, tmp_path: Path, model_input: Path) -> None:
    with FakeOllama(models=["llava:7b"]) as fake:
        settings = make_settings(tmp_path, (fake.url,), ollama_fallback_model="llava:7b")
        assert captioner(settings).describe(model_input, CTX).model == "llava:7b"
        assert resolve_model("llava", ["llava:7b"]) is None and resolve_model("LLAVA:7B", ["llava:7b"])


def test_second_host_takes_over_and_concurrency_is_per_host(captioner, tmp_path: Path, model_input: Path) -> None:
    with FakeOllama() as a, FakeOllama() as b:
        settings = make_settings(tmp_path, ("http://127.0.0.1:9", a.url, b.url), ollama_concurrency=1)
        cap = captioner(settings)
        a.script(*[Behaviour(chunk_interval_s=0.01)] * 6)
        b.script(*[Behaviour(chunk_interval_s=0.01)] * 6)
        threads = [threading.Thread(target=cap.describe, args=(model_input, CTX)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert len(a.inference_requests()) + len(b.inference_requests()) == 6
        assert a.max_active == 1 and b.max_active == 1 and a.inference_requests() and b.inference_requests()


def test_missing_model_input_fails_before_any_request(captioner, settings: Settings, fake: FakeOllama,
                                                      tmp_path: Path) -> None:
    with pytest.raises(DescribeFailed) as exc:
        captioner(settings).describe(tmp_path / "gone.jpg", CTX)
    assert exc.value.kind == "missing_input" and not fake.inference_requests()
