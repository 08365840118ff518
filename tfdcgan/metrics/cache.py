"""The folder where metrics keep what they build once (classifiers, weights)."""

import os


def default_cache_dir():
    """`$TFDCGAN_CACHE`, else `$XDG_CACHE_HOME/tfdcgan`, else `~/.cache/tfdcgan`."""
    if os.environ.get("TFDCGAN_CACHE"):
        return os.environ["TFDCGAN_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tfdcgan")
