"""WGAN and WGAN-GP: clipping, the gradient penalty against independent math, critic steps, defaults."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gen import losses
from keras_gen.models import DCGAN, WGAN, WGANGP
from tests.test_case import GenerativeModelTestCase, changed, weights_of


def _tanh_images(count=20, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (count, 8, 8, 1)).astype("float32")


class _WassersteinCase(GenerativeModelTestCase):
    model_class = None

    def make_model(self, seed=0, **kwargs):
        return self.model_class.for_images((8, 8, 1), latent_dim=8, width=4, seed=seed, **kwargs)

    def compile_model(self, model):
        model.compile()

    def training_data(self):
        return _tanh_images(16)


class TestWGAN(_WassersteinCase):
    model_class = WGAN

    def test_defaults_follow_the_paper(self):
        model = self.make_model()
        model.compile()
        for optimizer in model.players().values():
            assert isinstance(optimizer, keras.optimizers.RMSprop)
            assert float(optimizer.learning_rate) == pytest.approx(5e-5)
        assert model.discriminator_steps == model.critic_steps == 5
        assert model.critic is model.discriminator and model.loss_name == "wasserstein"
        assert model.clip_value == 0.01

    def test_clipping_bounds_hold_after_every_step(self):
        model = self.make_model(clip_value=0.02)
        model.compile(d_optimizer=keras.optimizers.RMSprop(0.05), g_optimizer=keras.optimizers.RMSprop(0.05))
        largest = []

        class Watch(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                largest.append(max(float(np.abs(w).max()) for w in self.model.critic.get_weights()))

        before = weights_of(model.critic)
        model.fit(_tanh_images(40), batch_size=10, epochs=1, verbose=0, callbacks=[Watch()])
        assert len(largest) == 4 and max(largest) <= 0.02 + 1e-7
        assert changed(before, weights_of(model.critic)) > 0
        assert int(model.d_optimizer.iterations.numpy()) == 5 * int(model.g_optimizer.iterations.numpy()) == 20

    def test_critic_steps_alias_and_errors(self):
        assert self.make_model(critic_steps=3).discriminator_steps == 3
        with pytest.raises(ValueError, match="critic_steps is another name"):
            self.make_model(critic_steps=3, discriminator_steps=2)
        with pytest.raises(ValueError, match="clip_value"):
            self.make_model(clip_value=0)


class TestWGANGP(_WassersteinCase):
    model_class = WGANGP

    def test_defaults_one_critic_step_and_a_faster_critic(self):
        """The paper's penalty and Adam betas; 1 critic step and TTUR rates (3e-4 critic, 1e-4 generator)."""
        model = self.make_model()
        model.compile()
        rates = {name: float(optimizer.learning_rate) for name, optimizer in model.players().items()}
        assert rates == {"d_optimizer": pytest.approx(3e-4), "g_optimizer": pytest.approx(1e-4)}
        for optimizer in model.players().values():
            assert isinstance(optimizer, keras.optimizers.Adam)
            assert optimizer.beta_1 == 0.0 and optimizer.beta_2 == 0.9
        assert model.discriminator_steps == model.critic_steps == 1 and model.gradient_penalty_weight == 10.0
        model.fit(_tanh_images(20), batch_size=10, epochs=1, verbose=0)
        assert int(model.d_optimizer.iterations.numpy()) == int(model.g_optimizer.iterations.numpy()) == 2
        critic = WGANGP.for_images((16, 16, 1), latent_dim=8, width=4).critic  # two stages: one normalized
        names = {type(layer).__name__ for layer in critic.layers}
        assert "LayerNormalization" in names and "BatchNormalization" not in names

    def test_the_papers_five_critic_steps_remain_an_option_and_are_saved(self):
        model = self.make_model(critic_steps=5)
        model.compile()
        model.fit(_tanh_images(20), batch_size=10, epochs=1, verbose=0)
        assert int(model.d_optimizer.iterations.numpy()) == 5 * int(model.g_optimizer.iterations.numpy()) == 10
        assert WGANGP.from_config(model.get_config()).critic_steps == 5

    def test_default_width_follows_the_image_size(self):
        """Like DCGAN.for_images: 32 filters up to 32 pixels a side, 64 above (both WGANs)."""
        for cls in (WGAN, WGANGP):
            small = cls.for_images((28, 28, 1), latent_dim=8)
            large = cls.for_images((64, 64, 3), latent_dim=8)
            assert small.critic.layers[1].filters == 32 and large.critic.layers[1].filters == 64
            assert small.generator.get_layer("to_image").input.shape[-1] == 32

    def test_critic_steps_alias_and_errors(self):
        assert self.make_model(critic_steps=3).discriminator_steps == 3
        with pytest.raises(ValueError, match="gradient_penalty_weight"):
            self.make_model(gradient_penalty_weight=0)

    def test_penalty_of_a_linear_critic_matches_independent_math(self):
        """For D(x) = w.x the input gradient is w everywhere: the logged penalty is lambda (||w|| - 1)^2."""
        rng = np.random.default_rng(0)
        model = self.make_model(gradient_penalty_weight=7.0)
        linear = keras.Sequential(
            [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(1, use_bias=False)], name="critic"
        )
        w = rng.standard_normal((64, 1)).astype("float32") * 0.2
        linear.set_weights([w])
        model = WGANGP(model.generator, linear, gradient_penalty_weight=7.0, seed=0)
        model.compile()
        logs = model.test_step(tf.constant(_tanh_images(8)))
        expected = 7.0 * (np.linalg.norm(w.astype(np.float64)) - 1.0) ** 2
        assert float(logs["gradient_penalty"]) == pytest.approx(expected, rel=1e-4)
        history = model.fit(_tanh_images(20), batch_size=10, epochs=1, verbose=0)
        assert "gradient_penalty" in history.history

    @pytest.mark.graph  # many steps or a compiled loop: tracing pays off
    def test_penalty_pulls_the_critic_gradient_norm_towards_one(self):
        model = self.make_model()
        model.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.9))
        history = model.fit(_tanh_images(40), batch_size=20, epochs=6, verbose=0)
        penalties = history.history["gradient_penalty"]
        assert penalties[-1] < penalties[0]


