"""Download datasets into --data_dir: MNIST and CelebA, checksummed.

    tfdcgan-download mnist celebA --data_dir ./data     # or: python download.py ...

MNIST's four IDX files go to data_dir/mnist (kept gzipped; tfdcgan reads
them as they are), CelebA's aligned faces to data_dir/celebA. Files are
verified against their published md5s and moved into place only when
complete; a failed run leaves nothing half-written and says what to do.
Without a download, `--dataset mnist` trains on the bundled 10,000 digits.
"""

import argparse
import sys

from tfdcgan.data import download

DATASETS = ("mnist", "celebA")


class _Progress:
    """Redraws one line per file on stderr, at most once per percent."""

    def __init__(self):
        self._last = None

    def __call__(self, name, done, total):
        percent = 100 * done // total if total else done >> 22  # every 4 MB
        if (name, percent) == self._last:
            return
        self._last = (name, percent)
        size = f"{done / 1e6:,.1f} MB" + (f" of {total / 1e6:,.1f} MB ({percent}%)" if total else "")
        end = "\n" if total and done >= total else ""
        sys.stderr.write(f"\r{name}: {size}{end}")
        sys.stderr.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Download MNIST and/or CelebA into --data_dir.")
    parser.add_argument("datasets", nargs="+", choices=DATASETS, metavar="dataset",
                        help=f"one or more of: {', '.join(DATASETS)}")
    parser.add_argument("--data_dir", default="./data",
                        help="parent folder of the datasets (default ./data)")
    parser.add_argument("--mirror", action="append", default=[],
                        help="base URL of a mirror holding the same file names, "
                             "tried before the official sources (repeatable)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds to wait for a server before trying the next")
    args = parser.parse_args(argv)
    mirrors = [m if m.endswith("/") else m + "/" for m in args.mirror]
    try:
        for name in dict.fromkeys(args.datasets):
            if name == "mnist":
                folder = download.download_mnist(
                    args.data_dir, mirrors=(*mirrors, *download.MNIST_MIRRORS),
                    timeout=args.timeout, progress=_Progress())
            else:
                folder = download.download_celeba(
                    args.data_dir,
                    urls=(*(m + download.CELEBA_ZIP for m in mirrors), *download.CELEBA_URLS),
                    timeout=args.timeout, progress=_Progress())
            print(f"{name}: ready in {folder}")
    except download.DownloadError as e:
        print(f"\nerror: {e}", file=sys.stderr)
        return 1
    return 0


def run():
    """The `tfdcgan-download` console command."""
    sys.exit(main())


if __name__ == "__main__":
    run()
