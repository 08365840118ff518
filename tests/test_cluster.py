"""`tfdcgan.cluster`: this process's place among the workers of a run.

(Two real workers: tests/test_multi_worker_cli.py; mirrored: tests/test_distribute.py.)
"""

import os
import tempfile

import numpy as np
import pytest
import tensorflow as tf

from tfdcgan import cluster, rules


def test_one_device_is_a_chief_alone_and_shares_values_as_they_are():
    worker = cluster.start("default")
    assert worker.is_chief and not worker.multi_worker and worker.num_replicas == 1
    assert worker.from_chief([3, 2.5]) == [3, 2.5]
    assert worker.describe(64) == "One device; batch 64."
    with worker.scratch_dir("out/run") as scratch:
        assert scratch is None


def test_a_non_chief_scratch_folder_is_removed_also_after_a_crash(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    worker = cluster.Worker(tf.distribute.get_strategy(), "multi_worker", task_id=1,
                            num_workers=2, is_chief=False)
    with worker.scratch_dir("out/run") as scratch:
        assert os.path.dirname(scratch) == str(tmp_path)
        with open(os.path.join(scratch, "ckpt-1.index"), "w"):
            pass
        crashed = scratch
    assert os.listdir(tmp_path) == []
    # A worker killed inside leaves the folder; its restart (same run, same
    # task) finds the same name and starts it empty.
    os.makedirs(os.path.join(crashed, "stale"))
    with worker.scratch_dir("out/run") as scratch:
        assert scratch == crashed and os.listdir(scratch) == []
    assert os.listdir(tmp_path) == []


def test_the_global_batch_must_split_between_the_replicas():
    devices = [d.name for d in tf.config.list_logical_devices("CPU")]
    if len(devices) != 2:
        pytest.skip("TensorFlow started before conftest could split the CPU in two")
    worker = cluster.start("mirrored")
    assert worker.num_replicas == 2
    worker.check_batch(64)
    with pytest.raises(ValueError, match="multiple of 2"):
        worker.check_batch(63)
    assert "2 replicas in sync; global batch 64 (32 per replica)" in worker.describe(64)


def test_fingerprints_tell_equal_values_from_different_ones():
    a = [tf.Variable(np.arange(6.0).reshape(2, 3)), tf.Variable([1, 2])]
    b = [tf.Variable(np.arange(6.0).reshape(2, 3)), tf.Variable([1, 2])]
    assert cluster.fingerprint(a) == cluster.fingerprint(b)
    b[0].assign_add(np.full((2, 3), 1e-12))
    assert cluster.fingerprint(a) != cluster.fingerprint(b)


def test_multi_worker_without_tf_config_is_refused_by_the_rule(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(rules.SettingError, match="needs the environment variable TF_CONFIG"):
        cluster.start("multi_worker")  # (before any strategy is made: nothing cached)


def test_loopback_tf_configs_name_one_cluster_of_distinct_free_ports():
    import json
    configs = [json.loads(c) for c in cluster.loopback_tf_configs(3)]
    addresses = configs[0]["cluster"]["worker"]
    assert len(set(addresses)) == 3 and all(a.startswith("127.0.0.1:") for a in addresses)
    assert [c["task"] for c in configs] == [{"type": "worker", "index": i} for i in range(3)]
    assert all(c["cluster"] == configs[0]["cluster"] for c in configs)
    for config in cluster.loopback_tf_configs(2):  # what --strategy multi_worker accepts
        assert rules.check_cluster(batch_size=64, tf_config=config) == 2
