"""benchmarks/run_overhead.py runs both versions and prints its table. No
timing is asserted."""

import os
import pathlib
import subprocess
import sys

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "run_overhead.py"


@pytest.mark.slow
def test_a_tiny_round_prints_before_and_after_side_by_side():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, str(SCRIPT), "--train_size", "128", "--rounds", "1"],
                            capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "| measure | before | after | after / before |" in out
    for row in ("command wall s", "command CPU s", "epoch wall s", "log bytes",
                "import tfdcgan s"):
        assert f"| {row} |" in out
    assert "bundled MNIST, 1 epoch(s), 0 steps" not in out
