"""The Flask JSON API: the one door between the frontend and the backend.

Loopback only, a per-launch token on every route, one error handler and one error shape
(`{"error": {"code", "message", "status"}}`). Routes are thin: they parse, call an intention-named
function, and return JSON. Nothing here reaches for a window.
"""

from __future__ import annotations

import hmac
import json
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request, send_file
from werkzeug.exceptions import HTTPException

from . import __version__, gate, preflight, qc_report, review, spelling, vocabulary
from .errors import AppError, Conflict, InvalidInput, NotFound, Unauthorized
from .photo import REVIEWABLE, Photo, RunStatus, Status
from .pipeline import create_run
from .services import Services
from .settings import resource_dir

LIST_FIELDS = ("id", "run_id", "set_id", "status", "file_name", "original_name", "caption", "alt_text",
               "keywords", "title", "subject", "location", "category", "qr", "qc_status", "gate_status",
               "gate_issues", "dup_group", "dup_keeper", "needs_manual_text", "width", "height",
               "publish_error", "camera", "datetime", "error", "failed_stage")
VOCABULARY_KINDS = tuple(vocabulary.STORE_KINDS.values())
RUN_ACTIONS = ("pause", "resume", "cancel", "rollback", "retry", "manual")


def photo_summary(photo: Photo) -> dict[str, Any]:
    return {k: getattr(photo, k) for k in LIST_FIELDS}


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None:
        if request.data:
            raise InvalidInput("The request body is not valid JSON.")
        return {}
    if not isinstance(data, dict):
        raise InvalidInput("The request body must be a JSON object.")
    return data


