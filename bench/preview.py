"""The analyst's edit loop (issue 16): one cold brief, and save-to-refreshed preview, vs simulate.

Measured on ``controls_oct2025`` (it extends ``baseline``):

(s) ``mineral-briefs simulate controls_oct2025 --out x.csv`` (the yardstick);
(r) ``mineral-briefs render controls_oct2025 --language en --force --out DIR`` — a new process,
    a new kernel: the cold single brief; (s) and (r) alternate, :data:`ROUNDS` times each, and
    the medians are compared (one run of each varied by 0.1-0.2 s on this 2-core host);
(p) ``mineral-briefs preview COPY --port 0`` on a copy of the scenario: after the first brief,
    the copy's first ``share_withheld`` is edited (0.61, 0.62, 0.63: every engine run of the
    brief changes) and the time from the write to the served page showing the new version is
    taken; the median of the edits is reported;
(n) ``notebooks/brief.ipynb`` (``scenario`` set to the same scenario) executed twice in ONE
    kernel with nbclient, as JupyterLab would (charts drawn as SVG in the kernel): 1st, 2nd run.

Every command gets its own copy of one primed disk cache (``MINERAL_BRIEFS_CACHE``): primed by
rendering ``baseline`` once (Vega bundle, data-check stamp), so no measured command finds the
results of another measured command in it. Targets: (r) ≤ 2.5 × (s), (p) ≤ 1.5 × (s).

The toolkit's bytecode is compiled first (``compileall``), as ``make install`` does and as any
installed package has it: otherwise every process of the first runs compiles the toolkit's
modules, the brief's three processes (render, worker, kernel) three times over.
"""

from __future__ import annotations

import compileall
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench import register

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out" / "preview"
SCENARIO = "controls_oct2025"
EDITS = (0.61, 0.62, 0.63)
ROUNDS = 5
"""Alternating runs of (s) and (r); their medians are compared."""


def _env(cache: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MINERAL_BRIEFS_CACHE": str(cache),
        "PYTHONPATH": str(REPO / "toolkit"),
        "PYTHONUNBUFFERED": "1",
    }


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "mineral_briefs", *args]


