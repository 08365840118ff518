"""`--strategy multi_worker` through main.py: two worker processes on loopback.

Each test starts two `python main.py ... --strategy multi_worker` processes
(127.0.0.1, free ports, their own TF_CONFIG), each in its own process group
with a time limit, and kills whatever is left of them when it ends.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tfdcgan import cluster

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAIN = os.path.join(REPO, "main.py")
TIMEOUT = 240  # seconds a worker may take (the machine may be shared)
STEPS_PER_EPOCH = 10  # train_size 320 / batch_size 32
FLAGS = ["--dataset", "mnist", "--train", "--train_size", "320", "--batch_size", "32",
         "--gf_dim", "4", "--df_dim", "4", "--z_dim", "8", "--seed", "3",
         "--sample_freq", "4", "--ckpt_freq", "4", "--out_dir", "out", "--logs_dir", "logs",
         "--strategy", "multi_worker", "--sync_batch_norm"]
RUN_NAME = "mnist_y28_z8_b32_n320_seed3_gf4_df4_syncbnTrue"

pytestmark = pytest.mark.slow


class Cluster:
    """Two workers of one command, started in `folder` (no ./data there: the
    bundled MNIST), with TMPDIR `folder/tmp` so that what they leave in the
    temporary folder can be checked."""

    def __init__(self, folder):
        self.folder = folder
        self.tmp = folder / "tmp"
        self.tmp.mkdir(exist_ok=True)
        self.processes = []
        self.rounds = 0

    def start(self, epoch, extra=()):
        self.rounds += 1
        self.processes, self.logs = [], []
        for index, tf_config in enumerate(cluster.loopback_tf_configs(2)):
            env = {**os.environ, "PYTHONPATH": REPO, "TF_CONFIG": tf_config,
                   "TMPDIR": str(self.tmp), "CUDA_VISIBLE_DEVICES": "-1",
                   "TF_CPP_MIN_LOG_LEVEL": "2"}
            log = self.folder / f"worker{index}_{self.rounds}.log"
            self.logs.append(log)
            with open(log, "w") as out:
                self.processes.append(subprocess.Popen(
                    ["timeout", "-s", "KILL", str(TIMEOUT), sys.executable, MAIN, *FLAGS,
                     "--epoch", str(epoch), *extra],
                    cwd=self.folder, env=env, stdout=out, stderr=subprocess.STDOUT,
                    start_new_session=True))

    def wait(self):
        """The workers' exit statuses, once both have ended."""
        deadline = time.monotonic() + TIMEOUT + 30
        return [p.wait(timeout=max(1, deadline - time.monotonic())) for p in self.processes]

    def output(self, index):
        return self.logs[index].read_text(errors="replace")

    def signal(self, index, signum):
        """Sends `signum` to worker `index`'s Python process (the child of `timeout`)."""
        children = subprocess.run(["pgrep", "-P", str(self.processes[index].pid)],
                                  capture_output=True, text=True).stdout.split()
        for pid in children:
            os.kill(int(pid), signum)

    def kill(self):
        for p in self.processes:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=30)

    def checkpoint_step(self):
        """The step of the newest checkpoint the run's index names (0: none)."""
        index = self.folder / "out" / RUN_NAME / "checkpoint" / "checkpoint"
        match = re.search(r'^model_checkpoint_path: "ckpt-(\d+)"',
                          index.read_text() if index.exists() else "", re.M)
        return int(match.group(1)) if match else 0

    def wait_for_checkpoint(self, step):
        deadline = time.monotonic() + TIMEOUT
        while self.checkpoint_step() < step:
            assert time.monotonic() < deadline, self.output(0)[-3000:]
            assert all(p.poll() is None for p in self.processes), (
                self.output(0)[-3000:] + self.output(1)[-3000:])
            time.sleep(0.2)


@pytest.fixture
def workers(tmp_path):
    cluster = Cluster(tmp_path)
    try:
        yield cluster
    finally:
        cluster.kill()


def fingerprints(text):
    return re.findall(r"Weights fingerprint .*: trainable (\w+), batch-norm statistics (\w+)",
                      text)


def progress(text):
    """Each progress line's place and metrics, without times and speeds."""
    return [re.sub(r"\s+[\d.]+ (s|images/s)\b", "", line)
            for line in text.splitlines() if re.match(r"(step \d+|epoch \d+/\d+ done)", line)]


