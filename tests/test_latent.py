"""keras_gen.latent: walks, traversals, concept vectors, GAN inversion and editing, on every latent family."""

import os

import imageio.v3 as iio
import keras
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import keras_gen
from keras_gen import latent
from keras_gen.models import DCGAN, VAE, Autoencoder, ConditionalVAE


def _images(model, count, seed=0):
    low, high = model.data_scale
    return np.random.default_rng(seed).uniform(low, high, (count,) + model.image_shape).astype("float32")


def _models():
    return {
        "autoencoder": Autoencoder.for_images((8, 8, 1), latent_dim=3, width=4, hidden_units=8, seed=0),
        "vae": VAE.for_images((8, 8, 1), latent_dim=3, width=4, hidden_units=8, seed=0),
        "cvae": ConditionalVAE.for_images((8, 8, 1), num_classes=3, latent_dim=3, width=4, hidden_units=8, seed=0),
        "dcgan": DCGAN.for_images((8, 8, 1), latent_dim=3, width=4, seed=0),
    }


MODELS = _models()
LABEL = {"cvae": 1}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_interpolation_reproduces_its_endpoints(name):
    model, label = MODELS[name], LABEL.get(name)
    start, end = np.full(3, -1.0, "float32"), np.array([1.0, 0.5, 2.0], "float32")
    walk = latent.interpolate(model, start, end, steps=6, label=label)
    assert walk.shape == (6, 8, 8, 1)
    labels = None if label is None else [label, label]
    ends = latent.decode_points(model, np.stack([start, end]), labels)
    np.testing.assert_allclose(walk[[0, -1]], ends, atol=1e-6)
    assert not np.allclose(walk[1], walk[0])  # it moves


@pytest.mark.parametrize("name", ["autoencoder", "vae", "cvae"])
def test_image_endpoints_are_encoded(name):
    model, label = MODELS[name], LABEL.get(name)
    images = _images(model, 2)
    walk = latent.interpolate(model, images[0], images[1], steps=4, method="linear", label=label)
    labels = None if label is None else [label, label]
    np.testing.assert_allclose(walk[[0, -1]], model.reconstruct(images, labels=labels), atol=1e-5)


@pytest.mark.graph  # many steps or a compiled loop: tracing pays off
def test_gan_image_endpoints_are_inverted():
    gan = MODELS["dcgan"]
    targets = gan.generate(latent_points=np.array([[0.5, -1.0, 0.3], [-0.7, 0.2, 1.1]], "float32"))
    walk = latent.interpolate(gan, targets[0], targets[1], steps=3)
    assert walk.shape == (3, 8, 8, 1)
    # The inverted endpoints reproduce the targets closely.
    assert np.mean((walk[[0, -1]] - targets) ** 2) < 0.05 * np.mean((targets - targets.mean()) ** 2) + 1e-4


def test_slerp_follows_the_great_circle():
    a, b = np.array([2.0, 0.0, 0.0]), np.array([0.0, 2.0, 0.0])
    path = latent.interpolation_path(a, b, steps=5)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 2.0, rtol=1e-6)  # norm kept
    np.testing.assert_allclose(path[2], [np.sqrt(2), np.sqrt(2), 0.0], rtol=1e-6)
    angles = np.arctan2(path[:, 1], path[:, 0])
    np.testing.assert_allclose(np.diff(angles), np.pi / 8, rtol=1e-5)  # constant angular speed
    linear = latent.interpolation_path(a, b, steps=5, method="linear")
    np.testing.assert_allclose(linear[2], [1.0, 1.0, 0.0])
    # Parallel endpoints: slerp is the line.
    np.testing.assert_allclose(latent.interpolation_path(a, 2 * a, 3), latent.interpolation_path(a, 2 * a, 3, "linear"))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_traverse_moves_one_dimension_per_row(name):
    model, label = MODELS[name], LABEL.get(name)
    base = np.array([0.3, -0.2, 0.1], "float32")
    values = np.array([-1.0, 0.0, 1.0], "float32")
    grid = latent.traverse(model, dims=[0, 2], values=values, base=base, label=label)
    assert grid.shape == (2, 3, 8, 8, 1)
    expected_point = base.copy()
    expected_point[2] = values[0]
    labels = None if label is None else [label]
    np.testing.assert_allclose(grid[1, 0], latent.decode_points(model, expected_point[None], labels)[0], atol=1e-6)


