"""JSON and JSON-lines files that a killed process never leaves half written.

`write_json` and `write_jsonl` write a temporary file and rename it over the
old one; `append_jsonl` adds one line (a line cut short by a kill is ignored
by `read_jsonl`). `tfdcgan.run_dir.RunDirectory` and the callbacks that keep
JSON-lines logs (`LossCurves`, `SampleQuality`) all write through these.
Infinite floats become null; numpy scalars become Python numbers.
"""

import json
import math
import os
import time

import numpy as np


def read_json(path):
    """The object in `path`, or None when there is no such file."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def write_json(path, obj):
    """Writes `obj` to `path` atomically (indented, keys sorted)."""
    with _replacing(path) as f:
        json.dump(jsonable(obj), f, indent=2, sort_keys=True)
        f.write("\n")


def read_jsonl(path):
    """The records of a JSON-lines file (a missing file has none; a partly
    written last line, from a killed process, is ignored)."""
    if not os.path.exists(path):
        return []
    records = []
    with open(path) as f:
        for line in f:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                break
    return records


def write_jsonl(path, records):
    """Replaces `path` atomically with `records`, one JSON object a line."""
    with _replacing(path) as f:
        for record in records:
            f.write(json.dumps(jsonable(record)) + "\n")


def append_jsonl(path, record):
    """Appends one record as a line to `path`."""
    _makedirs_for(path)
    with open(path, "a") as f:
        f.write(json.dumps(jsonable(record)) + "\n")


def jsonable(obj):
    """`obj` with numpy scalars as Python numbers and infinities as None."""
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and math.isinf(obj):
        return None
    return obj


class _replacing:
    """A file opened for writing at a temporary name, renamed to `path` on
    success and removed on failure."""

    def __init__(self, path):
        self.path = path
        self.partial = f"{path}.{os.getpid()}.{time.time_ns()}.partial"

    def __enter__(self):
        _makedirs_for(self.path)
        self.file = open(self.partial, "w")
        return self.file

    def __exit__(self, kind, error, traceback):
        self.file.close()
        if kind is None:
            os.replace(self.partial, self.path)
        else:
            os.remove(self.partial)
        return False


def _makedirs_for(path):
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
