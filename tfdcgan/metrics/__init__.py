"""Sample-quality metrics: FID, KID and class coverage over pluggable features.

    from tfdcgan import metrics
    reference = metrics.Reference.from_images(
        mnist_test_images, "mnist_classifier", data_dir="data/mnist")
    result = metrics.evaluate(samples, reference)  # fid, kid, coverage

Feature extractors by name: "inception" (InceptionV3 pool features, needs
the Keras ImageNet weights file) and "mnist_classifier" (a small MNIST
classifier trained once and cached).
"""

from tfdcgan.metrics.classifier import build_classifier
from tfdcgan.metrics.classifier import classifier_accuracy
from tfdcgan.metrics.classifier import default_cache_dir
from tfdcgan.metrics.classifier import load_or_train_mnist_classifier
from tfdcgan.metrics.classifier import train_classifier
from tfdcgan.metrics.classifier_features import ClassifierExtractor
from tfdcgan.metrics.coverage import CoverageReport
from tfdcgan.metrics.coverage import class_coverage
from tfdcgan.metrics.distances import feature_moments
from tfdcgan.metrics.distances import frechet_distance
from tfdcgan.metrics.distances import frechet_distance_from_moments
from tfdcgan.metrics.distances import kernel_distance
from tfdcgan.metrics.evaluate import Evaluation
from tfdcgan.metrics.evaluate import Reference
from tfdcgan.metrics.evaluate import evaluate
from tfdcgan.metrics.extractors import FeatureExtractor
from tfdcgan.metrics.extractors import available_extractors
from tfdcgan.metrics.extractors import get_extractor
from tfdcgan.metrics.extractors import register_extractor
from tfdcgan.metrics.inception import InceptionExtractor
from tfdcgan.metrics.inception import MissingWeightsError
from tfdcgan.metrics.inception import inception_weights_path
