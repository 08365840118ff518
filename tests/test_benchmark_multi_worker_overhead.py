"""benchmarks/multi_worker_overhead.py runs one worker and two, and prints
its table. No timing is asserted."""

import os
import pathlib
import subprocess
import sys

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "multi_worker_overhead.py"


@pytest.mark.slow
def test_a_tiny_round_prints_two_workers_against_one_and_a_half_batch(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TMPDIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--steps", "3", "--warmup", "2", "--rounds", "1",
         "--batch_size", "8", "--gf_dim", "4", "--df_dim", "4",
         "--setups", "one worker", "one worker, half batch", "two workers"],
        capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert ("| setup | images/s | images per CPU-s | CPU per step | overhead per step "
            "| page faults per step |") in out
    one_worker = next(line for line in out.splitlines() if line.startswith("| one worker |"))
    assert one_worker.startswith("| one worker | 1.00 | 1.00 | 1.00 | +0% | ")
    assert int(one_worker.split("|")[6].replace(",", "")) > 0  # the faults it counted
    assert "| two workers |" in out
    assert "| one worker, half batch |" in out
    assert ("What two workers share (communication, coordination, the chief's files):"
            in out)
    assert "- two workers: " in out and "beyond two 'one worker, half batch' steps" in out
    assert "3 steps measured after 2" in out
    assert not list(tmp_path.glob("multi_worker_overhead_*"))  # its work folder is gone


def test_faces_without_the_shared_folder_say_where_they_looked(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--dataset", "celebA", "--data_dir", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 2
    assert f"no celebA folder in {tmp_path}" in result.stderr
    assert "Traceback" not in result.stderr


def test_shared_work_is_two_workers_beyond_two_half_batch_steps_of_the_same_threads():
    sys.path.insert(0, str(SCRIPT.parent))
    import multi_worker_overhead as benchmark
    rows = {name: {"CPU s per step": cpu} for name, cpu in [
        ("one worker", 2.4), ("one worker, half batch", 1.25),
        ("one worker, half batch, 1 thread", 1.0), ("two workers", 3.0),
        ("two, 1 thread each", 2.6), ("two, sync BN", 5.0)]}
    lines = benchmark.shared_work_lines(rows).splitlines()
    assert "- two workers: +0.500 CPU-s a step beyond two 'one worker, half batch' " \
           "steps, +20% of them" in lines
    assert "- two, 1 thread each: +0.600 CPU-s a step beyond two 'one worker, half batch, " \
           "1 thread' steps, +30% of them" in lines
    assert not any("sync BN" in line for line in lines)  # it changes the model too
    assert benchmark.shared_work_lines({"two workers": rows["two workers"]}) == ""


def test_each_two_worker_setup_is_measured_against_its_own_half_batch_twin():
    sys.path.insert(0, str(SCRIPT.parent))
    import multi_worker_overhead as benchmark
    assert benchmark.alone_twin("two, own core each") == "one worker, half batch, own core"
    assert benchmark.alone_twin("two, 1 thread each") == "one worker, half batch, 1 thread"
    assert benchmark.alone_twin("two workers, tcmalloc") == "one worker, half batch, tcmalloc"
    core = benchmark.CORES[-1]
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(sorted(os.sched_getaffinity(0)))"],
        preexec_fn=benchmark.bind_to_core(core), capture_output=True, text=True, timeout=60)
    assert child.stdout.strip() == f"[{core}]"
