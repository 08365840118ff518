"""glibc's malloc, kept from mapping every large buffer afresh each step.

glibc serves a request above its mmap threshold with a fresh `mmap` and
gives it back with `munmap` when it is freed, so the next step's buffer of
the same size is mapped again and each of its 4 KiB pages faults and is
zeroed again. Left alone, glibc raises the threshold to the largest such
block freed so far (up to 32 MiB, keeping up to twice that at the top of the
heap), and a training loop's buffers soon come from the heap and are reused.

TensorFlow switches that off. The first time a process builds a
`GeneratorDataset` kernel (`tf.data.Dataset.from_generator`, and the
per-device iterators of `tf.distribute` datasets and of
`prefetch_to_device`), it calls `mallopt(M_MMAP_THRESHOLD, 128 KiB)` (its
`ApplyPython311MemoryPatch`, a fix for a `from_generator` leak under Python
3.11), which pins the threshold at 128 KiB for good. From then on every
oneDNN convolution buffer and tensor above 128 KiB is mapped and unmapped
every step: a worker of a two-worker run of the 28x28 model made 29 maps
and took about 17,000 page faults a step (one process without a strategy:
about 30), two workers of the 64x64 face model about 165,000 together.
With the thresholds set back: about 70 a worker, and 3,000 for the two
face workers (benchmarks/RESULTS.md, "Several workers on one machine's
loopback").

`restore_thresholds()` sets both thresholds to glibc's own ceilings; the
`MallocThresholds` callback (also `tfdcgan.callbacks.MallocThresholds`)
calls it before every training step, and `GAN.fit` adds it for tf.data and
array input. Without glibc it does nothing; with another allocator
preloaded (tcmalloc), glibc's settings are set but unused. `note()` is the
line a multi-worker run logs about its allocator.
"""

import ctypes
import ctypes.util
import functools

import keras

# glibc's mallopt parameters and the ceilings of its own dynamic thresholds
# (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit systems, and twice that to trim).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD


@functools.lru_cache(maxsize=None)
def _glibc():
    """The C library when it is glibc, else None."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        libc.gnu_get_libc_version  # glibc's own; absent from musl and others
        libc.mallopt
    except (OSError, TypeError, AttributeError):
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    return libc


def restore_thresholds():
    """Sets glibc's mmap threshold to 32 MiB and its trim threshold to
    64 MiB, the most glibc raises them to by itself. Returns whether glibc
    took both (False without glibc)."""
    libc = _glibc()
    if libc is None:
        return False
    return (libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
            and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1)


class MallocThresholds(keras.callbacks.Callback):
    """Calls `restore_thresholds()` before every training step.

    TensorFlow pins the mmap threshold the first time it builds a
    `GeneratorDataset` kernel, which the iterator of a `tf.distribute`
    dataset does when `fit()` starts, after every callback's
    `on_train_begin`; so the thresholds are set again before each step,
    which costs about a microsecond.
    """

    def on_train_batch_begin(self, batch, logs=None):
        restore_thresholds()


TCMALLOC = "libtcmalloc_minimal.so.4"


def note(maps="/proc/self/maps"):
    """One log line for a multi-worker run: which memory allocator this
    process uses, and what tcmalloc would save where it is glibc's malloc;
    None where `maps` (Linux's list of what the process mapped) is absent.

    Under glibc's malloc, `GAN.fit` keeps large buffers on the heap
    (`MallocThresholds`). What two face-model workers share beyond their own
    steps was lower still with tcmalloc preloaded, 7% against 16% in three
    paired rounds; with the 28x28 model it made no difference
    (benchmarks/RESULTS.md, "Several workers on one machine's loopback").
    The library has to be loaded before the process starts, so the command
    line says how rather than doing it.
    """
    try:
        with open(maps) as f:
            mapped = f.read()
    except OSError:
        return None
    if "libtcmalloc" in mapped:
        return "Memory allocator: tcmalloc (preloaded)."
    return ("Memory allocator: the system's malloc. tcmalloc may cost the workers less "
            "CPU a step: install it (Debian/Ubuntu: libtcmalloc-minimal4) and start "
            f"every worker with LD_PRELOAD={TCMALLOC}.")
