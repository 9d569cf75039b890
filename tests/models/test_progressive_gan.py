"""Progressive GAN's own behaviour: the schedule, the fade-in, growth inside `fit`, saving mid-fade-in.

What every family does (one step per player, save/load, resume, seeds, bad
batches, `keras-gen train progan`) is the family contract, tests/test_families.py.
"""

import math

import keras
import numpy as np
import pytest

from keras_gen import losses
from keras_gen.layers import EqualizedConv2D, EqualizedDense
from keras_gen.models import ProgressiveGAN
from keras_gen.models.multiscale.progressive import growth_at
from keras_gen.networks import ProgressiveDiscriminator, ProgressiveGenerator, growth_resolutions
from tests.test_case import GenerativeModelTestCase, changed, weights_of


def schedule_by_phases(images_seen, phase, last_stage):
    """(stage, alpha) by walking the phases one by one: stage 0, then fade-in and stable per stage."""
    phases = [(0, None)]
    for stage in range(1, last_stage + 1):
        phases += [(stage, "fade"), (stage, "stable")]
    index = min(images_seen // phase, len(phases) - 1)
    stage, kind = phases[index]
    if kind == "fade":
        return stage, (images_seen - index * phase) / phase
    return stage, 1.0


def images(count, side=8, channels=1, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (count, side, side, channels)).astype("float32")


def latent(count, dim, seed=1):
    return np.random.default_rng(seed).standard_normal((count, dim)).astype("float32")


class TestProgressiveGAN(GenerativeModelTestCase):
    def make_model(self, seed=0, images_per_phase=8, image_shape=(8, 8, 1)):
        return ProgressiveGAN.for_images(image_shape, latent_dim=8, width=4, images_per_phase=images_per_phase,
                                         seed=seed)

    def compile_model(self, model):
        model.compile()

    def training_data(self):
        return images(16)

    def test_resolutions_follow_the_halving_rule(self):
        assert growth_resolutions((28, 28, 1)) == [7, 14, 28]
        assert growth_resolutions((32, 32, 3)) == [4, 8, 16, 32]
        assert growth_resolutions((8, 8, 1)) == [4, 8]
        assert growth_resolutions((6, 6, 1)) == [6]

    @pytest.mark.parametrize("phase", [1, 3, 300])
    def test_schedule_follows_the_formula(self, phase):
        assert growth_at(512, 300, 2)[0] == 1 and math.isclose(growth_at(512, 300, 2)[1], 212 / 300)
        for seen in range(0, 9 * phase + 2, max(1, phase // 7)):
            stage, alpha = growth_at(seen, phase, 3)
            expected_stage, expected_alpha = schedule_by_phases(seen, phase, 3)
            assert stage == expected_stage, seen
            assert math.isclose(alpha, expected_alpha), seen

    def test_fit_counts_images_and_crosses_a_phase_boundary_inside_a_batch(self):
        model = self.make_model(images_per_phase=6)
        self.compile_model(model)
        history = model.fit(images(4), batch_size=4, verbose=0).history
        assert {"gradient_penalty", "drift", "d_loss", "g_loss"} <= set(history)
        assert (model.images_seen, model.stage, model.alpha) == (4, 0, 1.0)
        model.fit(images(4), batch_size=4, verbose=0)  # the boundary at 6 lies inside this batch
        assert model.images_seen == 8 and model.stage == 1 and math.isclose(model.alpha, 2 / 6)
        assert model.generator.stage == model.discriminator.stage == 1 and model.generator.fading
        np.testing.assert_allclose(float(model.generator.alpha.numpy()), 2 / 6, rtol=1e-6)

    def test_fade_in_starts_at_the_old_path_and_ends_at_the_new_one(self):
        generator = ProgressiveGenerator(8, (28, 28, 1), filters=[8, 6, 4])
        discriminator = ProgressiveDiscriminator((28, 28, 1), filters=[8, 6, 4])
        z, x = latent(4, 8), images(4, side=28)

        def outputs(stage, fading, alpha):
            for network in (generator, discriminator):
                network.set_growth(stage, fading)
                network.alpha.assign(alpha)
            return keras.ops.convert_to_numpy(generator(z)), keras.ops.convert_to_numpy(discriminator(x))

        old_images, old_scores = outputs(1, False, 1.0)
        new_images, new_scores = outputs(2, False, 1.0)
        start_images, start_scores = outputs(2, True, 0.0)
        end_images, end_scores = outputs(2, True, 1.0)
        np.testing.assert_allclose(start_images, old_images, atol=1e-6)
        np.testing.assert_allclose(start_scores, old_scores, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(end_images, new_images, atol=1e-6)
        np.testing.assert_allclose(end_scores, new_scores, rtol=1e-5, atol=1e-5)
        # Stage 1's images are 14x14 enlarged: every 2x2 block of the final image is one pixel.
        np.testing.assert_array_equal(old_images[:, ::2, ::2], old_images[:, 1::2, 1::2])
        half_images, _ = outputs(2, True, 0.25)
        np.testing.assert_allclose(half_images, 0.75 * old_images + 0.25 * new_images, atol=1e-6)

    def test_networks_use_equalized_layers_at_he_scale(self):
        model = self.make_model(image_shape=(28, 28, 1))
        checked = 0
        for network in (model.generator, model.discriminator):
            for layer in network._flatten_layers(include_self=False):
                if isinstance(layer, (EqualizedConv2D, EqualizedDense)):
                    fan_in = math.prod(layer.kernel.shape[:-1])
                    assert math.isclose(layer.scale, math.sqrt(layer.gain / fan_in))
                    checked += 1
        assert checked >= 14

    def test_real_images_are_shrunk_and_blended_like_the_generator_output(self):
        model = self.make_model(image_shape=(8, 8, 1))
        x = images(2)
        low = x.reshape(2, 4, 2, 4, 2, 1).mean(axis=(2, 4))
        expected = np.repeat(np.repeat(low, 2, axis=1), 2, axis=2)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(model.at_current_resolution(x)), expected, atol=1e-6)
        for network in model._networks():
            network.set_growth(1, True)
            network.alpha.assign(0.25)
        blended = keras.ops.convert_to_numpy(model.at_current_resolution(x))
        np.testing.assert_allclose(blended, 0.75 * expected + 0.25 * x, atol=1e-6)

    def test_drift_matches_its_formula(self):
        model = self.make_model()
        x = images(4)
        real, fake = model.at_current_resolution(x), model.at_current_resolution(x[::-1])
        scores = keras.ops.convert_to_numpy(model.discriminator(real))
        context = losses.AdversarialContext(real, fake, scores, scores[::-1])
        terms = model.discriminator_regularization(context, training=False)
        assert set(terms) == {"gradient_penalty", "drift"}
        np.testing.assert_allclose(keras.ops.convert_to_numpy(terms["drift"]), 0.001 * scores[:, 0] ** 2, rtol=1e-5)

    @pytest.mark.graph
    def test_growth_under_a_traced_fit_trains_the_new_stage(self):
        model = self.make_model(images_per_phase=8)
        self.compile_model(model)
        new_layers = [model.generator.blocks[0], model.generator.to_images[1], model.discriminator.blocks[0],
                      model.discriminator.from_images[1]]
        before = [weights_of(layer) for layer in new_layers]
        # Batches at 0 and 4 images train stage 0; at 8 and 12 the fade-in (alpha 0, then 0.5).
        model.fit(images(16), batch_size=4, epochs=1, verbose=0, shuffle=False)
        assert model.images_seen == 16 and model.stage == 1 and model.alpha == 1.0
        # A stale trace of stage 0 would never have touched the new stage's weights.
        for layer, weights in zip(new_layers, before):
            assert changed(weights, weights_of(layer)) == len(weights), layer.name

    def test_save_and_load_in_the_middle_of_a_fade_in(self, tmp_path):
        model = self.make_model(images_per_phase=8)
        self.compile_model(model)
        model.fit(images(12), batch_size=4, verbose=0)
        assert model.stage == 1 and 0.0 < model.alpha < 1.0
        z = latent(3, model.latent_dim)
        made = model.generate(latent_points=z)
        path = tmp_path / "progan.keras"
        model.save(path)
        restored = keras.saving.load_model(path)
        assert (restored.stage, restored.alpha, restored.images_seen) == (model.stage, model.alpha, 12)
        assert restored.generator.fading and restored.generator_ema.stage == 1
        np.testing.assert_array_equal(restored.generate(latent_points=z), made)
        before = weights_of(restored.generator)
        restored.fit(images(4, seed=5), batch_size=4, verbose=0)
        assert restored.images_seen == 16 and restored.stage == 1 and restored.alpha == 1.0
        assert changed(before, weights_of(restored.generator)) > 0

    def test_colour_32x32_shapes_and_one_step(self):
        model = self.make_model(image_shape=(32, 32, 3), images_per_phase=4)
        self.compile_model(model)
        assert model.resolutions == [4, 8, 16, 32]
        assert model.generate(2).shape == (2, 32, 32, 3)
        before_g, before_d = weights_of(model.generator), weights_of(model.discriminator)
        model.fit(images(4, side=32, channels=3), batch_size=4, verbose=0)
        assert changed(before_g, weights_of(model.generator)) > 0
        assert changed(before_d, weights_of(model.discriminator)) > 0
        assert model.stage == 1 and model.generate(2).shape == (2, 32, 32, 3)

    def test_bad_arguments_are_clear_errors(self):
        with pytest.raises(ValueError, match="square"):
            ProgressiveGAN.for_images((28, 24, 1))
        with pytest.raises(ValueError, match="images_per_phase"):
            ProgressiveGAN.for_images((8, 8, 1), images_per_phase=0)
        with pytest.raises(ValueError, match="ProgressiveGenerator"):
            ProgressiveGAN(*keras_gen_dcgan_networks())
        model = self.make_model(image_shape=(28, 28, 1))
        self.compile_model(model)
        start = weights_of(model)
        with pytest.raises(ValueError, match="size mismatch"):
            model.fit(images(4, side=14), batch_size=4, verbose=0)
        assert changed(start, weights_of(model)) == 0


def keras_gen_dcgan_networks():
    from keras_gen import networks

    return networks.dcgan_networks((8, 8, 1), 8, 4, True, 0.3, 1, False)