def test_traverse_needs_a_base_without_a_prior_and_valid_dims():
    with pytest.raises(ValueError, match="no prior"):
        latent.traverse(MODELS["autoencoder"])
    with pytest.raises(ValueError, match=r"dims must be latent dimensions in \[0, 3\)"):
        latent.traverse(MODELS["vae"], dims=[3])
    with pytest.raises(ValueError, match="class-conditional"):
        latent.traverse(MODELS["cvae"])
    assert latent.traverse(MODELS["vae"]).shape == (2, 5, 8, 8, 1)  # default: dims 0, 1 from the origin


def test_bad_inputs_get_clear_errors():
    vae = MODELS["vae"]
    with pytest.raises(ValueError, match=r"one latent point of shape \(3,\) or one image of shape \(8, 8, 1\)"):
        latent.interpolate(vae, np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match="steps must be an integer >= 2"):
        latent.interpolate(vae, np.zeros(3), np.ones(3), steps=1)
    with pytest.raises(ValueError, match="Unknown interpolation method"):
        latent.interpolate(vae, np.zeros(3), np.ones(3), method="cubic")
    with pytest.raises(ValueError, match=r"vector must have shape \(n, 3\)"):
        latent.edit(vae, _images(vae, 2), np.zeros(5))
    with pytest.raises(ValueError, match="NaN"):
        latent.edit(vae, _images(vae, 2), np.array([np.nan, 0, 0]))
    with pytest.raises(ValueError, match="data_scale"):
        latent.edit(vae, _images(vae, 2) + 5.0, np.zeros(3))
    with pytest.raises(ValueError, match="not conditional"):
        latent.interpolate(vae, np.zeros(3), np.ones(3), label=1)
    with pytest.raises(ValueError, match="encodes images itself"):
        latent.to_latent(vae, _images(vae, 2), steps=10)
    with pytest.raises(TypeError, match="no latent space"):
        latent.interpolate(keras_gen.families.get("dcgan").model_class, np.zeros(3), np.ones(3))
    gan = MODELS["dcgan"]
    with pytest.raises(ValueError, match="Unknown inversion loss"):
        latent.invert(gan, _images(gan, 2), loss="huber")
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        latent.invert(gan, _images(gan, 2), steps=-1)


@pytest.mark.graph  # many steps or a compiled loop: tracing pays off
def test_concept_vector_moves_a_classifier_label():
    """On real digits: the '0 -> 1' vector of a VAE of zeros and ones turns zeros into ones for a pixel
    classifier of all ten digits."""
    images, labels = keras_gen.data.load_numpy("digits", "train", scale=(0, 1))
    keras.utils.set_random_seed(0)
    # N(0, I): in a few epochs of 8x8 digits the default VampPrior's components have not
    # separated yet (docs/vae.md, "When to pass prior='standard'"). Trained on the two digits the
    # vector joins (294 images, 200 steps), the edit turned every zero into a one for seeds 0-2; on
    # all ten digits (1,125 steps) it did for seed 0 only (seed 1: 10 %).
    vae = VAE.for_images((8, 8, 1), latent_dim=4, width=16, hidden_units=64, prior="standard", seed=0)
    vae.compile()
    vae.fit(images[np.isin(labels, (0, 1))], batch_size=32, epochs=20, verbose=0)
    classifier = LogisticRegression(max_iter=500).fit(images.reshape(len(images), -1), labels)
    zeros, ones = images[labels == 0], images[labels == 1]
    vector = latent.concept_vector(vae, ones, zeros)
    assert vector.shape == (4,)
    edited = latent.edit(vae, zeros, vector, strength=1.0)
    assert edited.shape == zeros.shape
    before = np.mean(classifier.predict(vae.reconstruct(zeros).reshape(len(zeros), -1)) == 1)
    after = np.mean(classifier.predict(edited.reshape(len(zeros), -1)) == 1)
    assert before < 0.2 and after > 0.5, (before, after)
    strengths = latent.apply_vector(vae, zeros[:3], vector, strengths=[0.0, 1.0])
    np.testing.assert_allclose(strengths[:, 0], vae.reconstruct(zeros[:3]), atol=1e-5)
    np.testing.assert_allclose(strengths[:, 1], edited[:3], atol=1e-5)


