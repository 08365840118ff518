"""`RunDirectory`: a run's folder, its files, seed and step."""

import json
import os

import pytest

import tfdcgan
from tfdcgan import jsonfiles
from tfdcgan.callbacks import RunCheckpoint
from tfdcgan.run_config import RunConfig, identity, resolve
from tfdcgan.run_dir import RunDirectory, RunError

TINY = dict(output_height=12, c_dim=1, z_dim=4, gf_dim=4, df_dim=4, num_layers=2)


def tiny_gan(seed=1, **kwargs):
    gan = tfdcgan.DCGAN(**{**TINY, "seed": seed, **kwargs})
    gan.compile()
    return gan


def test_paths_follow_the_settings(tmp_path):
    config = resolve(RunConfig(dataset="mnist", out_dir=str(tmp_path / "out"),
                               logs_dir=str(tmp_path / "logs"), sample_dir="grids"))
    run_dir = RunDirectory.for_config(config)
    assert run_dir.run_dir == str(tmp_path / "out" / config.out_name)
    assert run_dir.logs_dir == str(tmp_path / "logs" / config.out_name)
    assert run_dir.sample_dir == os.path.join(run_dir.run_dir, "grids")
    assert run_dir.model_json == os.path.join(run_dir.run_dir, "model.json")
    assert run_dir.quality_jsonl == os.path.join(run_dir.run_dir, "quality.jsonl")


def test_the_seed_is_the_recorded_one_and_another_is_refused(tmp_path):
    run_dir = RunDirectory(str(tmp_path / "run"), str(tmp_path / "logs"))
    assert run_dir.seed(7) == 7
    drawn = run_dir.seed(None)
    assert isinstance(drawn, int) and 0 <= drawn < 2**31
    run_dir.check_or_write_model(tiny_gan(seed=5))
    assert run_dir.seed(None) == 5 == run_dir.seed(5)
    with pytest.raises(RunError, match="--seed 5, not 6"):
        run_dir.seed(6)


def test_model_json_is_written_once_and_other_settings_are_refused_by_name(tmp_path):
    run_dir = RunDirectory(str(tmp_path / "run"), str(tmp_path / "logs"))
    run_dir.check_or_write_model(tiny_gan())
    written = os.path.getmtime(run_dir.model_json)
    run_dir.check_or_write_model(tiny_gan())  # the same settings: nothing written
    assert os.path.getmtime(run_dir.model_json) == written
    with pytest.raises(RunError, match="gf_dim: 4 -> 8"):
        run_dir.check_or_write_model(tiny_gan(gf_dim=8))
    loaded = run_dir.load_model()
    assert isinstance(loaded, tfdcgan.DCGAN) and loaded.gf_dim == 4
    assert loaded.d_optimizer is not None  # compiled as it was
    with pytest.raises(RunError, match="ema_decay: 0.0 -> 0.999"):
        run_dir.check_or_write_model(tiny_gan(ema_decay=0.999))


def test_a_model_json_older_than_ema_decay_resumes_without_an_average(tmp_path):
    run_dir = RunDirectory(str(tmp_path / "run"), str(tmp_path / "logs"))
    run_dir.check_or_write_model(tiny_gan())
    stored = json.load(open(run_dir.model_json))
    del stored["config"]["ema_decay"]
    jsonfiles.write_json(run_dir.model_json, stored)
    run_dir.check_or_write_model(tiny_gan())
    assert run_dir.load_model().generator_ema is None
    with pytest.raises(RunError, match="ema_decay: 0.0 -> 0.99"):
        run_dir.check_or_write_model(tiny_gan(ema_decay=0.99))


def test_other_settings_than_flags_json_s_are_refused_by_name(tmp_path):
    run_dir = RunDirectory(str(tmp_path / "run"), str(tmp_path / "logs"))
    config = resolve(RunConfig(dataset="mnist", learning_rate=1e-3, seed=None))
    run_dir.check_settings(identity(config))  # a new run: nothing to compare
    run_dir.write_flags(config, seed=3)
    run_dir.check_settings(identity(config))
    run_dir.check_settings(identity(resolve(RunConfig(  # not settings that define the run
        dataset="mnist", learning_rate=1e-3, epoch=50, out_dir="elsewhere", sample_freq=7,
        strategy="mirrored"))))
    with pytest.raises(RunError, match=r"other settings \(beta1: 0.5 -> 0.9, learning_rate: "
                                       r"0.001 -> 0.0002\)"):
        run_dir.check_settings(identity(resolve(RunConfig(dataset="mnist", beta1=0.9))))
    # The model's settings are model.json's: an unset num_layers and its value agree.
    run_dir.check_or_write_model(tiny_gan(num_layers=2))
    run_dir.check_settings(identity(resolve(RunConfig(
        dataset="mnist", learning_rate=1e-3, num_layers=2))))
    # A FLAGS.json older than a setting does not hold it: not compared.
    flags = json.load(open(run_dir.flags_json))
    del flags["label_smoothing"]
    jsonfiles.write_json(run_dir.flags_json, flags)
    run_dir.check_settings(identity(resolve(RunConfig(
        dataset="mnist", learning_rate=1e-3, label_smoothing=0.1))))


def test_the_step_is_the_newest_checkpoint_s(tmp_path):
    run_dir = RunDirectory(str(tmp_path / "run"), str(tmp_path / "logs"))
    assert run_dir.step == 0
    gan = tiny_gan()
    ckpt = RunCheckpoint(run_dir.checkpoint_dir, gan)
    for step in (3, 8):
        ckpt.step.assign(step)
        ckpt.save()
    assert run_dir.step == 8


def test_flags_and_init_weights_files(tmp_path):
    run_dir = RunDirectory(str(tmp_path / "run"), str(tmp_path / "logs"))
    config = RunConfig(dataset="mnist")
    run_dir.write_flags(config, seed=3)
    flags = json.load(open(run_dir.flags_json))
    assert flags["seed"] == 3 and flags["train_size"] is None  # inf: null
    run_dir.record_init_weights({"init_generator": "/w/g.weights.h5"})
    run_dir.record_init_weights({"init_generator": "/other.weights.h5"})  # once only
    assert json.load(open(run_dir.init_json)) == {"generator": "/w/g.weights.h5",
                                                  "discriminator": None}


def test_json_writers_leave_the_old_file_when_a_write_fails(tmp_path):
    path = str(tmp_path / "a" / "stats.jsonl")
    jsonfiles.write_jsonl(path, [{"step": 1}])
    with pytest.raises(TypeError):
        jsonfiles.write_jsonl(path, [{"step": 2}, {"bad": object()}])
    assert jsonfiles.read_jsonl(path) == [{"step": 1}]
    assert os.listdir(tmp_path / "a") == ["stats.jsonl"]  # no partial file left
    jsonfiles.append_jsonl(path, {"step": 2})
    with open(path, "a") as f:
        f.write('{"step": 3, "d_lo')  # a line cut short by a kill
    assert jsonfiles.read_jsonl(path) == [{"step": 1}, {"step": 2}]
