"""mineral-briefs: critical-mineral supply-chain scenarios as briefing reports."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mineral-briefs")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]

# NOTE: before anything imports jsonschema (altair, nbformat, papermill): defer its IRI grammar
# compilation, 1.6 s per process that the briefs never use (see mineral_briefs._lazy_iri).
from mineral_briefs import _lazy_iri  # noqa: E402

_lazy_iri.defer()
