"""One worker of the MultiWorkerMirroredStrategy test (run by test_distribute.py).

Usage: python multi_worker_fit.py TF_CONFIG_JSON OUTPUT.npz
Trains a tiny DCGAN for a few synchronous steps and saves both networks'
trainable weights, which must come out identical on every worker, and the
logs its callbacks saw after every batch and at the epoch's end.
"""

import os
import sys

os.environ["TF_CONFIG"] = sys.argv[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import tfdcgan  # noqa: E402


def main(output):
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    with strategy.scope():
        gan = tfdcgan.DCGAN(output_height=28, c_dim=1, z_dim=16, gf_dim=8, df_dim=8,
                            seed=1)
        gan.compile()
    worker = strategy.cluster_resolver.task_id
    # Each worker reads different images; the updates must still agree.
    images = np.random.default_rng(worker).uniform(-1, 1, (64, 28, 28, 1))
    dataset = tf.data.Dataset.from_tensor_slices(images.astype("float32")).batch(
        16, drop_remainder=True).repeat()
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.OFF)
    batch_logs = []
    record = keras.callbacks.LambdaCallback(
        on_batch_end=lambda batch, logs: batch_logs.append(
            {name: float(value) for name, value in logs.items()}))
    history = gan.fit(dataset.with_options(options), steps_per_epoch=4, epochs=1,
                      verbose=0, callbacks=[record]).history
    names = sorted(batch_logs[-1])
    np.savez(output, losses=np.array(history["d_loss"] + history["g_loss"]),
             num_replicas=strategy.num_replicas_in_sync,
             log_names=np.array(names),
             batch_logs=np.array([[logs[n] for n in names] for logs in batch_logs]),
             epoch_logs=np.array([history[n][-1] for n in names]),
             **{f"w{i}": v.numpy() for i, v in enumerate(
                 gan.generator.trainable_variables + gan.discriminator.trainable_variables)})


if __name__ == "__main__":
    main(sys.argv[2])
