"""keras_gen installs as a package: a wheel that works in a new virtual environment, without the clone.

Marked `slow` (minutes: the new environment gets TensorFlow and the rest). The wheel
is built from a copy of what a source distribution holds (`setup.py`, `README.md`,
`LICENSE`, `keras_gen/`), so the build writes nothing into the clone and needs
nothing else from it. The new environment is made with `python -m venv`, without the
system's or this environment's site-packages, and gets the wheel and its
dependencies from uv's cache when uv is installed (as `scripts/setup.sh` installs it
into `.venv`), else from the package index with pip. Then, from a folder outside the
clone, `keras-gen models` lists the families and `keras-gen train dcgan --epochs 1`
trains on a slice of the data and writes its model and samples.

The wheel's metadata is checked too: the README's first sentence as the summary, the
Apache-2.0 license and its file, `python_requires`, the extras and classifiers.
"""

import os
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from keras_gen import families
from tests.cli import training_data_name

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# What the wheel is built from: the files a source distribution of keras_gen holds.
SOURCE_FILES = ("setup.py", "README.md", "LICENSE")
INSTALL_TIMEOUT = 1800  # seconds; pip without a cache downloads TensorFlow (hundreds of MB)


def run(command, cwd, timeout=600, env=None):
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                            check=False)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def find_uv() -> str | None:
    """uv on PATH or beside this interpreter (`scripts/setup.sh` installs it into `.venv`), else None."""
    beside = os.path.join(os.path.dirname(sys.executable), "uv")
    return shutil.which("uv") or (beside if os.access(beside, os.X_OK) else None)


def build_wheel(tmp_path) -> str:
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCE_FILES:
        shutil.copy(os.path.join(REPO_ROOT, name), source / name)
    shutil.copytree(os.path.join(REPO_ROOT, "keras_gen"), source / "keras_gen",
                    ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path / "dist"
    # Without build isolation: setuptools (and wheel) of this environment build it, so no index is needed.
    run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-q", "-w", str(dist)], cwd=tmp_path)
    (wheel,) = [name for name in os.listdir(dist) if name.endswith(".whl")]
    return str(dist / wheel)


def install(wheel: str, tmp_path) -> str:
    """A new virtual environment with the wheel installed; returns its bin folder."""
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = str(venv / "bin" / "python")
    uv = find_uv()
    if uv:
        command = [uv, "pip", "install", "--quiet", "--python", python, wheel]
        offline = subprocess.run(command + ["--offline"], cwd=tmp_path, capture_output=True, timeout=INSTALL_TIMEOUT,
                                 check=False)
        if offline.returncode != 0:  # something is not in uv's cache yet
            run(command, cwd=tmp_path, timeout=INSTALL_TIMEOUT)
    else:
        run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel], cwd=tmp_path,
            timeout=INSTALL_TIMEOUT)
    return str(venv / "bin")


def metadata(wheel: str) -> tuple[str, list[str]]:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (path,) = [name for name in names if name.endswith(".dist-info/METADATA")]
        return archive.read(path).decode("utf-8"), names


def readme_first_sentence() -> str:
    with open(os.path.join(REPO_ROOT, "README.md"), encoding="utf-8") as file:
        paragraph = " ".join(file.read().split("\n\n")[1].split())
    return re.split(r"(?<=\.)\s", paragraph, maxsplit=1)[0].replace("`", "")


@pytest.mark.slow
def test_wheel_installs_into_a_new_environment_and_trains(tmp_path):
    wheel = build_wheel(tmp_path)
    text, names = metadata(wheel)
    fields = re.findall(r"^([A-Za-z-]+): (.*)$", text.split("\n\n")[0], re.MULTILINE)
    values = {}
    for key, value in fields:
        values.setdefault(key, []).append(value)
    assert values["Summary"] == [readme_first_sentence()]
    assert values["License"] == ["Apache-2.0"]
    assert values["Requires-Python"] == [">=3.10"]
    assert set(values["Provides-Extra"]) == {"test", "jax"}
    assert "License :: OSI Approved :: Apache Software License" in values["Classifier"]
    assert any(name.endswith(".dist-info/LICENSE") or "/licenses/LICENSE" in name for name in names)
    assert not [name for name in names if name.startswith(("tests/", "benchmarks/", "examples/"))]

    bin_dir = install(wheel, tmp_path)
    elsewhere = tmp_path / "elsewhere"  # outside the clone: only the installed package can be imported
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    location = run([os.path.join(bin_dir, "python"), "-c", "import keras_gen; print(keras_gen.__file__)"],
                   cwd=elsewhere, env=env)
    assert location.strip().startswith(str(tmp_path / "venv")), location

    listing = run([os.path.join(bin_dir, "keras-gen"), "models"], cwd=elsewhere, env=env)
    for name in families.names():
        assert name in listing

    data = training_data_name()
    run([os.path.join(bin_dir, "keras-gen"), "train", "dcgan", "--data", data, "--limit", "256", "--epochs", "1",
         "--out", "runs/dcgan"], cwd=elsewhere, env=env)
    for written in ("model.keras", "samples.png", "history.csv"):
        assert (elsewhere / "runs" / "dcgan" / written).is_file(), written
