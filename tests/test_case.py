"""The shared base of the model tests: saving, training and seeding checks.

Every model family's test class derives from `GenerativeModelTestCase` and
gets the same guarantees checked: `.keras` round trips that keep outputs and
optimizer state, weights that change where they should, and seeded runs that
repeat exactly.
"""

import os

import keras
import numpy as np
import pytest

from keras_gen.models import Encodes, SamplesFromPrior


def weights_of(model_or_layer):
    """Copies of the current values of every weight, for later comparison."""
    return [np.array(keras.ops.convert_to_numpy(w)) for w in model_or_layer.weights]


def changed(before, after):
    """How many weight tensors differ between two `weights_of` snapshots."""
    return sum(not np.array_equal(a, b) for a, b in zip(before, after))


def label_plane_layers(network):
    """`{name: Embedding}` of the label feature maps `keras_gen.networks.join_label_planes` added to a network."""
    return {layer.name: layer for layer in network.layers if layer.name.startswith("label_planes_")}


def assert_planes_shape_only_their_class(planes, render, changed_class):
    """Shifting one class's maps in `planes` changes that class's image and leaves the other's.

    `render()` returns two images: the first of another class, the second of
    `changed_class`.
    """
    before = keras.ops.convert_to_numpy(render())
    values = planes.embeddings.numpy()
    values[changed_class] += 1.0
    planes.embeddings.assign(values)
    after = keras.ops.convert_to_numpy(render())
    np.testing.assert_allclose(after[0], before[0], atol=1e-6)
    assert np.abs(after[1] - before[1]).max() > 1e-3


def assert_planes_learn(planes, train):
    """Every label-plane table in `planes` (a `label_plane_layers` dict) changes when `train()` runs."""
    before = [layer.embeddings.numpy().copy() for layer in planes.values()]
    train()
    assert all(not np.allclose(w, layer.embeddings.numpy()) for w, layer in zip(before, planes.values()))


def optimizer_state(optimizer):
    """The optimizer's variables (iterations, moments) as numpy arrays."""
    return [np.array(keras.ops.convert_to_numpy(v)) for v in optimizer.variables]


def _settings(config):
    """A model config without its sub-networks (whose layer auto-names vary)."""
    return {k: v for k, v in config.items() if not isinstance(v, dict)}


