"""The example scripts run end to end in --smoke mode and write what they promise.

Each script runs as `__main__` (`runpy`) inside the test process, which has
TensorFlow imported already (a process per script spent more time importing it
than running the script). Train steps run eagerly, as in the other tests
(tests/conftest.py): tracing a step costs more than the two or three steps of a
smoke run, and the registry-wide tests (tests/test_families.py) trace the
families' steps. The PixelCNN scripts (`TRACED`) run traced, as `fit` runs
them for users. The longest smoke runs (`SLOW`) run with `-m slow`.
"""

import ast
import os
import runpy
import sys
import zipfile
from unittest import mock

import pytest
from PIL import Image

from tests.cli import training_data_name

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES_DIR = os.path.join(REPO_ROOT, "examples")

# (script and its options, data set or None for Fashion-MNIST where installed, files it writes, text it prints)
EXAMPLES = [
    (
        "dcgan_fashion_mnist.py",
        None,
        ["model.keras", "samples.png", "snapshots/samples_epoch_0001.png"],
        [],
    ),
    (
        "attributes_fashion.py",
        "fashion_captions",
        ["model.keras", "heldout.png", "sweep.png", "layers.png", "edits.png", "snapshots/samples_epoch_0001.png"],
        ["reloaded samples identical: True"],
    ),
    (
        "attributes_fashion.py --model al_cgan",
        "fashion_captions",
        ["model.keras", "layouts.png", "brightness.png", "edits.png", "snapshots/samples_epoch_0001.png"],
        ["reloaded samples identical: True"],
    ),
    (
        "text_to_image_fashion.py",
        "fashion_captions",
        ["model.keras", "captions.png", "captions.txt", "walk.png", "walk.txt", "snapshots/samples_epoch_0001.png"],
        ["reloaded samples identical: True"],
    ),
    (
        "text_to_image_fashion.py --model stackgan",
        "fashion_captions",
        ["model.keras", "captions.png", "stages.png", "captions.txt", "walk.png", "snapshots/samples_epoch_0001.png"],
        ["reloaded samples identical: True"],
    ),
    (
        "gan_fashion_mnist.py",
        None,
        ["model.keras", "samples.png", "snapshots/samples_epoch_0001.png"],
        ["non_saturating: D(x) =", "D(G(z)) ="],
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
    (
        "wgan_fashion_mnist.py",
        None,
        ["model.keras", "samples.png", "snapshots/samples_epoch_0001.png"],
        ["Wasserstein estimate", "largest critic weight"],
    ),
    (
        "wgan_gp_fashion_mnist.py",
        None,
        ["model.keras", "samples.png", "snapshots/samples_epoch_0001.png"],
        [],
    ),
    (
        "began_fashion_mnist.py",
        None,
        ["model.keras", "samples.png", "autoencoder.png", "snapshots/samples_epoch_0001.png"],
        ["k_t =", "M_global =", "L1 reconstruction error"],
    ),
    (
        "latent_fashion_mnist.py",
        None,
        ["cvae.keras", "cvae_classes.png", "cvae_styles.png", "walk.gif", "traversal.png", "vae_edit.png",
         "inversion.png", "dcgan_edit.png"],
        ["inversion pixel MSE"],
    ),
    (
        "conditional_gans_fashion_mnist.py",
        "digits",  # 8x8: a smoke run's cost is in sampling and tracing, which shrink with the image
        [f"{name}/{file}" for name in ("cgan", "acgan", "infogan", "bigan", "ssgan")
         for file in ("model.keras", "samples.png")],
        ["acgan: test accuracy", "bigan: linear classifier", "classes covered"],
    ),
    (
        "pixelcnn_fashion_mnist.py",
        "digits",  # 8x8: sampling takes 64 steps, not 784
        ["model.keras", "samples.png", "snapshots/samples_epoch_0001.png"],
        ["Test NLL", "bits/dim", "log p(x) differs by 0 nats"],
    ),
    (
        "autoregressive_fashion_mnist.py",
        "digits",  # 8x8: sampling takes 64 steps, not 784
        ["model.keras", "samples.png", "completions.png", "snapshots/completions_epoch_0001.png",
         "snapshots/samples_epoch_0001.png"],
        ["Test NLL", "bits/dim"],
    ),
    (
        "pixelrnn_fashion_mnist.py",
        "digits",  # 8x8: sampling takes 64 steps, not 784
        ["model.keras", "samples.png", "completions.png", "snapshots/completions_epoch_0001.png",
         "snapshots/samples_epoch_0001.png"],
        ["Test NLL", "bits/dim"],
    ),
    (
        "pix2pix_edges_fashion_mnist.py",
        None,
        ["edges_to_clothes.png", "pix2pix.keras", "l1_only.keras", "snapshots/pix2pix/translations_epoch_0001.png"],
        ["pix2pix: L1 to the originals"],
    ),
    (
        "srgan_fashion_mnist.py",
        None,
        ["upscaled.png", "srresnet.keras", "srgan.keras"],
        ["bicubic: PSNR", "SRGAN: PSNR"],
    ),
    (
        "cyclegan_fashion_mnist.py",
        "digits",  # 8x8: a smoke run's cost is in sampling and tracing, which shrink with the image
        ["sandals_and_sneakers.png", "model.keras", "snapshots/translations_epoch_0001.png"],
        ["cycle reconstruction L1"],
    ),
    (
        "context_encoder_fashion_mnist.py",
        None,
        ["inpainted.png", "model.keras", "snapshots/translations_epoch_0001.png"],
        ["PSNR inside the hole"],
    ),
    (
        "multiscale_fashion_mnist.py",
        None,
        ["lapgan/pyramid.png", "lapgan/model.keras", "progan/stage_0.png", "progan/samples.png",
         "progan/model.keras"],
        ["lapgan: pyramid", " -> ", "progan: stage ", "ProgressiveGAN at stage"],
    ),
    (
        "draw_fashion_mnist.py",
        "digits",  # 8x8: a smoke run's cost is in sampling and tracing, which shrink with the image
        ["model.keras", "steps.png", "drawing.gif", "snapshots/samples_epoch_0001.png"],
        ["Test NLL", "bits/dim", "reloaded samples identical: True"],
    ),
    (
        "nade_made_fashion_mnist.py",
        "digits",  # 8x8: a smoke run's cost is in sampling and tracing, which shrink with the image
        ["nade/samples.png", "nade/model.keras", "made/samples.png", "made/model.keras", "frey/samples.png"],
        ["nade: test NLL", "made: one ordering alone", "frey: test NLL", "MADE reloaded"],
    ),
    (
        "video_moving_fashion.py",
        "digits",  # digits set moving on 16x16 canvases: moving_fashion_mnist's frame classifier takes minutes
        ["samples.gif", "foreground.gif", "mask.gif", "background.gif", "predictions.gif", "video_gan.keras",
         "cross_conv.keras"],
        ["VideoGAN: still clips", "CrossConvCVAE: moving share"],
    ),
    (
        "voxel_shapes.py",
        "voxel_shapes",  # the smoke run makes 8^3 shapes directly instead of loading 12,000 of 16^3
        ["samples.png", "samples_3d.png", "snapshots/samples_epoch_0001.png", "model.keras"],
        ["rows of samples.png: chair, table, sofa", "nearest_train_iou_median"],
    ),
    (
        "ppgn_fashion_mnist.py",
        None,
        ["model.keras", "denoiser.keras", "chains.gif", "chains.png", "unguided.png"],
        ["guide's probability of", "judged", "by the independent classifier: chains"],
    ),
    (
        "tune_vae_dcgan.py",
        "digits",
        ["best_vae.keras", "best_dcgan.keras", "samples.png"],
        ["val_negative_elbo", "val_kid"],
    ),
]


# Traced as `fit` traces them for users: their samplers run a step per pixel, and
# traced steps run faster than eager ones (the other smoke runs take a few steps).
TRACED = {"pixelcnn_fashion_mnist.py", "autoregressive_fashion_mnist.py"}
# The smoke runs of 8 s or more on a slow 2-core machine run with `-m slow`; what they call is tested in the
# default run on its own: keras-tuner searches (tests/tuning), StackGAN (tests/models/test_stackgan.py), PPGN
# chains (tests/test_latent_ppgn.py, tests/cli/test_ppgn_cli.py), LAPGAN and ProGAN, the latent tools, PixelRNN,
# VoxelGAN, SRGAN, VideoGAN and CrossConvCVAE, and the conditional GANs with their classifier. So do three
# of 6-9 s, each with another smoke run of its kind in the default run: GAN-CLS captions (the AL-CGAN run of
# attributes_fashion.py conditions on the same data set; tests/models/test_gan_cls.py and
# tests/cli/test_conditions_cli.py), Attribute2Image (tests/models/test_attribute2image.py) and CycleGAN
# (pix2pix's run; tests/cli/test_translate_cli.py).
SLOW = {"tune_vae_dcgan.py", "text_to_image_fashion.py --model stackgan", "ppgn_fashion_mnist.py",
        "text_to_image_fashion.py", "attributes_fashion.py", "cyclegan_fashion_mnist.py",
        "multiscale_fashion_mnist.py", "latent_fashion_mnist.py", "pixelrnn_fashion_mnist.py", "voxel_shapes.py",
        "srgan_fashion_mnist.py", "video_moving_fashion.py", "conditional_gans_fashion_mnist.py"}


@pytest.fixture(scope="session")
def feature_cache(tmp_path_factory):
    """One cache of feature networks for the examples of a test run, outside the user's home."""
    return str(tmp_path_factory.mktemp("example_feature_networks"))


def check_written(out, promised):
    """Every promised file exists and is whole: images decode, `.keras` archives hold a model's config and weights.

    (Loading every model again would add about 10 s; several scripts reload
    theirs, and every family's save/load round trip is tested in
    tests/test_families.py.)
    """
    for name in promised:
        path = out / name
        assert path.is_file(), f"did not write {name}"
        if name.endswith((".png", ".gif")):
            with Image.open(path) as image:
                image.verify()
        elif name.endswith(".keras"):
            with zipfile.ZipFile(path) as archive:
                assert {"config.json", "model.weights.h5"} <= set(archive.namelist()), name


@pytest.mark.parametrize(
    "script, data, promised, printed",
    [pytest.param(*example, id=example[0], marks=[*([pytest.mark.graph] if example[0] in TRACED else []),
                                                  *([pytest.mark.slow] if example[0] in SLOW else [])])
     for example in EXAMPLES],
)
def test_example_smoke_run(script, data, promised, printed, tmp_path, capsys, monkeypatch, feature_cache):
    monkeypatch.setenv("KERAS_GEN_FEATURE_CACHE", feature_cache)
    out = tmp_path / "out"
    script, *options = script.split()
    path = os.path.join(EXAMPLES_DIR, script)
    argv = [path, *options, "--smoke", "--out", str(out), "--data", data or training_data_name()]
    with mock.patch.object(sys, "argv", argv):
        try:
            runpy.run_path(path, run_name="__main__")
        except SystemExit as error:  # argparse rejected the arguments
            pytest.fail(f"{script} exited with {error.code}: {capsys.readouterr().err[-2000:]}")
    stdout = capsys.readouterr().out
    check_written(out, promised)
    for text in printed:
        assert text in stdout, f"{script} did not print {text!r}"
    assert f"Wrote {out}/" in stdout


def test_every_example_is_smoke_tested_and_imports_only_the_library():
    scripts = sorted(name for name in os.listdir(EXAMPLES_DIR) if name.endswith(".py"))
    assert scripts == sorted({example[0].split()[0] for example in EXAMPLES})
    assert SLOW <= {example[0] for example in EXAMPLES} and TRACED.isdisjoint(SLOW)
    for script in scripts:
        with open(os.path.join(EXAMPLES_DIR, script)) as file:
            tree = ast.parse(file.read())
        imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
        imported += [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module]
        cli = [name for name in imported if name == "keras_gen.cli" or name.startswith("keras_gen.cli.")]
        assert not cli, f"examples/{script} imports {cli}: examples use the library, not the command line"
        # They run inside the test process here; a user's `python examples/...` has no tests package.
        assert not [name for name in imported if name.split(".")[0] == "tests"], f"examples/{script} imports tests"
        assert "--smoke" in ast.get_docstring(tree), f"examples/{script}'s docstring shows no --smoke run"