def test_two_workers_train_one_run_with_identical_weights(workers):
    workers.start(epoch=2)
    statuses = workers.wait()
    chief, other = workers.output(0), workers.output(1)
    assert statuses == [0, 0], chief[-3000:] + other[-3000:]

    # The global batch is logged; the logs agree, step by step.
    assert "2 replicas in sync; global batch 32 (16 per replica)" in chief
    assert "Memory allocator: " in chief and "Memory allocator: " in other
    assert progress(chief) == progress(other)
    assert len(progress(chief)) >= 2 * STEPS_PER_EPOCH // 4
    # Identical weights, batch-norm moving statistics included (synchronised).
    assert len(fingerprints(chief)) == 1
    assert fingerprints(chief) == fingerprints(other)

    # One run directory, written once: by the chief alone.
    run = workers.folder / "out" / RUN_NAME
    assert os.listdir(workers.folder / "out") == [RUN_NAME]
    assert os.listdir(workers.folder / "logs") == [RUN_NAME]
    assert workers.checkpoint_step() == 2 * STEPS_PER_EPOCH
    stats = (run / "stats.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in stats] == list(
        range(1, 2 * STEPS_PER_EPOCH + 1))
    assert sorted(os.listdir(run / "samples")) == [
        f"train_{s:08d}.png" for s in (4, 8, 12, 16, 20)]
    assert "(written by the chief)" in other
    # Nothing left elsewhere: the other worker's checkpoint shares are gone.
    assert os.listdir(workers.tmp) == []
    assert sorted(os.listdir(workers.folder)) == [
        "logs", "out", "tmp", "worker0_1.log", "worker1_1.log"]


def test_sigkill_then_restart_resumes_from_the_last_checkpoint(workers):
    workers.start(epoch=3)
    workers.wait_for_checkpoint(8)
    workers.signal(1, signal.SIGKILL)  # the non-chief dies at any moment ...
    workers.kill()                     # ... and the chief is stopped too
    saved = workers.checkpoint_step()
    assert 8 <= saved < 3 * STEPS_PER_EPOCH

    workers.start(epoch=3)  # the same command on both
    statuses = workers.wait()
    chief, other = workers.output(0), workers.output(1)
    assert statuses == [0, 0], chief[-3000:] + other[-3000:]
    resumed = int(re.search(r"Resuming \S+: step (\d+)", chief).group(1))
    assert resumed == saved
    assert f"Starting from the chief's checkpoint: step {saved}," in other
    assert workers.checkpoint_step() == 3 * STEPS_PER_EPOCH
    assert fingerprints(chief) == fingerprints(other) and fingerprints(chief)
    assert progress(chief) == progress(other)
    # The killed worker's scratch folder was removed by its restart.
    assert not [name for name in os.listdir(workers.tmp) if name.startswith("tfdcgan-")]


def test_sigterm_on_one_worker_saves_on_both_and_exits_143(workers):
    workers.start(epoch=3)
    workers.wait_for_checkpoint(4)
    workers.signal(1, signal.SIGTERM)
    statuses = workers.wait()
    chief, other = workers.output(0), workers.output(1)
    assert statuses == [128 + signal.SIGTERM] * 2, chief[-3000:] + other[-3000:]
    saved = [re.search(r"SIGTERM in the cluster: saved .* at step (\d+)", text)
             for text in (chief, other)]
    assert all(saved), chief[-3000:] + other[-3000:]
    step = int(saved[0].group(1))
    assert int(saved[1].group(1)) == step
    assert workers.checkpoint_step() == step < 3 * STEPS_PER_EPOCH
    assert "Run the same command to resume" in chief
    assert not [name for name in os.listdir(workers.tmp) if name.startswith("tfdcgan-")]


def test_a_resume_the_chief_refuses_stops_every_worker_with_a_message(workers):
    """The checks of a run's settings and seed run on the chief; the other
    worker learns the verdict, rather than waiting in a collective op for a
    chief that has gone and ending in its traceback."""
    workers.start(epoch=1)
    assert workers.wait() == [0, 0], workers.output(0)[-3000:] + workers.output(1)[-3000:]
    flags = (workers.folder / "out" / RUN_NAME / "FLAGS.json").read_bytes()
    for extra, reason in ((["--learning_rate", "0.001"], "learning_rate: 0.0002 -> 0.001"),
                          (["--seed", "4"], "--seed 3, not 4")):
        workers.start(epoch=2, extra=["--out_name", RUN_NAME, *extra])
        statuses = workers.wait()
        chief, other = workers.output(0), workers.output(1)
        assert statuses == [1, 1], chief[-3000:] + other[-3000:]
        assert "Traceback" not in chief + other, chief[-3000:] + other[-3000:]
        assert reason in chief
        assert "The chief (worker 0) stopped this run before training" in other
        assert (workers.folder / "out" / RUN_NAME / "FLAGS.json").read_bytes() == flags
        assert workers.checkpoint_step() == STEPS_PER_EPOCH
