"""main.py and flags.py, driven as a user would: flags, subprocesses, files."""

import json
import math
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from absl import flags as absl_flags
from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAIN = os.path.join(REPO, "main.py")
sys.path.insert(0, REPO)
import flags as cli_flags  # noqa: E402  (the repository's flags.py)

# carpedm20/DCGAN-tensorflow's main.py flags and defaults.
CARPEDM20 = {
    "epoch": 25, "learning_rate": 0.0002, "beta1": 0.5, "train_size": math.inf,
    "batch_size": 64, "input_height": 108, "input_width": None, "output_height": 64,
    "output_width": None, "dataset": "celebA", "input_fname_pattern": "*.jpg",
    "data_dir": "./data", "out_dir": "./out", "out_name": "", "checkpoint_dir": "checkpoint",
    "sample_dir": "samples", "train": False, "crop": False, "visualize": False,
    "export": False, "freeze": False, "max_to_keep": 1, "sample_freq": 200,
    "ckpt_freq": 200, "z_dim": 100, "z_dist": "uniform_signed", "G_img_sum": False,
}
TF2 = ["seed", "g_steps", "loss", "kernel_size", "gf_dim", "df_dim", "c_dim", "logs_dir",
       "strategy", "mixed_precision", "visualize_option", "generate", "y_dim", "num_layers"]
TINY = ["--gf_dim", "4", "--df_dim", "4", "--z_dim", "6", "--batch_size", "8", "--seed", "1",
        "--g_steps", "1"]


def defined_flags():
    values = absl_flags.FlagValues()
    cli_flags.define_flags(values)
    return values


def run_names():
    from tfdcgan.run import RunConfig
    return RunConfig.names()


def test_every_carpedm20_flag_has_its_name_and_default():
    values = defined_flags()
    for name, default in CARPEDM20.items():
        assert values[name].default == default, name
    for name in TF2:
        assert name in values, name


def test_help_strings_state_the_default():
    values = defined_flags()
    for name in values:
        assert values[name].help.rstrip().endswith("]"), name
        assert "[" in values[name].help, name


def test_flags_and_run_config_name_the_same_settings_with_the_same_defaults():
    from tfdcgan.run import RunConfig

    values = defined_flags()
    assert sorted(values) == sorted(run_names())
    config = RunConfig()
    for name in run_names():
        if name in cli_flags.DATASET_DEPENDENT:
            continue
        assert values[name].default == getattr(config, name), name


def test_output_height_not_given_is_left_to_the_dataset():
    values = defined_flags()
    values(["main.py", "--dataset", "mnist", "--train"])
    kwargs = cli_flags.run_kwargs(values, run_names())
    assert kwargs["output_height"] is None and kwargs["train"] is True
    values = defined_flags()
    values(["main.py", "--output_height", "64"])
    assert cli_flags.run_kwargs(values, run_names())["output_height"] == 64


def test_bad_flag_values_are_refused():
    for argv in (["--visualize_option", "5"], ["--z_dist", "gaussian"], ["--batch_size", "0"]):
        with pytest.raises(absl_flags.IllegalFlagValueError):
            defined_flags()(["main.py"] + argv)


