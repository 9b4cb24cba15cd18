"""Run the real desktop window (backend.window.open_window) on a tiny recording Flask app.

Started by the desktop tests as a subprocess. Everything the page and the drop callback see is
appended as JSON lines to ``--events`` so the test can assert on it from outside:
``{"source": "page", "kind": "loaded"|"ready"|"dropped"|"picked", ...}`` and
``{"source": "on_drop", "paths": [...]}``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import threading
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from werkzeug.serving import make_server

from backend.window import open_window

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>IA desktop harness</title>
<style>
 body { font: 22px sans-serif; background: #eef3f8; margin: 0; padding: 24px; }
 #zone { border: 4px dashed #4a7; height: 260px; display: flex; align-items: center;
         justify-content: center; background: #fff; margin: 16px 0; }
 #pick { position: fixed; left: 24px; top: 520px; width: 280px; height: 64px; font-size: 20px; }
</style></head>
<body>
<h1>Image Automation &ndash; desktop harness</h1>
<div id="status">waiting for the pywebview bridge</div>
<div id="zone">drop a folder here</div>
<div id="drops">no drop yet</div>
<button id="pick" onclick="pick()">Choose folder…</button>
<div id="picked" style="position: fixed; left: 330px; top: 540px;"></div>
<script>
async function report(kind, data) {
  await fetch('/hit', {method: 'POST', headers: {'Content-Type': 'application/json'},
                       body: JSON.stringify({kind: kind, data: data})});
}
function ready() {
  const names = Object.keys(window.pywebview.api).sort();
  document.getElementById('status').textContent = 'bridge ready: ' + names.join(', ');
  report('ready', {api: names});
}
async function pick() {
  const chosen = await window.pywebview.api.pick_folders();
  document.getElementById('picked').textContent = JSON.stringify(chosen);
  report('picked', {paths: chosen});
}
window.addEventListener('drop', (e) => {
  // The page's own listener must still fire (window.py must not stop propagation).
  const names = Array.from(e.dataTransfer.files).map((f) => f.name);
  report('window-drop', {names: names, defaultPrevented: e.defaultPrevented});
});
window.addEventListener('ia:dropped', (e) => {
  document.getElementById('drops').textContent = 'dropped: ' + e.detail.paths.join(' | ');
  report('dropped', e.detail);
});
if (window.pywebview && window.pywebview.api && window.pywebview.api.pick_folders) ready();
else window.addEventListener('pywebviewready', ready);
report('loaded', {token: new URLSearchParams(location.search).get('token'), href: location.href});
</script></body></html>
"""


class EventLog:
    """Thread-safe JSON-lines file: the only channel from this process back to the test."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        with self.lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")


def build_app(events: EventLog, token: str) -> Flask:
    """A page that reports load, bridge readiness, drops and dialog results to /hit."""
    app = Flask(__name__)

    @app.get("/")
    def index() -> Response:
        return Response(PAGE, mimetype="text/html")

    @app.post("/hit")
    def hit() -> dict[str, bool]:
        body = request.get_json(force=True)
        events.write({"source": "page", "kind": body.get("kind"), **(body.get("data") or {})})
        return {"ok": True}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=Path, required=True)
    args = parser.parse_args()
    events = EventLog(args.events)
    token = secrets.token_urlsafe(16)
    server = make_server("127.0.0.1", 0, build_app(events, token), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    events.write({"source": "harness", "kind": "server", "port": server.server_port, "token": token})
    open_window(
        f"http://127.0.0.1:{server.server_port}/?token={token}",
        on_drop=lambda paths: events.write({"source": "on_drop", "paths": paths}),
    )
    events.write({"source": "harness", "kind": "closed"})


if __name__ == "__main__":
    main()
