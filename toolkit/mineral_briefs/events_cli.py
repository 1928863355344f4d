"""``mineral-briefs events set-status``: record what became of a policy event.

The policy timeline is hand-written (``data/curated/policy_events.yaml``) and written to
``data/policy_events.csv`` by the refresh. This command edits the one record in the YAML (its
``status`` and ``status_source`` lines, leaving every other line as written), rewrites the CSV
from the records and validates the data folder, so a bad edit never lands silently.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from mineral_briefs.errors import DataError


def set_event_status(
    event_id: str,
    status: str,
    source_id: str,
    *,
    curated: Path | None = None,
    data_dir: Path | None = None,
) -> Path:
    """Set an event's status and the source that records it, then refresh the CSV.

    Parameters
    ----------
    event_id : str
        ``event_id`` of a record in ``policy_events.yaml``.
    status : str
        One of :data:`mineral_briefs.data.schemas.EVENT_STATUS`.
    source_id : str
        Source id (in ``sources.csv``) that reports the outcome.
    curated, data_dir : Path, optional
        Folder of the hand-written records (default: ``<data_dir>/curated``) and the data folder
        (default: :func:`mineral_briefs.workspace.writable_data_dir`, never the installed
        package).

    Returns
    -------
    Path
        The CSV written.

    Raises
    ------
    DataError
        Unknown status (naming the allowed values), unknown event or source id; the files are
        left as they were.
    """
    from mineral_briefs.data import load_dataset
    from mineral_briefs.data.schemas import EVENT_STATUS
    from mineral_briefs.workspace import writable_data_dir

    data_dir = writable_data_dir(data_dir)
    yaml_path = _policy_events_yaml(curated, data_dir)
    if status not in EVENT_STATUS:
        raise DataError(
            f"{yaml_path}: status {status!r} is not allowed: must be one of "
            + ", ".join(EVENT_STATUS)
        )
    known = set(load_dataset(data_dir).sources["source_id"])
    if source_id not in known:
        raise DataError(f"--source {source_id!r} is not in sources.csv (add it there first)")
    text = yaml_path.read_text(encoding="utf-8")
    new_text = _with_event_status(text, event_id, status, source_id, yaml_path)
    _write_and_validate(yaml_path, text, new_text, data_dir)
    return data_dir / "policy_events.csv"


def _policy_events_yaml(curated: Path | None, data_dir: Path) -> Path:
    """``policy_events.yaml`` of the hand-written records the data folder is built from."""
    # NOTE: the records beside the data being changed, not the built-in ones: the YAML edited
    # here must be the one that data folder is built from (and never the installed package's).
    curated = Path(curated) if curated else data_dir / "curated"
    if not (curated / "policy_events.yaml").is_file():
        raise DataError(
            f"{curated}: no policy_events.yaml here; pass --curated with the folder of the "
            "hand-written records that this data folder is built from"
        )
    return curated / "policy_events.yaml"


def _with_event_status(
    text: str, event_id: str, status: str, source_id: str, yaml_path: Path
) -> str:
    """``text`` (the YAML) with one record's status lines replaced, every other line as written.

    Raises
    ------
    DataError
        No record has ``event_id`` (``yaml_path`` names the file in the message).
    """
    lines = text.split("\n")
    start = next(
        (
            i
            for i, ln in enumerate(lines)
            if re.fullmatch(rf"  event_id: {re.escape(event_id)}", ln)
        ),
        None,
    )
    if start is None:
        raise DataError(f"{yaml_path}: no event with event_id {event_id!r}")
    # NOTE: a record runs from its "- " line to the next one; edit only its status lines.
    begin = max(i for i in range(start + 1) if lines[i].startswith("- "))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("- ")), len(lines))
    while end > begin and not lines[end - 1].strip():
        end -= 1
    record = [ln for ln in lines[begin:end] if not ln.startswith(("  status:", "  status_source:"))]
    record += [f"  status: {status}", f"  status_source: {source_id}"]
    return "\n".join([*lines[:begin], *record, *lines[end:]])


def _write_and_validate(yaml_path: Path, old_text: str, new_text: str, data_dir: Path) -> None:
    """Write the edited YAML, rebuild ``policy_events.csv`` and validate the data folder.

    On any failure both files are put back as they were and the error is raised again.
    """
    from mineral_briefs.data import load_dataset
    from mineral_briefs.data.curate import build_policy_events, write_tables

    old_csv = (data_dir / "policy_events.csv").read_bytes()
    yaml_path.write_text(new_text, encoding="utf-8")
    try:
        write_tables({"policy_events": build_policy_events(yaml_path.parent)}, data_dir)
        load_dataset(data_dir)
    except Exception:
        yaml_path.write_text(old_text, encoding="utf-8")
        (data_dir / "policy_events.csv").write_bytes(old_csv)
        raise


def cmd_events_set_status(args: argparse.Namespace) -> int:
    """``mineral-briefs events set-status EVENT_ID STATUS --source SOURCE_ID``."""
    path = set_event_status(
        args.event_id,
        args.status,
        args.source,
        curated=Path(args.curated) if args.curated else None,
        data_dir=Path(args.data_dir) if args.data_dir else None,
    )
    print(f"{args.event_id}: status {args.status} (source {args.source}); wrote {path}")
    return 0
