"""Rendering benchmark (issue 5 item 10): the whole built-in suite in one run.

(a) naive: a sequential shell loop of the ``papermill`` CLI, then ``jupyter nbconvert --to html
    --no-input``, per brief (every scenario × language, plus the comparison brief per language);
(b) ``mineral-briefs render --all --force``;
(c) the same with nothing changed;
(d) the unique-work floor (issue 15): Σ over (b)'s briefs of cell time + export time, read from
    its manifest, divided by the cores. (b) starts with an empty engine cache, so this sum
    holds one engine run per distinct result (scenario × draws × seed; the count and seconds
    come from the cache's ``misses.jsonl``) plus each brief's charts, text and export — not
    kernel start-ups or per-notebook imports;
(e) the old floor: Σ cell durations of (a)'s cold notebooks / cores (for reference).

(a) runs with the engine's disk cache off (``MINERAL_BRIEFS_ENGINE_CACHE=0``): the naive loop
computes every brief's engine result itself, as it did before the cache.
(a) and (b) use one cache folder (``MINERAL_BRIEFS_CACHE``) that starts empty: (a)'s first kernel
validates the data tables and stores them there, and its ``engine/`` folder is removed before
(b), so both loops start with validated data and (b) with no engine result. The Vega bundle that
every rendered brief inlines is built into that folder before (a) (1.5 s, once per installed
vl-convert and Altair version, like an install step; the naive loop never needs it). (Until
2026-12-02 (a) read the validated tables from the user's cache folder and (b) validated them
anew, and built the Vega bundle, in an empty one: (b) then paid one-time work that (a) never
did.)
Targets: (b) ≥ 10× faster than (a) and within 1.3× of (d); (c) < 3 s. Peak memory is the largest
sum of RSS over the process tree (CLI + workers + kernels), sampled every 0.1 s.
``MB_BENCH_SCENARIOS=baseline,alliance_floor`` restricts the suite (for a quick look): both runs
are then ``--all`` over a scenario folder holding only those (``MINERAL_BRIEFS_SCENARIOS``), so
(a) and (b) render the same briefs, the comparison briefs included.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench import register

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out" / "render"
BIN = Path(sys.executable).parent
LAST_STDOUT: list[str] = [""]


def _run_measured(cmd: list[str], **kw: object) -> tuple[float, float, int]:
    """Run ``cmd``; return (wall seconds, peak tree RSS in MB, exit code); stdout in LAST_STDOUT."""
    import psutil

    peak = 0
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)  # type: ignore[call-overload]
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            try:
                root = psutil.Process(proc.pid)
                procs = [root, *root.children(recursive=True)]
                rss = 0
                for p in procs:
                    try:
                        rss += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak = max(peak, rss)
            except psutil.Error:
                pass
            stop.wait(0.1)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    LAST_STDOUT[:] = [out.decode(errors="replace")]
    wall = time.perf_counter() - t0
    stop.set()
    th.join()
    if proc.returncode != 0:
        sys.stderr.write(err.decode(errors="replace")[-2000:])
    return wall, peak / 1e6, proc.returncode


def _restricted_env() -> dict[str, str]:
    """``MINERAL_BRIEFS_SCENARIOS`` pointing at a folder of the ``MB_BENCH_SCENARIOS`` files.

    # NOTE: a restricted run is still ``render --all`` (both languages and the comparison
    # briefs, over the chosen scenarios only), so (a) and (b) render the same briefs; an id
    # another one extends must be listed too (the folder is the scenarios' whole world).
    """
    only = [s for s in os.environ.get("MB_BENCH_SCENARIOS", "").split(",") if s]
    if not only:
        return {}
    import yaml
    from mineral_briefs.locations import builtin_dir

    folder = OUT / "scenarios"
    folder.mkdir(parents=True, exist_ok=True)
    for sid in only:
        src = builtin_dir("scenarios") / f"{sid}.yaml"
        parent = (yaml.safe_load(src.read_text(encoding="utf-8")) or {}).get("extends")
        if parent and parent not in only:
            raise SystemExit(f"MB_BENCH_SCENARIOS: {sid} extends {parent}; list {parent} too")
        shutil.copy(src, folder / src.name)
    return {"MINERAL_BRIEFS_SCENARIOS": str(folder)}


def _suite(env: dict[str, str]) -> list[tuple[str, Path, dict[str, str]]]:
    """Every brief of ``render --all --language all`` under ``env``: scenario × language, then
    the comparison brief per language."""
    from mineral_briefs.scenarios import list_scenarios

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        ids = [i.id for i in list_scenarios()]
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    items = []
    for sid in ids:
        for lang in ("en", "de"):
            items.append(
                (
                    f"{sid}-{lang}",
                    REPO / "notebooks" / "brief.ipynb",
                    {"scenario": sid, "language": lang},
                )
            )
    for lang in ("en", "de"):
        items.append(
            (
                f"compare-{lang}",
                REPO / "notebooks" / "compare.ipynb",
                {"scenarios": "all", "language": lang},
            )
        )
    return items


def _naive(
    items: list[tuple[str, Path, dict[str, str]]], folder: Path, extra_env: dict[str, str]
) -> tuple[float, float]:
    """(a): the papermill CLI then the nbconvert CLI per brief, one after another."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["set -e"]
    for name, nb, params in items:
        ps = " ".join(f"-p {k} {v}" for k, v in params.items())
        lines.append(
            f"{BIN}/papermill --no-progress-bar {nb} {folder}/{name}.ipynb {ps} > /dev/null 2>&1"
        )
        lines.append(
            f"{BIN}/jupyter nbconvert --to html --no-input {folder}/{name}.ipynb > /dev/null 2>&1"
        )
    script = folder / "naive.sh"
    script.write_text("\n".join(lines) + "\n")
    env = {**os.environ, **extra_env, "MINERAL_BRIEFS_ENGINE_CACHE": "0"}
    wall, peak, code = _run_measured(["bash", str(script)], env=env)
    if code != 0:
        raise RuntimeError("the naive loop failed")
    return wall, peak


