"""glibc's malloc thresholds: TensorFlow's pin, and `GAN.fit` undoing it before
every step of a dataset (not of a Python generator, whose leak guard it is);
the allocator line a multi-worker run logs."""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import tfdcgan
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
    # glibc alone: the threshold rises past the first big block freed (if
    # start-up had not raised it already), and the second comes from the heap.
    assert stages["fresh"][1] is False
    # TensorFlow's pin: every such block is mapped afresh, every time.
    assert stages["after from_generator"] == [True, True]
    # A Python generator keeps TensorFlow's setting (its leak guard) ...
    assert stages["after fit on a generator"] == [True, True]
    # ... a dataset gets MallocThresholds, and the heap serves them again.
    assert stages["after fit on a dataset"] == [False, False]
    assert stages["restore_thresholds"] is True


def tiny_gan():
    gan = tfdcgan.DCGAN(output_height=12, c_dim=1, z_dim=4, gf_dim=4, df_dim=4,
                        num_layers=2, seed=0)
    gan.compile()
    return gan


def count_restores(monkeypatch):
    calls = []
    monkeypatch.setattr(allocator, "restore_thresholds", lambda: calls.append(1))
    return calls


def test_fit_restores_before_every_step_of_a_distributed_dataset(monkeypatch):
    images = np.zeros((16, 12, 12, 1), "float32")
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with strategy.scope():
        gan = tiny_gan()
    data = strategy.distribute_datasets_from_function(
        lambda context: tf.data.Dataset.from_tensor_slices(images).batch(4).repeat())
    calls = count_restores(monkeypatch)
    gan.fit(data, steps_per_epoch=3, epochs=1, verbose=0)
    assert len(calls) == 3


def test_fit_leaves_a_python_generator_to_tensorflow(monkeypatch):
    batches = ((np.zeros((4, 12, 12, 1), "float32"),) for _ in range(2))
    gan = tiny_gan()
    calls = count_restores(monkeypatch)
    gan.fit(batches, steps_per_epoch=2, verbose=0)
    assert calls == []


def test_the_allocator_note_says_whether_tcmalloc_is_preloaded_and_how_to(tmp_path):
    maps = tmp_path / "maps"
    maps.write_text("7f00-7f01 r-xp 00000000 08:01 12 /usr/lib/x86_64-linux-gnu/libc.so.6\n")
    note = allocator.note(str(maps))
    assert note.startswith("Memory allocator: the system's malloc.")
    assert "libtcmalloc-minimal4" in note and "LD_PRELOAD=libtcmalloc_minimal.so.4" in note
    maps.write_text(maps.read_text() + "7f02-7f03 r-xp 00000000 08:01 13 "
                    "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4.5.10\n")
    assert allocator.note(str(maps)) == "Memory allocator: tcmalloc (preloaded)."
    assert allocator.note(str(tmp_path / "absent")) is None  # not Linux


def test_the_allocator_note_reads_this_process_on_linux():
    if not os.path.exists("/proc/self/maps"):
        pytest.skip("no /proc/self/maps: not Linux")
    preloaded = "tcmalloc" in os.environ.get("LD_PRELOAD", "")
    assert ("tcmalloc (preloaded)" in allocator.note()) == preloaded
