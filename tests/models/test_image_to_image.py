"""pix2pix, SRResNet/SRGAN, the context encoder and CycleGAN: shapes, losses, players, saving, bad input."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gen
from keras_gen import networks
from keras_gen.losses import masked_squared_error, peak_signal_to_noise_ratio
from keras_gen.models import SRGAN, ContextEncoder, CycleGAN, Pix2Pix, SRResNet
from tests.test_case import GenerativeModelTestCase, changed, weights_of

SHAPE = (8, 8, 1)


def digits(count=16):
    images, _ = keras_gen.data.load_numpy("digits", "train", scale=(-1, 1), limit=count)
    return images


def player_weights(model, player):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in model.optimizer_variables(player)]


class PairedCase(GenerativeModelTestCase):
    """The shared checks on `(inputs, targets)` data: `training_data` gives the inputs, the targets follow."""

    task, task_options = "edges", {}

    def pairs(self):
        return keras_gen.data.make_pairs(digits(), self.task, **self.task_options)

    def training_data(self):
        return self.pairs()[0]

    def extra_fit_arguments(self, count):
        return (self.pairs()[1][:count],)

    def test_pairs_of_different_counts_or_sizes_are_errors(self):
        model = self.make_model()
        self.compile_model(model)
        start = weights_of(model)
        inputs, targets = self.training_data(), self.extra_fit_arguments(16)[0]
        with pytest.raises(ValueError, match="16 input images and 15"):
            model.fit(inputs, targets[:15], batch_size=8, verbose=0)
        with pytest.raises(ValueError, match="target images"):
            model.fit(inputs, targets[:, :-2, :-2], batch_size=8, verbose=0)
        unequal = tf.data.Dataset.zip(tf.data.Dataset.from_tensor_slices(inputs).batch(8),
                                      tf.data.Dataset.from_tensor_slices(targets).batch(7))
        with pytest.raises(ValueError, match="different numbers of input and target images"):
            model.fit(unequal, verbose=0)
        assert changed(start, weights_of(model)) == 0


class TestPix2Pix(PairedCase):
    def make_model(self, seed=0):
        return Pix2Pix.for_images(SHAPE, width=4, seed=seed)

    def compile_model(self, model):
        model.compile()

    def test_paper_settings(self):
        model = self.make_model()
        model.compile()
        assert model.reconstruction_weight == 100.0 and model.reconstruction == "l1"
        assert model.conditional_discriminator and model.discriminator.output_shape == (None, 2, 2, 1)
        # A PatchGAN half as wide as the U-Net by default (width 4 -> 2 filters), or as asked.
        assert model.discriminator.get_layer("down_0").filters == 2
        wide = Pix2Pix.for_images(SHAPE, width=4, discriminator_width=4, seed=0)
        assert wide.discriminator.get_layer("down_0").filters == 4
        for optimizer in model.players().values():
            assert math.isclose(float(optimizer.learning_rate), 2e-4, rel_tol=1e-6)
            assert math.isclose(optimizer.beta_1, 0.5)
        assert sorted(model.optimizer_names) == ["d_optimizer", "g_optimizer"]

    def test_skip_connections_reach_the_output(self):
        """With the innermost layers silenced, the output still depends on the input through the skips."""
        generator = networks.unet_generator((16, 16, 1), width=4, dropout=0.0)
        for layer in generator.layers:
            if layer.name.startswith("bottleneck_") and layer.weights:
                layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
        x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (1, 16, 16, 1)).astype("float32"))
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = generator(x)[0, 8, 8, 0]
        gradient = tape.gradient(out, x).numpy()
        assert np.abs(gradient).sum() > 0
        assert [layer.name for layer in generator.layers if layer.name.startswith("skip_")] == ["skip_2", "skip_1", "skip_0"]

    def test_translate_is_deterministic_unless_stochastic(self):
        model = self.make_model()
        inputs = self.training_data()[:4]
        np.testing.assert_array_equal(model.translate(inputs), model.translate(inputs))
        assert not np.allclose(model.translate(inputs, stochastic=True), model.translate(inputs, stochastic=True))

    def test_l1_only_baseline_has_one_player(self):
        model = Pix2Pix.for_images(SHAPE, width=4, adversarial=False, seed=0)
        model.compile()
        assert model.optimizer_names == ("g_optimizer",) and model.discriminator is None
        history = model.fit(*self.fit_arguments(), batch_size=8, epochs=1, verbose=0)
        assert set(history.history) == {"g_loss", "reconstruction_loss", "psnr"}
        with pytest.raises(ValueError, match="no discriminator"):
            model.compile(d_optimizer="adam")

    def test_g_loss_is_weighted_l1_plus_adversarial(self):
        model = self.make_model()
        model.compile()
        inputs, targets = self.training_data()[:8], self.extra_fit_arguments(8)[0]
        logs = model.evaluate(inputs, targets, batch_size=8, verbose=0, return_dict=True)
        outputs = model.translate(inputs)
        np.testing.assert_allclose(logs["reconstruction_loss"], np.abs(outputs - targets).mean(), rtol=1e-4)
        np.testing.assert_allclose(logs["g_loss"], 100 * logs["reconstruction_loss"] + logs["adversarial_loss"],
                                   rtol=1e-4)


class TestSRResNet(PairedCase):
    task, task_options = "superres", {"factor": 4}

    def make_model(self, seed=0):
        return SRResNet.for_images((2, 2, 1), factor=4, width=4, num_blocks=1, seed=seed)

    def compile_model(self, model):
        model.compile(g_optimizer=keras.optimizers.Adam(1e-3))

    def test_upscale_shape_and_factor(self):
        model = self.make_model()
        assert model.factor == 4 and model.input_image_shape == (2, 2, 1) and model.image_shape == SHAPE
        assert model.upscale(self.training_data()[:3]).shape == (3, 8, 8, 1)
        with pytest.raises(ValueError, match="size mismatch"):
            model.upscale(digits(3))

    def test_psnr_matches_independent_math(self):
        model = self.make_model()
        model.compile()
        inputs, targets = self.training_data(), self.extra_fit_arguments(16)[0]
        logs = model.evaluate(inputs, targets, batch_size=16, verbose=0, return_dict=True)
        outputs = model.upscale(inputs)
        mse = ((outputs - targets) ** 2).reshape(16, -1).mean(axis=1)
        np.testing.assert_allclose(logs["psnr"], np.mean(10 * np.log10(4.0 / mse)), rtol=1e-4)
        via_tf = tf.image.psnr(tf.constant(outputs), tf.constant(targets), max_val=2.0).numpy()
        ours = keras.ops.convert_to_numpy(peak_signal_to_noise_ratio(targets, outputs, 2.0))
        np.testing.assert_allclose(ours, via_tf, rtol=1e-4)

    def test_sub_pixel_upsampling_is_depth_to_space(self):
        x = np.random.default_rng(0).standard_normal((2, 3, 3, 12)).astype("float32")
        ours = keras_gen.layers.SubPixelUpsampling(2)(x)
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(ours), tf.nn.depth_to_space(x, 2).numpy())
        with pytest.raises(ValueError, match="multiple of 4"):
            keras_gen.layers.SubPixelUpsampling(2)(np.zeros((1, 3, 3, 6), "float32"))


class TestSRGAN(PairedCase):
    task, task_options = "superres", {"factor": 4}

    def content(self):
        inputs = keras.Input(SHAPE)
        x = keras.layers.Conv2D(3, 3, padding="same", name="features")(inputs)
        return keras.Model(inputs, keras.layers.Flatten()(x), name="content_network")

    def make_model(self, seed=0):
        keras.utils.set_random_seed(seed)
        return SRGAN.for_images((2, 2, 1), factor=4, width=4, num_blocks=1, content_network=self.content(),
                                seed=seed)

    def compile_model(self, model):
        model.compile()

    def test_content_loss_is_feature_mse_and_content_network_stays_fixed(self):
        model = self.make_model()
        model.compile()
        frozen = weights_of(model.content_network)
        inputs, targets = self.training_data()[:8], self.extra_fit_arguments(8)[0]
        logs = model.evaluate(inputs, targets, batch_size=8, verbose=0, return_dict=True)
        outputs = model.upscale(inputs)
        features = lambda images: keras.ops.convert_to_numpy(model.content_network(images))
        np.testing.assert_allclose(logs["reconstruction_loss"], ((features(outputs) - features(targets)) ** 2).mean(),
                                   rtol=1e-4)
        np.testing.assert_allclose(logs["g_loss"], logs["reconstruction_loss"] + 1e-3 * logs["adversarial_loss"],
                                   rtol=1e-4)
        model.fit(inputs, targets, batch_size=8, epochs=1, verbose=0)
        assert changed(frozen, weights_of(model.content_network)) == 0

    def test_from_srresnet_copies_the_generator(self, tmp_path):
        srresnet = TestSRResNet().make_model()
        srresnet.compile()
        srresnet.fit(*self.fit_arguments(), batch_size=8, epochs=1, verbose=0)
        model = SRGAN.from_srresnet(srresnet, discriminator_width=4)
        inputs = self.training_data()[:4]
        np.testing.assert_array_equal(model.upscale(inputs), srresnet.upscale(inputs))
        assert model.generator is not srresnet.generator
        path = str(tmp_path / "srresnet.keras")
        srresnet.save(path)
        loaded = SRGAN.for_images((2, 2, 1), factor=4, width=4, num_blocks=1, pretrained=path)
        np.testing.assert_allclose(loaded.upscale(inputs), srresnet.upscale(inputs), atol=1e-6)
        with pytest.raises(ValueError, match="other sizes"):
            SRGAN.for_images((2, 2, 1), factor=4, width=8, num_blocks=1, pretrained=path)

    def test_content_network_of_the_wrong_size_is_an_error(self):
        inputs = keras.Input((4, 4, 1))
        wrong = keras.Model(inputs, keras.layers.Flatten()(inputs))
        with pytest.raises(ValueError, match="content network takes"):
            SRGAN.for_images((2, 2, 1), factor=4, width=4, num_blocks=1, content_network=wrong)


class TestContextEncoder(PairedCase):
    task, task_options = "inpaint", {"hole": (4, 4)}

    def make_model(self, seed=0):
        return ContextEncoder.for_images(SHAPE, hole=(4, 4), width=4, code_dim=8, seed=seed)

    def compile_model(self, model):
        model.compile()

    def test_bad_images_get_clear_errors(self):
        model = self.make_model()
        model.compile()
        (holed, masks), targets = self.pairs()
        start = weights_of(model)
        with pytest.raises(ValueError, match=r"\(\(images with hole, masks\), images\)"):
            model.fit(holed, targets, batch_size=8, verbose=0)
        with pytest.raises(ValueError, match="only 0 .known pixel. and 1"):
            model.fit((holed, masks * 0.5), targets, batch_size=8, verbose=0)
        soft = tf.data.Dataset.from_tensor_slices(((holed, masks * 0.5), targets)).batch(8)
        with pytest.raises(ValueError, match="only 0 .known pixel. and 1"):
            model.fit(soft, verbose=0)
        with pytest.raises(ValueError, match="Masks must have shape"):
            model.fit((holed, masks[:, :4]), targets, batch_size=8, verbose=0)
        with pytest.raises(ValueError, match="Channel mismatch"):
            model.fit((np.concatenate([holed, holed], -1), masks), targets, batch_size=8, verbose=0)
        assert changed(start, weights_of(model)) == 0
        with pytest.raises(ValueError, match="one mask per image"):
            model.inpaint(targets, masks[:3])

    def test_pairs_of_different_counts_or_sizes_are_errors(self):
        model = self.make_model()
        model.compile()
        (holed, masks), targets = self.pairs()
        with pytest.raises(ValueError, match="16 input images and 15"):
            model.fit((holed, masks), targets[:15], batch_size=8, verbose=0)

    def fit_arguments(self):
        inputs, targets = self.pairs()
        return inputs, targets

    def test_inpaint_changes_only_the_masked_pixels(self):
        model = self.make_model()
        model.compile()
        model.fit(*self.fit_arguments(), batch_size=8, epochs=1, verbose=0)
        images = digits(6)
        masks = keras_gen.data.make_pairs(images, "inpaint", masks="random", hole=(4, 4), seed=3)[0][1]
        filled = model.inpaint(images, masks)
        known = masks[..., 0] == 0
        np.testing.assert_array_equal(filled[known], images[known])
        assert not np.array_equal(filled[~known], images[~known])
        np.testing.assert_array_equal(model.translate(images), model.inpaint(images, model.centre_masks(6)))

    def test_reconstruction_counts_the_hole_only(self):
        targets = np.zeros((2, 4, 4, 1), "float32")
        outputs = np.ones((2, 4, 4, 1), "float32")
        masks = np.zeros((2, 4, 4, 1), "float32")
        masks[0, :2, :2] = 1
        outputs[1] = 5.0  # no hole in the second image: its error does not count
        values = keras.ops.convert_to_numpy(masked_squared_error(targets, outputs, masks))
        np.testing.assert_allclose(values, [1.0, 0.0])
        # PSNR of the hole only: 10 log10(range^2 / MSE over the masked pixels).
        outputs[0, 0, 0] = 3.0  # errors 9, 1, 1, 1 in the hole; the pixels outside do not count
        psnr = keras.ops.convert_to_numpy(peak_signal_to_noise_ratio(targets, outputs, 2.0, masks))
        assert psnr[0] == pytest.approx(10 * np.log10(4.0 / 3.0), rel=1e-5)

    def test_paper_weights(self):
        model = self.make_model()
        assert (model.reconstruction_weight, model.adversarial_weight) == (0.999, 0.001)
        assert model.data_options() == {"hole": (4, 4), "masks": "centre"}


class TestCycleGAN(GenerativeModelTestCase):
    def make_model(self, seed=0):
        return CycleGAN.for_images(SHAPE, width=4, num_blocks=1, pool_size=4, seed=seed)

    def compile_model(self, model):
        model.compile()

    def training_data(self):
        return digits(16)

    def extra_fit_arguments(self, count):
        return (-digits(16)[:count],)

    def test_four_players_each_change_in_their_own_update_and_the_pools_survive_saving(self, tmp_path):
        # One test: a CycleGAN step takes a second or more eagerly, so both checks share the fit.
        model = self.make_model()
        model.compile()
        assert model.optimizer_names == ("g_ab_optimizer", "g_ba_optimizer", "d_a_optimizer", "d_b_optimizer")
        before = {player: player_weights(model, player) for player in model.optimizer_names}
        history = model.fit(*self.fit_arguments(), batch_size=8, epochs=1, verbose=0)
        for player, weights in before.items():
            assert changed(weights, player_weights(model, player)) == len(weights), player
            assert int(model.players()[player].iterations.numpy()) == 2
        assert {"cycle_loss", "identity_loss", "d_a_loss", "d_b_loss", "g_loss"} <= set(history.history)
        path = str(tmp_path / "cyclegan.keras")
        model.save(path)
        restored = keras.saving.load_model(path)
        np.testing.assert_array_equal(restored.pool_a.images.numpy(), model.pool_a.images.numpy())
        assert int(restored.pool_b.filled.numpy()) == 4

    def test_cycle_and_identity_losses_are_zero_for_identity_generators(self):
        identity = lambda name: keras.Sequential([keras.Input(SHAPE), keras.layers.Identity()], name=name)
        critic = lambda name: networks.patchgan_discriminator(SHAPE, width=4, name=name)
        model = CycleGAN(identity("g_ab"), identity("g_ba"), critic("d_a"), critic("d_b"), seed=0)
        model.compile()
        logs = model.evaluate(*self.fit_arguments(), batch_size=8, verbose=0, return_dict=True)
        assert logs["cycle_loss"] == 0.0 and logs["identity_loss"] == 0.0
        images = digits(4)
        np.testing.assert_array_equal(model.cycle(images), images)

    def test_translate_directions(self):
        model = self.make_model()
        images = digits(3)
        assert not np.array_equal(model.translate(images), model.translate(images, direction="b_to_a"))
        with pytest.raises(ValueError, match="direction must be one of"):
            model.translate(images, direction="sideways")

    def test_translation_rows_follow_the_direction(self):
        model = self.make_model()
        a, b = digits(2), digits(3)[1:]
        rows = model.translation_rows(b, a, direction="b_to_a")
        assert list(rows) == ["B", "B to A", "B to A to B", "A", "A to B", "A to B to A"]
        np.testing.assert_array_equal(rows["B to A"], model.translate(b, direction="b_to_a"))
        np.testing.assert_array_equal(rows["A to B"], model.translate(a))
        assert list(model.translation_rows(a)) == ["A", "A to B", "A to B to A"]
        with pytest.raises(ValueError, match="direction must be one of"):
            model.translation_rows(a, direction="sideways")

    def test_image_pool_returns_past_images(self):
        pool = keras_gen.layers.ImagePool((1, 1, 1), size=4, seed=0)
        first = np.arange(4, dtype="float32").reshape(4, 1, 1, 1)
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(pool(first, training=True)), first)
        assert int(pool.filled.numpy()) == 4
        returned = []
        for step in range(20):
            new = np.full((4, 1, 1, 1), 100.0 + step, "float32")
            stored_before = set(keras.ops.convert_to_numpy(pool.images).ravel())
            out = keras.ops.convert_to_numpy(pool(new, training=True)).ravel()
            returned.append(out)
            assert set(out) <= stored_before | {100.0 + step}  # the new image or one the pool held
            if (out != 100.0 + step).any():  # a swap stores the new image in the pool
                assert 100.0 + step in keras.ops.convert_to_numpy(pool.images)
        everything = np.concatenate(returned)
        past = [value for step, out in enumerate(returned) for value in out if value != 100.0 + step]
        assert 0.3 < len(past) / len(everything) < 0.7  # about half of the images come from the past
        assert set(first.ravel()) & set(everything)
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(pool(first, training=False)), first)

    def test_linear_learning_rate_decay(self):
        schedule = keras_gen.callbacks.LinearLearningRateDecay(epochs=4, decay_start=2, learning_rate=1e-3)
        assert [schedule.rate(epoch) for epoch in range(5)] == [1e-3, 1e-3, 1e-3, 5e-4, 0.0]
        model = self.make_model()
        model.compile()
        images, targets = self.fit_arguments()  # one step is enough: the rate is set per epoch
        model.fit(images[:8], targets[:8], batch_size=8, epochs=4, initial_epoch=3, verbose=0, callbacks=[schedule])
        for optimizer in model.players().values():
            assert math.isclose(float(optimizer.learning_rate), 5e-4, rel_tol=1e-6)
        with pytest.raises(ValueError, match="decay_start < epochs"):
            keras_gen.callbacks.LinearLearningRateDecay(epochs=4, decay_start=4)

    def test_domains_of_different_sizes_are_an_error(self):
        model = self.make_model()
        model.compile()
        with pytest.raises(ValueError, match="size mismatch"):
            model.fit(digits(16), digits(16)[:, :4, :4], batch_size=8, verbose=0)
