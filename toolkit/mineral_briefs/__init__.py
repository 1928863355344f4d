"""mineral-briefs: critical-mineral supply-chain scenarios as briefing reports."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mineral-briefs")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