def _timed(cmd: list[str], cache: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=_env(cache), capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return wall


def _fresh_cache(primed: Path, name: str) -> Path:
    target = OUT / "cache" / name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(primed, target)
    return target


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return str(resp.read().decode("utf-8"))


def _wait_version(base: str, above: int, deadline_s: float) -> dict[str, object]:
    """Poll ``/status`` (every 20 ms, bounded) until its version exceeds ``above``."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        st = json.loads(_get(base + "status"))
        if int(st["version"]) > above:
            return dict(st)
        time.sleep(0.02)
    raise RuntimeError(f"the preview did not publish a new version within {deadline_s:.0f} s")


def _preview(cache: Path) -> tuple[float, list[float], list[float]]:
    """(first brief [s], save-to-refreshed-page per edit [s], warm render per edit [s])."""
    copy = OUT / f"{SCENARIO}-edited.yaml"
    text = (REPO / "scenarios" / f"{SCENARIO}.yaml").read_text(encoding="utf-8")
    copy.write_text(text, encoding="utf-8")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        _cli("preview", str(copy), "--port", "0"),
        cwd=REPO,
        env=_env(cache),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", proc.stdout.readline())
        if not m:
            raise RuntimeError("the preview printed no address")
        base = f"http://127.0.0.1:{m.group(1)}/"
        st = _wait_version(base, 0, 600)
        first = time.perf_counter() - t0
        refresh, warm = [], []
        for value in EDITS:
            edited = text.replace("share_withheld: 0.6\n", f"share_withheld: {value}\n", 1)
            before = int(str(st["version"]))
            t1 = time.perf_counter()
            copy.write_text(edited, encoding="utf-8")
            st = _wait_version(base, before, 600)
            page = _get(base)
            refresh.append(time.perf_counter() - t1)
            warm.append(float(str(st["seconds"])))
            if st["state"] != "ok" or "data-mineral-briefs-preview" not in page:
                raise RuntimeError(f"the edited brief did not render: {st}")
        return first, refresh, warm
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def _notebook_twice(cache: Path) -> tuple[float, float]:
    """nbclient: notebooks/brief.ipynb run twice in one kernel (JupyterLab-like, SVG charts)."""
    import nbformat
    from nbclient import NotebookClient

    nb_path = REPO / "notebooks" / "brief.ipynb"
    env = _env(cache)
    env.pop("MINERAL_BRIEFS_CHARTS", None)
    old = dict(os.environ)
    os.environ.update(env)
    try:
        nb = nbformat.read(nb_path, as_version=4)
        # the same scenario as the other rows, set like papermill's injected-parameters cell
        at = 1 + next(
            i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])
        )
        nb.cells.insert(at, nbformat.v4.new_code_cell(f"scenario = {SCENARIO!r}"))
        client = NotebookClient(
            nb,
            timeout=600,
            kernel_name="python3",
            resources={"metadata": {"path": str(nb_path.parent)}},
        )
        times = []
        with client.setup_kernel():
            for _ in range(2):
                t0 = time.perf_counter()
                for index, cell in enumerate(nb.cells):
                    client.execute_cell(cell, index)
                times.append(time.perf_counter() - t0)
        return times[0], times[1]
    finally:
        os.environ.clear()
        os.environ.update(old)


@register("preview")
def bench_preview() -> str:
    """Run (s), (r), (p), (n) and return the Markdown section for ``bench/results.md``."""
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    load0 = os.getloadavg()
    primed = OUT / "cache" / "primed"
    compileall.compile_dir(REPO / "toolkit" / "mineral_briefs", quiet=1)
    sys.stderr.write("  priming the disk cache (render baseline) …\n")
    _timed(_cli("render", "baseline", "--language", "en", "--out", str(OUT / "prime")), primed)
    sim: list[float] = []
    rens: list[float] = []
    for i in range(ROUNDS):
        sys.stderr.write(f"  (s) simulate, (r) cold single-brief render: round {i + 1} …\n")
        sim.append(
            _timed(
                _cli("simulate", SCENARIO, "--out", str(OUT / "x.csv")), _fresh_cache(primed, "s")
            )
        )
        rens.append(
            _timed(
                _cli("render", SCENARIO, "--language", "en", "--force", "--out", str(OUT / "r")),
                _fresh_cache(primed, "r"),
            )
        )
    sys.stderr.write("  (p) preview …\n")
    first, refresh, warm = _preview(_fresh_cache(primed, "p"))
    sys.stderr.write("  (n) notebook twice in one kernel …\n")
    nb1, nb2 = _notebook_twice(_fresh_cache(primed, "n"))
    load1 = os.getloadavg()
    s = statistics.median(sim)
    ren = statistics.median(rens)
    p = statistics.median(refresh)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    ok_r = "met" if ren <= 2.5 * s else "NOT met"
    ok_p = "met" if p <= 1.5 * s else "NOT met"
    w = statistics.median(warm)
    rows = [
        (f"(s) `simulate {SCENARIO}` (median of {_list(sim)})", s),
        (
            f"(r) `render {SCENARIO} --language en --force` (cold: new process, kernel; "
            f"median of {_list(rens)})",
            ren,
        ),
        (f"(p) preview: save → refreshed page (median of {_list(refresh)})", p),
        ("(p) of which the warm-kernel render (reported by the preview)", w),
        ("(p) first brief after `preview` starts (cold kernel)", first),
        ("(n) `notebooks/brief.ipynb` in one kernel (nbclient, SVG charts): 1st run", nb1),
        ("(n) the same kernel, 2nd run", nb2),
    ]
    table = "\n".join(f"| {label} | {sec:.2f} | {sec / s:.2f} |" for label, sec in rows)
    loads = (
        " / ".join(f"{x:.2f}" for x in load0) + ", after: " + " / ".join(f"{x:.2f}" for x in load1)
    )
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    return f"""- date: {now}; machine: {machine}
- load (1/5/15-min) before: {loads} (other jobs share the machine; compare the ratios)
- command: `python -m bench preview` (`make bench`); scenario `{SCENARIO}`

| step | wall [s] | × simulate |
| --- | ---: | ---: |
{table}

* cold single brief ≤ 2.5 × simulate: **{ok_r}** ({ren / s:.2f}×)
* save-to-refreshed preview ≤ 1.5 × simulate: **{ok_p}** ({p / s:.2f}×)

Each edit changes the copy's first `share_withheld` (0.6 → {_list(list(EDITS))}), so every
engine run of the brief (central, Monte Carlo, branches, levers compared) is recomputed.
"""


def _list(xs: list[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in xs)
