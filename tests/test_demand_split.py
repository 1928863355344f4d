"""Where each market's demand is located (methodology §1): China's own share stands, the
alliance gets its members' end-use weights up to what China leaves (less 2 % for the Rest of
World), and a control aimed at named countries is sized by weights capped alike."""

from __future__ import annotations

import pytest
from mineral_briefs.data import load_dataset
from mineral_briefs.engine.build import _build
from mineral_briefs.engine.markets import CHINA_ALLIANCE_MAX_SHARE
from mineral_briefs.engine.params import _demand_share_of, _Params
from mineral_briefs.scenarios import parse_scenario


@pytest.fixture(scope="module")
def ds():  # type: ignore[no-untyped-def]
    return load_dataset()


def _built(ds, body: str = "", alliance: str = "us_eu_japan"):  # type: ignore[no-untyped-def]
    sc = parse_scenario(
        f"id: split\nextends: baseline\nalliance: {alliance}\n{body}", source="split.yaml"
    )
    return sc, _build(sc, ds)


def _share(b, mineral: str, stage: str):  # type: ignore[no-untyped-def]
    mk = b.markets
    (j,) = [j for j in range(mk.size) if (mk.mineral[j], mk.stage[j]) == (mineral, stage)]
    return mk.demand_share[:, j], j


def test_china_share_stands_and_the_alliance_gets_what_is_left(ds) -> None:  # type: ignore[no-untyped-def]
    _, b = _built(ds)
    params = _Params(ds.model_parameters)
    for mineral in ("ndpr", "dy", "tb", "gallium"):
        d, _ = _share(b, mineral, "refining")
        china = params.value("china_demand_share", mineral, "refining")
        assert d[0] == pytest.approx(china)  # NdPr/Dy/Tb 0.9 (magnet making), gallium 0.8
        assert d[1] == pytest.approx(CHINA_ALLIANCE_MAX_SHARE - china)
        assert d[2] == pytest.approx(1.0 - CHINA_ALLIANCE_MAX_SHARE)
        assert d.sum() == pytest.approx(1.0)


def test_a_wider_alliance_takes_no_demand_from_china(ds) -> None:  # type: ignore[no-untyped-def]
    _, narrow = _built(ds)
    _, wide = _built(ds, alliance="wider_partnership")
    mk = narrow.markets
    for j in range(mk.size):
        a, b = narrow.markets.demand_share[:, j], wide.markets.demand_share[:, j]
        assert b[0] == pytest.approx(a[0]), (mk.mineral[j], mk.stage[j])
        assert b[1] >= a[1] - 1e-12 and b[2] <= a[2] + 1e-12


def test_a_named_country_is_capped_like_the_alliance(ds) -> None:  # type: ignore[no-untyped-def]
    """Gallium (China 0.8): the members' weights 0.26 are capped to 0.18; a US-only control
    withholds the US's 0.10 of 0.26 of what an alliance-wide one withholds, never more."""
    body = """export_controls:
  - exporter: CHN
    minerals: [gallium]
    stages: [refining]
    share_withheld: 1.0
    targets: {targets}
    announced: 2026-01-01
    effective: 2026-01-01
"""
    sc, us = _built(ds, body.format(targets="[USA]"))
    _, ally = _built(ds, body.format(targets="alliance"))
    params = _Params(ds.model_parameters)
    w_us = _demand_share_of(params, ["USA"], "gallium")
    w_all = _demand_share_of(params, sc.alliance_members, "gallium")
    assert w_us < w_all
    (c_us,), (c_all,) = us.controls.link_coef, ally.controls.link_coef
    assert 0 < c_us < c_all
    assert c_us == pytest.approx(c_all * w_us / w_all)
