"""DCGAN from the command line, as carpedm20/DCGAN-tensorflow's main.py.

    python main.py --dataset mnist --train      # the same as: tfdcgan --dataset mnist --train

The installed `tfdcgan` command is this; the code is `tfdcgan.cli.main`.
"""

import os

# TensorFlow's C++ INFO lines (oneDNN notices, ...) are noise here; set before
# importing tfdcgan imports TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

from tfdcgan.cli.main import main, run  # noqa: E402,F401  (main: absl's main function)

if __name__ == "__main__":
    run()
