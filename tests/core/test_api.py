"""The JSON API: token on every route, one error shape, and the review/publish routes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from backend.api import create_app
from backend.photo import Status

TOKEN = "t0ken-for-tests"

ROUTES = [
    ("GET", "/"), ("GET", "/api/health"), ("GET", "/api/state"), ("GET", "/api/known"),
    ("POST", "/api/sets/preview"), ("POST", "/api/runs"), ("GET", "/api/runs"), ("GET", "/api/runs/1"),
    ("POST", "/api/runs/1/pause"), ("GET", "/api/runs/1/report"), ("GET", "/api/events"),
    ("GET", "/api/photos"), ("GET", "/api/photos/1"), ("PATCH", "/api/photos/1"),
    ("POST", "/api/photos/1/approve"), ("POST", "/api/photos/bulk"), ("GET", "/api/photos/1/thumb"),
    ("GET", "/api/photos/1/preview"), ("GET", "/api/names/check"), ("GET", "/api/spell"),
    ("POST", "/api/spell/keep"), ("GET", "/api/ai/status"), ("POST", "/api/ai/pull"),
    ("GET", "/api/publish"), ("POST", "/api/publish"),
]


@pytest.fixture
def client(services) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    app = create_app(services, TOKEN)
    app.testing = True
    with app.test_client() as c:
        yield c


def _h() -> dict[str, str]:
    return {"X-Auth-Token": TOKEN}


def in_review(store: Any, n: int, subject: str = "Gull", **fields: Any) -> list[int]:
    """`n` photos of one new set placed straight in review (the pipeline is tested elsewhere)."""
    run = store.add_run({})
    ps = store.add_set(run.id, subject, "Texel_Netherlands", "Birds")
    ids = []
    for i in range(n):
        p = store.add_photo(run.id, ps.id, f"/in/{i}.jpg", f"{i}.jpg")
        store._db["photos"].update({"id": p.id, "status": Status.IN_REVIEW.value, **fields}, ["id"])
        ids.append(p.id)
    return ids


def _assert_error_shape(resp: Any, status: int, code: str | None = None) -> None:
    assert resp.status_code == status
    body = resp.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "status"}
    assert body["error"]["status"] == status and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_refuses_a_missing_or_wrong_token(client: Any, method: str, path: str) -> None:
    _assert_error_shape(client.open(path, method=method), 401, "unauthorized")
    _assert_error_shape(client.open(path, method=method, headers={"X-Auth-Token": "nope"}), 401, "unauthorized")


def test_static_frontend_files_need_no_token_but_index_does(client: Any) -> None:
    _assert_error_shape(client.get("/"), 401)
    with client.get(f"/?token={TOKEN}") as page:
        assert page.status_code == 200 and b"<html" in page.data.lower()
    with client.get("/static/js/api.js") as script:
        assert script.status_code == 200


def test_health_with_token(client: Any) -> None:
    assert client.get("/api/health", headers=_h()).get_json()["ok"] is True


def test_unknown_route_and_bad_json_use_the_error_shape(client: Any) -> None:
    _assert_error_shape(client.get("/api/nope", headers=_h()), 404)
    resp = client.post("/api/runs", data="{not json", headers={**_h(), "Content-Type": "application/json"})
    _assert_error_shape(resp, 400, "invalid_input")
    _assert_error_shape(client.get("/api/photos/42", headers=_h()), 404, "not_found")
    _assert_error_shape(client.get("/api/photos?status=bogus", headers=_h()), 400, "invalid_input")
    _assert_error_shape(client.post("/api/runs", json={"sets": []}, headers=_h()), 400, "invalid_input")
    _assert_error_shape(client.post("/api/publish", json={}, headers=_h()), 400, "invalid_input")


def test_preview_refuses_overlong_names_and_reports_skips(client: Any, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    Image.new("RGB", (320, 240), (90, 120, 150)).save(folder / "a.jpg")
    (folder / "notes.txt").write_text("not a photo")
    resp = client.post("/api/sets/preview", headers=_h(), json={
        "paths": [str(folder)], "subject": "Oystercatcher", "location": "Texel_Netherlands", "category": "Birds"})
    body = resp.get_json()
    assert body["files"] == 1 and body["name_preview"].startswith("Oystercatcher_Texel_Netherlands_Birds")
    assert body["name_too_long"] is False
    assert [s["path"] for s in body["skipped"]] == [str(folder / "notes.txt")]
    long = client.post("/api/sets/preview", headers=_h(), json={
        "paths": [str(folder)], "subject": "Very " * 40, "location": "X", "category": "Y"}).get_json()
    assert long["name_too_long"] is True
    refused = client.post("/api/runs", headers=_h(), json={"sets": [
        {"paths": [str(folder)], "subject": "Very " * 40, "location": "X", "category": "Y"}]})
    _assert_error_shape(refused, 400, "invalid_input")


def test_review_routes_edit_approve_reject(client: Any, services) -> None:  # type: ignore[no-untyped-def]
    store = services.store
    ids = in_review(store, 2)
    for i, photo_id in enumerate(ids):
        assert store.reserve_name(f"Gull_Texel_Netherlands_Birds_Photography_00{i + 1}.JPG", photo_id)
        store.update_photo(photo_id, file_name=f"Gull_Texel_Netherlands_Birds_Photography_00{i + 1}.JPG")
    refused = client.post(f"/api/photos/{ids[0]}/approve", headers=_h())
    _assert_error_shape(refused, 400, "invalid_input")  # no text yet: a human must write or accept it
    edited = client.patch(f"/api/photos/{ids[0]}", headers=_h(), json={
        "caption": "A herring gull stands on wet sand at low tide.", "alt_text": "Grey and white gull on a beach.",
        "keywords": "gull, beach, Gull , tide"}).get_json()["photo"]
    assert edited["keywords"] == ["gull", "beach", "tide"]
    taken = client.patch(f"/api/photos/{ids[0]}", headers=_h(),
                         json={"file_name": "Gull_Texel_Netherlands_Birds_Photography_002.JPG"})
    _assert_error_shape(taken, 409, "conflict")
    assert client.post(f"/api/photos/{ids[0]}/approve", headers=_h()).get_json()["photo"]["status"] == "approved"
    bulk = client.post("/api/photos/bulk", headers=_h(), json={"ids": ids, "action": "reject"}).get_json()
    assert [r["ok"] for r in bulk["results"]] == [True, True]
    assert store.name_owner("Gull_Texel_Netherlands_Birds_Photography_002.JPG") is None
    assert client.get("/api/state", headers=_h()).get_json()["counts"] == {"rejected": 2}


def test_name_check_route(client: Any) -> None:
    ok = client.get("/api/names/check?name=Gull_Texel_001.JPG", headers=_h()).get_json()
    assert ok["ok"] is True and ok["max"] == 150
    bad = client.get("/api/names/check?name=" + "A" * 160 + ".JPG", headers=_h()).get_json()
    assert bad["ok"] is False and "164 characters" in bad["reason"]
    spaced = client.get("/api/names/check?name=Gull Texel.JPG", headers=_h()).get_json()
    assert spaced["ok"] is False and "letters, digits" in spaced["reason"]


def test_progress_streams_as_server_sent_events(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json as _json
    import threading
    import urllib.request

    from werkzeug.serving import make_server

    from tests.core.test_pipeline import make_set

    server = make_server("127.0.0.1", 0, create_app(services, TOKEN), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        make_set(tmp_path / "in", 2)
        events: list[dict[str, Any]] = []
        with urllib.request.urlopen(f"{base}/api/events?token={TOKEN}", timeout=30) as stream:
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            req = urllib.request.Request(f"{base}/api/runs", method="POST", headers={
                "X-Auth-Token": TOKEN, "Content-Type": "application/json"}, data=_json.dumps({
                    "sets": [{"paths": [str(tmp_path / "in")], "subject": "Gull", "location": "Texel_Netherlands",
                              "category": "Birds"}], "on_ai_unavailable": "manual"}).encode())
            with urllib.request.urlopen(req, timeout=30) as created:
                assert created.status == 201
            for raw in stream:
                line = raw.decode().strip()
                if line.startswith("data: "):
                    events.append(_json.loads(line[6:]))
                    if events[-1].get("type") == "run" and events[-1]["run"]["status"] == "done":
                        break
        progress = [e for e in events if e["type"] == "progress"]
        assert progress and progress[-1]["stages"][0]["name"] == "validate"
        assert any(e["type"] == "photo" for e in events)
    finally:
        server.shutdown()


def test_rename_is_refused_when_the_name_is_already_published(client: Any, services) -> None:  # type: ignore[no-untyped-def]
    store = services.store
    (photo_id,) = in_review(store, 1, year="2024")
    services.catalog.upsert({"File_Name": "Gull_On_The_Website_001.JPG"})
    url = f"/api/names/check?name=gull_on_the_website_001.JPG&photo_id={photo_id}"
    check = client.get(url, headers=_h()).get_json()
    assert check["ok"] is False and "published" in check["reason"]
    site_file = services.settings.site_dir / "2024" / "thumbs" / "Birds" / "Gull_Local_001.JPG"
    site_file.parent.mkdir(parents=True)
    site_file.write_bytes(b"x")
    resp = client.patch(f"/api/photos/{photo_id}", headers=_h(), json={"file_name": "Gull_Local_001.JPG"})
    _assert_error_shape(resp, 409, "conflict")
    assert "local site folder" in resp.get_json()["error"]["message"]
    ok = client.patch(f"/api/photos/{photo_id}", headers=_h(), json={"file_name": "Gull_Fresh_001.JPG"})
    assert ok.get_json()["photo"]["file_name"] == "Gull_Fresh_001.JPG"
    assert store.name_owner("Gull_Fresh_001.JPG") == photo_id


def test_vocabulary_lists_feed_the_keyword_policy(client: Any, services) -> None:  # type: ignore[no-untyped-def]
    from backend.vocabulary import policy_for

    _assert_error_shape(client.post("/api/vocabulary", headers=_h(), json={"kind": "nope", "value": "x"}), 400)
    _assert_error_shape(client.post("/api/vocabulary", headers=_h(),
                                    json={"kind": "keyword_synonym", "value": "aeroplane"}), 400)
    client.post("/api/vocabulary", headers=_h(), json={"kind": "keyword_banned", "value": "stunning"})
    client.post("/api/vocabulary", headers=_h(), json={"kind": "keyword_synonym", "value": "aeroplane=aircraft"})
    lists = client.get("/api/vocabulary", headers=_h()).get_json()
    assert lists["keyword_banned"] == ["stunning"] and lists["keyword_synonym"] == ["aeroplane=aircraft"]
    policy = policy_for(services.settings, services.store)
    assert "stunning" in {w.casefold() for w in policy.banned}


def test_photo_detail_places_gate_findings_on_fields(client: Any, services) -> None:  # type: ignore[no-untyped-def]
    store = services.store
    (photo_id,) = in_review(store, 1)
    store.update_photo(photo_id, gate_issues=["alt_too_short", "repaired:caption_filler", "keywords_too_few"])
    findings = client.get(f"/api/photos/{photo_id}", headers=_h()).get_json()["findings"]
    by_tag = {f["tag"]: f for f in findings}
    assert by_tag["alt_too_short"]["fields"] == ["alt_text"] and by_tag["alt_too_short"]["blocking"] is True
    assert by_tag["caption_filler"]["repaired"] is True and by_tag["caption_filler"]["blocking"] is False
    assert by_tag["keywords_too_few"]["fields"] == ["keywords"]


def test_ai_status_explains_what_is_missing(client: Any) -> None:
    body = client.get("/api/ai/status", headers=_h()).get_json()
    host = body["hosts"][0]
    assert host["reachable"] is False and "not reachable" in host["line"]
    assert body["clip"]["ok"] is False and "models" in body["clip"]["message"]


def test_edited_text_is_judged_again_without_rewriting_it(client: Any, services) -> None:  # type: ignore[no-untyped-def]
    store = services.store
    ids = in_review(store, 2, subject="Grey Heron")
    store.update_photo(ids[0], gate_status="FAIL_BLOCKED", gate_issues=["caption_empty", "needs_manual_text"],
                       needs_manual_text=True)
    text = {"caption": "Grey heron standing motionless in a reed bed at the edge of a canal.",
            "alt_text": "A tall grey heron waits among green reeds beside still canal water.",
            "keywords": ["grey heron", "reed bed", "canal", "wading bird", "still water", "green reeds"]}
    first = client.patch(f"/api/photos/{ids[0]}", headers=_h(), json=text).get_json()["photo"]
    assert first["caption"] == text["caption"]  # the human's words are kept as written
    assert "caption_empty" not in first["gate_issues"] and first["needs_manual_text"] is False
    assert first["gate_status"] != "FAIL_BLOCKED", first["gate_issues"]
    second = client.patch(f"/api/photos/{ids[1]}", headers=_h(), json=text).get_json()["photo"]
    assert "duplicate_caption" in second["gate_issues"] and second["gate_status"] == "FAIL_BLOCKED"


def test_review_list_uses_the_summary_query(client: Any, services) -> None:  # type: ignore[no-untyped-def]
    store = services.store
    for i, photo_id in enumerate(in_review(store, 3)):
        store.update_photo(photo_id, keywords=["gull", f"wave {i}"], caption=f"Gull number {i}", dup_keeper=i == 1)
    rows = client.get("/api/photos?q=wave%202", headers=_h()).get_json()["photos"]
    assert [r["original_name"] for r in rows] == ["2.jpg"]
    rows = client.get("/api/photos?status=in_review", headers=_h()).get_json()["photos"]
    assert [r["dup_keeper"] for r in rows] == [False, True, False] and rows[0]["keywords"] == ["gull", "wave 0"]
    assert rows == [{k: store.get_photo(r["id"]).to_dict()[k] for k in r} for r in rows]


def test_a_failed_pull_is_reported_on_the_event_stream(client: Any, services) -> None:  # type: ignore[no-untyped-def]
    q = services.bus.subscribe()
    assert client.post("/api/ai/pull", headers=_h(), json={"model": "qwen2.5vl:3b"}).get_json()["ok"] is True
    event = q.get(timeout=30)
    while event.get("type") != "pull":
        event = q.get(timeout=30)
    assert event["status"] == "error" and event["model"] == "qwen2.5vl:3b" and event["error"]
