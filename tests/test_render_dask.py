"""``--executor dask``: renders fanned out to a real ``distributed.LocalCluster``."""

from __future__ import annotations

from pathlib import Path

import pytest
from mineral_briefs.errors import UsageError
from mineral_briefs.render import TMP_MARK, BriefJob, load_manifest, render
from render_fixtures import make_notebook, network_refs

pytestmark = pytest.mark.slow


def test_dask_local_cluster_renders_and_reports_failures(tmp_path: Path) -> None:
    from distributed import LocalCluster

    # NOTE: the toolkit source hash is not pinned here: the workers compute their own and must
    # match the client's (each engineer's worktree is edited by one person at a time).

    good = make_notebook(tmp_path / "nb" / "good.ipynb", charts=2)
    bad = make_notebook(
        tmp_path / "nb" / "bad.ipynb", charts=1, extra_cells=["raise RuntimeError('dask boom')"]
    )
    jobs = [
        BriefJob(
            name=f"{s}-en",
            notebook=nb,
            parameters={"scenario": s, "language": "en"},
            inputs=((f"notebook:{nb.name}", nb),),
            scenario=s,
        )
        for s, nb in (("one", good), ("two", good), ("bad", bad))
    ]
    out = tmp_path / "out"
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        report = render(
            jobs, out, executor="dask", scheduler=cluster.scheduler_address, timeout=120
        )
        status = {r.name: r for r in report.results}
        assert status["one-en"].status == "ok" and status["two-en"].status == "ok"
        assert status["bad-en"].status == "failed"
        assert status["bad-en"].error["ename"] == "RuntimeError"
        assert report.exit_code == 1
        for s in ("one", "two"):
            page = (out / f"{s}-en.html").read_text(encoding="utf-8")
            assert page.count('<div class="mb-chart"') == 2
            assert network_refs(page) == []
        assert (out / "_failed" / "bad-en.ipynb").is_file()
        assert load_manifest(out)["briefs"]["one-en"]["status"] == "ok"
        assert not [p for p in out.rglob("*") if p.name.startswith(TMP_MARK)]
        # unchanged briefs are not sent to the cluster again
        again = render(jobs[:2], out, executor="dask", scheduler=cluster.scheduler_address)
        assert {r.status for r in again.results} == {"skipped"}


def test_dask_needs_a_reachable_scheduler(tmp_path: Path) -> None:
    nb = make_notebook(tmp_path / "nb" / "good.ipynb", charts=1)
    job = BriefJob(name="x-en", notebook=nb, parameters={"scenario": "x", "language": "en"})
    with pytest.raises(UsageError, match="--scheduler"):
        render([job], tmp_path / "out", executor="dask", scheduler=None)
