"""The vega + vega-lite + vega-embed JavaScript bundle inlined once per page, cached on disk.

Taken from ``vl_convert.javascript_bundle()`` for Altair's Vega-Lite version; a cache hit never
imports Altair (an Altair import costs ≈0.5 s per process).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from importlib import metadata as importlib_metadata
from pathlib import Path

from mineral_briefs.cachefiles import exclusive_lock
from mineral_briefs.errors import RenderError
from mineral_briefs.locations import cache_dir

# NOTE: the export modules log to the package's logger, as they did as one module.
logger = logging.getLogger("mineral_briefs.export")

_BUNDLE_LOCK = threading.Lock()
_BUNDLE: str | None = None


def _package_version(name: str) -> str:
    try:
        return importlib_metadata.version(name)
    except importlib_metadata.PackageNotFoundError:
        return "absent"


def bundle_cache_key() -> str:
    """Cache key of the Vega bundle: the installed ``vl-convert-python`` and ``altair`` versions."""
    return f"vl-convert-{_package_version('vl-convert-python')}_altair-{_package_version('altair')}"


def _build_bundle() -> str:
    import vl_convert as vlc

    try:
        import altair as alt

        vl_version = "v" + str(alt.SCHEMA_VERSION).lstrip("v").replace(".", "_")
        # the stub requires `snippet`; at run time it defaults to the vegaEmbed bundle
        bundle = str(vlc.javascript_bundle(vl_version=vl_version))  # type: ignore[call-arg]
    except Exception:  # noqa: BLE001 - any altair/vl-convert mismatch: fall back to the default
        logger.debug("vl-convert bundle for Altair's Vega-Lite version failed; using default")
        bundle = str(vlc.javascript_bundle())  # type: ignore[call-arg]
    if "</script" in bundle.lower():  # pragma: no cover - checked once in the tooling study
        raise RenderError("the vl-convert bundle contains '</script' and cannot be inlined")
    return bundle


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_cached_bundle(path: Path) -> str | None:
    """The cached bundle if its content matches the hash stored beside it, else None.

    A truncated or edited bundle (a killed write, a full disk, a tampered file) fails the check
    and is rebuilt: it would otherwise give every brief dead or foreign charts while the run
    reports them "ok".
    """
    try:
        text = path.read_text(encoding="utf-8")
        expected = path.with_suffix(".sha256").read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if text.strip() and _sha256(text) == expected:
        return text
    logger.warning("the cached chart bundle %s failed its integrity check; rebuilding it", path)
    return None


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".bundle-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def vega_bundle() -> str:
    """Return the vega + vega-lite + vega-embed JavaScript bundle (≈0.9 MB).

    Memoised per process and cached on disk, keyed by :func:`bundle_cache_key`, with its sha256
    beside it (``….sha256``), checked on every read and rebuilt on mismatch. The cache folder may
    be absent, read-only or unwritable: the bundle is then built in memory (≈1.7 s) and the
    failure to store it is logged at debug level.
    """
    global _BUNDLE
    with _BUNDLE_LOCK:
        if _BUNDLE is not None:
            return _BUNDLE
        path = cache_dir() / f"vega-bundle_{bundle_cache_key()}.js"
        text = _read_cached_bundle(path)
        if text is None:
            # NOTE: one process builds it (1.7 s), the others wait and read: the render
            # workers of a first run all miss at once, while their kernels start on the same
            # cores (issue 15, measured 2026-12-02).
            with exclusive_lock(path.with_suffix(".lock")):
                text = _read_cached_bundle(path) or _build_and_store(path)
        _BUNDLE = text
        return text


def _build_and_store(path: Path) -> str:
    text = _build_bundle()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # NOTE: bundle first, hash last: a crash between them leaves a mismatch, which
        # the next read rebuilds, never a hash vouching for a half-written bundle.
        _write_atomic(path, text)
        _write_atomic(path.with_suffix(".sha256"), _sha256(text) + "\n")
    except OSError as exc:
        logger.debug("could not cache the Vega bundle in %s: %s", path.parent, exc)
    return text
