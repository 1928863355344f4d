"""Print a rendered brief to PDF with the system Chromium (print CSS applies)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from mineral_briefs.errors import RenderError
from mineral_briefs.render.atomic import _TEMP_FILES, _TEMP_LOCK
from mineral_briefs.render.layout import TMP_MARK

CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-pdf-header-footer",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--metrics-recording-only",
    "--virtual-time-budget=15000",
)


def find_chromium() -> str:
    """Path of the system Chromium (``$MINERAL_BRIEFS_CHROMIUM`` or on ``PATH``)."""
    import shutil

    env = os.environ.get("MINERAL_BRIEFS_CHROMIUM")
    for cand in ([env] if env else []) + ["chromium", "chromium-browser", "google-chrome"]:
        found = shutil.which(cand) if cand else None
        if found:
            return found
    raise RenderError(
        "--pdf needs Chromium: install it (`sudo apt-get install chromium` or `make browser`) "
        "or set MINERAL_BRIEFS_CHROMIUM to its path"
    )


def print_pdf_bytes(html: bytes, name: str, *, chromium: str | None = None) -> bytes:
    """The PDF of a brief's HTML, printed from a private temporary copy [bytes]."""
    with tempfile.TemporaryDirectory(prefix="mb-pdf-") as tmp:
        src, dst = Path(tmp) / f"{name}.html", Path(tmp) / f"{name}.pdf"
        src.write_bytes(html)
        print_pdf(src, dst, chromium=chromium)
        return dst.read_bytes()


def print_pdf(
    html_path: Path, pdf_path: Path, *, chromium: str | None = None, timeout: float = 120.0
) -> None:
    """Print an HTML brief to PDF with the system Chromium (print CSS applies); atomic."""
    import subprocess

    exe = chromium or find_chromium()
    fd, tmp_name = tempfile.mkstemp(prefix=f"{TMP_MARK}{pdf_path.name}.", dir=pdf_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    with _TEMP_LOCK:
        _TEMP_FILES.add(tmp)
    try:
        with tempfile.TemporaryDirectory(prefix="mb-chromium-") as profile:
            cmd = [
                exe,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--print-to-pdf={tmp}",
                html_path.resolve().as_uri(),
            ]
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        if proc.returncode != 0 or tmp.stat().st_size == 0:
            raise RenderError(
                f"Chromium could not print {html_path.name} to PDF (exit {proc.returncode})"
            )
        os.chmod(tmp, 0o644)  # NOTE: mkstemp makes 0600; briefs are 0644
        os.replace(tmp, pdf_path)
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"Chromium timed out printing {html_path.name}") from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
        with _TEMP_LOCK:
            _TEMP_FILES.discard(tmp)