@pytest.mark.graph  # many steps or a compiled loop: tracing pays off
def test_inversion_lowers_the_error_and_beats_random_points():
    gan = MODELS["dcgan"]
    true_points = np.random.default_rng(5).standard_normal((6, 3)).astype("float32")
    targets = gan.generate(latent_points=true_points)
    result = latent.invert(gan, targets, steps=60, start_candidates=1, learning_rate=0.05, log_every=20)
    assert result.latent_points.shape == (6, 3) and result.reconstructions.shape == targets.shape
    assert result.history["step"] == [0, 20, 40, 60]
    start = latent.invert(gan, targets, steps=0, start_candidates=1)  # the same seeded start
    np.testing.assert_allclose(result.history["pixel_error"][0], start.pixel_error.mean(), rtol=1e-4)
    assert np.sum(result.pixel_error < 0.5 * start.pixel_error) >= 5
    _, random_errors = latent.best_random_latents(gan, targets, candidates=200)
    # Gradient descent from one random start can stall in a local minimum for an odd image (seen
    # on a fresh machine: 1 of 6), so compare the typical image, not a mean one outlier dominates.
    assert np.median(result.pixel_error) < np.median(random_errors)
    assert np.sum(result.pixel_error < random_errors) >= 4
    np.testing.assert_allclose(result.errors, np.mean((result.reconstructions - targets) ** 2, axis=(1, 2, 3)),
                               rtol=1e-5)
    again = latent.invert(gan, targets, steps=60, start_candidates=1, learning_rate=0.05, log_every=20)
    np.testing.assert_array_equal(result.latent_points, again.latent_points)  # seeded: repeats exactly


@pytest.mark.graph  # many steps or a compiled loop: tracing pays off
def test_inversion_with_a_feature_model_and_an_encoder():
    gan = MODELS["dcgan"]
    features = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(5)])
    targets = gan.generate(latent_points=np.random.default_rng(2).standard_normal((4, 3)).astype("float32"))
    result = latent.invert(gan, targets, steps=10, feature_model=features)
    assert result.feature_distance.shape == (4,) and np.all(result.feature_distance >= 0)
    keras.utils.set_random_seed(0)
    training = gan.generate(256)
    encoder = latent.train_inversion_encoder(gan, training, epochs=8, batch_size=32, width=4)
    encoded = latent.invert(gan, targets, steps=0, encoder=encoder)
    random_start = latent.invert(gan, targets, steps=0, start_candidates=1)
    assert np.median(encoded.pixel_error) < np.median(random_start.pixel_error)


def test_pictures_are_written(tmp_path):
    vae = MODELS["vae"]
    # Two walks of 4 distinct frames (GIF writers merge identical consecutive frames).
    walks = np.broadcast_to(np.linspace(0.0, 1.0, 4)[None, :, None, None, None], (2, 4, 8, 8, 1))
    gif = latent.save_animation(walks, str(tmp_path / "walk.gif"), (0.0, 1.0), bounce=True)
    frames = iio.imread(gif, index=None)
    assert frames.shape[0] == 4 + 2  # forward, then back without repeating the ends
    np.testing.assert_array_equal(frames[1], frames[-1])  # the way back passes the same images
    png = latent.save_image_grid(latent.traverse(vae), str(tmp_path / "grid.png"), vae.data_scale)
    assert os.path.getsize(png) > 0
    with pytest.raises(ValueError, match=".gif or .mp4"):
        latent.save_animation(walks, str(tmp_path / "walk.avi"))
