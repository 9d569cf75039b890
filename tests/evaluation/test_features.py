"""Feature networks: the cached domain classifier, its determinism, input handling, InceptionV3."""

import copy
import json
import os

import keras
import numpy as np
import pytest

from keras_gen import data
from keras_gen.evaluation import classifiers as C
from keras_gen.evaluation import features as F

from .conftest import TEST_RECIPE

TINY_RECIPE = C.ClassifierRecipe(epochs=1, train_limit=1000, feature_dim=32)


class TestRecipeAndCache:
    def test_cache_names(self):
        assert C.ClassifierRecipe().cache_stem("fashion_mnist") == "fashion_mnist-v1"
        assert C.ClassifierRecipe(version=2).cache_stem("mnist") == "mnist-v2"
        custom = TINY_RECIPE.cache_stem("mnist")
        assert custom.startswith("mnist-v1-") and custom != TEST_RECIPE.cache_stem("mnist")

    def test_default_epochs_depend_on_data_set_size(self):
        assert C.ClassifierRecipe().resolved_epochs("fashion_mnist") == 5
        assert C.ClassifierRecipe().resolved_epochs("digits") > 5
        assert C.ClassifierRecipe(epochs=2).resolved_epochs("digits") == 2

    def test_default_cache_dir_follows_keras_home(self, monkeypatch, tmp_path):
        monkeypatch.delenv(C.CACHE_DIR_ENV_VAR, raising=False)
        monkeypatch.setenv("KERAS_HOME", str(tmp_path))
        assert C.default_cache_dir() == os.path.join(str(tmp_path), "keras_gen", "feature_networks")
        monkeypatch.setenv(C.CACHE_DIR_ENV_VAR, str(tmp_path / "elsewhere"))
        assert C.default_cache_dir() == str(tmp_path / "elsewhere")

    def test_bad_recipe_is_explained(self):
        with pytest.raises(ValueError, match="epochs must be >= 1"):
            C.ClassifierRecipe(epochs=0)
        for bad in (0, -1, 1.5, "2", True):
            with pytest.raises(ValueError, match="convs_per_stage must be an integer >= 1"):
                C.ClassifierRecipe(convs_per_stage=bad)

    def test_accurate_recipe_is_deeper_and_cached_apart(self):
        accurate = C.ClassifierRecipe.accurate()
        assert accurate.convs_per_stage == 2 and accurate.resolved_epochs("fashion_mnist") > 5
        # Its own cache entry: the default feature network (and every FID) is untouched.
        assert accurate.cache_stem("fashion_mnist") != C.ClassifierRecipe().cache_stem("fashion_mnist")
        deep = C.build_classifier((28, 28, 1), 10, accurate)
        default = C.build_classifier((28, 28, 1), 10)
        convs = lambda model: [l for l in model.layers if isinstance(l, keras.layers.Conv2D)]
        assert [(l.strides, l.filters) for l in convs(deep)] == [
            ((1, 1), 32), ((2, 2), 32), ((1, 1), 64), ((2, 2), 64)
        ]
        assert [l.strides for l in convs(default)] == [(2, 2), (2, 2)]
        # Same resolution at the feature layer: only the extra convolutions differ.
        assert deep.get_layer("flatten").output.shape == default.get_layer("flatten").output.shape
        assert deep.get_layer(F.FEATURE_LAYER).output.shape[-1] == 128

    def test_trained_once_then_loaded_from_cache(
        self, fashion_extractor, feature_cache_dir, fashion_test_images, monkeypatch
    ):
        stem = TEST_RECIPE.cache_stem("fashion_mnist")
        with open(os.path.join(feature_cache_dir, stem + ".json")) as f:
            metadata = json.load(f)
        assert metadata["test_accuracy"] == fashion_extractor.test_accuracy > 0.75
        assert metadata["train_examples"] == 10000 and metadata["test_examples"] == 10000
        assert os.path.isfile(os.path.join(feature_cache_dir, stem + ".keras"))

        def no_training(*args, **kwargs):
            raise AssertionError("should have been loaded from the cache")

        monkeypatch.setattr(C, "train_domain_classifier", no_training)
        cached = C.domain_classifier(
            "fashion_mnist", cache_dir=feature_cache_dir, recipe=TEST_RECIPE, verbose=0
        )
        images = fashion_test_images[0][:64]
        np.testing.assert_array_equal(cached.features(images), fashion_extractor.features(images))
        assert not [n for n in os.listdir(feature_cache_dir) if ".tmp-" in n]

    def test_stale_metadata_means_retraining(self, tmp_path, monkeypatch):
        trainings = []
        real_training = C.train_domain_classifier

        def counted_training(*args, **kwargs):
            trainings.append(args)
            return real_training(*args, **kwargs)

        monkeypatch.setattr(C, "train_domain_classifier", counted_training)
        C.domain_classifier("digits", cache_dir=str(tmp_path), recipe=TINY_RECIPE, verbose=0)
        C.domain_classifier("digits", cache_dir=str(tmp_path), recipe=TINY_RECIPE, verbose=0)
        assert len(trainings) == 1  # the second call loads the cache
        json_path = tmp_path / (TINY_RECIPE.cache_stem("digits") + ".json")
        metadata = json.loads(json_path.read_text())
        metadata["recipe"]["seed"] = 123  # as if written by another recipe
        json_path.write_text(json.dumps(metadata))
        again = C.domain_classifier(
            "digits", cache_dir=str(tmp_path), recipe=TINY_RECIPE, verbose=0
        )
        assert len(trainings) == 2  # stale metadata: trained anew
        assert json.loads(json_path.read_text())["recipe"]["seed"] == 0
        assert again.features(np.zeros((2, 8, 8, 1), np.float32)).shape == (2, again.feature_dim)


