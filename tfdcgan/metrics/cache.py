"""The folder where metrics keep what they build once (classifiers, weights),
and the checksums that tell a complete file from a broken one."""

import hashlib
import os


def default_cache_dir():
    """`$TFDCGAN_CACHE`, else `$XDG_CACHE_HOME/tfdcgan`, else `~/.cache/tfdcgan`."""
    if os.environ.get("TFDCGAN_CACHE"):
        return os.environ["TFDCGAN_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tfdcgan")


def file_digest(path, algorithm):
    """Hex digest of a file's bytes, e.g. `file_digest(path, "sha1")`."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
