import keras
import numpy as np
import pytest
import tensorflow as tf

import tfdcgan


@pytest.fixture
def policy(request):
    keras.mixed_precision.set_dtype_policy(request.param)
    yield request.param
    keras.mixed_precision.set_dtype_policy("float32")


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"], indirect=True)
def test_trains_with_finite_losses_and_float32_outputs(policy):
    gan = tfdcgan.DCGAN(output_height=28, c_dim=1, z_dim=16, gf_dim=8, df_dim=8, seed=0)
    gan.compile()
    compute = "float16" if policy == "mixed_float16" else "bfloat16"
    assert gan.generator.deconvs[0].compute_dtype == compute
    assert gan.generator.deconvs[0].kernel.dtype == "float32"
    wrapped = isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert wrapped == (policy == "mixed_float16")
    assert gan.generator(gan.sample_z(2)).dtype == tf.float32
    assert gan.discriminator(tf.zeros((2, 28, 28, 1))).dtype == tf.float32
    data = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    before = [v.numpy().copy() for v in gan.generator.trainable_variables]
    history = gan.fit(data, batch_size=16, epochs=1, verbose=0).history
    assert all(np.isfinite(v).all() for v in history.values())
    assert any(not np.array_equal(b, v.numpy())
               for b, v in zip(before, gan.generator.trainable_variables))
    images = gan.generate(4, seed=0)
    assert images.dtype == np.uint8 and images.shape == (4, 28, 28, 1)
