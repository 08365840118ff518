"""What glibc's malloc does with a 24 MiB block at each stage of a fresh
process (run by test_allocator.py: TensorFlow's pin happens once a process).

Usage: python malloc_thresholds.py
Prints one JSON object: for each stage, whether two 24 MiB blocks, each
allocated and freed in turn, were mapped afresh (`mmap`) rather than taken
from the heap (24 MiB: below glibc's 32 MiB ceiling, above TensorFlow's
128 KiB, and larger than any free chunk a tiny model leaves in the heap).
"""

import ctypes
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import tfdcgan  # noqa: E402
from tfdcgan import allocator  # noqa: E402


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
        "uordblks", "fordblks", "keepcost")]


libc = allocator._glibc()
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]


def mapped_afresh(nbytes=24 << 20):
    """[first, second]: whether each of two blocks of `nbytes`, allocated
    and freed one after the other, was an mmap of its own."""
    result = []
    for _ in range(2):
        before = libc.mallinfo2().hblks
        block = libc.malloc(nbytes)
        result.append(libc.mallinfo2().hblks > before)
        libc.free(block)
    return result


def tiny_gan():
    gan = tfdcgan.DCGAN(output_height=12, c_dim=1, z_dim=4, gf_dim=4, df_dim=4,
                        num_layers=2, seed=0)
    gan.compile()
    return gan


def images():
    return np.random.default_rng(0).uniform(-1, 1, (16, 12, 12, 1)).astype("float32")


def main():
    stages = {"fresh": mapped_afresh()}
    spec = tf.TensorSpec([], tf.int32)
    for _ in tf.data.Dataset.from_generator(lambda: iter([1]), output_signature=spec):
        pass  # TensorFlow builds its first GeneratorDataset kernel
    stages["after from_generator"] = mapped_afresh()
    batches = ((batch,) for batch in [images()[:8]] * 2)
    tiny_gan().fit(batches, steps_per_epoch=2, verbose=0)
    stages["after fit on a generator"] = mapped_afresh()
    tiny_gan().fit(tf.data.Dataset.from_tensor_slices(images()).batch(8), verbose=0)
    stages["after fit on a dataset"] = mapped_afresh()
    stages["restore_thresholds"] = allocator.restore_thresholds()
    print(json.dumps(stages))


if __name__ == "__main__":
    main()
