#!/usr/bin/env bash
# One short check of tfdcgan on a machine with a GPU (a few minutes; every
# step has a time limit, the whole under 8 minutes). Never run by the tests.
#
#     bash benchmarks/gpu_check.sh            # from the repository root
#     STEPS=100 BATCH=128 bash benchmarks/gpu_check.sh
#
# Prints, for the 64x64x3 DCGAN (kernel 4, gf_dim = df_dim = 64: the
# pytorch/examples model), training images per second and peak GPU memory:
#   1. float32, 2. mixed_float16, 3. float32 with XLA (jit_compile=True),
#   4. the PyTorch DCGAN (pytorch/examples' step) when torch sees the GPU,
#   5. a tf.data pipeline feeding fit() with and without prefetch_to_device,
#      and on which device its batches arrive.
# Synthetic images: this measures the step, not a disk. Each measurement runs
# in its own process (a dtype policy and XLA are per process; so is the peak
# memory).
set -u
cd "$(dirname "$0")/.."
STEPS=${STEPS:-60}     # timed steps per measurement
WARMUP=${WARMUP:-10}   # untimed steps first (tracing, autotuning, XLA compilation)
BATCH=${BATCH:-64}
LIMIT=${LIMIT:-70}     # seconds per measurement
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" TF_CPP_MIN_LOG_LEVEL=2 STEPS WARMUP BATCH

echo "== GPU"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
fi
timeout 30 python -c '
import sys, tensorflow as tf
gpus = tf.config.list_physical_devices("GPU")
print("TensorFlow", tf.__version__, "sees", [g.name for g in gpus] or "no GPU")
sys.exit(0 if gpus else 3)' || { echo "TensorFlow sees no GPU: nothing to check."; exit 3; }

tfdcgan_rate() {  # $1: label; $2: dtype policy; $3: jit_compile
  LABEL="$1" POLICY="$2" JIT="$3" timeout "$LIMIT" python - <<'EOF' || echo "$1: failed or over ${LIMIT} s"
import os, time
import keras, tensorflow as tf
import tfdcgan
steps, warmup, batch = (int(os.environ[k]) for k in ("STEPS", "WARMUP", "BATCH"))
keras.config.set_dtype_policy(os.environ["POLICY"])
gan = tfdcgan.DCGAN(output_height=64, c_dim=3, kernel_size=4, seed=0)
gan.compile(jit_compile=os.environ["JIT"] == "true")
images = tf.random.uniform([batch, 64, 64, 3], -1, 1, seed=0)
data = tf.data.Dataset.from_tensors(images).repeat()
gan.fit(data, steps_per_epoch=warmup, epochs=1, verbose=0)
start = time.perf_counter()
gan.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
seconds = time.perf_counter() - start  # (fit returns after its logs are read back)
peak = tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20
print(f"{os.environ['LABEL']}: {steps * batch / seconds:,.0f} images/s, "
      f"peak GPU memory {peak:,.0f} MiB")
EOF
}

echo "== tfdcgan, 64x64x3, batch $BATCH, $STEPS steps after $WARMUP"
tfdcgan_rate "float32" float32 false
tfdcgan_rate "mixed_float16" mixed_float16 false
tfdcgan_rate "float32 + XLA" float32 true

echo "== PyTorch DCGAN (pytorch/examples), the same model"
timeout "$LIMIT" python - <<'EOF' || echo "PyTorch: failed or over ${LIMIT} s"
import os, sys
try:
    import torch
except ImportError:
    sys.exit(print("torch is not installed: skipped."))
if not torch.cuda.is_available():
    sys.exit(print("torch does not see the GPU: skipped."))
sys.path.insert(0, "benchmarks")
import train_throughput as tt
steps, warmup, batch = (int(os.environ[k]) for k in ("STEPS", "WARMUP", "BATCH"))
torch.backends.cudnn.benchmark = True
runner = tt.TorchRunner(tt.Spec("pytorch64", 64, 3, 4, batch_size=batch), None)
runner.device = torch.device("cuda")
runner.netG.to(runner.device)  # (moves the parameters in place: the optimizers keep them)
runner.netD.to(runner.device)
runner.real = runner.real.to(runner.device)
runner.train(warmup)
torch.cuda.reset_peak_memory_stats()
seconds = runner.train(steps)  # (ends with .item(): the GPU has finished)
peak = torch.cuda.max_memory_allocated() / 2**20
print(f"PyTorch float32: {steps * batch / seconds:,.0f} images/s, "
      f"peak GPU memory {peak:,.0f} MiB (allocated by tensors)")
EOF

echo "== prefetch_to_device: a tf.data pipeline (uint8 -> float, flip) into fit()"
timeout "$((2 * LIMIT))" python - <<'EOF' || echo "prefetch_to_device: failed or over $((2 * LIMIT)) s"
import os, time
import tensorflow as tf
import tfdcgan
from tfdcgan.data import pipeline
steps, warmup, batch = (int(os.environ[k]) for k in ("STEPS", "WARMUP", "BATCH"))
pixels = tf.random.uniform([4 * batch, 64, 64, 3], 0, 256, tf.int32, seed=0)
source = tf.data.Dataset.from_tensor_slices(tf.cast(pixels, tf.uint8)).repeat()
source = source.map(lambda x: tf.image.random_flip_left_right(tf.cast(x, tf.float32) / 127.5 - 1))
source = source.batch(batch, drop_remainder=True)
gan = tfdcgan.DCGAN(output_height=64, c_dim=3, kernel_size=4, seed=0)
gan.compile()
for device in (None, "auto"):
    data = pipeline.finish(source, prefetch_to_device=device)
    where = next(iter(data)).device
    gan.fit(data, steps_per_epoch=warmup, epochs=1, verbose=0)
    start = time.perf_counter()
    gan.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    rate = steps * batch / (time.perf_counter() - start)
    print(f"prefetch_to_device={device}: {rate:,.0f} images/s; batches arrive on {where}")
EOF
