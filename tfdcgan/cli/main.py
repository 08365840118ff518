"""DCGAN from the command line, as carpedm20/DCGAN-tensorflow's main.py:
the installed `tfdcgan` command (and the repository's `python main.py`).

    tfdcgan --dataset mnist --train                      # offline default
    tfdcgan --dataset celebA --input_height 108 --crop --train
    tfdcgan --dataset celebA --input_height 108 --crop --visualize --visualize_option 0

Flags are in `tfdcgan.cli.flags`; all the work is `tfdcgan.run.main(**flags)`.
"""

import logging
import os
import sys

# TensorFlow's C++ INFO lines (oneDNN notices, ...) are noise here; set before
# the flag validators first import it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

from absl import app  # noqa: E402
from absl import flags as absl_flags  # noqa: E402

from tfdcgan.cli import flags  # noqa: E402

FLAG_NAMES = flags.define_flags()


# absl's exit status for a flag it refuses.
USAGE_ERROR = 1


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    import tfdcgan.rules
    import tfdcgan.run

    # TensorFlow's Python INFO logs (checkpoint sharding) are noise here.
    for name in ("tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.WARNING)

    kwargs = flags.run_kwargs(absl_flags.FLAGS, tfdcgan.run.RunConfig.names())
    try:
        tfdcgan.run.main(**kwargs)
    except tfdcgan.rules.SettingError as error:
        # Flags that cannot work together: refused as absl refuses a bad
        # value, on one line, before anything is read or written.
        print(f"FATAL Flags parsing error: {error.flag_message()}", file=sys.stderr)
        return USAGE_ERROR
    except tfdcgan.run.RunError as error:
        print(f"\n{error}", file=sys.stderr)
        return error.exit_code
    return 0


def run():
    """The `tfdcgan` console command: parses the flags and runs `main`."""
    # absl's --help lists the key flags of the module named by sys.argv[0]:
    # the console script, or main.py.
    for name in FLAG_NAMES:
        absl_flags.FLAGS.register_key_flag_for_module(sys.argv[0], absl_flags.FLAGS[name])
    app.run(main, flags_parser=_parse_flags)


def _parse_flags(argv):
    """absl's parsing, after a word for each of the PyTorch DCGAN's flags
    (absl would only say the first is unknown)."""
    foreign = flags.pytorch_flags(argv)
    if foreign:
        for line in foreign:
            print(f"FATAL Flags parsing error: {line}", file=sys.stderr)
        print("Pass --helpshort or --helpfull to see help on flags.", file=sys.stderr)
        sys.exit(USAGE_ERROR)
    return app.parse_flags_with_usage(argv)


if __name__ == "__main__":
    run()
