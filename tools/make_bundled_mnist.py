"""Builds the offline MNIST set shipped in tfdcgan/data/assets/.

Takes the first 10,000 digits (and labels) of the official MNIST training
set and writes them as gzipped IDX files (gzip mtime 0, so re-running on the
same files gives the same bytes with the same zlib). MNIST is by Yann LeCun
and Corinna Cortes, CC BY-SA 3.0; see tfdcgan/data/assets/SOURCE.md.

    python tools/make_bundled_mnist.py --source ../shared/data/mnist
"""

import argparse
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tfdcgan.data import idx, mnist_dataset  # noqa: E402

NUM_DIGITS = 10_000
_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_bundled_mnist(source, out_dir, num_digits=NUM_DIGITS):
    """Writes the bundled files into `out_dir`; returns their paths."""
    images, labels = mnist_dataset.load_arrays(source, "train")
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name, array in zip(mnist_dataset.BUNDLED, (images[:num_digits], labels[:num_digits])):
        path = os.path.join(out_dir, name)
        idx.write_idx(path, array)
        paths.append(path)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=os.path.join(_REPO, "..", "shared", "data", "mnist"),
                        help="folder with the official MNIST IDX files")
    parser.add_argument("--out_dir", default=os.path.join(_REPO, "tfdcgan", "data", "assets"))
    args = parser.parse_args(argv)
    for path in make_bundled_mnist(args.source, args.out_dir):
        with open(path, "rb") as f:
            digest = hashlib.md5(f.read()).hexdigest()
        print(f"{path}: {os.path.getsize(path):,} bytes, md5 {digest}")


if __name__ == "__main__":
    main()
