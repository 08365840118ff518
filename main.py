"""DCGAN from the command line, as carpedm20/DCGAN-tensorflow's main.py.

    python main.py --dataset mnist --train                      # offline default
    python main.py --dataset celebA --input_height 108 --crop --train
    python main.py --dataset celebA --input_height 108 --crop --visualize --visualize_option 0

Flags are in flags.py; all the work is `tfdcgan.run.main(**flags)`.
"""

import logging
import os
import sys

from absl import app
from absl import flags as absl_flags

import flags

flags.define_flags()
absl_flags.adopt_module_key_flags(flags)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    # TensorFlow loads here, after --help has had its say; its C++ INFO lines
    # and Python INFO logs (oneDNN notices, checkpoint sharding) are noise here.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    import tfdcgan.run

    for name in ("tensorflow", "absl"):  # TensorFlow's own INFO lines
        logging.getLogger(name).setLevel(logging.WARNING)

    kwargs = flags.run_kwargs(absl_flags.FLAGS, tfdcgan.run.RunConfig.names())
    try:
        tfdcgan.run.main(**kwargs)
    except tfdcgan.run.RunError as error:
        print(f"\n{error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    app.run(main)
