"""Input pipeline throughput: tfdcgan.data against carpedm20's Pillow loop.

Measures, side by side in one process, images per second of the CelebA
recipe (decode JPEG, centre crop, resize to 64x64, batches of 64, floats in
[-1, 1]) over the real photos in ../shared/data/celebA:

  * the synchronous Pillow loop carpedm20/DCGAN-tensorflow runs per batch
    (`get_image`: open, convert to RGB, crop, resize, scale);
  * `tfdcgan.data.image_folder` (tf.data, parallel decode), uncached, and
    its second epoch with `cache="memory"`;
  * the rate at which one 64x64 DCGAN training step consumes images
    (`gan.fit` on synthetic batches after a warm-up), and the same steps fed
    by the real pipeline, to show whether input slows training.

The shared photos are 89x109 (half of CelebA's 178x218), so carpedm20's
108x108 crop is 54x54 here. Other engineers share this machine's CPUs, so
the runs are interleaved over several rounds and both the best and the
median round are printed; images per CPU-second (process CPU time) is shown
as a load-independent check.

    python benchmarks/input_pipeline.py [--rounds 3] [--train_steps 5]
"""

import argparse
import datetime
import glob
import os
import platform
import statistics
import sys
import time

import numpy as np
from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import tensorflow as tf  # noqa: E402

import tfdcgan.data  # noqa: E402
from tfdcgan.data import scan  # noqa: E402

CELEBA_FILES = 202_599  # images in the full aligned CelebA


def pillow_get_image(path, crop_size, output_size):
    """carpedm20's `get_image(..., crop=True)`, with Pillow for scipy.misc."""
    image = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)
    height, width = image.shape[:2]
    top = int(round((height - crop_size) / 2.0))
    left = int(round((width - crop_size) / 2.0))
    crop = image[top:top + crop_size, left:left + crop_size].astype(np.uint8)
    resized = Image.fromarray(crop).resize((output_size, output_size), Image.BILINEAR)
    return np.asarray(resized, dtype=np.float64) / 127.5 - 1.0


def run_pillow_loop(files, crop_size, output_size, batch_size):
    count = 0
    for start in range(0, len(files) - batch_size + 1, batch_size):
        batch = [pillow_get_image(f, crop_size, output_size) for f in files[start:start + batch_size]]
        count += np.array(batch).astype(np.float32).shape[0]
    return count


def run_dataset(dataset):
    count = 0
    for batch in dataset:
        count += int(batch.shape[0])
    return count


def timed(fn, *args):
    """(images per wall second, images per process CPU second)."""
    wall, cpu = time.perf_counter(), time.process_time()
    count = fn(*args)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return count / wall, count / cpu


