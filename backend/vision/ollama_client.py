"""The Ollama boundary: the only module that imports `ollama`.

Why it looks like this: the photographer's Ollama may be this machine or a GPU box on the LAN, may
be down, may lack the model, may answer slowly, stall mid-answer, return broken JSON or put its answer
in `thinking`. All of that is handled here and translated into our own vocabulary:
`AIUnavailable` / `ModelMissing` (the run must pause: nothing can be described) and `DescribeFailed`
(this photo failed after its retries; the caller quarantines it). Answers are always streamed so an
idle watchdog (no token for `ollama_idle_timeout_s`) and a hard watchdog (`ollama_timeout_s` for the
whole answer) can stop a stuck request without waiting for the server.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import ollama

from ..errors import AppError, ServiceUnavailable
from ..prompts import SYSTEM, PromptContext, build_prompt, response_schema
from ..settings import Settings
from .answer import Answer, AnswerError, parse_answer

DOWN_COOLDOWN_S = 30.0
TAGS_TTL_S = 60.0


class AIUnavailable(ServiceUnavailable):
    """No Ollama host can describe photos right now (all down, or the model is on none of them)."""

    code = "ai_unavailable"


class ModelMissing(AIUnavailable):
    code = "model_missing"

    def __init__(self, model: str, hosts: list[str]) -> None:
        super().__init__(
            f'The vision model "{model}" is not installed on {", ".join(hosts)}. '
            f'Run "ollama pull {model}" on that machine, or press Pull in Settings. '
            "Nothing was changed; the run can continue once the model is there.")
        self.model = model


class DescribeFailed(AppError):
    """One photo could not be described after its retries; `kind` is the last failure's cause."""

    status = 502
    code = "ai_failed"

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class _HostDown(Exception):
    pass


def resolve_model(wanted: str, installed: list[str]) -> str | None:
    """Installed name for `wanted` ("llava" matches "llava:latest"; tags compare case-insensitively)."""
    names = {n.lower(): n for n in installed}
    w = wanted.lower()
    return names.get(w) or (names.get(f"{w}:latest") if ":" not in w else None) or \
        (names.get(w.removesuffix(":latest")) if w.endswith(":latest") else None)


@dataclass
class _Host:
    url: str
    control: ollama.Client  # short timeouts: tags, ps, show
    infer: ollama.Client  # read timeout just above the idle watchdog
    slots: threading.BoundedSemaphore
    down_until: float = 0.0
    models: list[str] | None = None
    models_at: float = 0.0
    error: str = ""

    def is_down(self) -> bool:
        return time.monotonic() < self.down_until


@dataclass
class Described:
    """A successful answer with where it came from."""

    answer: Answer
    model: str
    host: str
    attempts: int
    notes: list[str] = field(default_factory=list)


