"""Read and write IDX files, the format MNIST ships in (gzipped or not).

IDX: two zero bytes, a type code (0x08 = unsigned byte), the number of
dimensions, each dimension as a big-endian uint32, then the data in C order.
"""

import gzip
import os
import struct

import numpy as np

from tfdcgan.data.errors import DatasetError

_UBYTE = 0x08


def read_idx(path):
    """Reads an IDX file of unsigned bytes; `.gz` files are decompressed.

    Args:
        path: file path.

    Returns:
        uint8 array with the file's shape, e.g. `[60000, 28, 28]`.

    Raises:
        DatasetError: not an IDX ubyte file, or its size disagrees with its
            header (a truncated download).
    """
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:  # gzip raises these on a cut-short file
        raise DatasetError(f"Cannot read IDX file {path}: {e}. Delete it and "
                           f"download it again (python download.py mnist).") from e
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] != _UBYTE:
        raise DatasetError(f"{path} is not an IDX file of unsigned bytes "
                           f"(starts with {data[:4]!r}).")
    ndim = data[3]
    header = 4 + 4 * ndim
    shape = struct.unpack(f">{ndim}I", data[4:header]) if len(data) >= header else ()
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(shape) != ndim or len(data) != expected:
        raise DatasetError(f"{path} holds {len(data):,} bytes but its IDX header "
                           f"{shape} needs {expected:,}: the file is truncated "
                           f"or corrupt. Delete it and download it again.")
    return np.frombuffer(data, np.uint8, offset=header).reshape(shape)


def write_idx(path, array, compresslevel=9):
    """Writes a uint8 array as IDX; gzipped (reproducibly, mtime 0) for `.gz`."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    payload = (bytes([0, 0, _UBYTE, array.ndim])
               + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes())
    with open(path, "wb") as raw:
        if path.endswith(".gz"):
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                               compresslevel=compresslevel, mtime=0) as f:
                f.write(payload)
        else:
            raw.write(payload)


def find_idx(folder, name):
    """Path of `name` (e.g. "train-images-idx3-ubyte") in `folder`, or None.

    Accepts the official name, with or without `.gz`, and the dotted variant
    some mirrors use ("train-images.idx3-ubyte").
    """
    dotted = name.replace("-idx", ".idx")
    for candidate in (name + ".gz", name, dotted + ".gz", dotted):
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    return None
