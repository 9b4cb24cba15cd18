"""The composition root's product: every long-lived object, built once from Settings.

`__main__`/the CLI build one `Services` and hand it to the API and the window; tests build their own
with a temporary data folder. Nothing here does work at import time.
"""

from __future__ import annotations

from dataclasses import dataclass

from .events import EventBus
from .pipeline import Runner
from .publish.catalog import Catalog
from .publish.publisher import Publisher
from .settings import Settings, ensure_dirs
from .store import Store


@dataclass
class Services:
    settings: Settings
    store: Store
    catalog: Catalog
    bus: EventBus
    runner: Runner
    publisher: Publisher

    def close(self) -> None:
        self.runner.shutdown()
        self.store.close()
        self.catalog.close()


def build(settings: Settings, *, recover: bool = True) -> Services:
    ensure_dirs(settings)
    store = Store(settings.db_path)
    catalog = Catalog(settings.catalog_path, settings.catalog_table)
    bus = EventBus()
    runner = Runner(settings, store, catalog, bus)
    publisher = Publisher(settings, store, catalog, on_event=bus.publish)
    if recover:
        runner.mark_interrupted()
        publisher.recover()
    return Services(settings, store, catalog, bus, runner, publisher)
