"""What training on two workers costs over one, at the same global batch.

    python benchmarks/multi_worker_overhead.py                # bundled MNIST, batch 64, 3 rounds
    python benchmarks/multi_worker_overhead.py --dataset celebA --steps 20 --warmup 3
                                                              # 64x64 faces from ../shared/data
    python benchmarks/multi_worker_overhead.py --steps 4 --warmup 2 --rounds 1 --gf_dim 4 --df_dim 4
                                                              # a quick check

Runs the command line as a user does, on the bundled MNIST (28x28) or, with
`--dataset celebA`, on the shared CelebA photos as the face benchmark trains
them (`--input_height 54 --crop`, 64x64, kernel 5); the default networks
unless `--gf_dim`/`--df_dim` say otherwise:

    one worker    python main.py ... --batch_size B
    one worker, half batch   python main.py ... --batch_size B/2
    one worker, half batch, 1 thread   the same with TF_NUM_INTRAOP_THREADS=1
                  TF_NUM_INTEROP_THREADS=1
    two workers   two processes of python main.py ... --batch_size B --strategy multi_worker,
                  over 127.0.0.1 (TF_CONFIG), each training B/2 images a step
    two, 1 thread each   the same with TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1
    one worker, half batch, own core   one thread, the process bound to one core
                  (sched_setaffinity), the other core left idle
    two, own core each   two workers of one thread, worker i bound to core i:
                  two one-core machines on one loopback, sharing no core
    one worker, half batch, tcmalloc   with LD_PRELOAD=libtcmalloc_minimal.so.4
    two workers, tcmalloc   the same for both workers (the allocator the
                  command line's multi-worker log suggests; Debian/Ubuntu:
                  apt-get install libtcmalloc-minimal4)
    two, sync BN  two workers with --sync_batch_norm

Each run trains `warmup + steps` steps (one epoch of exactly that many
batches). The script watches the chief's stats.jsonl, which gets a line per
step, and reads the CPU time of every process of the run (/proc/<pid>/stat:
user + system, all threads) when the `warmup`-th step has ended and again
when the last has, so start-up, data loading and tracing are left out. Per
setup, the medians over interleaved rounds of:

    images/s               batch x steps / wall time of those steps
    images per CPU-second  the same over the CPU seconds of every process
    CPU s per step         all processes together
    page faults per step   minor faults of all processes together: memory
                           the kernel maps afresh, and zeroes, each step

and, against one worker, the overhead per step: the extra CPU time per step
as a share of one worker's (all-reduces, the second process's own work, and
for the chief its files, which one worker writes too). On two shared cores
two workers cannot be faster; the overhead is the figure to watch.

That overhead has two parts, which the half-batch setups (one process
training B/2 images a step, a worker's own share, run alone) tell apart: a
smaller batch per process costs more CPU per image, which any data-parallel
run at the same global batch pays; what two workers cost beyond two such
half-batch steps with the same threads is what they share: the
communication, the coordination and the chief's files. The script prints
that share last, for each two-worker setup whose twin ran. The "own core"
pair is the closest this machine comes to two machines: every thread of a
worker (its compute, gRPC, the chief's files) runs on that worker's core, so
what remains beyond the twin is the communication, the coordination and the
files, without two processes' threads contending for the same cores. Nothing
is asserted.
"""

import argparse
import collections
import ctypes.util
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from tfdcgan import allocator, cluster  # noqa: E402  (the repository's, as the workers run)
# A setup: how many worker processes, whether each trains half the global
# batch, the flags and the environment they add. "half batch" is one worker's
# own part of a two-worker step, run alone: two of it are what two workers
# would cost with nothing shared. "1 thread" gives a process one of the two
# cores' worth of TensorFlow threads, as two one-core machines would have,
# instead of two processes each sized for the whole machine; "own core" binds
# process i to core i as well, so no two processes share a core.
Setup = collections.namedtuple("Setup", "workers half_batch flags env own_core",
                               defaults=(False,))
ONE_THREAD = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}
MULTI_WORKER = ["--strategy", "multi_worker"]
TCMALLOC = {"LD_PRELOAD": allocator.TCMALLOC}
SETUPS = {"one worker": Setup(1, False, [], {}),
          "one worker, half batch": Setup(1, True, [], {}),
          "one worker, half batch, 1 thread": Setup(1, True, [], ONE_THREAD),
          "two workers": Setup(2, True, MULTI_WORKER, {}),
          "two, 1 thread each": Setup(2, True, MULTI_WORKER, ONE_THREAD),
          "one worker, half batch, own core": Setup(1, True, [], ONE_THREAD, True),
          "two, own core each": Setup(2, True, MULTI_WORKER, ONE_THREAD, True),
          "one worker, half batch, tcmalloc": Setup(1, True, [], TCMALLOC),
          "two workers, tcmalloc": Setup(2, True, MULTI_WORKER, TCMALLOC),
          "two, sync BN": Setup(2, True, MULTI_WORKER + ["--sync_batch_norm"], {})}
