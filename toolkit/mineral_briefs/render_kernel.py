"""Entry point of the render kernels: ipykernel's launcher, without the debugger.

The render pipeline and the preview start their kernels with ``python -m
mineral_briefs.render_kernel`` in place of ``-m ipykernel_launcher``
(:func:`mineral_briefs.render.kernel.headless_spec`). They run notebooks headless: nobody
attaches a debugger, yet ipykernel imports debugpy at start when it is installed, about
0.15–0.2 s of every kernel's boot on the path of a cold brief (issue 16, measured 2026-12-02).
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Start an IPython kernel (arguments as for ``ipykernel_launcher``) without debugpy."""
    # NOTE: as ipykernel_launcher: the cwd leaves sys.path while ipykernel loads (its shell
    # application puts it back), so a file in the notebook's folder cannot shadow a module.
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    # NOTE: None in sys.modules makes ``import debugpy`` raise ImportError, which ipykernel
    # takes for "debugpy not installed": the kernel runs, and says it has no debugger.
    sys.modules["debugpy"] = None  # type: ignore[assignment]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
