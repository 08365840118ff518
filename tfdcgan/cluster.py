"""Where this process stands among the processes that train one run.

    worker = cluster.start("multi_worker")   # before any other TensorFlow op
    worker.is_chief, worker.task_id, worker.num_workers, worker.num_replicas
    seed, = worker.from_chief([seed])        # the chief's values, on every worker
    worker.copy_from_chief(variables)        # assign the chief's values everywhere

`--strategy multi_worker` runs `tf.distribute.MultiWorkerMirroredStrategy`
over the cluster that `TF_CONFIG` describes; every worker runs the same
command. The chief (the `chief` task, else worker 0) alone reads and writes
the run directory: it picks the seed, restores the checkpoint, and its
values are copied to the other workers with one all-reduce (the others add
zeros), so the workers need no shared disk and start with the same weights.
`--strategy mirrored` runs `tf.distribute.MirroredStrategy` over every local
GPU, or, without one, over every logical CPU device (one, unless the process
configured more).
"""

import contextlib
import dataclasses
import functools
import hashlib
import json
import logging
import os
import shutil
import socket
import tempfile

import tensorflow as tf

from tfdcgan import rules

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class Worker:
    """This process's part in a run.

    Attributes:
        strategy: the `tf.distribute.Strategy` models are built under.
        name: the `--strategy` it came from ("default", "mirrored", "multi_worker").
        task_id: int, this worker's index among the workers (0 on one machine).
        num_workers: int, the processes training together.
        is_chief: bool, whether this process writes the run directory.
    """

    strategy: tf.distribute.Strategy
    name: str = "default"
    task_id: int = 0
    num_workers: int = 1
    is_chief: bool = True

    @property
    def multi_worker(self):
        return self.num_workers > 1

    @property
    def num_replicas(self):
        """Replicas in sync across every worker (each takes a share of a batch)."""
        return self.strategy.num_replicas_in_sync

    def describe(self, batch_size):
        """One log line: the workers, replicas and the global batch."""
        per_replica = batch_size // max(self.num_replicas, 1)
        if not self.multi_worker and self.num_replicas == 1:
            return f"One device; batch {batch_size}."
        role = "chief" if self.is_chief else "non-chief: writes nothing that stays"
        where = (f"worker {self.task_id} of {self.num_workers} ({role}), "
                 if self.multi_worker else "")
        return (f"--strategy {self.name} ({type(self.strategy).__name__}): {where}"
                f"{self.num_replicas} replicas in sync; global batch {batch_size} "
                f"({per_replica} per replica).")

    def from_chief(self, values):
        """The chief's `values` (a list of numbers or arrays), on every worker.

        One all-reduce over the cluster: the chief's first replica adds its
        values, every other replica zeros, so each value keeps its dtype
        (float or integer; booleans travel as int32) and arrives exactly.
        On one worker, `values` as they are.
        """
        if not self.multi_worker:
            return list(values)
        tensors = [tf.convert_to_tensor(v) for v in values]
        sent = [tf.cast(t, tf.int32) if t.dtype == tf.bool else t for t in tensors]
        shared = _share_from_first_replica(self.strategy, sent)
        return [tf.cast(s, t.dtype).numpy() for s, t in zip(shared, tensors)]

    def copy_from_chief(self, variables):
        """Assigns the chief's value of every variable on every worker."""
        variables = [v for v in variables if not _sync_on_read(v)]
        if not self.multi_worker or not variables:
            return
        values = self.from_chief([tf.convert_to_tensor(v) for v in variables])
        for variable, value in zip(variables, values):
            variable.assign(value)

    def check_batch(self, batch_size):
        """Raises ValueError unless `batch_size`, the global batch, splits
        evenly between the replicas."""
        if batch_size % self.num_replicas:
            raise ValueError(
                f"--batch_size {batch_size} is the global batch and must split evenly "
                f"between the {self.num_replicas} replicas of --strategy "
                f"{self.name}; use a multiple of {self.num_replicas}.")

    @contextlib.contextmanager
    def scratch_dir(self, run_dir):
        """A folder for what a non-chief worker must write but not keep (its
        share of every checkpoint save), removed on exit; None on the chief.

        The name depends on the run and the worker only, so a worker that
        was killed leaves a folder that its restart removes.
        """
        if self.is_chief:
            yield None
            return
        tag = hashlib.sha1(os.path.abspath(run_dir).encode()).hexdigest()[:12]
        path = os.path.join(tempfile.gettempdir(),
                            f"tfdcgan-{tag}-worker{self.task_id}")
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)


