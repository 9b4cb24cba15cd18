"""Benchmark of the ingest stages on 24 MP JPEGs (run on demand; never collected by pytest).

    python tests/benchmarks/bench_ingest.py [--n 12] [--rounds 2] [--workers 0] [--json out.json]

What it does, in one run so the ratios are fair (see ../shared/reference/performance.md for method):
1. Makes N synthetic 24 MP JPEGs from the largest photos of ../shared/corpus/real: LANCZOS upscale to
   24 MP, light grain, quality 92, 4:2:0, keeping the original EXIF and ICC bytes (cached in
   $TMPDIR/ia-bench-24mp).
2. Per photo, single process, methods interleaved in random order per image, median over rounds:
   * ours: each stage as the pipeline calls it: scan (per photo), copy+sha256 (stage_copy), check_image
     (validate), read_exif, derive (model input, preview, thumb, phash, signals);
   * naive Pillow: every stage opens and fully decodes the file again (validate, EXIF, three LANCZOS
     resizes, phash, signals);
   * vipsthumbnail CLI (when installed): the same three outputs, one process per output, plus the
     single 1600 px output alone as the lower bound of what libvips needs.
3. Throughput: the whole ingest per photo in a spawn process pool sized to the machine, ours and
   naive, with the peak RSS of the largest worker (psutil sampling) and of the parent.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from backend import exif, imaging, intake  # noqa: E402
from backend.settings import load_settings  # noqa: E402

CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
PARAMS = imaging.DeriveParams()


# -- inputs -----------------------------------------------------------------------------------------
def make_24mp(n: int, cache: Path) -> list[Path]:
    """N 24 MP JPEGs upscaled from the largest corpus photos, EXIF and ICC kept."""
    cache.mkdir(parents=True, exist_ok=True)
    sources = sorted((CORPUS / "real").glob("*.jpg"), key=lambda p: (-_pixels(p), p.name))
    out: list[Path] = []
    rng = np.random.default_rng(7)
    for i in range(n):
        src = sources[i % len(sources)]
        dest = cache / f"{i:03d}_{src.stem}_24mp.jpg"
        if not dest.exists():
            with Image.open(src) as im:
                w, h = im.size
                scale = (24_000_000 / (w * h)) ** 0.5
                big = im.convert("RGB").resize((round(w * scale), round(h * scale)), Image.Resampling.LANCZOS)
                arr = np.asarray(big).astype(np.int16)
                arr += rng.normal(0, 5, arr.shape[:2])[..., None].astype(np.int16)
                big = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
                extra = {k: im.info[k] for k in ("exif", "icc_profile") if im.info.get(k)}
                big.save(dest, "JPEG", quality=92, subsampling=2, **extra)
        out.append(dest)
    return out


# -- the two pipelines, per photo -------------------------------------------------------------------
def ours_photo(src: str, work: str) -> dict[str, Any]:
    """What the pipeline does for one photo (scan is measured separately, per set)."""
    staged = Path(work) / "staging" / Path(src).name
    staged.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, staged)
    imaging.sha256_file(staged)
    imaging.check_image(staged, pixel_cap=PARAMS.pixel_cap, min_edge=64)
    exif.read_exif(staged)
    return imaging.derive(str(staged), str(Path(work) / "derived"), staged.stem, PARAMS)


def _naive_resize(src: str, edge: int, dest: Path) -> None:
    with Image.open(src) as im:
        rgb = im.convert("RGB")
    w, h = rgb.size
    s = edge / max(w, h)
    rgb.resize((round(w * s), round(h * s)), Image.Resampling.LANCZOS).save(dest, "JPEG", quality=85)


def naive_photo(src: str, work: str) -> dict[str, Any]:
    """Each stage reopens and fully decodes the file (how a first version is usually written)."""
    import hashlib

    import imagehash

    staged = Path(work) / "staging_naive" / Path(src).name
    staged.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, staged)
    hashlib.sha256(staged.read_bytes()).hexdigest()
    with Image.open(staged) as im:
        im.load()  # validate
    with Image.open(staged) as im:
        dict(im.getexif())
    out = Path(work) / "derived_naive"
    out.mkdir(parents=True, exist_ok=True)
    for edge, name in ((PARAMS.model_edge, "model"), (PARAMS.preview_edge, "preview"),
                       (PARAMS.thumb_edge, "thumb")):
        _naive_resize(str(staged), edge, out / f"{staged.stem}.{name}.jpg")
    with Image.open(staged) as im:
        phash = str(imagehash.phash(im))
    with Image.open(staged) as im:
        gray = np.asarray(im.convert("L").resize((1024, 683)), dtype=np.float32)
    lap = gray[1:-1, :-2] + gray[1:-1, 2:] + gray[:-2, 1:-1] + gray[2:, 1:-1] - 4 * gray[1:-1, 1:-1]
    return {"phash": phash, "sharpness": float(lap.var())}


def vips_outputs(src: str, work: str, edges: tuple[int, ...]) -> None:
    out = Path(work) / "vips"
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "VIPS_CONCURRENCY": "1"}
    for edge in edges:
        dest = out / f"{Path(src).stem}.{edge}.jpg"
        subprocess.run(["vipsthumbnail", src, "-s", str(edge), "--eprofile", "srgb", "-o", f"{dest}[Q=85]"],
                       check=True, env=env, capture_output=True)


# -- measurement helpers ------------------------------------------------------------------------------
def _time_call(fn: Callable[[str], Any], arg: str) -> float:
    t = time.perf_counter()
    fn(arg)
    return time.perf_counter() - t


class PeakRSS:
    """Samples the RSS of this process and its children every 20 ms."""

    def __init__(self) -> None:
        self.parent = 0
        self.worker = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            try:
                self.parent = max(self.parent, me.memory_info().rss)
                for child in me.children(recursive=True):
                    self.worker = max(self.worker, child.memory_info().rss)
            except psutil.Error:
                pass
            time.sleep(0.02)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def per_photo(files: list[Path], work: Path, rounds: int, vips: bool) -> dict[str, list[float]]:
    settings = load_settings(data_dir=work / "data", env={})
    methods: dict[str, Callable[[str], Any]] = {
        "scan": lambda s: intake.scan([s], settings=settings),
        "copy_sha256": lambda s: (shutil.copy2(s, work / "c.jpg"), imaging.sha256_file(work / "c.jpg")),
        "validate": lambda s: imaging.check_image(s, pixel_cap=PARAMS.pixel_cap, min_edge=64),
        "exif": lambda s: exif.read_exif(s),
        "derive": lambda s: imaging.derive(s, str(work / "d"), Path(s).stem, PARAMS),
        "naive_total": lambda s: naive_photo(s, str(work)),
    }
    if vips:
        methods["vips_3_outputs"] = lambda s: vips_outputs(s, str(work), (1600, 1024, 360))
        methods["vips_1600_only"] = lambda s: vips_outputs(s, str(work), (1600,))
    results: dict[str, list[float]] = {k: [] for k in methods}
    rnd = random.Random(1)
    for src in files:
        samples: dict[str, list[float]] = {k: [] for k in methods}
        for _ in range(rounds):
            order = list(methods)
            rnd.shuffle(order)
            for name in order:
                samples[name].append(_time_call(methods[name], str(src)))
        for name, values in samples.items():
            results[name].append(statistics.median(values))
    return results


def pool_run(fn: Callable[[str, str], Any], files: list[Path], work: Path, workers: int,
             repeat: int) -> dict[str, float]:
    """The set `repeat` times (separate work folders) through a warmed spawn pool."""
    jobs = [(str(f), str(work / f"pool{r}")) for r in range(repeat) for f in files]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        list(pool.map(_warm, [str(files[0])] * workers, [str(work / f"warm{i}") for i in range(workers)]))
        with PeakRSS() as rss:
            t = time.perf_counter()
            half = 0
            for i, _ in enumerate(pool.map(fn, *zip(*jobs, strict=True)), 1):
                if i == len(jobs) // 2:
                    half = rss.worker  # memory must not grow with the set: compare with the end
            elapsed = time.perf_counter() - t
    return {"photos": len(jobs), "seconds": elapsed, "photos_per_s": len(jobs) / elapsed,
            "peak_worker_rss_mb_first_half": half / 2**20,
            "peak_worker_rss_mb": rss.worker / 2**20, "peak_parent_rss_mb": rss.parent / 2**20}


def _pixels(path: Path) -> int:
    with Image.open(path) as im:
        return im.size[0] * im.size[1]


def _warm(src: str, work: str) -> None:
    """First-call costs (imports, scipy behind imagehash.phash, ICC profiles) before the clock."""
    imaging.derive(src, work, "warm", PARAMS)
    naive_photo(src, work)
    time.sleep(0.3)  # keeps this worker busy so the other warm job lands on the other worker


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", type=int, default=0, help="0 = one per CPU core")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the set in the pool runs")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"corpus not found at {CORPUS}")
    workers = args.workers or os.cpu_count() or 1
    files = make_24mp(args.n, Path(tempfile.gettempdir()) / "ia-bench-24mp")
    vips = shutil.which("vipsthumbnail") is not None
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        times = per_photo(files, work, args.rounds, vips)
        med = {k: statistics.median(v) * 1000 for k, v in times.items()}
        ours_total = sum(med[k] for k in ("scan", "copy_sha256", "validate", "exif", "derive"))
        pool_ours = pool_run(ours_photo, files, work, workers, args.repeat)
        pool_naive = pool_run(naive_photo, files, work, workers, args.repeat)
    report: dict[str, Any] = {
        "n": len(files), "megapixels": round(_pixels(files[0]) / 1e6, 1),
        "cpu_count": os.cpu_count(), "workers": workers, "rounds": args.rounds,
        "median_ms_per_photo": {k: round(v, 1) for k, v in med.items()},
        "ours_total_ms": round(ours_total, 1),
        "speedup_vs_naive_1proc": round(med["naive_total"] / ours_total, 2),
        "pool_ours": {k: round(v, 2) for k, v in pool_ours.items()},
        "pool_naive": {k: round(v, 2) for k, v in pool_naive.items()},
        "speedup_vs_naive_pool": round(pool_ours["photos_per_s"] / pool_naive["photos_per_s"], 2),
    }
    if vips:
        report["derive_vs_vips_3_outputs"] = round(med["derive"] / med["vips_3_outputs"], 2)
        report["derive_vs_vips_1600_only"] = round(med["derive"] / med["vips_1600_only"], 2)
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()
