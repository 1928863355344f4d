"""Kernel side of the export: the ``mineral-briefs`` Altair renderer (imports only Altair)."""

from __future__ import annotations

import os
from typing import Any

from mineral_briefs.errors import RenderError
from mineral_briefs.export.contract import SPEC_MIME

CHARTS_ENV = "MINERAL_BRIEFS_CHARTS"
"""Environment variable naming how charts are displayed in the kernel: ``svg`` or ``spec``."""


def chart_mode() -> str:
    """How this kernel displays charts: ``spec`` (render pipeline) or ``svg`` (JupyterLab …).

    The render pipeline starts its kernels with ``MINERAL_BRIEFS_CHARTS=spec``: the exporter
    turns each spec into an offline ``vegaEmbed`` call, so drawing a picture in the kernel would
    be wasted time. Anywhere else (JupyterLab, ``jupyter nbconvert --execute``, papermill run by
    hand) the chart is also drawn as SVG in the kernel.
    """
    mode = os.environ.get(CHARTS_ENV, "svg").strip().lower()
    if mode not in ("svg", "spec"):
        raise RenderError(f"${CHARTS_ENV}={mode[:20]!r}: allowed values are 'svg' and 'spec'")
    return mode


def _offline_renderer(spec: dict[str, Any], **meta: Any) -> dict[str, Any]:
    """Altair renderer: the raw spec under :data:`SPEC_MIME`, plus an SVG outside the pipeline.

    Never Altair's HTML output, which loads Vega from a CDN and stays blank offline.
    """
    # NOTE: why SVG and not the lab's own Vega renderer: JupyterLab 4 renders Vega-Lite v3-v5
    # (its vega5 extension) while Altair 6 emits Vega-Lite v6 specs, which it may draw wrongly or
    # not at all. An inlined Vega bundle would add ≈0.9 MB per chart and only run in a trusted
    # notebook. The SVG is drawn by vl-convert with the same Vega as the exported brief; the
    # lab loses the tooltips, the brief keeps them.
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    bundle: dict[str, Any] = {
        SPEC_MIME: spec,
        "text/plain": f"<chart: {title}>" if title else "<chart>",
    }
    if chart_mode() == "svg":
        import vl_convert as vlc

        bundle["image/svg+xml"] = vlc.vegalite_to_svg(spec, vl_version=_vl_version())
    return bundle


def _vl_version() -> str:
    """Altair's Vega-Lite version (``6.4`` …) if vl-convert has it, else vl-convert's newest."""
    import altair as alt
    import vl_convert as vlc

    major_minor = ".".join(str(alt.SCHEMA_VERSION).lstrip("v").split(".")[:2])
    known = [str(v) for v in vlc.get_vegalite_versions()]
    return major_minor if major_minor in known else known[-1]


def enable_offline_renderer() -> None:
    """Register and enable the ``mineral-briefs`` Altair renderer (idempotent).

    Charts display with no network anywhere: as SVG in JupyterLab, as a spec that the exporter
    turns into an offline ``vegaEmbed`` call in a rendered brief (see :func:`chart_mode`).
    Called by ``mineral_briefs.brief.prepare``.
    """
    import altair as alt

    mode = chart_mode()  # a bad $MINERAL_BRIEFS_CHARTS fails here, before any chart is drawn
    if "mineral-briefs" not in alt.renderers.names():
        alt.renderers.register("mineral-briefs", _offline_renderer)
    alt.renderers.enable("mineral-briefs")
    if mode == "spec":
        _display_unvalidated()


def _display_unvalidated() -> None:
    """In the render pipeline's kernel, display charts without Altair's schema validation.

    Altair validates every spec against the Vega-Lite JSON schema when it is displayed, inline
    data included: about a tenth of a brief's cells. The specs are the toolkit's own; the
    tests validate every chart of the built-in briefs (``tests/test_charts_house.py``), and a
    chart displayed anywhere else (JupyterLab, ``.to_dict()``) is still validated.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with every kernel
        return
    shell = get_ipython()
    if shell is None:
        return
    import altair as alt

    def bundle(
        chart: Any, include: Any = None, exclude: Any = None
    ) -> dict[str, Any] | tuple[dict[str, Any], dict[str, Any]]:
        # a mimebundle, or (mimebundle, metadata): IPython's formatter takes either
        spec = chart.to_dict(validate=False, context={"pre_transform": False})
        renderer = alt.renderers.get()
        return renderer(spec) if renderer else {}

    shell.display_formatter.mimebundle_formatter.for_type(alt.TopLevelMixin, bundle)