@functools.lru_cache(maxsize=None)
def start(name="default"):
    """The `Worker` of strategy `name`: "default" (one device), "mirrored" or
    "multi_worker" (the cluster in `TF_CONFIG`). Call it before any other
    TensorFlow op: MultiWorkerMirroredStrategy configures the runtime. One
    `Worker` per name and process (a second strategy of the same kind would
    share the first's collective keys, and a cluster is joined once).

    Raises:
        tfdcgan.rules.SettingError: "multi_worker" without a usable `TF_CONFIG`.
    """
    if name == "mirrored":
        devices = ([d.name for d in tf.config.list_logical_devices("GPU")]
                   or [d.name for d in tf.config.list_logical_devices("CPU")])
        return Worker(tf.distribute.MirroredStrategy(devices), name)
    if name == "multi_worker":
        rules.check_cluster()
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        resolver = strategy.cluster_resolver
        spec = resolver.cluster_spec().as_dict()
        workers = len(spec.get("worker", [])) + len(spec.get("chief", []))
        task_type, task_id = resolver.task_type, int(resolver.task_id or 0)
        chief = task_type == "chief" or (task_type == "worker" and task_id == 0
                                         and "chief" not in spec)
        index = task_id + (1 if "chief" in spec and task_type == "worker" else 0)
        return Worker(strategy, name, task_id=index, num_workers=max(workers, 1),
                      is_chief=chief)
    return Worker(tf.distribute.get_strategy())


def loopback_tf_configs(num_workers):
    """`TF_CONFIG` values, one JSON string per worker (worker 0 the chief),
    for a cluster of `num_workers` processes on this machine over free ports
    of 127.0.0.1: to try `--strategy multi_worker` on one machine, and for
    tests. The ports are free when this returns; start the workers soon."""
    sockets = [socket.socket() for _ in range(num_workers)]
    try:
        for s in sockets:  # (all bound at once, so no port is given twice)
            s.bind(("127.0.0.1", 0))
        addresses = [f"127.0.0.1:{s.getsockname()[1]}" for s in sockets]
    finally:
        for s in sockets:
            s.close()
    return [json.dumps({"cluster": {"worker": addresses},
                        "task": {"type": "worker", "index": index}})
            for index in range(num_workers)]


def fingerprint(variables):
    """A short hash of the values of `variables` (on this worker): equal on
    two workers when every value is bitwise equal."""
    digest = hashlib.sha256()
    for variable in variables:
        digest.update(tf.convert_to_tensor(variable).numpy().tobytes())
    return digest.hexdigest()[:16]


def _sync_on_read(variable):
    return getattr(variable, "synchronization", None) in (
        "on_read", tf.VariableSynchronization.ON_READ)


def _share_from_first_replica(strategy, tensors):
    """One all-reduce per dtype (an all-reduce packs its tensors together)."""
    dtypes = sorted({t.dtype for t in tensors}, key=lambda d: d.name)

    @tf.function
    def share():
        context = tf.distribute.get_replica_context()
        first = tf.equal(context.replica_id_in_sync_group, 0)
        shared = [None] * len(tensors)
        for dtype in dtypes:
            indices = [i for i, t in enumerate(tensors) if t.dtype == dtype]
            reduced = context.all_reduce(
                tf.distribute.ReduceOp.SUM,
                [tf.where(first, tensors[i], tf.zeros_like(tensors[i])) for i in indices])
            for i, value in zip(indices, reduced):
                shared[i] = value
        return shared

    shared = strategy.run(share)
    return [strategy.experimental_local_results(s)[0] for s in shared]
