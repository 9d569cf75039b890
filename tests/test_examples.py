"""The example scripts run end to end in --smoke mode and write what they promise."""

import os
import subprocess
import sys

import pytest

from tests.cli import training_data_name

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize(
    "script, data, promised, printed",
    [
        (
            "dcgan_fashion_mnist.py",
            None,
            ["model.keras", "samples.png", "snapshots/samples_epoch_0001.png"],
            [],
        ),
        (
            "vae_fashion_mnist.py",
            None,
            [
                "model.keras",
                "samples.png",
                "snapshots/samples_epoch_0001.png",
                "snapshots/reconstructions_epoch_0001.png",
            ],
            [],
        ),
        (
            "autoencoder_fashion_mnist.py",
            None,
            [
                "denoised.png",
                "autoencoder.keras",
                "denoising_autoencoder.keras",
                "snapshots/denoising_autoencoder/reconstructions_epoch_0001.png",
            ],
            ["denoising autoencoder: MSE"],
        ),
        pytest.param(  # slow: run with -m slow
            "wgan_gp_fashion_mnist.py",
            None,
            ["model.keras", "samples.png", "snapshots/samples_epoch_0001.png"],
            [],
            marks=pytest.mark.slow,
        ),
        pytest.param(  # slow: run with -m slow
            "latent_fashion_mnist.py",
            None,
            ["cvae.keras", "cvae_classes.png", "cvae_styles.png", "walk.gif", "traversal.png", "vae_edit.png",
             "inversion.png", "dcgan_edit.png"],
            ["inversion pixel MSE"],
            marks=pytest.mark.slow,
        ),
        pytest.param(  # slow: run with -m slow
            "conditional_gans_fashion_mnist.py",
            None,
            [f"{name}/{file}" for name in ("cgan", "acgan", "infogan", "bigan", "ssgan")
             for file in ("model.keras", "samples.png")],
            ["acgan: test accuracy", "bigan: linear classifier", "classes covered"],
            marks=pytest.mark.slow,
        ),
        pytest.param(  # slow: run with -m slow
            "autoregressive_fashion_mnist.py",
            None,
            ["model.keras", "samples.png", "completions.png", "snapshots/completions_epoch_0001.png",
             "snapshots/samples_epoch_0001.png"],
            ["Test NLL", "bits/dim"],
            marks=pytest.mark.slow,
        ),
        (
            "pix2pix_edges_fashion_mnist.py",
            None,
            ["edges_to_clothes.png", "pix2pix.keras", "l1_only.keras", "snapshots/pix2pix/translations_epoch_0001.png"],
            ["pix2pix: L1 to the originals"],
        ),
        pytest.param(  # slow: run with -m slow
            "srgan_fashion_mnist.py",
            None,
            ["upscaled.png", "srresnet.keras", "srgan.keras"],
            ["bicubic: PSNR", "SRGAN: PSNR"],
            marks=pytest.mark.slow,
        ),
        pytest.param(  # slow: run with -m slow
            "cyclegan_fashion_mnist.py",
            None,
            ["sandals_and_sneakers.png", "model.keras", "snapshots/translations_epoch_0001.png"],
            ["cycle reconstruction L1"],
            marks=pytest.mark.slow,
        ),
        (
            "context_encoder_fashion_mnist.py",
            None,
            ["inpainted.png", "model.keras", "snapshots/translations_epoch_0001.png"],
            ["PSNR inside the hole"],
        ),
        pytest.param(  # about a minute: two tiny searches
            "tune_vae_dcgan.py",
            "digits",
            ["best_vae.keras", "best_dcgan.keras", "samples.png"],
            ["val_negative_elbo", "val_kid"],
            marks=pytest.mark.slow,
        ),
    ],
)
def test_example_smoke_run(script, data, promised, printed, tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": REPO_ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, os.path.join(REPO_ROOT, "examples", script), "--smoke"]
        + ["--out", str(out), "--data", data or training_data_name()],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    for name in promised:
        assert (out / name).is_file(), f"{script} did not write {name}"
    for text in printed:
        assert text in result.stdout
    assert f"Wrote {out}/" in result.stdout
