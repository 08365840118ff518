"""Find a folder's image files and set aside the ones that cannot be read.

`find_files` applies carpedm20's `glob(data_dir/dataset/input_fname_pattern)`
and, when nothing matches, raises an error that says what *is* there.
`scan_files` reads every header (see `headers.py`) on a small thread pool and
fully decodes only the files whose header or ending looks wrong, so a clean
200k-file CelebA folder costs one short read per file, never a decode.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import glob
import os
import re

from tfdcgan.data import headers as headers_lib
from tfdcgan.data.errors import DatasetError

VERIFY_MODES = ("header", "decode", "none")


@dataclasses.dataclass(frozen=True)
class ScanResult:
    """Outcome of `scan_files`.

    Attributes:
        files: tuple of readable files, in the order given.
        headers: one `ImageHeader` per readable file (None with verify="none").
        skipped: `(path, reason)` for each unreadable file, in the order given.
    """

    files: tuple
    headers: tuple
    skipped: tuple


def find_files(folder, pattern):
    """Sorted paths under `folder` matching the glob `pattern` (`**` recurses).

    Raises:
        DatasetError: the folder is missing or nothing matches; the message
            lists what the folder holds instead, with a hint when the files
            are one folder down or differ only in case.
    """
    if not os.path.isdir(folder):
        raise DatasetError(_missing_folder_message(folder, pattern))
    paths = glob.glob(os.path.join(glob.escape(folder), pattern), recursive=True)
    files = sorted(p for p in paths if os.path.isfile(p))
    if not files:
        raise DatasetError(
            f"No files match {pattern!r} in {folder}. Found instead: "
            f"{describe_folder(folder)}.{_pattern_hint(folder, pattern)}")
    return files


def describe_folder(folder, limit=5):
    """Short human summary of a folder: counts by extension, then subfolders.

    For example "120 '.png' files, 2 '.txt' files and 1 subfolder (faces/)".
    Hidden entries are left out, as glob leaves them out.
    """
    by_ext = collections.Counter()
    subfolders = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                subfolders.append(entry.name + "/")
            else:
                by_ext[os.path.splitext(entry.name)[1] or "(no extension)"] += 1
    common = by_ext.most_common(limit)
    parts = [f"{n} {ext!r} file{'s' if n > 1 else ''}" for ext, n in common]
    others = sum(by_ext.values()) - sum(n for _, n in common)
    if others:
        parts.append(f"{others} other file{'s' if others > 1 else ''}")
    if subfolders:
        shown = ", ".join(sorted(subfolders)[:limit]) + (", ..." if len(subfolders) > limit else "")
        parts.append(f"{len(subfolders)} subfolder{'s' if len(subfolders) > 1 else ''} ({shown})")
    if not parts:
        return "nothing (the folder is empty)"
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def _pattern_hint(folder, pattern):
    """A suggestion for the two commonest mistakes, or ""."""
    if "/" not in pattern and "**" not in pattern:
        # An unzipped archive often adds a level (celebA/img_align_celeba/).
        deeper = glob.glob(os.path.join(glob.escape(folder), "*", pattern))
        if deeper:
            return (f" {len(deeper):,} files one folder down match; pass "
                    f"input_fname_pattern='*/{pattern}' (or '**/{pattern}').")
    swapped = pattern.swapcase()
    if swapped != pattern and glob.glob(os.path.join(glob.escape(folder), swapped)):
        return f" Patterns are case-sensitive: try input_fname_pattern={swapped!r}."
    return ""


def _missing_folder_message(folder, pattern):
    if os.path.exists(folder):
        return f"{folder} is a file, not a folder (looking for files matching {pattern!r})."
    message = f"Folder {folder} does not exist (looking for files matching {pattern!r})."
    parent = os.path.dirname(os.path.normpath(folder))
    if parent and os.path.isdir(parent):
        message += f" Its parent {parent} holds {describe_folder(parent)}."
    name = os.path.basename(os.path.normpath(folder))
    if name.lower() in ("celeba", "mnist"):
        message += (f" To fetch it, run `python download.py {name}"
                    f" --data_dir {parent or '.'}`.")
    return message


def scan_files(files, verify="header", num_threads=8):
    """Splits `files` into readable images and skipped ones.

    Args:
        files: paths.
        verify: "header" reads each header and end (cheap) and decodes only
            suspicious files; "decode" decodes every file (exact, slow on big
            folders); "none" trusts every file (fastest start-up; bad files
            are then dropped during training without names).
        num_threads: header reads overlap I/O on this many threads.

    Returns:
        `ScanResult`.
    """
    if verify not in VERIFY_MODES:
        raise ValueError(f"verify must be one of {VERIFY_MODES}, got {verify!r}")
    if verify == "none":
        return ScanResult(tuple(files), (None,) * len(files), ())
    check = _check_decode if verify == "decode" else _check_header
    # Whole chunks per task: per-file futures cost more than a header read
    # when the files are in the page cache; threads pay off on cold disks.
    chunk = max(64, -(-len(files) // (4 * num_threads)))
    chunks = [files[i:i + chunk] for i in range(0, len(files), chunk)]
    with concurrent.futures.ThreadPoolExecutor(num_threads) as pool:
        outcomes = [o for part in pool.map(lambda c: [check(p) for p in c], chunks)
                    for o in part]
    good, headers, skipped = [], [], []
    for path, outcome in zip(files, outcomes):
        if isinstance(outcome, str):
            skipped.append((path, outcome))
        else:
            good.append(path)
            headers.append(outcome)
    return ScanResult(tuple(good), tuple(headers), tuple(skipped))


def _check_header(path):
    """Header, or the reason the file is unreadable (a str)."""
    try:
        header = headers_lib.read_header(path)
    except (headers_lib.BadImage, OSError) as e:
        return str(e)
    if header.complete:
        return header
    # A missing end marker usually means a cut-short download, but some
    # cameras append data after a valid JPEG; decoding decides.
    reason = _decode_problem(path, header)
    return header if reason is None else reason


def _check_decode(path):
    try:
        header = headers_lib.read_header(path)
    except (headers_lib.BadImage, OSError) as e:
        return str(e)
    reason = _decode_problem(path, header)
    return header if reason is None else reason


def _decode_problem(path, header):
    """None if the file decodes fully with the decoder the pipeline uses."""
    from tfdcgan.data import decode  # TensorFlow import kept off the header path
    try:
        decode.decode_file_eagerly(path, header.needs_pillow)
    except Exception as e:  # any decoder failure means "skip this file"
        # Keep the decoder's words, minus TensorFlow's op and device tags.
        message = re.sub(r"\{\{.*?\}\}|\[Op:\w+\]", "", str(e)).strip()
        message = (message.splitlines() or [type(e).__name__])[-1].strip()
        return f"truncated or corrupt: {message[:100]}"
    return None
