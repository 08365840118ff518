"""Feature extractor over a trained classifier ("classifier FID").

Features are the classifier's penultimate layer; its class probabilities
come out of the same forward pass for the class-coverage report.
"""

import keras

from tfdcgan.metrics import classifier
from tfdcgan.metrics import extractors


class ClassifierExtractor(extractors.FeatureExtractor):
    """Penultimate-layer features `[n, feature_dim]` plus class probabilities.

    Images are resized (bilinear) to the classifier's input size and
    converted to its channel count (RGB -> luma for the 28x28x1 MNIST
    network); uint8 [0, 255] or float [-1, 1] input.

    Args:
      model: a trained classifier with softmax output `[b, num_classes]`
        and a layer named `feature_layer`, e.g. from
        `load_or_train_mnist_classifier`.
      name: identifier recorded with results.
      feature_layer: name of the layer whose output are the features.
      batch_size: images per forward pass.
      info: optional dict describing the classifier (e.g. its accuracy).

    Example:
      model, info = load_or_train_mnist_classifier(data_dir="data/mnist")
      extractor = ClassifierExtractor(model, info=info)
      features = extractor(images)                      # [n, 128]
      probs = extractor.outputs(images)["probs"]        # [n, 10]
    """

    def __init__(self, model, name="mnist_classifier",
                 feature_layer=classifier.FEATURE_LAYER, batch_size=500,
                 info=None):
        features = model.get_layer(feature_layer).output
        super().__init__(image_size=model.input_shape[1:3],
                         channels=model.input_shape[3],
                         feature_dim=features.shape[-1],
                         batch_size=batch_size)
        self.name = name
        self.num_classes = model.output_shape[-1]
        self.info = info or {}
        self.model = model
        self._both = keras.Model(model.inputs,
                                 {"features": features,
                                  "probs": model.outputs[0]})

    def _forward(self, batch):
        return self._both.predict_on_batch(batch)

    def predict_probs(self, images):
        """Class probabilities `[n, num_classes]` of `images`."""
        return self.outputs(images)["probs"]


@extractors.register_extractor("mnist_classifier")
def _make_mnist_classifier(**kwargs):
    """kwargs: see `classifier.load_or_train_mnist_classifier`.

    There `batch_size` is the training batch size (part of the cache key);
    set the returned extractor's `batch_size` attribute to change how many
    images go through per forward pass.
    """
    model, info = classifier.load_or_train_mnist_classifier(**kwargs)
    return ClassifierExtractor(model, info=info)
