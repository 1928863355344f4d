"""Cache keys: what a brief depends on (inputs, data, toolkit source, packages), hashed."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from mineral_briefs import __version__
from mineral_briefs.fingerprint import sha256_file, toolkit_source_hash
from mineral_briefs.locations import data_dir
from mineral_briefs.render.plan import BriefJob

KEY_PACKAGES: tuple[str, ...] = (
    "altair",
    "vl-convert-python",
    "nbconvert",
    "papermill",
    "pandas",
    "numpy",
    "pydantic",
)
"""Packages whose versions enter the cache key and the manifest (they change what a brief shows)."""


default_data_dir = data_dir  # NOTE: re-export for render/ and its public API; same function


def data_checksums(data_dir: Path | None = None) -> dict[str, str]:
    """sha256 per data file (same values as ``Dataset.checksums``), without importing pandas."""
    folder = Path(data_dir) if data_dir else default_data_dir()
    if not folder.is_dir():
        return {}
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in {".csv", ".json", ".yaml", ".yml", ".parquet", ".xlsx"}
        # NOTE: hidden folders (an import's staging copy, its backups) are not data
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in files}


def package_versions() -> dict[str, str]:
    """Versions of :data:`KEY_PACKAGES` and Python (manifest + cache key)."""
    out = {"python": ".".join(map(str, sys.version_info[:3]))}
    for name in KEY_PACKAGES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


@dataclass(frozen=True)
class KeyContext:
    """Inputs shared by every brief of a run (computed once)."""

    data: Mapping[str, str]
    toolkit_version: str
    toolkit_source: str
    packages: Mapping[str, str]


def key_context(data_dir: Path | None = None) -> KeyContext:
    """Compute the run-wide part of the cache keys."""
    return KeyContext(
        data=data_checksums(data_dir),
        toolkit_version=__version__,
        toolkit_source=toolkit_source_hash(),
        packages=package_versions(),
    )


def cache_key(job: BriefJob, ctx: KeyContext) -> tuple[str, dict[str, str]]:
    """Return ``(key, inputs)``: the brief's cache key and its labelled input checksums."""
    inputs = {label: sha256_file(path) for label, path in job.inputs}
    inputs.update({f"data:{name}": digest for name, digest in ctx.data.items()})
    material = {
        "inputs": inputs,
        "parameters": _public_parameters(job.parameters),
        "language": job.language,
        "toolkit_version": ctx.toolkit_version,
        "toolkit_source": ctx.toolkit_source,
        "packages": dict(ctx.packages),
    }
    blob = json.dumps(material, sort_keys=True, ensure_ascii=True).encode()
    return hashlib.sha256(blob).hexdigest(), inputs


def _public_parameters(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as recorded in the manifest: absolute paths reduced to their file name."""
    out: dict[str, Any] = {}
    for k, v in params.items():
        if isinstance(v, str) and os.path.isabs(v):
            v = Path(v).name
        out[k] = v
    return out
