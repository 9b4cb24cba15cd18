"""In-process publish/subscribe for progress events (the API streams them as server-sent events)."""

from __future__ import annotations

import contextlib
import queue
import threading
from typing import Any


class EventBus:
    """Fan-out of JSON-able events to any number of subscribers, each with a bounded queue.

    A slow subscriber loses its oldest events rather than slowing the pipeline down; every event
    also carries a full snapshot where that matters (progress), so a missed one is harmless.
    """

    def __init__(self, maxsize: int = 1000) -> None:
        self._subscribers: list[queue.Queue[dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._maxsize = maxsize

    def subscribe(self) -> queue.Queue[dict[str, Any]]:
        q: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=self._maxsize)
        with self._lock:
            self._subscribers.append(q)
        return q

    def unsubscribe(self, q: queue.Queue[dict[str, Any]]) -> None:
        with self._lock:
            if q in self._subscribers:
                self._subscribers.remove(q)

    def publish(self, event: dict[str, Any]) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for q in subscribers:
            while True:
                try:
                    q.put_nowait(event)
                    break
                except queue.Full:
                    with contextlib.suppress(queue.Empty):
                        q.get_nowait()
