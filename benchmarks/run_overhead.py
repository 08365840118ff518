"""The command line's cost around training, before and after issue 11 (one
`fit()` for the whole run, a light `import tfdcgan`), side by side.

    python benchmarks/run_overhead.py                 # bundled MNIST, 1 epoch, 3 rounds
    python benchmarks/run_overhead.py --train_size 64 --rounds 1   # a quick check

Each version is a `git archive` of a revision (`--before`, default the commit
before issue 11; `--after`, default HEAD) in a temporary folder, run as a
user runs it: `python main.py --dataset mnist --train --epoch N --seed 0`,
stdout to a file (as `nohup ... > train.log`). Rounds interleave the two
versions, alternating which goes first, so both see about the same load on
a shared machine. Per version it reports the median over rounds of:

    command wall / CPU   the whole command: start-up, data, model, training, outputs
    epoch wall           from the first to the last step's time in stats.jsonl
                         (the epoch's training itself, without the first step's tracing)
    log bytes            what the command wrote to stdout
    import tfdcgan       `python -c "import tfdcgan"` wall time, separately

and the ratio after / before of each. Nothing is asserted.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEFORE = "3f3811c~1"  # the last commit before issue 11's


def export(revision, folder):
    """The files of `revision` in `folder`."""
    os.makedirs(folder)
    archive = subprocess.run(["git", "-C", REPO, "archive", revision], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
    return folder


def timed(args, cwd, env, stdout_path):
    """Runs a command; returns (wall s, CPU s of the child, return code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(stdout_path, "w") as out:
        code = subprocess.run(args, cwd=cwd, env=env, stdout=out,
                              stderr=subprocess.DEVNULL).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, code


def epoch_seconds(stats_path):
    with open(stats_path) as f:
        times = [json.loads(line)["time"] for line in f]
    return times[-1] - times[0], len(times)


def one_run(tree, work, name, args):
    env = dict(os.environ, PYTHONPATH=tree, TF_CPP_MIN_LOG_LEVEL="2")
    out_dir = os.path.join(work, name)
    log = os.path.join(work, name + ".log")
    command = [sys.executable, os.path.join(tree, "main.py"), "--dataset", "mnist",
               "--train", "--epoch", str(args.epochs), "--seed", "0",
               "--data_dir", os.path.join(work, "no_data"), "--out_dir", out_dir,
               "--logs_dir", os.path.join(work, name + "_logs")]
    if args.train_size:
        command += ["--train_size", str(args.train_size)]
    wall, cpu, code = timed(command, tree, env, log)
    if code != 0:
        raise SystemExit(f"{name}: exit status {code}; see {log}")
    (run_name,) = os.listdir(out_dir)
    epoch, steps = epoch_seconds(os.path.join(out_dir, run_name, "stats.jsonl"))
    return {"command wall s": wall, "command CPU s": cpu, "epoch wall s": epoch,
            "steps": steps, "log bytes": os.path.getsize(log)}


def import_seconds(tree):
    env = dict(os.environ, PYTHONPATH=tree, TF_CPP_MIN_LOG_LEVEL="2")
    code = "import time; t = time.perf_counter(); import tfdcgan; print(time.perf_counter() - t)"
    result = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env,
                            capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--train_size", type=int, default=0, help="0: all 10,000 digits")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    work = tempfile.mkdtemp(prefix="run_overhead_")
    trees = {"before": export(args.before, os.path.join(work, "before")),
             "after": export(args.after, os.path.join(work, "after"))}
    results = {name: [] for name in trees}
    imports = {name: [] for name in trees}
    for i in range(args.rounds):
        order = list(trees) if i % 2 == 0 else list(reversed(trees))
        for name in order:
            results[name].append(one_run(trees[name], work, f"{name}_{i}", args))
            imports[name].append(import_seconds(trees[name]))
            print(f"round {i + 1} {name}: {results[name][-1]}, import "
                  f"{imports[name][-1]:.2f} s", file=sys.stderr)
    rows = ["command wall s", "command CPU s", "epoch wall s", "log bytes"]
    print(f"bundled MNIST, {args.epochs} epoch(s), {results['after'][0]['steps']} steps; "
          f"medians of {args.rounds} interleaved round(s); before = {args.before}, "
          f"after = {args.after}\n")
    print("| measure | before | after | after / before |")
    print("|---|---|---|---|")
    for row in rows:
        before = statistics.median(r[row] for r in results["before"])
        after = statistics.median(r[row] for r in results["after"])
        print(f"| {row} | {before:,.1f} | {after:,.1f} | {after / before:.2f} |")
    before, after = statistics.median(imports["before"]), statistics.median(imports["after"])
    print(f"| import tfdcgan s | {before:.2f} | {after:.2f} | {after / before:.2f} |")


if __name__ == "__main__":
    main()