def test_each_discriminator_step_sees_new_real_images():
    """k critic steps split the batch into k interleaved parts, wrapping around for tiny batches."""
    seen = []

    class Recording(DCGAN):
        def _discriminator_step(self, real, conditions, update, fakes=None):
            seen.append(np.asarray(real)[:, 0, 0, 0].tolist())
            return super()._discriminator_step(real, conditions, update, fakes)

    model = Recording.for_images((8, 8, 1), latent_dim=4, width=4, discriminator_steps=2, seed=0)
    model.compile(run_eagerly=True)
    images = np.zeros((6, 8, 8, 1), "float32") + np.arange(6, dtype="float32")[:, None, None, None] / 10
    model.fit(images, batch_size=6, epochs=1, verbose=0, shuffle=False)
    assert seen == [pytest.approx([0.0, 0.2, 0.4]), pytest.approx([0.1, 0.3, 0.5])]
    seen.clear()
    model.fit(images[:1], batch_size=1, epochs=1, verbose=0)  # fewer images than steps
    assert seen == [[0.0], [0.0]]


def test_gradient_penalty_function_on_known_gradients():
    gradients = np.zeros((3, 2, 2, 1), "float32")
    gradients[0, 0, 0, 0] = 1.0  # norm 1: no penalty
    gradients[1] = 1.0  # norm 2: penalty 1
    penalty = keras.ops.convert_to_numpy(losses.gradient_penalty(gradients))
    np.testing.assert_allclose(penalty, [0.0, 1.0, 1.0], atol=1e-5)