def main_py(*args, cwd, timeout=300, **popen):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run([sys.executable, MAIN, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, **popen)


def test_help_lists_the_flags(tmp_path):
    started = time.monotonic()
    result = main_py("--help", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr  # absl's --help exits 1
    assert "--epoch: Epochs to train [25]" in result.stdout
    assert "--visualize_option:" in result.stdout and "--[no]G_img_sum:" in result.stdout
    assert time.monotonic() - started < 20


@pytest.mark.slow
def test_test_mode_without_a_checkpoint_exits_non_zero_and_says_what_to_run(tmp_path):
    result = main_py("--dataset", "mnist", "--out_dir", "runs", *TINY, cwd=tmp_path)
    assert result.returncode == 1
    assert os.path.join("runs", "mnist_y28_z6_b8_seed1_g1_gf4_df4", "checkpoint") in result.stderr
    assert ("python main.py --dataset mnist --batch_size 8 --out_dir runs --z_dim 6 "
            "--seed 1 --g_steps 1 --gf_dim 4 --df_dim 4 --train") in result.stderr


@pytest.fixture(scope="module")
def offline_mnist(tmp_path_factory):
    """The README's offline command, tiny: --dataset mnist --train, no data."""
    cwd = tmp_path_factory.mktemp("cli")
    args = ["--dataset", "mnist", "--epoch", "1", "--train_size", "32", "--sample_freq", "2",
            "--ckpt_freq", "2", *TINY]
    result = main_py(*args, "--train", cwd=cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    return cwd, args, result


RUN = os.path.join("out", "mnist_y28_z6_b8_n32_seed1_g1_gf4_df4")


@pytest.mark.slow
def test_offline_training_writes_the_run_directory(offline_mnist):
    cwd, _, result = offline_mnist
    assert "bundled MNIST" in result.stderr
    run_dir = cwd / RUN
    assert sorted(os.listdir(run_dir)) == [
        "FLAGS.json", "checkpoint", "losses.png", "model.json", "samples", "stats.jsonl",
        "training.gif"]
    assert json.load(open(run_dir / "FLAGS.json"))["train_size"] == 32
    assert sorted(os.listdir(run_dir / "samples")) == [
        "train_00000002.png", "train_00000004.png"]
    assert sorted(os.listdir(run_dir / "checkpoint")) == [
        "checkpoint", "ckpt-4.data-00000-of-00001", "ckpt-4.index"]
    logs = cwd / "logs" / os.path.basename(RUN)
    assert any(f.startswith("events.out.tfevents") for f in os.listdir(logs))
    assert "d_loss:" in result.stdout and "g_loss:" in result.stdout  # the progress lines


@pytest.mark.slow
def test_output_to_a_file_is_whole_lines_not_a_redrawn_bar(offline_mnist):
    _, _, result = offline_mnist  # stdout was a pipe, not a terminal
    assert "\r" not in result.stdout and "\b" not in result.stdout
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    steps = [line for line in lines if line.startswith("step ")]
    assert [line.split()[1] for line in steps] == ["2", "4"]  # every --sample_freq steps
    assert all("epoch 1/1" in line and "d_loss: " in line and "images/s" in line
               for line in steps)
    ends = [line for line in lines if line.startswith("epoch ")]
    assert len(ends) == 1 and ends[0].startswith("epoch 1/1 done  step 4 ")


@pytest.mark.slow
def test_test_mode_visualizes_generates_and_exports(offline_mnist):
    cwd, args, _ = offline_mnist
    result = main_py(*args, "--visualize", "--visualize_option", "4", "--generate", "5",
                     "--export", "--freeze", cwd=cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    run_dir = cwd / RUN
    samples = os.listdir(run_dir / "samples")
    assert "test_gif_merged.gif" in samples
    assert sum(f.startswith("test_gif_") for f in samples) == 6 + 1  # z_dim GIFs + merged
    generated = sorted(os.listdir(run_dir / "generated"))
    assert generated == [f"{i:06d}.png" for i in range(5)]

    import tensorflow as tf
    from tfdcgan import export, run
    gan = run.load(run.resolve(run.RunConfig(**dict(
        cli_flags.run_kwargs(_parsed(args), run_names()), out_dir=str(cwd / "out")))))
    labels = np.arange(5) % 10
    z = gan.sample_z(5, seed=1)
    expected = gan.generate(5, seed=1, labels=labels)
    for i, name in enumerate(generated):
        np.testing.assert_array_equal(
            np.asarray(Image.open(run_dir / "generated" / name)), expected[i, ..., 0])
    one_hot = tf.one_hot(labels, 10)
    served = tf.saved_model.load(str(run_dir / "export" / "saved_model"))
    images = served.signatures["serving_default"](z=z, labels=one_hot)["images"].numpy()
    np.testing.assert_array_equal(images, expected)
    lite = export.run_tflite(str(run_dir / "export" / "generator.tflite"), z.numpy(),
                             one_hot.numpy())
    assert np.abs(lite.astype(int) - expected.astype(int)).max() <= 1


@pytest.mark.slow
def test_resuming_a_named_run_with_another_learning_rate_is_one_clear_refusal(offline_mnist):
    """The checkpoint would restore the optimizers' old rate behind the new
    flag's back; the command stops instead, before anything is written."""
    cwd, args, _ = offline_mnist
    run_dir = cwd / RUN
    before = {name: (run_dir / name).read_bytes() for name in (
        "FLAGS.json", "model.json", "stats.jsonl", "checkpoint/checkpoint")}
    result = main_py(*args, "--epoch", "2", "--out_name", os.path.basename(RUN),
                     "--learning_rate", "0.001", "--train", cwd=cwd)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-3000:]
    assert "other settings (learning_rate: 0.0002 -> 0.001)" in result.stderr
    assert {name: (run_dir / name).read_bytes() for name in before} == before


def _parsed(args):
    values = defined_flags()
    values(["main.py", *args])
    return values


def wait_for(predicate, process, timeout=240):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert process.poll() is None, "training ended before it could be interrupted"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def latest_step(checkpoint_dir):
    try:
        text = open(os.path.join(checkpoint_dir, "checkpoint")).read()
    except FileNotFoundError:
        return 0
    return int(text.split('"')[1].split("-")[1])


@pytest.mark.slow
def test_ctrl_c_saves_and_a_kill_mid_save_resumes_from_a_complete_checkpoint(tmp_path):
    # (test_resume.py checks that resumed runs end exactly as uninterrupted ones.)
    args = ["--dataset", "mnist", "--train", "--epoch", "1", "--train_size", "160",
            "--ckpt_freq", "1", "--sample_freq", "5", *TINY]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    checkpoints = tmp_path / RUN.replace("n32", "n160") / "checkpoint"

    def start():
        return subprocess.Popen([sys.executable, MAIN, *args], cwd=tmp_path, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    process = start()
    wait_for(lambda: latest_step(checkpoints) >= 3, process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGINT, stderr[-3000:]
    stopped = latest_step(checkpoints)
    assert f"Stopped by SIGINT at step {stopped}" in stderr
    assert "Run the same command to resume" in stderr
    assert 3 <= stopped < 20

    process = start()  # saves a checkpoint every step: a kill lands in or near one
    wait_for(lambda: latest_step(checkpoints) >= stopped + 3, process)
    process.kill()
    process.wait(timeout=60)

    finished = start()
    _, stderr = finished.communicate(timeout=300)
    assert finished.returncode == 0, stderr[-3000:]
    assert "Resuming" in stderr and latest_step(checkpoints) == 20
    steps = [json.loads(line)["step"] for line in open(checkpoints.parent / "stats.jsonl")]
    assert steps == list(range(1, 21))


# Bad values as a new user types them, one of every kind of flag: (flag named
# in the message, arguments). Run with --dataset mnist (the bundled digits)
# unless they name another dataset; "faces" is a folder of 10 40x50 JPEGs.
BAD_VALUES = [
    ("epoch", ["--epoch", "0"]),
    ("learning_rate", ["--learning_rate", "-0.0002"]),
    ("learning_rate", ["--learning_rate", "nan"]),
    ("beta1", ["--beta1", "1.5"]),
    ("label_smoothing", ["--label_smoothing", "0.5"]),
    ("ema_decay", ["--ema_decay", "1"]),
    ("train_size", ["--train_size", "0"]),
    ("train_size", ["--train_size", "2.5"]),
    ("batch_size", ["--batch_size", "0"]),
    ("batch_size", ["--batch_size", "20000"]),  # more than the bundled 10,000 digits
    ("batch_size", ["--dataset", "faces", "--batch_size", "16"]),  # more than 10 images
    ("input_height", ["--dataset", "faces", "--crop", "--input_height", "0"]),
    ("input_height", ["--dataset", "faces", "--crop", "--input_height", "500"]),
    ("output_height", ["--output_height", "0"]),
    ("output_width", ["--output_width", "-28"]),
    ("dataset", ["--dataset", ""]),
    ("input_fname_pattern", ["--dataset", "faces", "--input_fname_pattern", ""]),
    ("out_name", ["--out_name", "../elsewhere"]),
    ("out_dir", ["--out_dir", "a_file"]),
    ("logs_dir", ["--logs_dir", "a_file"]),
    ("max_to_keep", ["--max_to_keep", "0"]),
    ("sample_freq", ["--sample_freq", "-1"]),
    ("ckpt_freq", ["--ckpt_freq", "-200"]),
    ("z_dim", ["--z_dim", "0"]),
    ("z_dist", ["--z_dist", "gaussian"]),
    ("model", ["--model", "resnet"]),
    ("seed", ["--seed", "-1"]),
    ("g_steps", ["--g_steps", "0"]),
    ("loss", ["--loss", "wasserstein"]),
    ("kernel_size", ["--kernel_size", "0"]),
    ("gf_dim", ["--gf_dim", "0"]),
    ("gf_dim", ["--gf_dim", "1000000"]),  # would not fit in memory
    ("df_dim", ["--df_dim", "-64"]),
    ("c_dim", ["--c_dim", "2"]),
    ("y_dim", ["--y_dim", "-1"]),
    ("y_dim", ["--y_dim", "5"]),  # MNIST has 10 classes
    ("y_dim", ["--dataset", "faces", "--y_dim", "10"]),  # a folder has no labels
    ("num_layers", ["--num_layers", "0"]),
    ("num_layers", ["--num_layers", "40"]),  # no pixels left at 28x28
    ("small_images", ["--dataset", "faces", "--crop", "--small_images", "pad"]),
    ("init_generator", ["--init_generator", "nowhere.weights.h5"]),
    ("init_discriminator", ["--init_discriminator", "a_file"]),  # not a weights file
    ("init_generator", ["--init_generator", "text.weights.h5"]),  # named as one, is not
    ("out_dir", ["--out_dir", "/proc/tfdcgan"]),  # no folder can be made there
    ("save_weights_per_epoch", ["--save_weights_per_epoch", "--notrain"]),
    ("visualize_option", ["--visualize_option", "7"]),
    ("generate", ["--generate", "-5"]),
    ("strategy", ["--strategy", "tpu"]),
    ("mixed_precision", ["--mixed_precision", "float8"]),
    ("quality_freq", ["--quality_freq", "-1"]),
    ("quality_samples", ["--quality_samples", "1"]),
    ("quality_metric", ["--dataset", "faces", "--quality_freq", "10",
                        "--quality_metric", "classes_covered"]),
    ("G_img_sum", ["--G_img_sum", "--notrain"]),  # acts only while training
    ("quality_freq", ["--quality_freq", "100", "--notrain"]),
]


@pytest.fixture(scope="module")
def bad_value_runs(tmp_path_factory):
    """Every BAD_VALUES command, run in a folder of its own (two at a time)."""
    import concurrent.futures

    def run_one(index):
        _, args = BAD_VALUES[index]
        cwd = tmp_path_factory.mktemp(f"bad{index}")
        faces = cwd / "data" / "faces"
        faces.mkdir(parents=True)
        for i in range(10):
            Image.fromarray(np.full((40, 50, 3), 20 * i, np.uint8)).save(faces / f"{i}.jpg")
        (cwd / "a_file").write_text("a file, not a folder\n")
        (cwd / "text.weights.h5").write_text("text, not HDF5\n")
        before = sorted(os.listdir(cwd))
        argv = ["--dataset", "mnist", "--train", "--epoch", "1", *args]
        result = main_py(*argv, cwd=cwd, timeout=240)
        return cwd, before, result

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return list(pool.map(run_one, range(len(BAD_VALUES))))


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(BAD_VALUES)),
                         ids=[" ".join(args) for _, args in BAD_VALUES])
def test_a_bad_value_is_refused_in_one_line_before_any_work(bad_value_runs, index):
    flag, args = BAD_VALUES[index]
    cwd, before, result = bad_value_runs[index]
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-2000:]
    assert "Traceback" not in output, output[-3000:]
    lines = [line for line in result.stderr.splitlines() if flag in line]
    assert lines, result.stderr[-2000:]
    assert sorted(os.listdir(cwd)) == before  # no out/, no logs/
    assert (cwd / "a_file").read_text() == "a file, not a folder\n"
    assert "Epoch 1/" not in output  # no training step was taken


def test_the_pytorch_dcgan_s_flags_are_each_named_with_their_counterpart(tmp_path):
    result = main_py("--dataroot", "data/celeba", "--imageSize=64", "--nz", "100",
                     "--beta1", "0.5", "--cuda", "--train", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "PyTorch" in line]
    assert len(lines) == 4, result.stderr[-2000:]  # --beta1 is a flag here too
    assert "--dataroot" in lines[0] and "--data_dir DIR --dataset NAME" in lines[0]
    assert "--imageSize" in lines[1] and "--output_height" in lines[1]
    assert "--nz" in lines[2] and lines[2].endswith("here: --z_dim.")
    assert "--cuda" in lines[3] and "GPU" in lines[3]
    assert os.listdir(tmp_path) == []


def test_the_command_line_samples_an_average_by_default_and_ema_decay_0_turns_it_off():
    from tfdcgan import run
    config = run.resolve(run.RunConfig(**cli_flags.run_kwargs(
        _parsed(["--dataset", "mnist", *TINY]), run_names())))
    assert "ema" not in config.out_name
    gan = run.build_gan(config, c_dim=1, seed=1)
    assert gan.ema_decay == 0.999 and gan.sampling_generator is gan.generator_ema
    config = run.resolve(run.RunConfig(**cli_flags.run_kwargs(
        _parsed(["--dataset", "mnist", "--ema_decay", "0", *TINY]), run_names())))
    assert "_ema0_" in config.out_name + "_"
    gan = run.build_gan(config, c_dim=1, seed=1)
    assert gan.generator_ema is None and gan.sampling_generator is gan.generator


def test_label_smoothing_flag_reaches_the_model_and_names_the_run():
    from tfdcgan import run
    config = run.resolve(run.RunConfig(**cli_flags.run_kwargs(
        _parsed(["--dataset", "mnist", "--label_smoothing", "0.1", *TINY]), run_names())))
    assert "_ls0.1" in config.out_name
    gan = run.build_gan(config, c_dim=1, seed=1)
    assert gan.label_smoothing == 0.1
    assert gan.get_compile_config()["label_smoothing"] == 0.1
