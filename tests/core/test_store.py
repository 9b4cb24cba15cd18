"""The lifecycle store: schema, transitions, reservations under concurrency, audit events."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

from backend.errors import IllegalTransition, NotFound
from backend.photo import TRANSITIONS, Photo, RunStatus, Status
from backend.store import PHOTO_FIELD_NAMES, Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.sqlite")


def _photo(store: Store, name: str = "a.jpg") -> Photo:
    run = store.add_run({})
    ps = store.add_set(run.id, "Oystercatcher", "Texel_Netherlands", "Birds", "beak", ["/in"])
    return store.add_photo(run.id, ps.id, f"/in/{name}", name, 123)


def test_schema_matches_photo_record_and_migrations_are_recorded(store: Store) -> None:
    assert set(store.table_columns("photos")) == set(PHOTO_FIELD_NAMES)
    assert store.applied_migrations() == ["0001_initial"]
    again = Store(store.path)  # reopening applies nothing twice
    assert again.applied_migrations() == ["0001_initial"]


def test_new_photo_inherits_set_context_and_json_fields_round_trip(store: Store) -> None:
    photo = _photo(store)
    assert (photo.status, photo.subject, photo.category) == ("received", "Oystercatcher", "Birds")
    photo = store.update_photo(photo.id, keywords=["beak", "shore"], gps={"lat": 53.1, "lon": 4.8},
                               dup_keeper=True)
    assert store.get_photo(photo.id).keywords == ["beak", "shore"]
    assert store.get_photo(photo.id).gps == {"lat": 53.1, "lon": 4.8}
    assert store.get_photo(photo.id).dup_keeper is True


def test_every_legal_transition_is_accepted_and_every_other_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    for src in Status:
        for dst in Status:
            photo = _photo(store)
            store._db["photos"].update({"id": photo.id, "status": src.value}, ["id"])  # place it at `src`
            if dst in TRANSITIONS[src]:
                assert store.advance(photo.id, dst).status == dst
            else:
                with pytest.raises(IllegalTransition):
                    store.advance(photo.id, dst)
                assert store.get_photo(photo.id).status == src


def test_status_cannot_change_through_update(store: Store) -> None:
    photo = _photo(store)
    with pytest.raises(IllegalTransition):
        store.update_photo(photo.id, status="published")


def test_transitions_are_audited(store: Store) -> None:
    photo = _photo(store)
    store.advance(photo.id, Status.STAGED)
    kinds = [(e["kind"], e["detail"].get("dst")) for e in store.events(photo_id=photo.id)]
    assert ("status", "staged") in kinds


def test_missing_rows_raise_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.get_photo(999)
    with pytest.raises(NotFound):
        store.get_run(999)


def test_name_reservation_is_case_insensitive_and_released(store: Store) -> None:
    a, b = _photo(store, "a.jpg"), _photo(store, "b.jpg")
    assert store.reserve_name("Gull_Texel_001.JPG", a.id)
    assert not store.reserve_name("gull_texel_001.jpg", b.id)
    assert store.name_owner("GULL_TEXEL_001.JPG") == a.id
    assert store.release_name(a.id) == ["Gull_Texel_001.JPG"]
    assert store.reserve_name("gull_texel_001.jpg", b.id)


def test_threads_racing_for_one_name_get_exactly_one_winner(store: Store) -> None:
    photos = [_photo(store, f"{i}.jpg") for i in range(16)]
    barrier = threading.Barrier(len(photos))
    wins: list[bool] = []

    def race(photo_id: int) -> None:
        barrier.wait()
        wins.append(store.reserve_name("Race_001.JPG", photo_id))

    threads = [threading.Thread(target=race, args=(p.id,)) for p in photos]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1


def _reserve_in_process(db: str, name: str, photo_id: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    out.put(Store(db).reserve_name(name, photo_id))


def test_processes_racing_for_one_name_get_exactly_one_winner(store: Store) -> None:
    photos = [_photo(store, f"{i}.jpg") for i in range(4)]
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_reserve_in_process, args=(str(store.path), "Proc_001.JPG", p.id, out))
             for p in photos]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    results = [out.get(timeout=5) for _ in procs]
    assert results.count(True) == 1


def test_run_status_and_options(store: Store) -> None:
    run = store.add_run({"on_ai_unavailable": "manual"})
    assert run.status == RunStatus.RUNNING
    run = store.set_run_status(run.id, RunStatus.PAUSED, stage="prefill", pause_reason="no Ollama",
                               pause_choices=("retry", "manual"))
    assert (run.status, run.pause_choices, run.stage) == ("paused", ["retry", "manual"], "prefill")
    assert store.update_run_options(run.id, pid=7).options == {"on_ai_unavailable": "manual", "pid": 7}


def test_find_by_hash_and_original_ignore_rejected(store: Store) -> None:
    photo = _photo(store, "IMG_1.JPG")
    store.update_photo(photo.id, sha256="abc")
    assert [p.id for p in store.find_by_hash("abc")] == [photo.id]
    assert [p.id for p in store.find_by_original("img_1.jpg", "birds", "texel_netherlands")] == [photo.id]
    store._db["photos"].update({"id": photo.id, "status": "in_review"}, ["id"])
    store.advance(photo.id, Status.REJECTED)
    assert store.find_by_hash("abc") == []


def test_learning_log_keeps_ai_and_human_text(store: Store) -> None:
    photo = _photo(store)
    store.log_learning(photo.id, "keywords", ["gull", "beach"], ["gull", "shore"], "approved")
    row = store.learning_log(photo.id)[0]
    assert (row["ai_value"], row["human_value"], row["decision"]) == ("gull, beach", "gull, shore", "approved")


def test_recording_the_stage_never_overwrites_a_pause(store: Store) -> None:
    run = store.add_run({})
    store.set_run_status(run.id, RunStatus.PAUSED, pause_reason="Paused by you.")
    assert store.set_run_stage(run.id, "derive").status == RunStatus.PAUSED
