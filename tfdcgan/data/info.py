"""`DatasetInfo`: what a loader used, for the CLI to print and save."""

from __future__ import annotations

import dataclasses
import os

# How many skipped files a summary names before "and N more".
SHOWN_SKIPS = 5


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """Describes a dataset returned by `load_dataset` or a loader's `with_info`.

    Attributes:
        name: the dataset name asked for ("mnist", "celebA", a folder name).
        source: "folder", "mnist" (IDX files from disk) or "mnist-bundled"
            (the offline set shipped in `tfdcgan/data/assets`).
        path: the folder read.
        pattern: the glob used for folders, else None.
        num_files: files considered (matching the pattern, capped by
            train_size) or examples in the IDX files.
        num_examples: examples the dataset will yield per epoch at most.
        skipped: `(file name relative to path, reason)` for every file left
            out; empty for MNIST.
        image_shape: `(height, width, c_dim)` of each yielded image.
        c_dim: channels per image, 1 or 3.
        c_dim_inferred: True when c_dim was inferred from the files.
        has_labels: True when the dataset yields `(images, labels)`.
        num_classes: number of label values (10 for MNIST), else None.
        batch_size: images per batch.
        steps_per_epoch: full batches per epoch.
    """

    name: str
    source: str
    path: str
    pattern: str | None
    num_files: int
    num_examples: int
    skipped: tuple
    image_shape: tuple
    c_dim: int
    c_dim_inferred: bool
    has_labels: bool
    num_classes: int | None
    batch_size: int
    steps_per_epoch: int

    @property
    def num_skipped(self):
        return len(self.skipped)

    def summary(self):
        """A few lines for a log: source, counts, shape, skipped files."""
        where = self.path if self.pattern is None else f"{self.path} ({self.pattern})"
        labels = f", labels 0-{self.num_classes - 1}" if self.has_labels else ""
        inferred = " (c_dim inferred)" if self.c_dim_inferred else ""
        lines = [
            f"Dataset {self.name!r}: {self.source} from {where}",
            f"  {self.num_examples:,} examples of shape "
            f"{'x'.join(map(str, self.image_shape))}{inferred}{labels}; "
            f"{self.steps_per_epoch:,} batches of {self.batch_size} per epoch",
        ]
        if self.skipped:
            lines.append("  " + skipped_message(self.skipped, self.num_files))
        return "\n".join(lines)

    def to_dict(self):
        """JSON-ready dict of every field (tuples become lists)."""
        data = dataclasses.asdict(self)
        data["skipped"] = [list(s) for s in self.skipped]
        data["image_shape"] = list(self.image_shape)
        data["num_skipped"] = self.num_skipped
        return data


def printable(path):
    """`path` with any bytes that are not UTF-8 shown escaped (`caf\\xe9.jpg`),
    so a name from a disk written by another system can be logged and saved."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def skipped_message(skipped, total):
    """'Skipped 3 of 100 files: a.jpg (empty file); ...' naming the first few."""
    shown = "; ".join(f"{name} ({reason})" for name, reason in skipped[:SHOWN_SKIPS])
    more = len(skipped) - SHOWN_SKIPS
    tail = f"; and {more:,} more" if more > 0 else ""
    return f"Skipped {len(skipped):,} of {total:,} files: {shown}{tail}."