class OllamaCaptioner:
    """Describes photos through one or more Ollama hosts with per-host concurrency."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        idle = max(1.0, settings.ollama_idle_timeout_s)
        self.hosts = [
            _Host(url=url.rstrip("/"),
                  control=ollama.Client(host=url, timeout=httpx.Timeout(10.0, connect=3.0)),
                  infer=ollama.Client(host=url, timeout=httpx.Timeout(idle + 5.0, connect=5.0)),
                  slots=threading.BoundedSemaphore(max(1, settings.ollama_concurrency)))
            for url in settings.ollama_hosts
        ]
        self._lock = threading.Lock()

    @property
    def host_urls(self) -> list[str]:
        return [h.url for h in self.hosts]

    def close(self) -> None:
        for h in self.hosts:
            h.control.close()
            h.infer.close()

    def __enter__(self) -> OllamaCaptioner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- discovery -----------------------------------------------------------------------------
    def _models(self, host: _Host, refresh: bool = False) -> list[str]:
        """Installed model names of `host` (cached briefly); raises _HostDown when it does not answer."""
        if host.is_down() and not refresh:
            raise _HostDown(host.error)
        if not refresh and host.models is not None and time.monotonic() - host.models_at < TAGS_TTL_S:
            return host.models
        try:
            host.models = [m.model or "" for m in host.control.list().models]
        except (ConnectionError, httpx.TransportError) as exc:
            host.down_until = time.monotonic() + DOWN_COOLDOWN_S
            host.error = f"Ollama is not answering at {host.url} ({type(exc).__name__})."
            raise _HostDown(host.error) from None
        except ollama.ResponseError as exc:
            host.down_until = time.monotonic() + DOWN_COOLDOWN_S
            host.error = f"Ollama at {host.url} answered with an error: {exc.error} (HTTP {exc.status_code})."
            raise _HostDown(host.error) from None
        host.models_at, host.down_until, host.error = time.monotonic(), 0.0, ""
        return host.models

    def hosts_with(self, model: str, refresh: bool = False) -> list[_Host]:
        """Reachable hosts that have `model`; raises AIUnavailable when no host answers at all."""
        reachable, found = 0, []
        for host in self.hosts:
            try:
                names = self._models(host, refresh)
            except _HostDown:
                continue
            reachable += 1
            if resolve_model(model, names):
                found.append(host)
        if not reachable:
            raise AIUnavailable(
                f"No Ollama server answered at {', '.join(self.host_urls)}. Start Ollama (or check the "
                "address in Settings), then choose Retry; your photos are safe where they are.")
        return found

    def usable_models(self) -> list[str]:
        """The configured primary and fallback models that some reachable host has, in that order."""
        out = [m for m in (self.settings.ollama_model, self.settings.ollama_fallback_model)
               if m and self.hosts_with(m, refresh=True)]
        if not out:
            raise ModelMissing(self.settings.ollama_model, self.host_urls)
        return out

    def probe(self, warm: bool = False) -> list[dict[str, Any]]:
        """Per-host status for the UI and the startup log line: reachability, models, GPU/CPU, context, VRAM."""
        results = []
        for host in self.hosts:
            info: dict[str, Any] = {"host": host.url, "reachable": False, "models": [],
                                    "model": self.settings.ollama_model, "model_present": False,
                                    "fallback_present": False, "processor": "", "context": None,
                                    "vram_gib": None, "error": ""}
            try:
                names = self._models(host, refresh=True)
            except _HostDown as exc:
                info["error"] = str(exc)
                info["line"] = probe_line(info)
                results.append(info)
                continue
            model = resolve_model(self.settings.ollama_model, names)
            info.update(reachable=True, models=names, model_present=bool(model),
                        fallback_present=bool(self.settings.ollama_fallback_model and resolve_model(
                            self.settings.ollama_fallback_model, names)))
            if not model:
                info["error"] = str(ModelMissing(self.settings.ollama_model, [host.url]))
            try:
                if model and warm:
                    host.infer.generate(model=model, prompt="ok", keep_alive=self.settings.ollama_keep_alive,
                                        options={"num_predict": 1, "num_ctx": self.settings.ollama_num_ctx})
                for m in host.control.ps().models:
                    if model and resolve_model(model, [m.model or m.name or ""]):
                        size, vram = int(m.size or 0), int(m.size_vram or 0)
                        info["processor"] = ("GPU" if size and vram >= size else "CPU" if not vram
                                             else f"{round(100 * vram / size)}% GPU")
                        info["context"] = m.context_length
                        info["vram_gib"] = round(vram / 2**30, 1)
            except (ConnectionError, httpx.TransportError, ollama.ResponseError) as exc:
                info["error"] = info["error"] or f"Could not read the model status from {host.url}: {exc}"
            info["line"] = probe_line(info)
            results.append(info)
        return results

    def pull(self, model: str, on_progress: Callable[[dict[str, Any]], None], host: str | None = None) -> None:
        """Download `model` on a host (the first one by default), reporting progress as it streams."""
        target = next((h for h in self.hosts if host in (None, h.url)), None)
        if target is None:
            raise AIUnavailable(f"{host} is not one of the configured Ollama hosts.")
        try:
            for part in target.infer.pull(model, stream=True):
                total, done = int(part.total or 0), int(part.completed or 0)
                on_progress({"status": part.status or "", "completed": done, "total": total,
                             "percent": round(100 * done / total, 1) if total else None})
        except (ConnectionError, httpx.TransportError) as exc:
            raise AIUnavailable(f"Ollama at {target.url} stopped answering while pulling {model}: {exc}") from None
        except ollama.ResponseError as exc:
            raise ServiceUnavailable(f'Ollama could not pull "{model}": {exc.error}') from None
        target.models = None

    # -- describing ------------------------------------------------------------------------------
    def _acquire(self, candidates: list[_Host], deadline: float) -> _Host:
        while True:
            for host in candidates:
                if not host.is_down() and host.slots.acquire(blocking=False):
                    return host
            if time.monotonic() > deadline or all(h.is_down() for h in candidates):
                raise DescribeFailed("busy", "every Ollama host stayed busy; try again")
            time.sleep(0.05)

    def _stream(self, host: _Host, model: str, prompt: str, image: bytes, num_predict: int) -> tuple[str, str, str]:
        """Stream one chat answer under the idle and hard watchdogs; returns (content, thinking, done_reason)."""
        s = self.settings
        box: queue.Queue[tuple[str, Any]] = queue.Queue()
        stop = threading.Event()

        def pump() -> None:
            stream: Iterator[Any] | None = None
            try:
                stream = host.infer.chat(
                    model=model, stream=True, format=response_schema(s.keywords_count),
                    keep_alive=s.ollama_keep_alive,
                    options={"temperature": s.ollama_temperature, "num_ctx": s.ollama_num_ctx,
                             "num_predict": num_predict, "seed": s.ollama_seed},
                    messages=[{"role": "system", "content": SYSTEM},
                              {"role": "user", "content": prompt, "images": [image]}])
                for part in stream:
                    if stop.is_set():
                        break
                    box.put(("part", part))
                box.put(("end", None))
            except BaseException as exc:
                box.put(("error", exc))
            finally:
                close = getattr(stream, "close", None)
                if close:
                    close()

        threading.Thread(target=pump, name=f"ollama-{host.url}", daemon=True).start()
        content: list[str] = []
        thinking: list[str] = []
        reason = ""
        deadline = time.monotonic() + s.ollama_timeout_s
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DescribeFailed("hard_timeout", f"{model} at {host.url} did not finish within "
                                                         f"{s.ollama_timeout_s:.0f} s")
                try:
                    kind, item = box.get(timeout=min(s.ollama_idle_timeout_s, left))
                except queue.Empty:
                    if deadline - time.monotonic() <= 0:
                        continue
                    raise DescribeFailed("idle_timeout", f"{model} at {host.url} sent nothing for "
                                                         f"{s.ollama_idle_timeout_s:.0f} s") from None
                if kind == "error":
                    raise item
                if kind == "end":
                    return "".join(content), "".join(thinking), reason
                msg = item.message
                content.append(msg.content or "")
                thinking.append(getattr(msg, "thinking", None) or "")
                if item.done:
                    reason = item.done_reason or ""
        finally:
            stop.set()

    def describe(self, image_path: str | Path, ctx: PromptContext) -> Described:
        """Caption / alt text / keywords for one model-input image, with retries and the fallback model.

        Raises AIUnavailable when no host can serve any configured model (the run should pause), or
        DescribeFailed when this photo keeps failing (the caller quarantines it).
        """
        path = Path(image_path)
        if not path.is_file():
            raise DescribeFailed("missing_input", f"The model input {path} is missing; run Derivatives again.")
        image = path.read_bytes()
        s = self.settings
        notes: list[str] = []
        last: AppError | None = None
        models = [m for m in (s.ollama_model, s.ollama_fallback_model) if m]
        for model in models:
            candidates = self.hosts_with(model)
            if not candidates:
                last = ModelMissing(model, self.host_urls)
                notes.append(f"{model}: not installed")
                continue
            attempt_ctx, num_predict, best_foreign = ctx, s.ollama_num_predict, None
            for attempt in range(1, max(1, s.ollama_max_attempts) + 1):
                host = self._acquire(candidates, time.monotonic() + s.ollama_timeout_s)
                try:
                    content, thinking, reason = self._stream(host, model, build_prompt(attempt_ctx), image,
                                                             num_predict)
                except (ConnectionError, httpx.ConnectError) as exc:
                    host.down_until = time.monotonic() + DOWN_COOLDOWN_S
                    last = _noted(notes, attempt, DescribeFailed("host_down", f"{host.url} stopped answering: {exc}"))
                    candidates = self.hosts_with(model, refresh=True) or candidates
                    continue
                except httpx.TimeoutException:
                    last = _noted(notes, attempt, DescribeFailed("idle_timeout", f"{model} at {host.url} went quiet"))
                    continue
                except (httpx.TransportError, ValueError) as exc:
                    last = _noted(notes, attempt, DescribeFailed("broken_stream", f"{host.url} broke off: {exc}"))
                    continue
                except ollama.ResponseError as exc:
                    if exc.status_code == 404 and "not found" in str(exc.error).lower():
                        host.models = None
                        last = ModelMissing(model, [host.url])
                        break
                    last = _noted(notes, attempt, DescribeFailed(
                        "http_error", f"{host.url} answered HTTP {exc.status_code}: {exc.error}"))
                    continue
                except DescribeFailed as exc:
                    last = _noted(notes, attempt, exc)
                    continue
                finally:
                    host.slots.release()
                try:
                    answer = self._parse(content, thinking, reason)
                except AnswerError as exc:
                    last = _noted(notes, attempt, DescribeFailed(
                        exc.kind, f"{model} gave unusable output ({exc.detail})"))
                    if exc.kind == "truncated":
                        num_predict = int(num_predict * 1.5)
                    attempt_ctx = attempt_ctx.with_nudge("json")
                    continue
                if answer.non_english:
                    best_foreign = best_foreign or Described(answer, model, host.url, attempt, notes)
                    notes.append(f"attempt {attempt}: non-English answer")
                    attempt_ctx = attempt_ctx.with_nudge("english")
                    continue
                return Described(answer, model, host.url, attempt, notes)
            if best_foreign is not None:
                return best_foreign  # the gate blocks it as non-English; the reviewer sees why
        if isinstance(last, ModelMissing) and len(models) == 1:
            raise last
        raise last or DescribeFailed("unknown", "the model gave no answer")

    @staticmethod
    def _parse(content: str, thinking: str, reason: str) -> Answer:
        try:
            return parse_answer(content, cut_off=reason == "length")
        except AnswerError:
            if content.strip() or not thinking.strip():
                raise
        return parse_answer(thinking, source="thinking", cut_off=reason == "length")


def _noted(notes: list[str], attempt: int, error: DescribeFailed) -> DescribeFailed:
    notes.append(f"attempt {attempt}: {error.kind}")
    return error


def probe_line(info: dict[str, Any]) -> str:
    """The startup line the photographer confirms: model, GPU/CPU, context size and VRAM."""
    if not info.get("reachable"):
        return f"Ollama {info['host']}: not reachable. {info.get('error', '')}".strip()
    if not info.get("model_present"):
        return f"Ollama {info['host']}: model {info['model']} missing (run: ollama pull {info['model']})"
    if not info.get("processor"):
        return f"Ollama {info['host']}: model {info['model']} installed, not loaded yet"
    return (f"Ollama {info['host']}: model={info['model']} processor={info['processor']} "
            f"context={info['context']} vram={info['vram_gib']}GiB")


_shared: dict[Settings, OllamaCaptioner] = {}
_shared_lock = threading.Lock()


def captioner(settings: Settings) -> OllamaCaptioner:
    """One captioner per host/model configuration, shared by the pipeline and the review editor."""
    with _shared_lock:
        if settings not in _shared:
            _shared[settings] = OllamaCaptioner(settings)
        return _shared[settings]


def reset() -> None:
    """Close and forget the shared captioners (settings changed, app shutting down, tests)."""
    with _shared_lock:
        for cap in _shared.values():
            cap.close()
        _shared.clear()


def probe(settings: Settings, warm: bool = False) -> list[dict[str, Any]]:
    return captioner(settings).probe(warm=warm)


def pull(settings: Settings, model: str, on_progress: Callable[[dict[str, Any]], None],
         host: str | None = None) -> None:
    captioner(settings).pull(model, on_progress, host)


def describe(settings: Settings, image_path: str | Path, prompt_ctx: PromptContext) -> Described:
    return captioner(settings).describe(image_path, prompt_ctx)
