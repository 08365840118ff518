"""glibc's malloc thresholds: TensorFlow's pin, and `GAN.fit` undoing it."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

from tfdcgan import allocator

HELPER = pathlib.Path(__file__).with_name("malloc_thresholds.py")
needs_glibc = pytest.mark.skipif(allocator._glibc() is None,
                                 reason="the C library is not glibc")


@needs_glibc
def test_restore_thresholds_is_taken_by_glibc():
    assert allocator.restore_thresholds() is True


def test_without_glibc_nothing_is_set(monkeypatch):
    monkeypatch.setattr(allocator, "_glibc", lambda: None)
    assert allocator.restore_thresholds() is False


@needs_glibc
@pytest.mark.skipif(not hasattr(allocator._glibc() or object(), "mallinfo2"),
                    reason="glibc older than 2.33 (no mallinfo2)")
def test_fit_on_a_dataset_undoes_tensorflows_pinned_mmap_threshold():
    # A fresh process: TensorFlow pins the threshold once, at its first
    # GeneratorDataset kernel, as a distributed dataset's iterator builds.
    result = subprocess.run([sys.executable, str(HELPER)], capture_output=True, text=True,
                            timeout=300, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 0, result.stderr[-3000:]
    stages = json.loads(result.stdout.strip().splitlines()[-1])
    # glibc alone: the first big block is mapped, the threshold rises past
    # it, and the second comes from the heap.
    assert stages["fresh"] == [True, False]
    # TensorFlow's pin: every such block is mapped afresh, every time.
    assert stages["after from_generator"] == [True, True]
    # A Python generator keeps TensorFlow's setting (its leak guard) ...
    assert stages["after fit on a generator"] == [True, True]
    # ... a dataset gets MallocThresholds, and the heap serves them again.
    assert stages["after fit on a dataset"] == [False, False]
    assert stages["restore_thresholds"] is True
