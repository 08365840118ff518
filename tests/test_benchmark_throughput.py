"""benchmarks/train_throughput.py runs and prints its table; its references are
the architectures they claim to be. No timing is asserted."""

import importlib.util
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from tfdcgan import architecture

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "train_throughput.py"
HAS_TORCH = importlib.util.find_spec("torch") is not None


def load_benchmark():
    spec = importlib.util.spec_from_file_location("train_throughput", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tiny_run_prints_the_table():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--tiny", "--models", "mnist",
         "--impls", "tfdcgan,tfdcgan-ema,keras,pytorch"],
        capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "| model | implementation | train img/s |" in out
    assert "float32 peak (matmul" in out
    tfdcgan_row = next(line for line in out.splitlines() if line.startswith("| mnist | tfdcgan |"))
    assert "1 trace(s)" in tfdcgan_row  # one compiled step, never retraced
    assert "| mnist | keras |" in out
    assert "| mnist | tfdcgan-ema |" in out
    if HAS_TORCH:
        assert "| mnist | pytorch |" in out
        assert "(CPU " in tfdcgan_row  # the ratios are filled in
    else:
        assert "torch is not importable: skipping the PyTorch reference." in out
        assert "| mnist | pytorch |" not in out


@pytest.mark.parametrize("model", ["pytorch64", "celeba", "mnist"])
def test_geometry_is_tfdcgans(model):
    bench = load_benchmark()
    height, c_dim, kernel = bench.MODELS[model]
    spec = bench.Spec(model, height, c_dim, kernel)
    layers = architecture.default_num_layers(height, height)
    assert spec.num_layers == layers
    assert spec.sizes == [h for h, _ in architecture.feature_map_sizes(height, height, layers)]


def test_flops_of_the_pytorch_examples_model():
    bench = load_benchmark()
    spec = bench.Spec("pytorch64", 64, 3, 4)
    # pytorch/examples: G 100 -> 512x4x4 -> ... -> 3x64x64, D mirrored; the
    # three middle layers of each are 33.5 M multiply-adds per image.
    assert spec.generator_macs() == [819200] + [33554432] * 3 + [3145728]
    assert spec.discriminator_macs() == [3145728] + [33554432] * 3 + [8192]
    g, d = sum(spec.generator_macs()), sum(spec.discriminator_macs())
    assert spec.train_flops_per_image() == 2 * (3 * g - 819200 + 8 * d - 2 * 3145728)


def test_keras_reference_has_tfdcgans_layers():
    import keras
    import tfdcgan
    bench = load_benchmark()
    spec = bench.Spec("mnist", 28, 1, 5, gf_dim=8, df_dim=8)
    generator, discriminator = bench._keras_networks(keras, spec)
    gan = tfdcgan.DCGAN(output_height=28, c_dim=1, gf_dim=8, df_dim=8)
    for ours, theirs in ((gan.generator, generator), (gan.discriminator, discriminator)):
        assert ([tuple(w.shape) for w in ours.trainable_weights]
                == [tuple(w.shape) for w in theirs.trainable_weights])


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("model", ["pytorch64", "celeba", "mnist"])
def test_pytorch_reference_shapes_and_flops(model):
    import torch
    bench = load_benchmark()
    height, c_dim, kernel = bench.MODELS[model]
    spec = bench.Spec(model, height, c_dim, kernel)
    net_g = bench._torch_generator(torch.nn, spec)
    net_d = bench._torch_discriminator(torch.nn, spec)
    macs = []

    def count(module, inputs, output):
        # Multiply-adds of a convolution: output pixels x kernel x Cin for Conv2d,
        # input pixels x kernel x Cout for ConvTranspose2d.
        weight = module.weight
        if isinstance(module, torch.nn.ConvTranspose2d):
            macs.append(inputs[0][0].numel() * weight[0].numel())
        else:
            macs.append(output[0].numel() * weight[0].numel())

    for module in list(net_g.modules()) + list(net_d.modules()):
        if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            module.register_forward_hook(count)
    with torch.no_grad():
        images = net_g(torch.randn(2, spec.z_dim, 1, 1))
        logits = net_d(images)
    assert tuple(images.shape) == (2, c_dim, height, height)
    assert tuple(logits.shape) == (2,)
    assert macs == spec.generator_macs() + spec.discriminator_macs()
    assert np.all(np.abs(images.numpy()) <= 1.0)
