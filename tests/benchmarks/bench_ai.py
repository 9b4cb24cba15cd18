"""On-demand benchmark: per-photo CPU overhead of the metadata gate and of CLIP hints.

Run: `.venv/bin/python tests/benchmarks/bench_ai.py [--catalog 45000] [--photos 200] [--clip-model ViT-B-32]`
Prints one JSON object. Not collected by pytest (no test_ functions). Torch uses 1 thread, like CI.

- gate: lint + deterministic repair + duplicate check of a batch of photos against a ledger holding
  a synthetic published catalog of `--catalog` rows (built from the labelled examples with word swaps),
  plus the one-off cost of loading that catalog into the ledger.
- clip: hints for one 1024 px JPEG model input (decode + preprocess + encode + softmax) with the tiny
  test config and with the real ViT-B-32 architecture (random weights saved as a checkpoint: the
  pretrained file cannot be downloaded here, and weights do not change the cost).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from backend.gate import DuplicateLedger, cached_catalog_ledger, judge_batch  # noqa: E402
from backend.gate_rules import TextRecord  # noqa: E402
from backend.settings import load_settings  # noqa: E402

DATA = ROOT / "tests" / "ai" / "data" / "gate_labelled.jsonl"
FILLER = ["misty", "early", "late", "quiet", "busy", "calm", "windy", "bright", "soft", "wide", "narrow",
          "northern", "harbour", "meadow", "canal", "forest", "shore", "field", "river", "marsh"]


def synthetic_rows(n: int, seed: int = 1) -> list[dict]:
    base = [json.loads(x) for x in DATA.read_text(encoding="utf-8").splitlines()]
    base = [b for b in base if b["label"] == "good"]
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        b = rnd.choice(base)
        words = b["caption"].split()
        for _ in range(3):
            words[rnd.randrange(len(words))] = rnd.choice(FILLER)
        kws = b["keywords"] if isinstance(b["keywords"], list) else b["keywords"].split(", ")
        rows.append({"File_Name": f"Catalog_{i:06d}.JPG", "Caption": " ".join(words) + f" {i}",
                     "alt_text": b["alt_text"].replace(".", f" {i}."), "Keywords": ", ".join([*kws[:7], f"tag{i}"])})
    return rows


def bench_gate(catalog_rows: int, photos: int) -> dict:
    rows = synthetic_rows(catalog_rows)
    t0, c0 = time.perf_counter(), time.process_time()
    ledger = cached_catalog_ledger(rows) if rows else DuplicateLedger()
    load_s, load_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    ledger = cached_catalog_ledger(rows) if rows else DuplicateLedger()
    reuse_s = time.perf_counter() - t0
    base = [json.loads(x) for x in DATA.read_text(encoding="utf-8").splitlines()]
    rnd = random.Random(5)

    def variant(row: dict, i: int) -> dict:  # distinct photos of similar subjects, like a real set
        cap, alt = row["caption"].split() or ["empty"], row["alt_text"].split() or ["empty"]
        cap[rnd.randrange(len(cap))] = rnd.choice(FILLER)
        alt[rnd.randrange(len(alt))] = rnd.choice(FILLER)
        return {**row, "caption": " ".join(cap) + f" {i}", "alt_text": " ".join(alt) + f" {i}"}

    records = [(f"photo:{i}", TextRecord.from_mapping(variant(base[i % len(base)], i))) for i in range(photos)]
    t0, c0 = time.perf_counter(), time.process_time()
    judge_batch(records, ledger)
    batch_s, batch_cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"catalog_rows": catalog_rows, "photos": photos, "catalog_build_s": round(load_s, 3),
            "catalog_build_cpu_s": round(load_cpu, 3), "catalog_reuse_s": round(reuse_s, 3),
            "gate_ms_per_photo": round(1000 * batch_s / photos, 2),
            "gate_cpu_ms_per_photo": round(1000 * batch_cpu / photos, 2)}


def bench_clip(model: str, images: int) -> dict:
    import open_clip
    import torch
    from PIL import Image

    torch.set_num_threads(1)
    from backend.vision.clip_hints import ClipHinter

    tmp = Path(tempfile.mkdtemp())
    if model == "tiny":
        cfg = tmp / "tiny-clip-test.json"
        cfg.write_text(json.dumps({"embed_dim": 64, "vision_cfg": {"image_size": 64, "layers": 2, "width": 64,
                                                                   "head_width": 32, "patch_size": 16},
                                   "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64,
                                                "heads": 2, "layers": 2}}))
        open_clip.add_model_config(cfg)
        name, spec = "tiny-clip-test", str(cfg)
    else:
        name, spec = model, model
    weights = tmp / "weights.pt"
    torch.save(open_clip.create_model(name, pretrained=None).state_dict(), weights)
    settings = load_settings(tmp / "data", env={}, clip_model=spec, clip_weights=str(weights))
    img = tmp / "input.jpg"
    rnd = random.Random(3)
    Image.frombytes("RGB", (1024, 683), bytes(rnd.randrange(256) for _ in range(1024 * 683 * 3))).save(img, quality=85)
    hinter = ClipHinter(settings)
    t0 = time.perf_counter()
    hinter.ensure_loaded()
    load_s = time.perf_counter() - t0
    hinter.hints(img)  # warm-up
    times, cpu = [], []
    for _ in range(images):
        t0, c0 = time.perf_counter(), time.process_time()
        hinter.hints(img)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"clip_model": name, "labels": len(settings.clip_labels), "load_s": round(load_s, 2),
            "clip_ms_per_photo_median": round(1000 * statistics.median(times), 1),
            "clip_ms_per_photo_p90": round(1000 * sorted(times)[int(0.9 * (len(times) - 1))], 1),
            "clip_cpu_ms_per_photo_median": round(1000 * statistics.median(cpu), 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--catalog", type=int, default=45000)
    ap.add_argument("--photos", type=int, default=200)
    ap.add_argument("--clip-model", default="ViT-B-32")
    ap.add_argument("--clip-images", type=int, default=20)
    args = ap.parse_args()
    out = {"gate_empty_catalog": bench_gate(0, args.photos), "gate": bench_gate(args.catalog, args.photos)}
    out["clip_tiny"] = bench_clip("tiny", args.clip_images)
    if args.clip_model:
        out["clip"] = bench_clip(args.clip_model, args.clip_images)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