def _cells_seconds(folder: Path) -> float:
    total = 0.0
    for path in folder.glob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            d = cell.get("metadata", {}).get("papermill", {}).get("duration")
            if isinstance(d, int | float):
                total += float(d)
    return total


def _unique_work(out: Path, cache: Path) -> tuple[float, float, int]:
    """(Σ cells + export seconds of every brief in ``out``'s manifest, Σ engine seconds, engine
    runs) — the engine part from the engine cache's ``misses.jsonl``."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    briefs = manifest.get("briefs", manifest)
    total = 0.0
    for entry in briefs.values():
        if isinstance(entry, dict) and isinstance(entry.get("seconds"), dict):
            total += float(entry["seconds"].get("cells", 0.0))
            total += float(entry["seconds"].get("export", 0.0))
    misses_file = cache / "engine" / "misses.jsonl"
    lines = misses_file.read_text("utf-8").splitlines() if misses_file.exists() else []
    misses = [json.loads(x) for x in lines if x.strip()]
    return total, sum(float(m.get("seconds", 0.0)) for m in misses), len(misses)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _build_bundle(cache: Path) -> None:
    """Build the Vega bundle into ``cache`` (one-time work of a new install, not of a run)."""
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from mineral_briefs.export.bundle import vega_bundle; vega_bundle()",
        ],
        cwd=REPO,
        env={**os.environ, "MINERAL_BRIEFS_CACHE": str(cache)},
        check=True,
    )


B_REPEATS: int = max(1, int(os.environ.get("MB_BENCH_REPEATS", "3")))
"""Runs of (b) per benchmark (the median is reported)."""


@register("render")
def bench_render() -> str:
    """Run (a)–(d) and return the Markdown section for ``bench/results.md``."""
    cores = os.cpu_count() or 1
    load_start = os.getloadavg()[0]
    if OUT.exists():
        shutil.rmtree(OUT)
    only = os.environ.get("MB_BENCH_SCENARIOS", "")
    restricted = _restricted_env()
    items = _suite(restricted)
    naive_dir, fast_dir = OUT / "naive", OUT / "pipeline"
    _build_bundle(OUT / "cache")
    sys.stderr.write(f"  (a) naive loop over {len(items)} briefs …\n")
    t_a, mem_a = _naive(
        items, naive_dir, {**restricted, "MINERAL_BRIEFS_CACHE": str(OUT / "cache")}
    )
    old_floor = _cells_seconds(naive_dir) / cores
    render_cmd = [
        str(BIN / "mineral-briefs"),
        "render",
        "--all",
        "--out",
        str(fast_dir),
        "--jobs",
        str(cores),
        "--language",
        "all",
    ]
    sys.stderr.write("  (b) mineral-briefs render --force …\n")
    cache = OUT / "cache"
    env = {**os.environ, **restricted, "MINERAL_BRIEFS_CACHE": str(cache)}
    # NOTE: (b) lasts 20–30 s, so one busy minute of the shared host moves it by a fifth,
    # while (a) spreads the same noise over five minutes: (b) is run B_REPEATS times, each
    # from an empty engine cache (every result computed once), and the median run is
    # reported, with its own floor (d); every run's wall time is listed in the note.
    runs_b = []
    for _ in range(B_REPEATS):
        shutil.rmtree(cache / "engine", ignore_errors=True)
        t_i, mem_i, code_i = _run_measured([*render_cmd, "--force"], env=env)
        runs_b.append((t_i, mem_i, code_i, _unique_work(fast_dir, cache)))
    t_b, mem_b, code_b, (work, engine_s, engine_runs) = sorted(runs_b, key=lambda r: r[0])[
        len(runs_b) // 2
    ]
    codes_b = {r[2] for r in runs_b}
    code_b = max(codes_b, key=abs)
    walls_b = ", ".join(f"{r[0]:.1f}" for r in runs_b)
    floor = work / cores
    sys.stderr.write("  (c) mineral-briefs render, nothing changed …\n")
    # NOTE: in a shared development tree someone may edit toolkit/ between (b) and (c); that
    # correctly re-renders (the source hash is in the key), so (c) is repeated until a run finds
    # nothing changed (at most 3 tries) and the note says so.
    retries = 0
    t_c, mem_c, code_c = _run_measured(render_cmd, env=env)
    while "nothing changed" not in LAST_STDOUT[0] and retries < 3:
        retries += 1
        t_c, mem_c, code_c = _run_measured(render_cmd, env=env)
    briefs = sorted(
        p.name for p in fast_dir.glob("*.html") if p.name not in ("index.html", "methodology.html")
    )
    sizes = [(fast_dir / b).stat().st_size for b in briefs]
    load_end = os.getloadavg()[0]
    size_range = f"{min(sizes) / 1e6:.2f}–{max(sizes) / 1e6:.2f}" if sizes else "n/a"
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = [
        ("(a) naive papermill + nbconvert CLI loop, sequential", t_a, mem_a, ""),
        (
            "(b) `mineral-briefs render --all --force`",
            t_b,
            mem_b,
            f"exit {code_b}; median of {len(runs_b)} runs ({walls_b} s)",
        ),
        (
            "(c) same, nothing changed",
            t_c,
            mem_c,
            f"exit {code_c}"
            + (f"; repeated {retries}× (toolkit edited meanwhile)" if retries else ""),
        ),
        (
            "(d) unique-work floor: Σ (b) cells + export / cores",
            floor,
            float("nan"),
            f"{engine_runs} engine runs, {engine_s:.1f} s of them",
        ),
        ("(e) old floor: Σ (a) cell durations / cores", old_floor, float("nan"), ""),
    ]
    table = "\n".join(
        f"| {label} | {sec:.1f} | {'' if mem != mem else f'{mem:.0f}'} | {note} |"
        for label, sec, mem, note in rows
    )
    shown = [a if not a.startswith(str(REPO)) else os.path.relpath(a, REPO) for a in render_cmd[1:]]
    target_b = "met" if t_a / t_b >= 10 else "missed"
    target_floor = "met" if t_b <= 1.3 * floor else "missed"
    target_c = "met" if t_c < 3 else "missed"
    return f"""Machine: {_cpu_model()} · {platform.machine()} · {cores} cores ·
