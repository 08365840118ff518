"""`tfdcgan.rules`: every setting checked in one place, for the library and the CLI.

(tests/test_cli.py walks a table of bad values through main.py.)
"""

import json
import os
import sys

import numpy as np
import pytest
from absl import flags as absl_flags

import tfdcgan
from tfdcgan import architecture, rules, run

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
import flags as cli_flags  # noqa: E402  (the repository's flags.py)


def test_every_run_setting_has_a_rule_and_its_default_passes():
    config = run.RunConfig()
    for name in run.RunConfig.names():
        assert name in rules.RULES, name
        rules.check(name, getattr(config, name))


@pytest.mark.parametrize("kwargs, named", [
    (dict(output_height=0), "output_height"),
    (dict(c_dim=2), "c_dim"),
    (dict(learning_rate=-2e-4), "learning_rate"),
    (dict(learning_rate=float("nan")), "learning_rate"),
    (dict(beta1=1.0), "beta1"),
    (dict(train_size=2.5), "train_size"),
    (dict(train_size=1e30), "train_size"),
    (dict(epoch=0), "epoch"),
    (dict(seed=-1), "seed"),
    (dict(train="yes"), "train"),
    (dict(z_dist="gaussian"), "z_dist"),
    (dict(loss="wasserstein"), "loss"),
    (dict(out_name="../elsewhere"), "out_name"),
    (dict(dataset="mnist", num_layers=architecture.default_num_layers(28, 28) + 9),
     "num_layers"),
    (dict(dataset="mnist", gf_dim=10**6), "gf_dim"),
    (dict(dataset="mnist", y_dim=5), "y_dim"),
    (dict(dataset="faces", y_dim=10), "y_dim"),
    (dict(dataset="faces", quality_freq=10, quality_metric="classes_covered", train=True),
     "quality_metric"),
    (dict(dataset="mnist", G_img_sum=True), "G_img_sum"),
    (dict(dataset="mnist", quality_freq=5), "quality_freq"),
    (dict(d_head="two_logit", loss="least_squares"), "loss"),
    (dict(model="basic", d_head="two_logit"), "d_head"),
    (dict(dataset="mnist", train=True, init_generator="nowhere.weights.h5"), "init_generator"),
    (dict(dataset="mnist", train=True, init_discriminator="netD_5.pth"), "init_discriminator"),
    (dict(dataset="mnist", save_weights_per_epoch=True), "save_weights_per_epoch"),
    (dict(dataset="mnist", model="basic", sync_batch_norm=True), "sync_batch_norm"),
])
def test_run_main_refuses_bad_settings_before_writing_anything(tmp_path, kwargs, named):
    with pytest.raises(rules.SettingError) as error:
        run.main(**dict(kwargs, out_dir=str(tmp_path / "out"), logs_dir=str(tmp_path / "logs"),
                        data_dir=str(tmp_path / "data")))
    assert isinstance(error.value, ValueError)
    assert error.value.name == named
    message = str(error.value)
    assert message.startswith(f"{named}=") and "\n" not in message
    assert os.listdir(tmp_path) == []


def test_a_folder_given_as_a_file_is_refused(tmp_path):
    (tmp_path / "out").write_text("not a folder")
    with pytest.raises(rules.SettingError, match="out_dir"):
        run.main(dataset="mnist", train=True, out_dir=str(tmp_path / "out"),
                 logs_dir=str(tmp_path / "logs"))
    with pytest.raises(rules.SettingError, match=r"logs_dir=.*: \S*out is a file;"):
        run.main(dataset="mnist", train=True, out_dir=str(tmp_path / "runs"),
                 logs_dir=str(tmp_path / "out" / "logs"))
    with pytest.raises(rules.SettingError, match=r"sample_dir=.*: \S*out is a file;"):
        run.main(dataset="mnist", train=True, out_dir=str(tmp_path / "runs"),
                 logs_dir=str(tmp_path / "logs"), sample_dir=str(tmp_path / "out" / "grids"))
    assert sorted(os.listdir(tmp_path)) == ["out"]


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_a_folder_that_cannot_be_created_is_refused_before_any_work(tmp_path):
    """/proc refuses new folders even to root, whom permission bits do not stop."""
    with pytest.raises(rules.SettingError,
                       match=r"out_dir='/proc/tfdcgan/out': no folder can be created in /proc"):
        run.main(dataset="mnist", train=True, out_dir="/proc/tfdcgan/out",
                 logs_dir=str(tmp_path / "logs"))
    with pytest.raises(rules.SettingError,  # (an absolute sample_dir is outside the run)
                       match=r"sample_dir='/proc/grids': no folder can be created in /proc"):
        run.main(dataset="mnist", generate=4, out_dir=str(tmp_path / "out"),
                 logs_dir=str(tmp_path / "logs"), sample_dir="/proc/grids")
    assert os.listdir(tmp_path) == []
    # Where one can be, the probe leaves nothing behind.
    config = run.resolve(run.RunConfig(out_dir=str(tmp_path / "a" / "b"),
                                       logs_dir=str(tmp_path)))
    rules.check_paths(config)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("kwargs, named", [
    (dict(output_height=0), "output_height"),
    (dict(output_height=28, output_width=-1), "output_width"),
    (dict(c_dim=0), "c_dim"),
    (dict(z_dim=0), "z_dim"),
    (dict(gf_dim=0), "gf_dim"),
    (dict(df_dim=-3), "df_dim"),
    (dict(kernel_size=0), "kernel_size"),
    (dict(y_dim=0), "y_dim"),
    (dict(output_height=28, num_layers=0), "num_layers"),
    (dict(output_height=28, num_layers=12), "num_layers"),
    (dict(output_height=28, gf_dim=10**6), "gf_dim"),
    (dict(z_dist="normal01"), "z_dist"),  # an alias of the command line only
    (dict(g_steps=0), "g_steps"),
    (dict(seed=-5), "seed"),
])
def test_dcgan_refuses_bad_arguments_naming_them(kwargs, named):
    with pytest.raises(ValueError, match=f"^{named}="):
        tfdcgan.DCGAN(**kwargs)


