"""A stdlib HTTP double of the Ollama server, faithful to its documented API.

No Ollama server can be installed on our build machines (recipes-ml-data.md §6), so tests talk to
this instead, through the real `ollama` client. It implements GET / , /api/version, /api/tags,
/api/ps and POST /api/show, /api/chat, /api/generate, /api/pull with Ollama's shapes: streaming is
the default when `stream` is absent (NDJSON over chunked transfer), the final object carries
`done_reason` and the duration / count fields, errors are `{"error": ...}` with the right status.

Behaviour is scriptable per request: `server.script(Behaviour(...), ...)` queues answers consumed
by the next chat/generate calls; with an empty queue a valid answer is made from `default_answer`.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GIB = 2**30


@dataclass
class Behaviour:
    """How the next chat/generate answer misbehaves (all fields optional)."""

    content: str | None = None  # the answer text; None = the default JSON answer
    thinking: str = ""  # text placed in the `thinking` field
    delay_s: float = 0.0  # wait before the first byte
    stall_after_chunks: int | None = None  # stop sending after this many chunks ...
    stall_s: float = 0.0  # ... for this long (then continue)
    chunk_interval_s: float = 0.0  # pause between chunks (a slow but alive model)
    status: int = 200  # HTTP error status instead of an answer
    error: str = ""  # error text for `status` != 200, or an in-stream error
    done_reason: str = "stop"


@dataclass
class FakeModel:
    name: str
    family: str = "qwen25vl"
    size: int = 6 * GIB
    capabilities: list[str] = field(default_factory=lambda: ["completion", "vision"])


_ANSWERS = [
    ("Oystercatcher probing wet sand with its long orange bill at low tide.",
     "An oystercatcher with black and white plumage walks across rippled wet sand.",
     ["oystercatcher", "shorebird", "wet sand", "orange bill", "low tide", "mudflat", "wading bird", "texel"]),
    ("Oystercatcher in flight low over shallow water with both wings raised.",
     "An oystercatcher flies above grey water, its white wing bars spread wide.",
     ["oystercatcher", "bird in flight", "wing bar", "shallow water", "coastal bird", "wadden sea", "grey water",
      "flight"]),
    ("Oystercatcher resting on one leg on a shell bank beside a tidal channel.",
     "An oystercatcher with a red eye stands on one leg among broken shells.",
     ["oystercatcher", "shell bank", "tidal channel", "one leg", "resting bird", "red eye", "shell", "coast"]),
    ("Oystercatcher calling with its bill open while standing on a weathered groyne.",
     "An oystercatcher with an open orange bill stands on an old wooden post.",
     ["oystercatcher", "calling bird", "open bill", "groyne", "wooden post", "weathered wood", "beach", "call"]),
]


def default_answer(request: dict[str, Any], n: int) -> str:
    """A valid answer (the n-th of this server), distinct for the first four requests."""
    caption, alt, keywords = _ANSWERS[(n - 1) % len(_ANSWERS)]
    return json.dumps({"caption": caption, "alt_text": alt, "keywords": keywords, "title": caption[:30]})


class FakeOllama:
    """Start with `with FakeOllama() as server:`; `server.url` is the host for ollama.Client."""

    def __init__(self, models: list[str] | None = None, vram_fraction: float = 1.0,
                 context_length: int = 4096) -> None:
        self.models = {m: FakeModel(m) for m in (models or ["qwen2.5vl:7b"])}
        self.loaded: set[str] = set()
        self.vram_fraction = vram_fraction
        self.context_length = context_length
        self.requests: list[tuple[str, str, dict[str, Any]]] = []  # (method, path, body)
        self.pullable = {"qwen2.5vl:7b", "qwen2.5vl:3b", "llava:7b", "minicpm-v:latest"}
        self._script: list[Behaviour] = []
        self._lock = threading.Lock()
        self._count = 0
        self.active = 0
        self.max_active = 0
        self._connections: set[Any] = set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeOllama:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop like a killed server: refuse new connections and drop the open keep-alive ones."""
        self._server.shutdown()
        self._server.server_close()
        for conn in list(self._connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def script(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self._script.extend(behaviours)

    def inference_requests(self) -> list[dict[str, Any]]:
        return [b for _, p, b in self.requests if p in ("/api/chat", "/api/generate")]

    def _next(self) -> tuple[Behaviour, int]:
        with self._lock:
            self._count += 1
            return (self._script.pop(0) if self._script else Behaviour()), self._count

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                fake._connections.add(self.connection)

            def finish(self) -> None:
                fake._connections.discard(self.connection)
                super().finish()

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                return

            # -- plumbing ----------------------------------------------------------------------
            def _json(self, status: int, obj: Any) -> None:
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _text(self, status: int, text: str) -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _start_stream(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()

            def _chunk(self, obj: Any) -> None:
                data = (json.dumps(obj) + "\n").encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _end_stream(self) -> None:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

            def _body(self) -> dict[str, Any] | None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    self._json(400, {"error": "invalid character in request body"})
                    return None
                fake.requests.append((self.command, self.path, body))
                return body

            # -- routes ------------------------------------------------------------------------
            def do_HEAD(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                fake.requests.append(("GET", self.path, {}))
                if self.path == "/":
                    return self._text(200, "Ollama is running")
                if self.path == "/api/version":
                    return self._json(200, {"version": "0.12.6"})
                if self.path == "/api/tags":
                    return self._json(200, {"models": [self._model_entry(m) for m in fake.models.values()]})
                if self.path == "/api/ps":
                    return self._json(200, {"models": [self._ps_entry(fake.models[n]) for n in sorted(fake.loaded)
                                                       if n in fake.models]})
                return self._text(404, "404 page not found")

            def do_POST(self) -> None:
                body = self._body()
                if body is None:
                    return
                routes = {"/api/show": self._show, "/api/chat": self._infer, "/api/generate": self._infer,
                          "/api/pull": self._pull}
                route = routes.get(self.path)
                if route is None:
                    return self._text(404, "404 page not found")
                route(body)

            @staticmethod
            def _details(m: FakeModel) -> dict[str, Any]:
                return {"parent_model": "", "format": "gguf", "family": m.family, "families": [m.family],
                        "parameter_size": "8.3B", "quantization_level": "Q4_K_M"}

            def _model_entry(self, m: FakeModel) -> dict[str, Any]:
                return {"name": m.name, "model": m.name, "modified_at": "2026-11-01T10:00:00.000000+00:00",
                        "size": m.size, "digest": "a" * 64, "details": self._details(m)}

            def _ps_entry(self, m: FakeModel) -> dict[str, Any]:
                return {"name": m.name, "model": m.name, "size": m.size,
                        "size_vram": int(m.size * fake.vram_fraction), "digest": "a" * 64,
                        "details": self._details(m), "expires_at": "2026-11-24T12:00:00Z",
                        "context_length": fake.context_length}

            def _show(self, body: dict[str, Any]) -> None:
                name = body.get("model") or body.get("name") or ""
                m = fake.models.get(name) or fake.models.get(f"{name}:latest")
                if m is None:
                    return self._json(404, {"error": f"model '{name}' not found"})
                self._json(200, {"modelfile": f"FROM {m.name}", "parameters": "temperature 0.1",
                                 "template": "{{ .Prompt }}", "details": self._details(m),
                                 "model_info": {"general.architecture": m.family}, "capabilities": m.capabilities,
                                 "modified_at": "2026-11-01T10:00:00Z"})

            def _infer(self, body: dict[str, Any]) -> None:
                chat = self.path == "/api/chat"
                name = body.get("model", "")
                if not name:
                    return self._json(400, {"error": "model is required"})
                m = fake.models.get(name) or fake.models.get(f"{name}:latest")
                if m is None:
                    return self._json(404, {"error": f'model "{name}" not found, try pulling it first'})
                if chat and not isinstance(body.get("messages"), list):
                    return self._json(400, {"error": "messages is required"})
                behaviour, n = fake._next()
                if behaviour.delay_s:
                    time.sleep(behaviour.delay_s)
                if behaviour.status != 200:
                    return self._json(behaviour.status, {"error": behaviour.error or "internal error"})
                fake.loaded.add(m.name)
                content = behaviour.content if behaviour.content is not None else default_answer(body, n)
                with fake._lock:
                    fake.active += 1
                    fake.max_active = max(fake.max_active, fake.active)
                try:
                    self._answer(body, chat, m, content, behaviour)
                finally:
                    with fake._lock:
                        fake.active -= 1

            def _answer(self, body: dict[str, Any], chat: bool, m: FakeModel, content: str, b: Behaviour) -> None:
                now = datetime.now(UTC).isoformat()

                def piece(text: str, thinking: str = "") -> dict[str, Any]:
                    base: dict[str, Any] = {"model": m.name, "created_at": now, "done": False}
                    if chat:
                        msg: dict[str, Any] = {"role": "assistant", "content": text}
                        if thinking:
                            msg["thinking"] = thinking
                        base["message"] = msg
                    else:
                        base["response"] = text
                        if thinking:
                            base["thinking"] = thinking
                    return base

                final = piece("")
                final.update(done=True, done_reason=b.done_reason, total_duration=1_200_000_000,
                             load_duration=10_000_000, prompt_eval_count=812, prompt_eval_duration=300_000_000,
                             eval_count=max(1, len(content) // 4), eval_duration=900_000_000)
                if body.get("stream") is False:
                    whole = piece(content, b.thinking)
                    whole.update({k: v for k, v in final.items() if k not in ("message", "response")})
                    return self._json(200, whole)
                self._start_stream()
                pieces = [content[i:i + 12] for i in range(0, len(content), 12)]
                try:
                    if b.thinking:
                        self._chunk(piece("", b.thinking))
                    for i, text in enumerate(pieces):
                        if b.stall_after_chunks is not None and i == b.stall_after_chunks:
                            time.sleep(b.stall_s)
                        if b.chunk_interval_s:
                            time.sleep(b.chunk_interval_s)
                        self._chunk(piece(text))
                    if b.error:
                        self._chunk({"error": b.error})
                    else:
                        self._chunk(final)
                    self._end_stream()
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (watchdog)
                    self.close_connection = True

            def _pull(self, body: dict[str, Any]) -> None:
                name = body.get("model") or body.get("name") or ""
                ok = name in fake.pullable
                if body.get("stream") is False:
                    if not ok:
                        return self._json(500, {"error": "pull model manifest: file does not exist"})
                    fake.models[name] = FakeModel(name)
                    return self._json(200, {"status": "success"})
                self._start_stream()
                self._chunk({"status": "pulling manifest"})
                if not ok:
                    self._chunk({"error": "pull model manifest: file does not exist"})
                    return self._end_stream()
                total = 4 * 1_000_000
                for done in range(0, total + 1, 1_000_000):
                    self._chunk({"status": "pulling " + "b" * 12, "digest": "sha256:" + "b" * 64,
                                 "total": total, "completed": done})
                for status in ("verifying sha256 digest", "writing manifest", "success"):
                    self._chunk({"status": status})
                fake.models[name] = FakeModel(name)
                self._end_stream()

        return Handler