TIMEOUT = 900  # seconds a run may take
SHARED_DATA = os.path.join(os.path.dirname(REPO), "shared", "data")
# --dataset -> (what it is, the flags that read it)
DATASETS = {"mnist": ("bundled MNIST 28x28", lambda args: [
                "--dataset", "mnist", "--data_dir", os.path.join(args.work, "no_data")]),
            "celebA": ("shared CelebA faces 64x64", lambda args: [
                "--dataset", "celebA", "--data_dir", args.data_dir, "--input_height", "54",
                "--crop"])}


CORES = sorted(os.sched_getaffinity(0))


def bind_to_core(core):
    """A preexec_fn that binds the child process (and the threads it will
    start) to `core`."""
    return lambda: os.sched_setaffinity(0, {core})


def counters(pid):
    """(user + system CPU seconds, minor page faults) of process `pid`, all
    its threads, so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), int(fields[7])


def steps_done(stats):
    try:
        with open(stats) as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


def one_run(work, name, setup, args):
    """Runs one setup; returns its wall and CPU seconds over the measured steps."""
    workers, _, extra, environment, own_core = SETUPS[setup]
    if own_core and len(CORES) < workers:
        raise SystemExit(f"{name}: needs {workers} cores, this process may use {len(CORES)}")
    if environment == TCMALLOC and not ctypes.util.find_library("tcmalloc_minimal"):
        raise SystemExit(f"{name}: needs {allocator.TCMALLOC}, which this machine lacks "
                         "(Debian/Ubuntu: apt-get install libtcmalloc-minimal4)")
    batch = step_batch(setup, args.batch_size)
    folder = os.path.join(work, name)
    os.makedirs(folder)
    total = args.warmup + args.steps
    _, data_flags = DATASETS[args.dataset]
    command = [sys.executable, os.path.join(REPO, "main.py"), *data_flags(args),
               "--train", "--epoch", "1", "--seed", "0", "--batch_size", str(batch),
               "--train_size", str(batch * total), "--gf_dim", str(args.gf_dim),
               "--df_dim", str(args.df_dim), "--sample_freq", "0", "--ckpt_freq", "0",
               "--out_dir", os.path.join(folder, "out"),
               "--logs_dir", os.path.join(folder, "logs"), "--out_name", "run", *extra]
    tf_configs = cluster.loopback_tf_configs(workers)
    processes = []
    try:
        for index in range(workers):
            env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="2",
                       CUDA_VISIBLE_DEVICES="-1", TMPDIR=folder, **environment)
            if workers > 1:
                env["TF_CONFIG"] = tf_configs[index]
            with open(os.path.join(folder, f"worker{index}.log"), "w") as log:
                processes.append(subprocess.Popen(
                    command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=bind_to_core(CORES[index]) if own_core else None))
        stats = os.path.join(folder, "out", "run", "stats.jsonl")
        marks = []
        deadline = time.monotonic() + TIMEOUT
        for target in (args.warmup, total):
            while steps_done(stats) < target:
                if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                    raise SystemExit(f"{name}: stopped before step {target}; see {folder}")
                time.sleep(0.02)
            cpu, faults = (sum(c) for c in zip(*(counters(p.pid) for p in processes)))
            marks.append((time.perf_counter(), cpu, faults))
        for p in processes:
            if p.wait(timeout=TIMEOUT) != 0:
                raise SystemExit(f"{name}: exit status {p.returncode}; see {folder}")
    finally:
        for p in processes:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    (t0, cpu0, faults0), (t1, cpu1, faults1) = marks
    return {"wall": t1 - t0, "cpu": cpu1 - cpu0, "faults": faults1 - faults0}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=list(DATASETS), default="mnist",
                        help="; ".join(f"{name}: {what}"
                                       for name, (what, _) in DATASETS.items()))
    parser.add_argument("--data_dir", default=SHARED_DATA,
                        help="the folder holding celebA/ (--dataset celebA)")
    parser.add_argument("--batch_size", type=int, default=64, help="the global batch")
    parser.add_argument("--steps", type=int, default=40, help="steps measured")
    parser.add_argument("--warmup", type=int, default=5, help="steps left out first")
    parser.add_argument("--gf_dim", type=int, default=64)
    parser.add_argument("--df_dim", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--setups", nargs="+", default=list(SETUPS), choices=list(SETUPS))
    args = parser.parse_args(argv)
    if args.dataset == "celebA" and not os.path.isdir(os.path.join(args.data_dir, "celebA")):
        parser.error(f"no celebA folder in {args.data_dir}: the shared faces are absent "
                     "(give --data_dir, or run the default --dataset mnist)")
    work = args.work = tempfile.mkdtemp(prefix="multi_worker_overhead_")
    results = {setup: [] for setup in args.setups}
    for i in range(args.rounds):
        order = args.setups if i % 2 == 0 else list(reversed(args.setups))
        for setup in order:
            name = f"{setup.replace(' ', '_').replace(',', '')}_{i}"
            results[setup].append(one_run(work, name, setup, args))
            print(f"round {i + 1} {setup}: {results[setup][-1]}", file=sys.stderr)
    # Every run finished: its folders (logs, checkpoints: a GB with faces) go.
    # A failed run stops the script above and keeps them, as its message says.
    shutil.rmtree(work)
    rows = {}
    for setup, runs in results.items():
        images = step_batch(setup, args.batch_size) * args.steps
        rows[setup] = {"images/s": statistics.median(images / r["wall"] for r in runs),
                       "images per CPU-s": statistics.median(images / r["cpu"] for r in runs),
                       "CPU s per step": statistics.median(r["cpu"] / args.steps for r in runs),
                       "faults per step": statistics.median(r["faults"] / args.steps
                                                            for r in runs)}
    data, _ = DATASETS[args.dataset]
    base = rows.get("one worker")
    print(f"{data}, gf_dim {args.gf_dim}, df_dim {args.df_dim}, global batch {args.batch_size}; "
          f"{args.steps} steps measured after {args.warmup}; medians of "
          f"{args.rounds} interleaved round(s)"
          + ("; ratios to one worker\n" if base else "\n"))
    print("| setup | images/s | images per CPU-s | CPU per step | overhead per step "
          "| page faults per step |")
    print("|---|---|---|---|---|---|")
    for setup, row in rows.items():
        faults = f"{row['faults per step']:,.0f}"
        if base is None:
            print(f"| {setup} | {row['images/s']:.1f} | {row['images per CPU-s']:.1f} | "
                  f"{row['CPU s per step']:.3f} s | | {faults} |")
            continue
        overhead = row["CPU s per step"] / base["CPU s per step"] - 1
        # A half-batch step does half the work: no overhead to speak of.
        full_step = step_batch(setup, args.batch_size) == args.batch_size
        overhead = f"{overhead:+.0%}" if full_step else ""
        print(f"| {setup} | {row['images/s'] / base['images/s']:.2f} | "
              f"{row['images per CPU-s'] / base['images per CPU-s']:.2f} | "
              f"{row['CPU s per step'] / base['CPU s per step']:.2f} | {overhead} | {faults} |")
    print(shared_work_lines(rows))


def step_batch(setup, batch_size):
    """Images a step of `setup` trains, all its workers together: its
    --batch_size (the global batch under multi_worker, cluster.describe);
    half of `batch_size` for the one-worker half batches, else all of it."""
    workers, half_batch, _, _, _ = SETUPS[setup]
    return batch_size // 2 if workers == 1 and half_batch else batch_size


def alone_twin(setup):
    """The one-worker half-batch setup with the same threads as the
    two-worker `setup`: a worker's own share of its step, run alone. None for
    a setup that also changes the model (sync BN: its unfused layers would
    count as shared work)."""
    workers, _, flags, env, own_core = SETUPS[setup]
    if workers != 2 or flags != MULTI_WORKER:
        return None
    return next((name for name, other in SETUPS.items()
                 if other.workers == 1 and other.half_batch and other.env == env
                 and other.own_core == own_core), None)


def shared_work_lines(rows):
    """Per two-worker setup whose twin ran: what it costs beyond two of its
    workers' half-batch steps run alone (the all-reduces, the coordination,
    the chief's files), as a share of those two steps."""
    lines = []
    for setup, row in rows.items():
        twin = alone_twin(setup)
        if twin not in rows:
            continue
        own = 2 * rows[twin]["CPU s per step"]
        shared = row["CPU s per step"] - own
        lines.append(f"- {setup}: {shared:+.3f} CPU-s a step beyond two '{twin}' "
                     f"steps, {shared / own:+.0%} of them")
    if not lines:
        return ""
    return ("\nWhat two workers share (communication, coordination, the chief's files):\n"
            + "\n".join(lines))


if __name__ == "__main__":
    main()
