"""What a user of the installed package gets: a light `import tfdcgan`, and a
wheel that installs the `tfdcgan` and `tfdcgan-download` commands."""

import os
import subprocess
import sys
import textwrap

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_import_tfdcgan_loads_the_models_not_the_runner_and_reaches_data_and_metrics():
    code = textwrap.dedent("""
        import sys, tfdcgan
        loaded = sorted(m for m in sys.modules if m.startswith("tfdcgan."))
        print("LOADED", " ".join(loaded))
        # None of tfdcgan's own modules imports matplotlib (Keras itself may).
        for name in loaded:
            source = open(sys.modules[name].__file__).read()
            assert "import matplotlib" not in source and "from matplotlib" not in source, name
        print("REACHED", tfdcgan.data.mnist.__name__, tfdcgan.metrics.evaluate.__name__)
        # Tab completion lists each name once, the lazy submodules included.
        names = dir(tfdcgan)
        assert len(names) == len(set(names)) and {"data", "metrics", "DCGAN"} <= set(names)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO, timeout=300,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = result.stdout.split("LOADED ")[1].split("\n")[0].split()
    assert "tfdcgan.dcgan" in loaded
    for heavy in ("tfdcgan.run", "tfdcgan.callbacks", "tfdcgan.visualize", "tfdcgan.cli",
                  "tfdcgan.metrics", "tfdcgan.data"):
        assert heavy not in loaded
    assert "REACHED mnist evaluate" in result.stdout


@pytest.mark.slow
def test_the_wheel_installs_commands_that_train_outside_the_source_tree(tmp_path):
    wheels, venv, work = tmp_path / "wheels", tmp_path / "venv", tmp_path / "work"
    work.mkdir()

    def run(*args, timeout=300, codes=(0,), **kwargs):
        result = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                                timeout=timeout, **kwargs)
        assert result.returncode in codes, (args, result.stdout[-2000:], result.stderr[-3000:])
        return result

    # No network: build with the installed setuptools, reuse the installed
    # TensorFlow (--system-site-packages), install the wheel alone.
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "--no-index", "-q", "-w", wheels, REPO)
    (wheel,) = wheels.glob("tfdcgan-*.whl")
    run(sys.executable, "-m", "venv", "--system-site-packages", venv)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("PYTHONPATH", None)

    where = run(python, "-c", "import tfdcgan; print(tfdcgan.__file__)", cwd=work, env=env)
    assert where.stdout.strip().startswith(str(venv))  # the wheel, not the checkout
    help_text = run(venv / "bin" / "tfdcgan", "--help", cwd=work, env=env,
                    codes=(0, 1)).stdout  # (absl's --help exits 1)
    assert "--epoch: Epochs to train [25]" in help_text and "--[no]G_img_sum" in help_text
    assert "usage: tfdcgan-download" in run(venv / "bin" / "tfdcgan-download", "--help",
                                            cwd=work, env=env).stdout
    run(venv / "bin" / "tfdcgan", "--dataset", "mnist", "--train", "--epoch", "1",
        "--train_size", "16", "--batch_size", "8", "--gf_dim", "4", "--df_dim", "4",
        "--z_dim", "6", "--seed", "1", "--out_name", "tiny", cwd=work, env=env, timeout=600)
    run_dir = work / "out" / "tiny"
    assert (run_dir / "model.json").exists() and (run_dir / "stats.jsonl").exists()
    assert any(p.name.startswith("ckpt-2.") for p in (run_dir / "checkpoint").iterdir())
