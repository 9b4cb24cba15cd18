"""Start the real app (exactly `image-automation` with no command) with a request recorder.

The app keeps Werkzeug's access log quiet on purpose (URLs carry the launch token), so the test
cannot read requests from stderr. This wrapper wraps the Flask app that ``backend.api.create_app``
returns with a WSGI recorder — nothing else changes — and appends one JSON line per request to
the file named by ``IA_PROBE_LOG``: method, path, status, and whether a token was sent (never
the token itself).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

import backend.api as api

LOCK = threading.Lock()
LOG = os.environ["IA_PROBE_LOG"]
_original = api.create_app


def _record(entry: dict[str, Any]) -> None:
    with LOCK, open(LOG, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")


def create_app(*args: Any, **kwargs: Any) -> Any:
    app = _original(*args, **kwargs)
    inner = app.wsgi_app

    def recording(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def recorded_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            _record({
                "method": environ.get("REQUEST_METHOD"),
                "path": environ.get("PATH_INFO"),
                "status": int(status.split()[0]),
                "query_token": "token=" in environ.get("QUERY_STRING", ""),
                "header_token": bool(environ.get("HTTP_X_AUTH_TOKEN")),
            })
            return start_response(status, headers, exc_info)

        return inner(environ, recorded_start)

    app.wsgi_app = recording
    return app


api.create_app = create_app

if __name__ == "__main__":
    from backend.cli import main

    sys.exit(main([]))