@pytest.mark.parametrize("height, width", [(28, 28), (32, 32), (64, 48), (5, 9)])
def test_the_deepest_network_the_depth_rule_allows_builds_and_one_more_is_refused(
        height, width):
    most = rules.max_num_layers(height, width)
    assert most >= architecture.default_num_layers(height, width)
    gan = tfdcgan.DCGAN(output_height=height, output_width=width, c_dim=1, z_dim=4,
                        gf_dim=2, df_dim=2, kernel_size=3, num_layers=most, seed=0)
    assert gan.generate(2, seed=0).shape == (2, height, width, 1)
    assert gan.discriminator(np.zeros((2, height, width, 1), np.float32)).shape == (2, 1)
    with pytest.raises(rules.SettingError, match=f"at most {most} "):
        tfdcgan.DCGAN(output_height=height, output_width=width, c_dim=1,
                      num_layers=most + 1)


def test_the_weight_estimate_matches_the_built_networks():
    kwargs = dict(output_height=64, output_width=48, c_dim=3, z_dim=100, gf_dim=16,
                  df_dim=16, kernel_size=5, y_dim=10)
    gan = tfdcgan.DCGAN(**kwargs)
    built = gan.generator.count_params() + gan.discriminator.count_params()
    estimate = rules.dcgan_weights(64, 48, 3, 100, 16, 16, 5, 10)
    assert built * 0.99 <= estimate <= built


# A value each kind of rule refuses, for the flags of that kind.
REFUSED = {"int": "-7", "whole": "-7", "number": "-7", "text": "", "name": "a/b"}
REFUSED_CHOICE = {"c_dim": "2", "visualize_option": "7"}


def _fresh_flags():
    values = absl_flags.FlagValues()
    cli_flags.define_flags(values)
    return values


def test_every_flag_refuses_what_its_rule_refuses_while_parsing():
    checked = 0
    for name in run.RunConfig.names():
        kind = rules.RULES[name].kind
        if kind in ("bool", "file"):
            continue  # absl parses only true/false; a missing file is check_paths's
        value = REFUSED_CHOICE.get(name, "nonsense") if kind == "choice" else REFUSED[kind]
        with pytest.raises(absl_flags.IllegalFlagValueError, match=f"--{name}="):
            _fresh_flags()(["main.py", f"--{name}={value}"])
        checked += 1
    assert checked >= 30


def test_choice_flags_list_their_choices_in_their_help():
    values = _fresh_flags()
    for name in run.RunConfig.names():
        rule = rules.RULES[name]
        if rule.kind == "choice" and name != "visualize_option":
            for choice in rule.options():
                assert str(choice) in values[name].help, (name, choice)


TWO_WORKERS = {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}


@pytest.mark.parametrize("tf_config, batch_size, named, words", [
    (None, 64, "strategy", "needs the environment variable TF_CONFIG"),
    ("{not json", 64, "strategy", "TF_CONFIG must be JSON"),
    ('{"cluster": {"worker": ["127.0.0.1:1"]}}', 64, "strategy", "TF_CONFIG must be JSON"),
    (json.dumps({"cluster": TWO_WORKERS, "task": {"type": "worker", "index": 2}}), 64,
     "strategy", "task index 2 is not in its cluster's 2 worker"),
    (json.dumps({"cluster": {**TWO_WORKERS, "ps": ["127.0.0.1:3"]},
                 "task": {"type": "ps", "index": 0}}), 64, "strategy", "must be chief or worker"),
    (json.dumps({"cluster": {"chief": ["127.0.0.1:0"], **TWO_WORKERS},
                 "task": {"type": "chief", "index": 0}}), 64, "batch_size",
     "split between the 3 workers of TF_CONFIG: must be a multiple of 3"),
])
def test_multi_worker_needs_a_cluster_in_tf_config_before_any_work(
        tmp_path, monkeypatch, tf_config, batch_size, named, words):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    with pytest.raises(rules.SettingError) as error:
        run.main(dataset="mnist", train=True, strategy="multi_worker", batch_size=batch_size,
                 out_dir=str(tmp_path / "out"), logs_dir=str(tmp_path / "logs"))
    assert error.value.name == named
    assert words in str(error.value) and "\n" not in str(error.value)
    assert os.listdir(tmp_path) == []


def test_a_usable_cluster_passes_and_counts_its_workers():
    tf_config = json.dumps({"cluster": TWO_WORKERS, "task": {"type": "worker", "index": 1}})
    assert rules.check_cluster(64, tf_config) == 2
