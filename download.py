"""Download datasets: `python download.py mnist celebA --data_dir ./data`, the
same as the installed `tfdcgan-download`; the code is `tfdcgan.cli.download`."""

from tfdcgan.cli.download import DATASETS, main, run  # noqa: F401

if __name__ == "__main__":
    run()
