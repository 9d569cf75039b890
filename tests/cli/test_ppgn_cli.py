"""`keras-gen ppgn` on a tiny saved DCGAN, guided by a tiny classifier of 8x8 digits."""

import imageio.v3 as iio
import keras
import numpy as np
import pytest
from PIL import Image

import keras_gen
from keras_gen import cli, latent
from keras_gen.evaluation import classifiers as C
from keras_gen.evaluation.features import FeatureExtractor
from keras_gen.models import DCGAN


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ppgn")
    gan = DCGAN.for_images((8, 8, 1), latent_dim=3, width=4, seed=0)
    gan.save(folder / "gan.keras")
    init = keras.initializers.RandomNormal(stddev=1.0, seed=1)
    classifier = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                                   keras.layers.Dense(10, kernel_initializer=init)], name="digit_logits")
    classifier.save(folder / "classifier.keras")
    latent.LatentDenoiser(3, hidden_units=(8,), seed=0).save(folder / "denoiser.keras")
    return {name: str(folder / f"{name}.keras") for name in ("gan", "classifier", "denoiser")}


def test_ppgn_writes_the_chains_as_an_animation(files, tmp_path, capsys):
    out = tmp_path / "chains.gif"
    assert cli.main(["ppgn", files["gan"], "--target", "7", "--n", "4", "--steps", "6", "--frames", "3",
                     "--classifier", files["classifier"], "--prior", files["denoiser"], "--data", "digits",
                     "--out", str(out)]) == 0
    frames = iio.imread(out, index=None)
    assert frames.shape[:3] == (1 + 3, 2 * 8 + 2, 2 * 8 + 2)  # the start, then steps 2, 4, 6; 4 chains in 2x2
    printed = capsys.readouterr().out
    assert "4 chains of 6 steps towards '7'" in printed and "another classifier" in printed


def test_ppgn_png_is_the_library_result(files, tmp_path):
    out = tmp_path / "final.png"
    assert cli.main(["ppgn", files["gan"], "--target", "3", "--n", "2", "--steps", "4", "--classifier",
                     files["classifier"], "--data", "digits", "--out", str(out), "--seed", "5"]) == 0
    gan, classifier = keras.saving.load_model(files["gan"]), keras.saving.load_model(files["classifier"])
    chain = latent.ppgn_sample(gan, classifier, [3, 3], steps=4, seed=5, save_every=1)
    expected = keras_gen.visualization.image_grid(chain.images, gan.data_scale)[..., 0]
    np.testing.assert_array_equal(np.asarray(Image.open(out)), expected)


def test_ppgn_default_guide_is_the_data_sets_domain_classifier(files, tmp_path, monkeypatch):
    asked = []
    network = C.build_classifier((8, 8, 1), 10, C.ClassifierRecipe(epochs=1, feature_dim=8, filters=(4, 8)))

    def fake_domain_classifier(name, **options):
        asked.append(name)
        return FeatureExtractor(network, metadata={"class_names": list(keras_gen.data.info(name).class_names)})

    monkeypatch.setattr(keras_gen.evaluation, "domain_classifier", fake_domain_classifier)
    out = tmp_path / "chains.png"
    assert cli.main(["ppgn", files["gan"], "--target", "9", "--n", "2", "--steps", "2", "--data", "digits",
                     "--out", str(out)]) == 0
    assert asked == ["digits"] and out.exists()


def test_ppgn_errors_name_the_fix(files, tmp_path, capsys):
    base = ["ppgn", files["gan"], "--classifier", files["classifier"], "--data", "digits", "--steps", "1",
            "--out", str(tmp_path / "x.gif")]
    assert cli.main([*base, "--target", "10"]) == cli.EXIT_USAGE
    assert "--target: target 10 is outside the classifier's 10 classes" in capsys.readouterr().err
    assert cli.main([*base, "--target", "sneaker"]) == cli.EXIT_USAGE
    assert "'sneaker' is not one of the classifier's classes" in capsys.readouterr().err
    assert cli.main([*base, "--target", "1", "--out", str(tmp_path / "x.jpg")]) == cli.EXIT_USAGE
    assert "--out must end in .gif, .mp4 or .png" in capsys.readouterr().err
    assert cli.main([*base, "--target", "1", "--prior", str(tmp_path / "none.keras")]) == cli.EXIT_USAGE
    error = capsys.readouterr().err
    assert "--prior: " in error and "no such file" in error