def _text(data: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise InvalidInput(f"'{key}' must be text.")
    value = " ".join(value.split())
    if required and not value:
        raise InvalidInput(f"'{key}' is required.")
    return value


def _ids(data: dict[str, Any]) -> list[int]:
    ids = data.get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise InvalidInput("'ids' must be a list of photo ids.")
    return ids


def create_app(services: Services, token: str) -> Flask:
    frontend = resource_dir() / "frontend"
    app = Flask(__name__, static_folder=str(frontend), static_url_path="/static")
    app.config["JSON_SORT_KEYS"] = False
    s, store, runner = services.settings, services.store, services.runner

    @app.before_request
    def check_token() -> None:
        if request.path.startswith("/static/"):
            return  # the frontend's own code is not a secret; every data route is guarded
        given = request.headers.get("X-Auth-Token") or request.args.get("token") or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise Unauthorized("This address needs the launch token. Open the link the app printed "
                               "(image-automation serve) or start the app again.")

    @app.errorhandler(AppError)
    def app_error(exc: AppError) -> tuple[Response, int]:
        return jsonify(exc.to_dict()), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response, int]:
        code = (exc.name or "error").lower().replace(" ", "_")
        status = exc.code or 500
        return jsonify({"error": {"code": code, "message": exc.description or exc.name, "status": status}}), status

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response, int]:
        app.logger.exception("unexpected error")
        return jsonify({"error": {"code": "internal", "status": 500,
                                  "message": f"Something went wrong inside the app: {exc}. Nothing was lost; "
                                             "try again, and report this if it repeats."}}), 500

    @app.get("/")
    def index() -> Response:
        return send_file(frontend / "index.html", max_age=0)

    @app.get("/api/health")
    def health() -> Response:
        return jsonify({"ok": True, "version": __version__})

    @app.get("/api/state")
    def state() -> Response:
        counts = store.count_by_status()
        runs = [r.__dict__ for r in store.list_runs()[:20]]
        return jsonify({
            "runs": runs, "counts": counts, "approved": counts.get(Status.APPROVED.value, 0),
            "interrupted": [r for r in runs if r["status"] == RunStatus.INTERRUPTED.value],
            "settings": {"data_dir": str(s.data_dir), "site_dir": str(s.site_dir),
                         "name_pattern": s.name_pattern, "name_max_length": s.name_max_length,
                         "ollama_hosts": list(s.ollama_hosts), "ollama_model": s.ollama_model,
                         "on_ai_unavailable": s.on_ai_unavailable},
            "publish": services.publisher.job.to_dict(),
        })

    @app.get("/api/known")
    def known() -> Response:
        return jsonify(preflight.known(services))

    @app.post("/api/sets/preview")
    def sets_preview() -> Response:
        data = _body()
        paths = data.get("paths")
        if not isinstance(paths, list) or not paths:
            raise InvalidInput("Drop or pick at least one folder or photo.")
        return jsonify(preflight.preview(services, [str(p) for p in paths], _text(data, "subject", required=False),
                                         _text(data, "location", required=False),
                                         _text(data, "category", required=False)))

    @app.post("/api/runs")
    def start_run() -> tuple[Response, int]:
        data = _body()
        sets = data.get("sets")
        if not isinstance(sets, list) or not sets:
            raise InvalidInput("Add at least one set before starting.")
        specs = []
        for spec in sets:
            if not isinstance(spec, dict) or not isinstance(spec.get("paths"), list) or not spec["paths"]:
                raise InvalidInput("Each set needs its folders or photos.")
            item: dict[str, Any] = {"paths": [str(p) for p in spec["paths"]], "subject": _text(spec, "subject"),
                    "location": _text(spec, "location"), "category": _text(spec, "category"),
                    "hint_keywords": _text(spec, "hint_keywords", required=False)}
            name = preflight.naming.preview(s, subject=item["subject"], location=item["location"],
                                            category=item["category"])
            if len(name) > s.name_max_length:
                raise InvalidInput(f"The filename {name} would have {len(name)} characters (limit "
                                   f"{s.name_max_length}); shorten the subject, location or category.")
            item["exclude"] = sorted({str(p) for p in spec.get("exclude", [])})
            specs.append(item)
        on_ai = data.get("on_ai_unavailable", s.on_ai_unavailable)
        if on_ai not in ("pause", "manual", "rollback"):
            raise InvalidInput("on_ai_unavailable must be pause, manual or rollback.")
        for item in specs:
            store.add_vocabulary("location", item["location"])
            store.add_vocabulary("category", item["category"])

        excluded = {path for item in specs for path in item["exclude"]}

        def scan(paths: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
            files, skipped = preflight.scan(services, paths)
            return [f for f in files if f not in excluded], skipped

        run = create_run(store, specs, options={"on_ai_unavailable": on_ai}, scan=scan)
        runner.submit(run.id)
        return jsonify({"run": run.__dict__}), 201

    @app.get("/api/runs")
    def list_runs() -> Response:
        return jsonify({"runs": [r.__dict__ for r in store.list_runs()]})

    @app.get("/api/runs/interrupted")
    def interrupted_runs() -> Response:
        runs = store.list_runs(status=RunStatus.INTERRUPTED.value)
        return jsonify({"runs": [{**r.__dict__, "counts": store.count_by_status(r.id)} for r in runs]})

    @app.get("/api/runs/<int:run_id>")
    def get_run(run_id: int) -> Response:
        return jsonify({**runner.snapshot(run_id), "skipped": store.skipped(run_id),
                        "failed": [photo_summary(p) for p in store.photos(run_id=run_id, status="failed")]})

    @app.post("/api/runs/<int:run_id>/<action>")
    def run_action(run_id: int, action: str) -> Response:
        if action not in RUN_ACTIONS:
            raise NotFound(f"Unknown run action '{action}'.")
        if action == "pause":
            run = runner.pause(run_id)
        elif action in ("resume", "retry"):
            run = runner.resume(run_id)
        elif action == "manual":
            run = runner.resume(run_id, on_ai_unavailable="manual")
        elif action == "cancel":
            run = runner.cancel(run_id)
        else:
            run = runner.rollback(run_id)
        return jsonify({"run": run.__dict__})

    @app.get("/api/runs/<int:run_id>/report")
    def run_report(run_id: int) -> Response:
        path = qc_report.report_path(s.reports_dir, run_id)
        if not path.is_file():
            raise NotFound(f"Run {run_id} has no quality report yet.")
        return jsonify(json.loads(path.read_text(encoding="utf-8")))

    @app.get("/api/events")
    def events() -> Response:
        q = services.bus.subscribe()

        def stream() -> Iterator[str]:
            try:
                yield "retry: 2000\n\n"
                while True:
                    try:
                        event = q.get(timeout=15)
                    except queue.Empty:
                        yield ": keep-alive\n\n"
                        continue
                    yield f"data: {json.dumps(event, default=str)}\n\n"
            finally:
                services.bus.unsubscribe(q)

        return Response(stream(), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.get("/api/photos")
    def list_photos() -> Response:
        raw = request.args.get("status", "")
        statuses = [x for x in raw.split(",") if x] or [st.value for st in REVIEWABLE]
        for st in statuses:
            if st not in {x.value for x in Status}:
                raise InvalidInput(f"Unknown status '{st}'.")
        rows = store.photo_summaries(LIST_FIELDS, status=statuses, set_id=request.args.get("set_id", type=int),
                                     run_id=request.args.get("run_id", type=int))
        words = request.args.get("q", "").casefold().split()
        if words:
            def text(row: dict[str, Any]) -> str:
                return " ".join([row["file_name"], row["caption"], row["alt_text"], *row["keywords"]]).casefold()

            rows = [r for r in rows if all(w in text(r) for w in words)]
        return jsonify({"photos": rows})

    @app.get("/api/photos/<int:photo_id>")
    def get_photo(photo_id: int) -> Response:
        photo = store.get_photo(photo_id)
        group = []
        if photo.dup_group:
            members = (photo.dup_flags or {}).get("members", [])
            group = [photo_summary(p) for p in store.photos(ids=members)]
        findings = []
        for raw in photo.gate_issues:
            tag = raw.removeprefix("repaired:")
            findings.append({"tag": tag, "repaired": raw != tag, "blocking": raw == tag and gate.is_blocking(tag),
                             "fields": list(gate.issue_fields(tag))})
        return jsonify({"photo": photo.to_dict(), "events": store.events(photo_id=photo_id),
                        "duplicates": group, "findings": findings})

    @app.patch("/api/photos/<int:photo_id>")
    def edit_photo(photo_id: int) -> Response:
        photo = review.edit(store, s, photo_id, _body(), services.catalog.names_like, services.catalog.texts)
        return jsonify({"photo": photo.to_dict()})

    def act(photo_id: int, action: str) -> Photo:
        if action == "approve":
            return review.approve(store, s, photo_id)
        if action == "reject":
            return review.reject(store, s, photo_id)
        if action == "reopen":
            return review.reopen(store, s, photo_id)
        if action == "generate":
            from . import ai_review  # the model stack loads only when someone asks for it

            result = ai_review.generate(store, s, [photo_id])[0]
            if not result.get("ok", False):
                raise AppError(result.get("message", "The model gave no usable text."), code="generate_failed",
                               status=502)
            return store.get_photo(photo_id)
        raise NotFound(f"Unknown photo action '{action}'.")

    @app.post("/api/photos/<int:photo_id>/<action>")
    def photo_action(photo_id: int, action: str) -> Response:
        return jsonify({"photo": act(photo_id, action).to_dict()})

    @app.post("/api/photos/bulk")
    def bulk() -> Response:
        data = _body()
        action = _text(data, "action")
        results = []
        for photo_id in _ids(data):
            try:
                results.append({"id": photo_id, "ok": True, "photo": photo_summary(act(photo_id, action))})
            except AppError as exc:
                results.append({"id": photo_id, "ok": False, "error": exc.to_dict()["error"]})
        return jsonify({"results": results})

    def image(photo_id: int, *fields: str) -> Response:
        photo = store.get_photo(photo_id)
        for name in fields:
            value = getattr(photo, name)
            if value and Path(value).is_file():
                resp = send_file(value, mimetype="image/jpeg", max_age=3600, conditional=True)
                resp.cache_control.public = False
                resp.cache_control.private = True
                return resp
        raise NotFound(f"Photo {photo_id} has no image to show yet.")

    @app.get("/api/photos/<int:photo_id>/thumb")
    def thumb(photo_id: int) -> Response:
        return image(photo_id, "thumb_path", "thumb_web_path", "preview_path")

    @app.get("/api/photos/<int:photo_id>/preview")
    def preview_image(photo_id: int) -> Response:
        return image(photo_id, "preview_path", "web_path", "thumb_path")

    @app.get("/api/names/check")
    def name_check() -> Response:
        return jsonify(review.check_name(store, s, request.args.get("name", ""),
                                         request.args.get("photo_id", type=int), services.catalog.names_like))

    @app.get("/api/spell")
    def spell() -> Response:
        extra = [w for lst in preflight.known(services).values() for v in lst for w in v.replace("_", " ").split()]
        try:
            found = spelling.check(request.args.get("text", ""), store.vocabulary("spell"), extra)
        except spelling.Unavailable as exc:
            return jsonify({"misspelled": [], "enabled": False, "reason": str(exc)})
        return jsonify({"misspelled": found, "enabled": True})

    @app.post("/api/spell/keep")
    def spell_keep() -> Response:
        words = _text(_body(), "word").split()
        for word in words:
            store.add_vocabulary("spell", word.casefold())
        return jsonify({"ok": True, "words": words})

    @app.get("/api/ai/status")
    def ai_status() -> Response:
        from .vision import clip_hints, ollama_client

        weights, looked = clip_hints.find_weights(s)
        clip = {"ok": weights is not None, "weights": str(weights) if weights else "",
                "message": "" if weights else clip_hints.missing_message(s, looked)}
        hosts = ollama_client.probe(s)
        return jsonify({"hosts": [{**h, "line": ollama_client.probe_line(h)} for h in hosts], "clip": clip})

    @app.post("/api/ai/pull")
    def ai_pull() -> Response:
        from .vision import ollama_client

        data = _body()
        model = _text(data, "model", required=False) or s.ollama_model
        host = _text(data, "host", required=False) or None

        def work() -> None:
            try:
                ollama_client.pull(s, model, lambda p: services.bus.publish({"type": "pull", "model": model, **p}),
                                   host)
            except Exception as exc:  # the UI shows why; a thread must not die silently
                message = getattr(exc, "message", None) or str(exc)
                services.bus.publish({"type": "pull", "model": model, "status": "error", "error": message})

        threading.Thread(target=work, daemon=True, name="ollama-pull").start()
        return jsonify({"ok": True, "model": model})

    @app.get("/api/vocabulary")
    def vocabulary() -> Response:
        return jsonify({kind: store.vocabulary(kind) for kind in VOCABULARY_KINDS})

    @app.post("/api/vocabulary")
    def add_vocabulary() -> Response:
        data = _body()
        kind = _text(data, "kind")
        if kind not in VOCABULARY_KINDS:
            raise InvalidInput(f"kind must be one of {', '.join(VOCABULARY_KINDS)}.")
        value = _text(data, "value")
        if kind == "keyword_synonym" and value.count("=") != 1:
            raise InvalidInput("A synonym is written as 'from=to', e.g. 'aeroplane=aircraft'.")
        store.add_vocabulary(kind, value)
        return jsonify({kind: store.vocabulary(kind)})

    @app.get("/api/publish")
    def publish_status() -> Response:
        return jsonify({"job": services.publisher.job.to_dict(),
                        "approved": store.count_by_status().get(Status.APPROVED.value, 0)})

    @app.post("/api/publish")
    def publish() -> tuple[Response, int]:
        if services.publisher.busy:
            raise Conflict("Publishing is already running; wait for it to finish.")
        data = _body()
        ids = _ids(data) if "ids" in data else None
        approved = store.photos(status=Status.APPROVED.value, ids=ids)
        if not approved:
            raise InvalidInput("There are no approved photos to publish.")
        threading.Thread(target=services.publisher.publish_approved, args=(ids,), daemon=True,
                         name="publisher").start()
        return jsonify({"job": {"status": "running", "total": len(approved)}}), 202

    return app
