"""Render kernels talk over Unix sockets at unique absolute paths: no TCP port races between
kernels started at once, whatever each kernel's working folder."""

from __future__ import annotations

import glob
import os
from pathlib import Path

import pytest
from mineral_briefs.render import kernel as rk

pytestmark = pytest.mark.skipif(os.name != "posix", reason="IPC sockets need POSIX")


def test_each_kernel_gets_its_own_absolute_socket_path() -> None:
    a, b = rk.kernel_transport(), rk.kernel_transport()
    assert a["transport"] == b["transport"] == "ipc"
    assert os.path.isabs(a["ip"]) and a["ip"] != b["ip"]


def test_two_kernels_in_different_folders_start_answer_and_leave_no_socket(
    tmp_path: Path,
) -> None:
    states = [rk._WorkerState(), rk._WorkerState()]
    folders = [tmp_path / "one", tmp_path / "two"]
    bases = []
    try:
        for st, folder in zip(states, folders, strict=True):
            folder.mkdir()
            km = st.kernel(str(folder), "python3", 60.0)
            assert km.transport == "ipc"
            bases.append(km.ip)
            kc = km.client()
            kc.start_channels()
            rk._sync(kc.wait_for_ready, timeout=60)
            kc.stop_channels()
        assert bases[0] != bases[1]
        assert glob.glob(bases[0] + "-*") and glob.glob(bases[1] + "-*")
    finally:
        for st in states:
            st.shutdown()
    assert not [p for base in bases for p in glob.glob(base + "-*")]
