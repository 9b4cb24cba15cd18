"""The thin desktop shell: one pywebview window around the local web UI.

Why this module is so small: everything the user does goes through the HTTP API, so the
browser e2e tests cover it without a window. The window adds only what a browser cannot do:
native folder/file dialogs and *absolute* paths of dropped folders (a browser ``File`` has a
name, never a path). Those paths are handed to the caller's ``on_drop`` (the composition root
forwards them to intake) and echoed to the page as an ``ia:dropped`` event.

Nothing here imports Flask or the store; pywebview/Qt are imported lazily so ``serve`` and the
CLI start fast on machines without a display or without Qt.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_TITLE = "Image Automation"
DROP_EVENT = "ia:dropped"
IMAGE_FILE_TYPES = ("Images (*.jpg;*.jpeg;*.png;*.tif;*.tiff;*.heic;*.heif;*.webp)", "All files (*.*)")


def has_display() -> bool:
    """True when a window can be shown. Only Linux can lack a display (SSH, CI, containers)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def ensure_webengine_sandbox_flag(environ: dict[str, str] | None = None) -> None:
    """Add ``--no-sandbox`` to QtWebEngine's flags when running as root.

    Chromium refuses to start as root with its sandbox on (the window just never appears);
    as a normal user the sandbox stays on, so we only touch the flag for euid 0.
    """
    env = os.environ if environ is None else environ
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None or geteuid() != 0:
        return
    flags = env.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    if "--no-sandbox" not in flags.split():
        env["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} --no-sandbox".strip()


def dropped_paths(event: Mapping[str, Any]) -> list[str]:
    """Absolute paths from a pywebview DOM ``drop`` event, in drop order, without duplicates.

    pywebview adds ``pywebviewFullPath`` to each file it could match to a native drop; items
    dragged from a browser (no path) are left out rather than guessed.
    """
    transfer = event.get("dataTransfer") or {}
    files: Iterable[Mapping[str, Any]] = transfer.get("files") or []
    paths: list[str] = []
    for item in files:
        path = item.get("pywebviewFullPath") if isinstance(item, Mapping) else None
        if isinstance(path, str) and path and os.path.isabs(path) and path not in paths:
            paths.append(path)
    return paths


def dropped_event_script(paths: list[str]) -> str:
    """JS that tells the page about dropped paths. JSON-encoded, so quotes/newlines are inert."""
    detail = json.dumps({"paths": paths}, ensure_ascii=True)
    return f"window.dispatchEvent(new CustomEvent({json.dumps(DROP_EVENT)}, {{detail: {detail}}}));"


class DesktopApi:
    """Methods the page may call as ``window.pywebview.api.<name>()``; each returns JSON data.

    Attributes starting with ``_`` are not exposed by pywebview, so the window handle stays private.
    """

    def __init__(self) -> None:
        self._window: Any = None

    def pick_folders(self) -> list[str]:
        """Native folder chooser; [] when cancelled (Qt offers one folder per dialog)."""
        return self._dialog(folder=True)

    def pick_files(self) -> list[str]:
        """Native multi-file chooser for images; [] when cancelled."""
        return self._dialog(folder=False)

    def _dialog(self, *, folder: bool) -> list[str]:
        import webview

        if self._window is None:
            return []
        kind = webview.FileDialog.FOLDER if folder else webview.FileDialog.OPEN
        chosen = self._window.create_file_dialog(
            kind, allow_multiple=True, file_types=() if folder else IMAGE_FILE_TYPES
        )
        return [str(p) for p in chosen or ()]


def _bind_drop(window: Any, on_drop: Callable[[list[str]], None]) -> None:
    """Listen to drag/drop on the document; called after every page load (handlers die with the page)."""
    from webview.dom import DOMEventHandler

    def handle_drop(event: dict[str, Any]) -> None:
        paths = dropped_paths(event)
        if not paths:
            return
        try:
            on_drop(paths)
        except Exception:  # the window must survive a failing consumer; the page still hears it
            log.exception("on_drop failed for %d path(s)", len(paths))
        window.evaluate_js(dropped_event_script(paths))

    # dragover must be cancelled or the webview never fires drop (and would navigate to the file);
    # debounce keeps the bridge quiet. No stopPropagation: the page's own window-level listeners
    # (drop overlay, hints) must still see both events.
    window.dom.document.events.dragover += DOMEventHandler(lambda _e: None, prevent_default=True, debounce=300)
    window.dom.document.events.drop += DOMEventHandler(handle_drop, prevent_default=True)


def _fit_to_screen(webview: Any, width: int, height: int) -> tuple[int | None, int | None, int, int]:
    """Shrink the window to the primary screen (a 1366x768 laptop must see the header) and centre it."""
    try:
        screen = webview.screens[0]
        sx, sy, sw, sh = int(screen.x), int(screen.y), int(screen.width), int(screen.height)
    except Exception:  # no screen info (exotic backends): let the toolkit place it
        return None, None, width, height
    width, height = min(width, max(sw - 40, 640)), min(height, max(sh - 80, 480))
    return sx + max((sw - width) // 2, 0), sy + max((sh - height) // 2, 0), width, height


def open_window(
    url: str,
    *,
    on_drop: Callable[[list[str]], None],
    title: str = DEFAULT_TITLE,
    width: int = 1280,
    height: int = 820,
    debug: bool = False,
) -> None:
    """Show the app window on ``url`` and block until it is closed (must run on the main thread)."""
    ensure_webengine_sandbox_flag()
    gui = "qt" if sys.platform.startswith("linux") else None
    if gui:  # webview.screens initialises a backend too; without this it tries GTK first and logs a traceback
        os.environ.setdefault("PYWEBVIEW_GUI", gui)
    import webview

    api = DesktopApi()
    x, y, width, height = _fit_to_screen(webview, width, height)
    window = webview.create_window(
        title, url, js_api=api, x=x, y=y, width=width, height=height,
        min_size=(min(900, width), min(600, height)), text_select=True,
    )
    api._window = window

    def on_loaded() -> None:
        try:
            _bind_drop(window, on_drop)
        except Exception:  # a page that closes during load must not take the app down
            log.exception("could not bind drop handlers")

    window.events.loaded += on_loaded
    # Qt on Linux (what we ship and test); pywebview picks the native engine on Windows/macOS.
    webview.start(gui=gui, debug=debug)
