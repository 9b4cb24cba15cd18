"""Headless commands over the same code the window uses, and the app's entry point.

`image-automation` with no command opens the desktop window. Every command exits 0 on success and
otherwise non-zero with a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import queue
import secrets
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__, preflight, review
from .errors import AppError
from .photo import RunStatus, Status
from .pipeline import create_run
from .services import Services, build
from .settings import load_settings


class CliError(Exception):
    """A command failed; the message is the one line printed to stderr."""


def _services(args: argparse.Namespace) -> Services:
    overrides: dict[str, Any] = {}
    if getattr(args, "workers", None):
        overrides["workers"] = args.workers
    return build(load_settings(args.data_dir, **overrides))


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str, ensure_ascii=False) + "\n")


def _progress_printer(services: Services) -> Any:
    q = services.bus.subscribe()
    stop = threading.Event()

    def pump() -> None:
        last = ""
        while not stop.is_set():
            try:
                event = q.get(timeout=0.2)
            except queue.Empty:
                continue
            if event.get("type") == "progress":
                stage = event["run"]["stage"]
                row = next((s for s in event["stages"] if s["name"] == stage), None)
                if row:
                    line = f"[{row['label']}] {row['done']}/{row['total']} ok={row['ok']} failed={row['failed']}"
                    if line != last:
                        sys.stderr.write(line + "\n")
                        last = line
            elif event.get("type") == "log":
                sys.stderr.write(f"{event.get('message', '')}\n")

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()

    def close() -> None:
        stop.set()
        thread.join(timeout=2)
        services.bus.unsubscribe(q)

    return close


def cmd_run(args: argparse.Namespace, services: Services) -> int:
    spec = {"paths": args.paths, "subject": args.subject, "location": args.location, "category": args.category,
            "hint_keywords": args.hint_keywords}
    info = preflight.preview(services, args.paths, args.subject, args.location, args.category)
    if info["name_too_long"]:
        raise CliError(f"filename {info['name_preview']} is longer than {info['name_max']} characters; "
                       "shorten the subject, location or category")
    for skip in info["skipped"]:
        sys.stderr.write(f"skipped {skip['path']}: {skip['reason']}\n")
    flagged = set()
    for flag in info["flags"]:
        action = "importing anyway" if args.include_flagged else "not imported (use --include-flagged)"
        sys.stderr.write(f"{flag['path']}: {flag['detail']}; {action}\n")
        flagged.add(flag["path"])
    if args.include_flagged:
        flagged.clear()
    if not set(info["paths"]) - flagged:
        raise CliError("no usable photos in the given folders" if not info["files"] else
                       "every photo is already queued or published (use --include-flagged to import anyway)")

    def scan(paths: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
        files, skipped = preflight.scan(services, paths)
        return [f for f in files if f not in flagged], skipped

    run = create_run(services.store, [spec], options={"on_ai_unavailable": args.on_ai_unavailable}, scan=scan)
    close = _progress_printer(services)
    try:
        run = services.runner.process(run.id)
    finally:
        close()
    snapshot = services.runner.snapshot(run.id)
    if args.json:
        _print_json({**snapshot, "skipped": services.store.skipped(run.id)})
    if run.status == RunStatus.PAUSED:
        raise CliError(f"run {run.id} paused: {run.pause_reason}")
    if run.status == RunStatus.ROLLED_BACK:
        raise CliError(f"run {run.id} was rolled back: {run.pause_reason}")
    counts = snapshot["counts"]
    sys.stderr.write(f"run {run.id}: {counts.get('in_review', 0)} photo(s) ready for review, "
                     f"{counts.get('failed', 0)} failed, {len(services.store.skipped(run.id))} skipped\n")
    return 0


def cmd_status(args: argparse.Namespace, services: Services) -> int:
    runs = [services.runner.snapshot(r.id) for r in services.store.list_runs()]
    counts = services.store.count_by_status()
    if args.json:
        _print_json({"counts": counts, "runs": runs})
    else:
        for status, n in sorted(counts.items()):
            print(f"{status:12} {n}")
    return 0


def _decide(args: argparse.Namespace, services: Services, action: str) -> int:
    s, store = services.settings, services.store
    ids = list(args.ids)
    if getattr(args, "all_pending", False):
        if not args.yes:
            raise CliError("--all-pending approves every photo in review; add --yes to confirm")
        ids = [p.id for p in store.photos(status=Status.IN_REVIEW.value)]
    if not ids:
        raise CliError("no photo ids given")
    fn = review.approve if action == "approve" else review.reject
    refused = []
    for photo_id in ids:
        try:
            photo = fn(store, s, photo_id)
            print(f"{photo.id} {photo.status} {photo.file_name}")
        except AppError as exc:
            refused.append(f"{photo_id}: {exc.message}")
    if refused:
        raise CliError(f"{len(refused)} photo(s) not {action}d: " + "; ".join(refused))
    return 0


def cmd_publish(args: argparse.Namespace, services: Services) -> int:
    job = services.publisher.publish_approved()
    if args.json:
        _print_json(job.to_dict())
    if job.failed:
        raise CliError(f"{job.failed} of {job.total} photo(s) failed to publish: {job.errors[0]['message']}")
    return 0


def cmd_resume(args: argparse.Namespace, services: Services) -> int:
    resumed = 0
    for run in services.store.list_runs(status=[RunStatus.INTERRUPTED.value, RunStatus.PAUSED.value]):
        services.runner.resume(run.id, background=False)
        run = services.runner.process(run.id)
        sys.stderr.write(f"run {run.id}: {run.status}\n")
        resumed += 1
    stuck = [p.id for p in services.store.photos(status=Status.APPROVED.value) if p.publish_error]
    if stuck:
        job = services.publisher.publish_approved(stuck)
        sys.stderr.write(f"publish resumed: {job.published} published, {job.failed} failed\n")
    if not resumed and not stuck:
        sys.stderr.write("nothing to resume\n")
    return 0


def _serve(services: Services, *, port: int, announce: bool) -> tuple[Any, str]:
    from werkzeug.serving import make_server

    from .api import create_app

    # Werkzeug's access log prints full URLs, and image/SSE URLs carry the launch token: keep it quiet.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    token = secrets.token_urlsafe(32)
    app = create_app(services, token)
    server = make_server("127.0.0.1", port, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}/?token={token}"
    if announce:
        sys.stdout.write(url + "\n")
        sys.stdout.flush()
    services.runner.start_worker()
    threading.Thread(target=_probe_ollama, args=(services,), daemon=True, name="ollama-probe").start()
    return server, url


def _probe_ollama(services: Services) -> None:
    """The startup line the photographer checks: model, GPU/CPU, context and VRAM of each host."""
    from .vision import ollama_client

    try:
        for info in ollama_client.probe(services.settings, warm=True):
            line = ollama_client.probe_line(info)
            logging.getLogger("image_automation").warning(line)
            services.bus.publish({"type": "ai", "line": line, "host": info})
    except Exception as exc:  # a probe must never take the app down
        logging.getLogger("image_automation").warning("Ollama probe failed: %s", exc)


def cmd_serve(args: argparse.Namespace, services: Services) -> int:
    server, _ = _serve(services, port=args.port, announce=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return 0


def cmd_app(args: argparse.Namespace, services: Services) -> int:
    from . import window

    if not window.has_display():
        raise CliError("no display found; run `image-automation serve` and open the printed address "
                       "in a browser")
    server, url = _serve(services, port=0, announce=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="api")
    thread.start()
    try:
        window.open_window(url, on_drop=lambda paths: None)
    finally:
        server.shutdown()
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from .inspection import inspect_files

    _print_json(inspect_files(args.files, load_settings(args.data_dir)))
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    from .gate import lint_jsonl

    try:
        lines = Path(args.file).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror}") from exc
    catalog = None
    if args.catalog:
        services = build(load_settings(args.data_dir), recover=False)
        catalog = services.catalog.texts()
    for result in lint_jsonl(lines, catalog):
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="image-automation", description="Photo sets in, reviewed website images out.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--data-dir", help="folder for all state (default: your user data folder, "
                                      "or $IMAGE_AUTOMATION_HOME)")
    sub = p.add_subparsers(dest="command")
    r = sub.add_parser("run", help="run the pipeline on folders of photos")
    r.add_argument("paths", nargs="+")
    r.add_argument("--subject", required=True)
    r.add_argument("--location", required=True)
    r.add_argument("--category", required=True)
    r.add_argument("--hint-keywords", default="")
    r.add_argument("--on-ai-unavailable", choices=("pause", "manual", "rollback"), default="pause")
    r.add_argument("--include-flagged", action="store_true",
                   help="also import files that are already queued or already published")
    r.add_argument("--workers", type=int, default=0)
    r.add_argument("--json", action="store_true")
    st = sub.add_parser("status", help="show runs and photo counts")
    st.add_argument("--json", action="store_true")
    a = sub.add_parser("approve", help="approve photos in review")
    a.add_argument("ids", nargs="*", type=int)
    a.add_argument("--all-pending", action="store_true")
    a.add_argument("--yes", action="store_true")
    rj = sub.add_parser("reject", help="reject photos (staged copy removed, name released)")
    rj.add_argument("ids", nargs="+", type=int)
    pb = sub.add_parser("publish", help="publish approved photos")
    pb.add_argument("--json", action="store_true")
    sub.add_parser("resume", help="continue interrupted runs and publishes")
    sv = sub.add_parser("serve", help="serve the UI on a loopback address (first line: the URL)")
    sv.add_argument("--port", type=int, default=0)
    ins = sub.add_parser("inspect", help="print what the pipeline would read from image files")
    ins.add_argument("files", nargs="+")
    ins.add_argument("--json", action="store_true", help="JSON output (the default)")
    lm = sub.add_parser("lint-metadata", help="check caption/alt text/keywords lines of a JSONL file")
    lm.add_argument("file")
    lm.add_argument("--catalog", action="store_true", help="also judge duplicates against the published catalog")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "inspect":
            return cmd_inspect(args)
        if args.command == "lint-metadata":
            return cmd_lint(args)
        services = _services(args)
        try:
            handler = {
                None: cmd_app, "run": cmd_run, "status": cmd_status, "publish": cmd_publish,
                "resume": cmd_resume, "serve": cmd_serve,
                "approve": lambda a, s: _decide(a, s, "approve"), "reject": lambda a, s: _decide(a, s, "reject"),
            }[args.command]
            return handler(args, services)
        finally:
            services.close()
    except CliError as exc:
        sys.stderr.write(f"image-automation: {exc}\n")
        return 1
    except AppError as exc:
        sys.stderr.write(f"image-automation: {exc.message}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("image-automation: interrupted; run `image-automation resume` to continue\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