Python {platform.python_version()} · {platform.system()} {platform.release()}; run {now};
1-min load average {load_start:.1f} at start, {load_end:.1f} at end (other jobs share the box).
Suite: {len(briefs)} briefs plus the index{f" (restricted to {only})" if only else ""}; brief size
{size_range} MB.

| run | wall [s] | peak RSS of the process tree [MB] | note |
| --- | ---: | ---: | --- |
{table}

* speed-up (a)/(b): **{t_a / t_b:.1f}×** (target ≥ 10×: {target_b})
* (b)/(d): **{t_b / floor:.2f}×** the unique-work floor (target ≤ 1.3×: {target_floor})
* (c): **{t_c:.2f} s** (target < 3 s: {target_c})

(b) is the median of {len(runs_b)} runs in a row, each from an empty engine cache
(`MB_BENCH_REPEATS` sets how many): a 25 s run is moved by one busy minute of the shared host,
which (a) spreads over five minutes. (b) finds the Vega bundle built and the data tables
validated (one-time work, see
`bench/render.py`). (d) counts each engine result once (the engine cache starts empty and the
briefs of one scenario, the comparison brief and the levers compared share it), each brief's
charts, text and export, and nothing of kernel start-up (a worker's first brief starts after
its kernel's preload). Cell times are wall times: a brief waiting on another's engine
computation (the cache's key lock) would count its wait in (d); the run's order (a scenario's
languages in a row on one kernel, the comparison briefs last) leaves few such waits, while the
order before the suite branch (issue 15, 2026-12-01) started both languages of a scenario and
both comparison briefs side by side, so earlier (d) figures include those waits and are too
high. Since 2026-12-02 03:10 the second language finds the results in its kernel's memory
instead of the disk cache, which lowers (d) as much as (b). (e) is kept to compare with earlier
figures: it counts the imports of every cold notebook and every brief's own engine runs.

Commands: (a) `bench/out/render/naive/naive.sh` (`papermill --no-progress-bar NB OUT.ipynb -p …`
then `jupyter nbconvert --to html --no-input OUT.ipynb`, per brief);
(b) `mineral-briefs {" ".join(shown)} --force`;
(c) the same without `--force`; (d) from (b)'s manifest and engine cache; (e) from the executed
notebooks of (a).
Reproduce: `make bench` or `python -m bench render`.
"""