def train_rates(data, steps, rounds, batch_size, size):
    """DCGAN 64x64 train steps fed synthetic batches and fed `data`.

    Returns:
        {feed: (best images/s, median process CPU seconds per step)}. CPU
        time per step is what the input pipeline could steal from training;
        wall time mostly measures the other engineers' load.
    """
    import tfdcgan
    gan = tfdcgan.DCGAN(output_height=size, c_dim=3, seed=0)
    gan.compile()
    synthetic = tf.data.Dataset.from_tensors(
        tf.random.uniform([batch_size, size, size, 3], -1.0, 1.0)).repeat()
    feeds = {"synthetic": synthetic, "real": data.repeat()}
    gan.fit(synthetic, epochs=1, steps_per_epoch=2, verbose=0)  # trace and build
    samples = {name: [] for name in feeds}
    for _ in range(rounds):
        for name, ds in feeds.items():
            wall, cpu = time.perf_counter(), time.process_time()
            gan.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0)
            samples[name].append((steps * batch_size / (time.perf_counter() - wall),
                                  (time.process_time() - cpu) / steps))
    return {name: (max(r for r, _ in v), statistics.median(c for _, c in v))
            for name, v in samples.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data_dir", default=os.path.join(REPO, "..", "shared", "data"))
    parser.add_argument("--dataset", default="celebA")
    parser.add_argument("--input_height", type=int, default=54)
    parser.add_argument("--output_height", type=int, default=64)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--num_images", type=int, default=None, help="default: all")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--train_steps", type=int, default=5,
                        help="timed DCGAN steps per feed; 0 skips the training columns")
    args = parser.parse_args(argv)

    folder = os.path.join(args.data_dir, args.dataset)
    files = sorted(glob.glob(os.path.join(folder, "*.jpg")))[:args.num_images]
    if not files:
        sys.exit(f"No photos found in {folder}: the benchmark needs ../shared/data/celebA.")
    crop, out, batch = args.input_height, args.output_height, args.batch_size
    print(f"{len(files):,} photos in {folder}; crop {crop}x{crop} -> {out}x{out}, batch {batch}")
    print(f"machine: {platform.node()}, {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
          f"TensorFlow {tf.__version__}, GPU: {bool(tf.config.list_physical_devices('GPU'))}; "
          f"load average at start {os.getloadavg()[0]:.1f}")

    # Start-up: the header scan alone, then everything image_folder does
    # before the first batch (scan, c_dim, graph).
    start = time.perf_counter()
    scanned = scan.scan_files(files)
    scan_s = time.perf_counter() - start
    start = time.perf_counter()
    options = dict(input_fname_pattern="*.jpg", crop=True, input_height=crop,
                   output_height=out, batch_size=batch, train_size=args.num_images)
    uncached = tfdcgan.data.image_folder(args.data_dir, args.dataset, **options)
    startup_s = time.perf_counter() - start
    cached = tfdcgan.data.image_folder(args.data_dir, args.dataset, cache="memory", **options)
    # image_folder filled the cache already; the rounds below read it.
    assert not scanned.skipped, scanned.skipped[:3]

    results = {"pillow": [], "tfdata": [], "cached": []}
    for _ in range(args.rounds):
        results["pillow"].append(timed(run_pillow_loop, files, crop, out, batch))
        results["tfdata"].append(timed(run_dataset, uncached))
        results["cached"].append(timed(run_dataset, cached))
    train = (train_rates(uncached, args.train_steps, max(1, args.rounds // 2), batch, out)
             if args.train_steps else None)

    best = {k: max(r[0] for r in v) for k, v in results.items()}
    median = {k: statistics.median(r[0] for r in v) for k, v in results.items()}
    per_cpu = {k: statistics.median(r[1] for r in v) for k, v in results.items()}
    consume = train["synthetic"][0] if train else None
    labels = {"pillow": "Pillow loop (carpedm20 get_image)",
              "tfdata": "tfdcgan.data.image_folder",
              "cached": "tfdcgan.data, cache='memory' (2nd epoch)"}
    print()
    print("| pipeline | images/s best | median | images per CPU-s | "
          "x Pillow (best / median / per CPU-s) | x train step (best) |")
    print("|---|---:|---:|---:|---:|---:|")
    for key, label in labels.items():
        ratio_train = f"{best[key] / consume:.0f}x" if consume else "-"
        print(f"| {label} | {best[key]:,.0f} | {median[key]:,.0f} | {per_cpu[key]:,.0f} | "
              f"{best[key] / best['pillow']:.1f}x / {median[key] / median['pillow']:.1f}x / "
              f"{per_cpu[key] / per_cpu['pillow']:.1f}x | {ratio_train} |")
    if train:
        print()
        print("| DCGAN 64x64 train step (batch 64) | images/s best | CPU s per step (median) |")
        print("|---|---:|---:|")
        for name, label in (("synthetic", "synthetic batches in memory"),
                            ("real", "fed by tfdcgan.data.image_folder")):
            print(f"| {label} | {train[name][0]:,.1f} | {train[name][1]:.2f} |")
    print()
    print(f"start-up: header scan {scan_s:.2f} s for {len(files):,} files "
          f"({len(files) / scan_s:,.0f} files/s, about {CELEBA_FILES * scan_s / len(files):.0f} s "
          f"for all {CELEBA_FILES:,} CelebA files); image_folder() to a ready dataset "
          f"{startup_s:.2f} s")
    print(f"load average at end {os.getloadavg()[0]:.1f}; "
          f"{datetime.datetime.now().isoformat(timespec='minutes')}")


if __name__ == "__main__":
    main()
