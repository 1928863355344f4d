"""``--executor`` / ``--scheduler`` of ``render`` and ``sweep``, checked before any work.

Standard library only: the command line calls it before a kernel or a cluster is touched, so a
missing, malformed or unused scheduler address is a bad argument (exit 2), never a failed run.
"""

from __future__ import annotations

import re

from mineral_briefs.errors import UsageError

SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
"""Protocols of a ``distributed`` scheduler address (``tcp`` when none is written)."""

_ADDRESS = re.compile(
    r"^(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<port>\d{1,5})/?$"
)
_FORM = "tcp://HOST:PORT (or tls://, ws://, wss://, ucx://; PORT 1-65535)"


def check_scheduler_address(address: str) -> str:
    """Return ``address`` when it is ``[scheme://]host:port`` with a known scheme and a port in
    1-65535; else raise :class:`UsageError` naming the form allowed."""
    match = _ADDRESS.match(address.strip())
    scheme = (match.group("scheme") or "tcp").lower() if match else ""
    if match is None or scheme not in SCHEMES or not 1 <= int(match.group("port")) <= 65535:
        raise UsageError(f"--scheduler {address[:80]!r}: not a scheduler address; allowed: {_FORM}")
    return address.strip()


def check_executor(executor: str, scheduler: str | None) -> None:
    """Refuse executor options that cannot work together (exit 2, before any work).

    ``dask`` needs a well-formed ``--scheduler``; ``--scheduler`` without ``--executor dask``
    is refused rather than ignored (the user meant a cluster and would get a local run).
    """
    if executor not in ("local", "dask"):
        raise UsageError(f"--executor {executor!r}: unknown executor; allowed: local, dask")
    if executor == "dask":
        if not scheduler:
            raise UsageError(f"--executor dask needs --scheduler {_FORM}")
        check_scheduler_address(scheduler)
    elif scheduler:
        # NOTE: refused, not warned: a warning scrolls past in cron, and a local run of
        # --all on a laptop is not what someone naming a cluster asked for.
        raise UsageError(
            f"--scheduler {scheduler[:80]!r} is only used with --executor dask; "
            "add --executor dask, or drop --scheduler to run here"
        )