def test_training_is_repeatable():
    """Same recipe, same features; within a tolerance, since retrainings on other machines or
    thread counts may round differently (bit-exact repeats are not promised here)."""
    images = data.load_numpy("digits", split="test", scale=(-1, 1), limit=200)[0]  # digits: seconds to train
    first, _ = C.train_domain_classifier("digits", TINY_RECIPE)
    second, _ = C.train_domain_classifier("digits", TINY_RECIPE)
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(
        F.FeatureExtractor(first).features(images),
        F.FeatureExtractor(second).features(images),
        rtol=1e-3,
        atol=1e-3,
    )
    other_seed = C.build_classifier((28, 28, 1), 10, C.ClassifierRecipe(seed=1))
    same_seed = C.build_classifier((28, 28, 1), 10, C.ClassifierRecipe(seed=0))
    initial = C.build_classifier((28, 28, 1), 10, C.ClassifierRecipe(seed=0))
    np.testing.assert_array_equal(same_seed.get_weights()[0], initial.get_weights()[0])
    assert not np.array_equal(other_seed.get_weights()[0], initial.get_weights()[0])


class TestFeatureExtractor:
    def test_shapes(self, fashion_extractor, fashion_test_images):
        images = fashion_test_images[0][:10]
        features, probabilities = fashion_extractor.features_and_probabilities(images, batch_size=4)
        assert features.shape == (10, 128) and fashion_extractor.feature_dim == 128
        assert probabilities.shape == (10, 10) and fashion_extractor.num_classes == 10
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
        # Batch sizes 4 and 256 round differently in float32: compare with a tolerance.
        np.testing.assert_allclose(fashion_extractor.predict_proba(images), probabilities, rtol=1e-4, atol=1e-6)

    def test_classifies_real_images(self, fashion_extractor, fashion_test_images):
        images, labels = fashion_test_images
        predicted = fashion_extractor.predict_proba(images[:1000]).argmax(axis=1)
        assert np.mean(predicted == labels[:1000]) > 0.75

    def test_rescales_from_the_callers_data_scale(self, fashion_extractor, fashion_test_images):
        images = fashion_test_images[0][:16]
        unit = (images + 1.0) / 2.0
        np.testing.assert_allclose(
            fashion_extractor.features(unit, data_scale=(0, 1)),
            fashion_extractor.features(images, data_scale=(-1, 1)),
            rtol=1e-4,
            atol=1e-4,
        )
        assert not np.allclose(
            fashion_extractor.features(unit, data_scale=(-1, 1)), fashion_extractor.features(images)
        )

    def test_wrong_image_size_is_explained(self, fashion_extractor):
        with pytest.raises(ValueError, match="trained on 28x28 images, got 32x32.*inception"):
            fashion_extractor.features(np.zeros((2, 32, 32, 1)))
        with pytest.raises(ValueError, match="takes 1-channel images, got 3"):
            fashion_extractor.features(np.zeros((2, 28, 28, 3)))
        with pytest.raises(ValueError, match="pair \\(lo, hi\\)"):
            fashion_extractor.features(np.zeros((2, 28, 28, 1)), data_scale=1.0)

    def test_deepcopy_shares_the_network(self, fashion_extractor):
        assert copy.deepcopy(fashion_extractor) is fashion_extractor

    def test_probability_tensor_matches_predict_proba_and_is_differentiable(self):
        model = C.build_classifier((8, 8, 1), 3, TINY_RECIPE)
        extractor = F.FeatureExtractor(model)
        images = np.random.default_rng(0).uniform(0, 1, (4, 8, 8, 1)).astype("float32")
        tensor = keras.ops.convert_to_numpy(extractor.probability_tensor(keras.ops.convert_to_tensor(images), (0, 1)))
        np.testing.assert_allclose(tensor, extractor.predict_proba(images, data_scale=(0, 1)), rtol=1e-5, atol=1e-6)
        from keras_gen.training import input_gradients

        gradients = input_gradients(lambda x: extractor.probability_tensor(x, (0, 1))[:, 0],
                                    keras.ops.convert_to_tensor(images))
        assert gradients.shape == images.shape and np.any(keras.ops.convert_to_numpy(gradients) != 0)
        features_only = F.FeatureExtractor(keras.Model(model.inputs, model.get_layer("features").output),
                                           feature_layer=None)
        with pytest.raises(ValueError, match="probability_tensor needs a classifier head"):
            features_only.probability_tensor(keras.ops.convert_to_tensor(images), (0, 1))

    def test_unknown_feature_layer(self):
        model = C.build_classifier((8, 8, 1), 3, TINY_RECIPE)
        with pytest.raises(ValueError, match="no layer named 'pool5'"):
            F.FeatureExtractor(model, feature_layer="pool5")


class TestInception:
    def test_random_weights_on_small_grayscale_images(self, rng):
        extractor = F.inception_features(weights=None, image_size=75)
        images = rng.uniform(0, 1, size=(3, 28, 28, 1)).astype("float32")
        features = extractor.features(images, data_scale=(0, 1))
        assert features.shape == (3, 2048) and np.all(np.isfinite(features))
        assert not extractor.has_classifier
        with pytest.raises(ValueError, match="needs a classifier head"):
            extractor.predict_proba(images)

    def test_classifier_head_gives_probabilities(self, rng):
        keras.utils.set_random_seed(0)
        extractor = F.inception_features(weights=None, image_size=75, include_top=True)
        images = rng.uniform(-1, 1, size=(2, 20, 20, 3)).astype("float32")
        features, probabilities = extractor.features_and_probabilities(images)
        assert features.shape == (2, 2048) and probabilities.shape == (2, 1000)
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-4)

    def test_size_checks_happen_before_any_download(self):
        with pytest.raises(ValueError, match="at least 75x75"):
            F.inception_features(weights=None, image_size=32)
        with pytest.raises(ValueError, match="needs 299x299 inputs.*include_top=False"):
            F.inception_features(weights="imagenet", image_size=75, include_top=True)
