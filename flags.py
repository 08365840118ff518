"""The flags of `main.py` / `tfdcgan`, defined in `tfdcgan.cli.flags`."""

from tfdcgan.cli.flags import DATASET_DEPENDENT, define_flags, run_kwargs  # noqa: F401
