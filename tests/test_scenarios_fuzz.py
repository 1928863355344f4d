"""Property-based fuzzing of the scenario loader (issue 6 item 5).

For arbitrary YAML-ish input, ``parse_scenario`` returns a valid ``Scenario`` or raises
``ScenarioError`` — never anything else (no KeyError, TypeError, RecursionError, pydantic errors).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mineral_briefs.errors import ScenarioError
from mineral_briefs.scenarios import Scenario, load_scenario, parse_scenario
from mineral_briefs.vocab import IEA_SCENARIOS, MINERALS, STAGES

FUZZ = settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

WORDS = [
    *MINERALS,
    *STAGES,
    *IEA_SCENARIOS,
    "CHN",
    "USA",
    "JPN",
    "COD",
    "EU27",
    "XYZ",
    "all",
    "alliance",
    "us_japan",
    "us_eu_japan",
    "wider_partnership",
    "variable_tariff",
    "cfd",
    "offtake",
    "shortfall",
    "price",
    "log_linear",
    "s_curve",
    "USD/kg",
    "EUR/t",
    "GBP/kg",
    "USD/lb",
    "CNY/t",
    "2025-10",
    "2025-10-09",
    "2051-01",
    "1899-12",
    "baseline",
    "nope",
    "../../etc/passwd",
    "x.yaml",
    "MOFCOM_2025",
    "",
    "en",
    "de",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS),
    st.text(max_size=20),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), inner, max_size=4),
    ),
    max_leaves=12,
)

CONTROL = {
    "exporter": st.sampled_from(["CHN", "COD", "chn", "XYZ"]),
    "minerals": st.lists(st.sampled_from([*MINERALS, "lithum"]), max_size=3),
    "stages": st.lists(st.sampled_from([*STAGES, "refinning"]), max_size=3),
    "share_withheld": st.one_of(st.floats(-1, 2), st.floats(allow_nan=True), values),
    "targets": st.one_of(st.sampled_from(["all", "alliance"]), st.lists(st.sampled_from(WORDS))),
    "announced": st.one_of(st.dates(), st.sampled_from(WORDS)),
    "effective": st.one_of(st.dates(), st.sampled_from(WORDS)),
    "suspended": st.one_of(st.none(), st.dates()),
    "snap_back": st.one_of(st.none(), st.dates()),
    "ends": st.one_of(st.none(), st.dates()),
    "licensing_delay_days": st.one_of(st.integers(-10, 400), values),
    "ramp_months": st.integers(-2, 200),
    "front_running_months": st.integers(-2, 30),
    "leakage": st.floats(-1, 2),
    "share_witheld": st.floats(0, 1),
}
PRICE = st.fixed_dictionaries(
    {},
    optional={
        "value": st.one_of(st.floats(allow_nan=True, allow_infinity=True), values),
        "unit": st.sampled_from(["USD/kg", "EUR/t", "GBP/kg", "USD/oz", "USD", "", "usd/kg"]),
    },
)
SECTIONS = {
    "id": st.one_of(st.sampled_from(["case", "a;rm -rf", "../../etc", "Case"]), values),
    "title": st.one_of(st.text(max_size=10), st.fixed_dictionaries({"en": values, "de": values})),
    "rationale": st.one_of(st.text(max_size=10), values),
    "extends": st.one_of(st.none(), st.sampled_from(["baseline", "basline", "x.yaml", "a;b"])),
    "horizon": st.fixed_dictionaries(
        {},
        optional={
            "start": st.one_of(st.dates(), st.sampled_from(WORDS)),
            "months": st.one_of(st.integers(-5, 1000), values),
        },
    ),
    "alliance": st.one_of(
        st.sampled_from(["us_japan", "us_eu_japan", "wider_partnership", "nato"]),
        st.fixed_dictionaries({"name": values, "members": st.lists(st.sampled_from(WORDS))}),
        values,
    ),
    "export_controls": st.lists(st.fixed_dictionaries({}, optional=CONTROL), max_size=2),
    "price_floors": st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "mineral": st.sampled_from(WORDS),
                "stage": st.sampled_from(WORDS),
                "floor": PRICE,
                "instrument": st.sampled_from(["variable_tariff", "cfd", "offtake", "x"]),
                "members": st.one_of(st.just("alliance"), st.lists(st.sampled_from(WORDS))),
                "offtake_volume_t_per_year": st.one_of(st.none(), st.floats()),
                "start": st.one_of(st.dates(), st.sampled_from(WORDS)),
                "end": st.one_of(st.none(), st.dates()),
                "leakage": st.floats(-1, 2),
            },
        ),
        max_size=2,
    ),
    "demand": st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "mineral": st.sampled_from(WORDS),
                "growth": st.one_of(
                    st.fixed_dictionaries({}, optional={"multiple": values, "percent": values}),
                    values,
                ),
                "base_year": st.one_of(st.integers(1900, 2100), values),
                "target_year": st.one_of(st.integers(1900, 2100), values),
                "shape": st.sampled_from(WORDS),
                "iea_scenario": st.sampled_from(WORDS),
            },
        ),
        max_size=2,
    ),
    "stockpiles": st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "holder": st.sampled_from(WORDS),
                "minerals": st.lists(st.sampled_from(WORDS), max_size=2),
                "stage": st.sampled_from(WORDS),
                "days_of_cover": st.one_of(st.floats(allow_nan=True), values),
                "release": st.one_of(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "trigger": st.sampled_from(["shortfall", "price", "x"]),
                            "price_multiple": values,
                            "max_share_of_shortfall": values,
                        },
                    ),
                    values,
                ),
                "refill": values,
            },
        ),
        max_size=2,
    ),
    "projects": st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "name": values,
                "country": st.sampled_from(WORDS),
                "mineral": st.sampled_from(WORDS),
                "stage": st.sampled_from(WORDS),
                "capacity_t_per_year": values,
                "start": st.one_of(st.dates(), st.sampled_from(WORDS)),
                "incentive_price": PRICE,
                "probability": values,
            },
        ),
        max_size=2,
    ),
    "base_overrides": st.one_of(
        values,
        st.fixed_dictionaries(
            {},
            optional={
                "base_year": values,
                "prices": st.lists(
                    st.fixed_dictionaries(
                        {
                            "mineral": st.sampled_from(WORDS),
                            "stage": st.sampled_from(WORDS),
                            "value": values,
                            "unit": st.sampled_from(WORDS),
                        }
                    ),
                    max_size=2,
                ),
                "production": st.lists(values, max_size=2),
            },
        ),
    ),
    "uncertainty": st.one_of(
        st.fixed_dictionaries(
            {}, optional={"draws": st.integers(-5, 200_000), "seed": st.integers(-5, 2**70)}
        ),
        values,
    ),
    "markets": st.one_of(st.none(), st.lists(values, max_size=2)),
    "assumptions": st.lists(
        st.fixed_dictionaries({}, optional={"claim": values, "source_id": values}), max_size=2
    ),
    "sources": st.one_of(st.lists(st.sampled_from(WORDS), max_size=3), values),
    "stockpile": values,
}
scenario_dicts = st.fixed_dictionaries({}, optional=SECTIONS)


MINERAL = st.sampled_from(sorted(MINERALS))
PHYSICAL = st.sampled_from(["mining", "refining", "battery_materials"])
COUNTRY = st.sampled_from(["CHN", "USA", "JPN", "COD", "AUS", "IDN", "DEU"])
SHARE = st.floats(0, 1)
MONTH = st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 1)).map(lambda d: d.strftime("%Y-%m"))

# Mostly valid scenarios (so the success path, digest included, is exercised too): every
# section drawn from its allowed domain; dates are left unordered, so some fail on order.
valid_ish = st.fixed_dictionaries(
    {
        "id": st.from_regex(r"[a-z0-9_]{1,64}", fullmatch=True),
        "title": st.one_of(
            st.text(min_size=1).filter(str.strip),
            st.fixed_dictionaries(
                {"en": st.text(min_size=1).filter(str.strip), "de": st.just("Titel")}
            ),
        ),
        "rationale": st.text(min_size=1).filter(str.strip),
        "horizon": st.fixed_dictionaries({"start": MONTH, "months": st.integers(1, 120)}),
    },
    optional={
        "alliance": st.one_of(
            st.sampled_from(["us_japan", "us_eu_japan", "wider_partnership"]),
            st.fixed_dictionaries(
                {"name": st.just("Club"), "members": st.lists(COUNTRY, min_size=1, max_size=4)}
            ),
        ),
        "export_controls": st.lists(
            st.fixed_dictionaries(
                {
                    "exporter": COUNTRY,
                    "minerals": st.lists(MINERAL, min_size=1, max_size=3),
                    "stages": st.lists(PHYSICAL, min_size=1, max_size=2),
                    "share_withheld": SHARE,
                    "announced": st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)),
                    "effective": st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)),
                },
                optional={"leakage": SHARE, "targets": st.sampled_from(["all", "alliance"])},
            ),
            max_size=2,
        ),
        "demand": st.lists(
            st.fixed_dictionaries(
                {"mineral": MINERAL, "iea_scenario": st.sampled_from(IEA_SCENARIOS)}
            ),
            max_size=3,
            unique_by=lambda d: d["mineral"],
        ),
        "projects": st.lists(
            st.fixed_dictionaries(
                {
                    "name": st.just("P"),
                    "country": COUNTRY,
                    "mineral": MINERAL,
                    "stage": PHYSICAL,
                    "capacity_t_per_year": st.floats(1, 1e6),
                    "start": MONTH,
                    "probability": SHARE,
                }
            ),
            max_size=2,
        ),
        "uncertainty": st.fixed_dictionaries(
            {"draws": st.integers(0, 100_000), "seed": st.integers(0, 2**32)}
        ),
        "sources": st.just(["MOFCOM_2025"]),
    },
)


def _check(text: str) -> None:
    try:
        result = parse_scenario(text, source="fuzz.yaml")
    except ScenarioError as exc:
        message = str(exc)
        assert message.startswith("fuzz.yaml") or "problems:" in message
        assert "Traceback" not in message
        return
    assert isinstance(result, Scenario)
    assert len(result.digest()) == 64


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    _check(text)


@FUZZ
@given(scenario_dicts)
def test_generated_scenario_dicts(data: dict[str, Any]) -> None:
    _check(yaml.safe_dump(data, allow_unicode=True))


@FUZZ
@given(valid_ish)
def test_mostly_valid_scenarios(data: dict[str, Any]) -> None:
    _check(yaml.safe_dump(data, allow_unicode=True))


@settings(max_examples=300, deadline=None)
@given(values)
def test_arbitrary_yaml_values(data: Any) -> None:
    _check(yaml.safe_dump(data))


def test_fuzz_valid_core_still_loads() -> None:
    """Sanity: the generator's core really can produce a valid scenario."""
    text = yaml.safe_dump(
        {
            "id": "case",
            "title": "t",
            "rationale": "r",
            "horizon": {"start": "2025-10", "months": 12},
        }
    )
    assert parse_scenario(text, source="fuzz.yaml", check_sources=False).id == "case"


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_load_scenario_from_arbitrary_file_bytes(raw: bytes) -> None:
    """The file path (size check, UTF-8 decoding, YAML) raises only ScenarioError too."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_bytes(raw)
        try:
            result = load_scenario(path)
        except ScenarioError as exc:
            assert str(path) in str(exc)
        else:
            assert isinstance(result, Scenario)
