"""The one exception type the data package raises for bad input."""


class DatasetError(ValueError):
    """A dataset cannot be read as asked: no files, none readable, too small.

    A subclass of `ValueError`, so callers that only know the builtin catch it.
    Messages name the folder, the pattern and what was found instead, because
    the user has to fix the path or the flags, not the code.
    """
