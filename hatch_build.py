"""Build hook: the wheel carries the built-in assets; an editable install reads the checkout.

A regular wheel gets the top-level ``notebooks/``, ``scenarios/`` and ``data/`` folders as package
data under ``mineral_briefs/assets/`` (see ``mineral_briefs.locations``) and the nbconvert
``brief`` template under ``share/jupyter/nbconvert/templates/brief``. An editable install gets
neither, so nothing stale is copied into site-packages: the package reads the checkout's folders.
"""

from __future__ import annotations

from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ASSETS = ("notebooks", "scenarios", "data")


class AssetsHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version != "standard":
            return
        for kind in ASSETS:
            build_data["force_include"][kind] = f"mineral_briefs/assets/{kind}"
        # the methodology page written beside the briefs (mineral_briefs.render.methodology)
        build_data["force_include"]["docs/methodology.md"] = (
            "mineral_briefs/assets/docs/methodology.md"
        )
        build_data["shared_data"]["toolkit/mineral_briefs/templates/brief"] = (
            "share/jupyter/nbconvert/templates/brief"
        )