class GenerativeModelTestCase:
    """Checks shared by every keras_gen model. Subclasses implement `make_model`."""

    latent_points_seed = 123

    def make_model(self, seed=0):
        raise NotImplementedError

    def compile_model(self, model):
        raise NotImplementedError

    def training_data(self):
        raise NotImplementedError

    def extra_fit_arguments(self, count):
        """What `fit` takes beside `count` images: `()`, or `(labels,)` for a conditional family."""
        return ()

    def fit_arguments(self):
        data = self.training_data()
        return (data, *self.extra_fit_arguments(len(data)))

    def fixed_latent_points(self, model, n=4):
        rng = np.random.default_rng(self.latent_points_seed)
        return rng.standard_normal((n, model.latent_dim)).astype("float32")

    def outputs(self, model):
        """What the model makes from fixed inputs: samples from fixed latent points,
        or reconstructions of fixed images for models without a prior."""
        if isinstance(model, SamplesFromPrior):
            return model.generate(latent_points=self.fixed_latent_points(model))
        return model.reconstruct(self.training_data()[:4])

    def run_model_saving_test(self, model, tmp_path):
        """Saves, reloads, and checks outputs, config and optimizer state survive."""
        path = os.path.join(tmp_path, "model.keras")
        model.save(path)
        restored = keras.models.load_model(path)
        assert type(restored) is type(model)
        assert _settings(restored.get_config()) == _settings(model.get_config())
        for net, restored_net in zip(model._flatten_layers(False), restored._flatten_layers(False)):
            if isinstance(net, keras.Model):
                assert [type(x).__name__ for x in net.layers] == [
                    type(x).__name__ for x in restored_net.layers
                ]
        np.testing.assert_array_equal(self.outputs(model), self.outputs(restored))
        for original, loaded in zip(self.optimizers(model), self.optimizers(restored)):
            state, restored_state = optimizer_state(original), optimizer_state(loaded)
            assert len(state) == len(restored_state) > 1
            for a, b in zip(state, restored_state):
                np.testing.assert_array_equal(a, b)
        return restored

    def optimizers(self, model):
        return list(model.players().values())

    # --- checks every family runs ---------------------------------------------------
    def test_save_load_resume(self, tmp_path):
        model = self.make_model()
        self.compile_model(model)
        model.fit(*self.fit_arguments(), batch_size=8, epochs=1, verbose=0)
        restored = self.run_model_saving_test(model, tmp_path)
        steps_before = [int(opt.iterations.numpy()) for opt in self.optimizers(restored)]
        restored.fit(*self.fit_arguments(), batch_size=8, epochs=1, verbose=0)
        steps_after = [int(opt.iterations.numpy()) for opt in self.optimizers(restored)]
        assert all(after > before > 0 for before, after in zip(steps_before, steps_after))

    def test_resume_matches_uninterrupted_training(self, tmp_path):
        """Train 2 epochs straight vs 1 epoch, save, load, 1 more: same weights."""
        data = self.fit_arguments()
        keras.utils.set_random_seed(3)
        straight = self.make_model(seed=3)
        self.compile_model(straight)
        straight.fit(*data, batch_size=8, epochs=2, shuffle=False, verbose=0)

        keras.utils.set_random_seed(3)
        interrupted = self.make_model(seed=3)
        self.compile_model(interrupted)
        interrupted.fit(*data, batch_size=8, epochs=1, shuffle=False, verbose=0)
        path = os.path.join(tmp_path, "halfway.keras")
        interrupted.save(path)
        resumed = keras.models.load_model(path)
        resumed.fit(*data, batch_size=8, epochs=1, shuffle=False, verbose=0)
        for a, b in zip(weights_of(straight), weights_of(resumed)):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)

    def test_same_seed_same_run(self):
        runs = []
        for _ in range(2):
            keras.utils.set_random_seed(7)
            model = self.make_model(seed=11)
            self.compile_model(model)
            history = model.fit(*self.fit_arguments(), batch_size=8, epochs=1, shuffle=False, verbose=0)
            runs.append((history.history, self.outputs(model)))
        assert runs[0][0] == runs[1][0]
        np.testing.assert_array_equal(runs[0][1], runs[1][1])

    def test_different_seeds_differ(self):
        a, b = self.make_model(seed=1), self.make_model(seed=2)
        if not isinstance(a, SamplesFromPrior):
            pytest.skip("no prior to sample from")
        latent = self.fixed_latent_points(a)
        assert not np.array_equal(a.sample_latent(4), b.sample_latent(4))
        assert a.generate(latent_points=latent).shape == (4,) + a.image_shape

    def test_latent_size_mismatch(self):
        model = self.make_model()
        if isinstance(model, SamplesFromPrior):
            with pytest.raises(ValueError, match=rf"\(n, {model.latent_dim}\)"):
                model.generate(latent_points=np.zeros((2, model.latent_dim + 1), "float32"))
        if isinstance(model, Encodes):
            with pytest.raises(ValueError, match=rf"\(n, {model.latent_dim}\)"):
                model.decode(np.zeros((2, model.latent_dim + 1), "float32"))

    def test_compile_without_arguments_builds_every_player(self):
        model = self.make_model()
        model.compile()
        for name, optimizer in model.players().items():
            assert optimizer.built, name
            assert int(optimizer.iterations.numpy()) == 0

    def test_bad_images_get_clear_errors(self):
        model = self.make_model()
        self.compile_model(model)
        good = self.training_data()
        extra = self.extra_fit_arguments(len(good))
        with pytest.raises(ValueError, match="rank-3"):
            model.fit(good[..., 0], *extra, batch_size=8, verbose=0)
        with pytest.raises(ValueError, match="integer dtype"):
            model.fit(np.zeros(good.shape, "uint8"), *extra, batch_size=8, verbose=0)
        with pytest.raises(ValueError, match="Channel mismatch"):
            model.fit(np.concatenate([good, good], axis=-1), *extra, batch_size=8, verbose=0)
        with pytest.raises(ValueError, match="size mismatch"):
            model.fit(good[:, :-4, :-4], *extra, batch_size=8, verbose=0)
        bad = good.copy()
        bad[0, 0, 0, 0] = np.nan
        with pytest.raises(ValueError, match="NaN"):
            model.fit(bad, *extra, batch_size=8, verbose=0)
        with pytest.raises(ValueError, match="empty"):
            model.fit(good[:0], *extra, batch_size=8, verbose=0)
        with pytest.raises(ValueError, match="data_scale"):
            model.fit(good * 255.0 + 2.0, *extra, batch_size=8, verbose=0)
