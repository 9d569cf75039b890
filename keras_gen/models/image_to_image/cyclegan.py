"""CycleGAN: translation between two image domains learned from unpaired images."""

import keras
import numpy as np
from keras import ops

from keras_gen import losses, networks
from keras_gen.layers.image_to_image import ImagePool
from keras_gen.models.adversarial.update import Adversarial, Judgement
from keras_gen.models.base import GenerativeModel
from keras_gen.models.capabilities import Translates
from keras_gen.training import global_batch_mean, unscaled

DIRECTIONS = ("a_to_b", "b_to_a")


@keras.saving.register_keras_serializable(package="keras_gen")
class CycleGAN(Adversarial, Translates, GenerativeModel):
    """CycleGAN: two generators (A -> B, B -> A) and two discriminators, trained on unpaired domains.

    Zhu et al., "Unpaired Image-to-Image Translation using Cycle-Consistent
    Adversarial Networks" (2017). Each train step on a batch `(images_a,
    images_b)`:

    - the generators minimize, jointly, the least-squares adversarial loss of
      both directions + `cycle_weight` (lambda = 10) times the cycle losses
      ||F(G(a)) - a||_1 + ||G(F(b)) - b||_1 (eq. 2) + `identity_weight`
      (0.5 lambda) times the identity losses ||G(b) - b||_1 + ||F(a) - a||_1
      (section 5.2); each generator has its own optimizer;
    - each discriminator then judges real images of its domain against
      translated ones drawn from a pool of the last 50 (`ImagePool`), with
      the least-squares loss (halved, as in the paper); each has its own optimizer.

    The four optimizers (`g_ab_optimizer`, `g_ba_optimizer`, `d_a_optimizer`,
    `d_b_optimizer`) and the pools are saved with the model; the paper's
    schedule (constant, then linear decay to 0) is the callback
    `keras_gen.callbacks.LinearLearningRateDecay`.

    Args:
        generator_ab: a model from domain-A images to domain-B images (G).
        generator_ba: a model from domain-B images to domain-A images (F).
        discriminator_a: a model from domain-A images to logits.
        discriminator_b: a model from domain-B images to logits.
        loss: the adversarial objective (default `"least_squares"`, the paper's).
        cycle_weight: lambda of the cycle loss.
        identity_weight: weight of the identity loss (default 0.5 * cycle_weight; 0 is off).
        pool_size: past translated images each discriminator draws from (0: none).
        data_scale: the pixel range of both domains.
        seed: seed of the model's `keras.random.SeedGenerator` and the pools.

    Example:
    >>> model = CycleGAN.for_images((28, 28, 1), width=8, num_blocks=1, seed=0)
    >>> model.compile()
    >>> ds = keras_gen.data.load_unpaired("fashion_mnist", domain_a=["sandal"], domain_b=["sneaker"],
    ...                                   split="test", batch_size=8)
    >>> history = model.fit(ds.take(2), epochs=1, verbose=0)
    >>> sandals, _ = next(iter(ds))
    >>> model.translate(sandals, direction="a_to_b").shape  # sneakers
    (8, 28, 28, 1)
    """

    batch_kind = "unpaired"
    network_names = ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")
    optimizer_names = ("g_ab_optimizer", "g_ba_optimizer", "d_a_optimizer", "d_b_optimizer")

    def __init__(self, generator_ab, generator_ba, discriminator_a, discriminator_b, loss="least_squares",
                 cycle_weight=10.0, identity_weight=None, pool_size=50, data_scale=(-1.0, 1.0), seed=None,
                 **kwargs):
        image_shape = tuple(generator_ab.output_shape)[1:]
        super().__init__(image_shape, data_scale=data_scale, seed=seed, **kwargs)
        for name, network in (("generator_ab", generator_ab), ("generator_ba", generator_ba),
                              ("discriminator_a", discriminator_a), ("discriminator_b", discriminator_b)):
            if tuple(network.input_shape)[1:] != image_shape:
                raise ValueError(
                    f"CycleGAN's networks must all take {image_shape} images (both domains share one shape); "
                    f"{name} takes {tuple(network.input_shape)[1:]}."
                )
        if tuple(generator_ba.output_shape)[1:] != image_shape:
            raise ValueError(f"generator_ba must make {image_shape} images, it makes {generator_ba.output_shape[1:]}.")
        losses.adversarial_loss(loss)
        identity_weight = 0.5 * cycle_weight if identity_weight is None else identity_weight
        if cycle_weight < 0 or identity_weight < 0:
            raise ValueError(f"cycle_weight and identity_weight must be >= 0, got {cycle_weight}, {identity_weight}.")
        self.generator_ab, self.generator_ba = generator_ab, generator_ba
        self.discriminator_a, self.discriminator_b = discriminator_a, discriminator_b
        self.loss_name = loss
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        self.pool_size = int(pool_size)
        self.pool_a = ImagePool(image_shape, self.pool_size, seed=None if seed is None else seed + 1, name="pool_a")
        self.pool_b = ImagePool(image_shape, self.pool_size, seed=None if seed is None else seed + 2, name="pool_b")
        for name in self.optimizer_names:
            setattr(self, name, None)
        names = ("g_loss", "d_a_loss", "d_b_loss", "adversarial_loss", "cycle_loss", "identity_loss")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.built = True

    @classmethod
    def for_images(cls, image_shape, width=32, num_blocks=6, downsamplings=2, discriminator_width=None, **kwargs):
        """Builds a CycleGAN with ResNet-block generators and PatchGAN discriminators.

        Args:
            image_shape: `(H, W, C)` of both domains' images.
            width: filters of the generators' first convolution (64 in the paper).
            num_blocks: residual blocks per generator (6 for 128x128 in the paper).
            downsamplings: stride-2 stages of the generators.
            discriminator_width: filters of the discriminators' first stage (default: `width`).
            **kwargs: the model's arguments (`seed`, `cycle_weight`, `identity_weight`, `pool_size`, `loss`).
        """
        def generator(name):
            return networks.resnet_generator(image_shape, width=width, num_blocks=num_blocks,
                                             downsamplings=downsamplings, name=name)

        def discriminator(name):
            return networks.patchgan_discriminator(image_shape, width=discriminator_width or width, name=name)

        return cls(generator("generator_ab"), generator("generator_ba"), discriminator("discriminator_a"),
                   discriminator("discriminator_b"), **kwargs)

    # --- players --------------------------------------------------------------------
    def compile(self, g_ab_optimizer=None, g_ba_optimizer=None, d_a_optimizer=None, d_b_optimizer=None, **kwargs):
        """Configures the four optimizers; each defaults to Adam(2e-4, beta_1=0.5) (the paper's)."""
        self._compile_players(
            {"g_ab_optimizer": g_ab_optimizer, "g_ba_optimizer": g_ba_optimizer,
             "d_a_optimizer": d_a_optimizer, "d_b_optimizer": d_b_optimizer},
            kwargs,
        )

    def optimizer_variables(self, name):
        network = {"g_ab_optimizer": self.generator_ab, "g_ba_optimizer": self.generator_ba,
                   "d_a_optimizer": self.discriminator_a, "d_b_optimizer": self.discriminator_b}.get(name)
        if network is None:
            return super().optimizer_variables(name)
        return network.trainable_variables

    @property
    def metrics(self):
        return list(self.trackers.values())

    # --- the step -------------------------------------------------------------------
    def generator_losses(self, images_a, images_b, training):
        """Per-example terms of the generators' loss: `(total, (fake_a, fake_b, adversarial, cycle, identity))`."""
        fake_b = self.generator_ab(images_a, training=training)
        fake_a = self.generator_ba(images_b, training=training)
        cycle = (losses.mean_absolute_error(images_a, self.generator_ba(fake_b, training=training))
                 + losses.mean_absolute_error(images_b, self.generator_ab(fake_a, training=training)))
        score = lambda discriminator, fake, real: self.objective.generator(
            losses.AdversarialContext(real, fake, None, discriminator(fake, training=training)))
        adversarial_b = score(self.discriminator_b, fake_b, images_b)
        adversarial_a = score(self.discriminator_a, fake_a, images_a)
        total_a = self.cycle_weight * cycle
        identity = ops.zeros_like(cycle)
        if self.identity_weight:
            identity = (losses.mean_absolute_error(images_b, self.generator_ab(images_b, training=training))
                        + losses.mean_absolute_error(images_a, self.generator_ba(images_a, training=training)))
            total_a = total_a + self.identity_weight * identity
        # The two domains may come in batches of different sizes: each term is a per-domain mean.
        total = global_batch_mean(adversarial_b) + global_batch_mean(adversarial_a) + global_batch_mean(total_a)
        return total, (fake_a, fake_b, global_batch_mean(adversarial_a) + global_batch_mean(adversarial_b),
                       global_batch_mean(cycle), global_batch_mean(identity))

    def _judgement(self, discriminator, real, fake):
        """What `discriminator` judges: its domain's real images against translated ones from the pool."""
        # Halved, as in the paper, "to slow down the rate at which D learns relative to G".
        return Judgement(lambda images, _, training: (discriminator(images, training=training), None), real, fake,
                         weight=0.5)

    def _step(self, data, update):
        batch = self.unpack_batch(data)
        images_a, images_b = batch["images_a"], batch["images_b"]

        def generator_loss():
            return self.generator_losses(images_a, images_b, update)

        g_loss, (fake_a, fake_b, adversarial, cycle, identity) = self.update_players(
            generator_loss, self.optimizer_names[:2], update)
        fake_a = self.pool_a(ops.stop_gradient(fake_a), training=update)
        fake_b = self.pool_b(ops.stop_gradient(fake_b), training=update)
        # Both discriminators learn in one pass, each from its own domain's loss.
        judgements = [self._judgement(self.discriminator_a, images_a, fake_a),
                      self._judgement(self.discriminator_b, images_b, fake_b)]
        _, [(d_a, _), (d_b, _)] = self.discriminator_update(judgements, self.optimizer_names[2:], update)
        values = {"g_loss": g_loss, "d_a_loss": d_a, "d_b_loss": d_b, "adversarial_loss": adversarial,
                  "cycle_loss": cycle, "identity_loss": identity}
        for name, value in values.items():
            self.trackers[name].update_state(unscaled(value))
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def train_step(self, data):
        return self._step(data, update=True)

    def test_step(self, data):
        """Reports the losses on a batch of `(images_a, images_b)` without updating weights or pools."""
        return self._step(data, update=False)

    def call(self, images, training=None):
        return self.generator_ab(images, training=training)

    # --- translation ----------------------------------------------------------------
    def _translate_batch(self, images, direction="a_to_b"):
        generator = self.generator_ab if direction == "a_to_b" else self.generator_ba
        return generator(images, training=False)

    def translate(self, images, batch_size=256, direction="a_to_b"):
        """Translates images of domain A to B (`direction="a_to_b"`) or B to A (`"b_to_a"`).

        Example:
        >>> model = CycleGAN.for_images((28, 28, 1), width=8, num_blocks=1, seed=0)
        >>> sandals = np.zeros((2, 28, 28, 1), "float32")
        >>> sneakers = model.translate(sandals, direction="a_to_b")
        """
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}.")
        return super().translate(images, batch_size=batch_size, direction=direction)

    def cycle(self, images, direction="a_to_b", batch_size=256):
        """Translates and translates back (A -> B -> A for `"a_to_b"`): the cycle reconstruction."""
        there = self.translate(images, batch_size=batch_size, direction=direction)
        back = "b_to_a" if direction == "a_to_b" else "a_to_b"
        return self.translate(there, batch_size=batch_size, direction=back)

    def translation_rows(self, inputs, targets=None, direction="a_to_b"):
        """Rows input | translated | translated back, in `direction`; the same the other way for `targets`.

        With the default direction the rows are A | A -> B | A -> B -> A, then
        (when `targets`, images of B, are given) B | B -> A | B -> A -> B;
        `direction="b_to_a"` takes `inputs` from B and lists B's rows first.
        """
        back = "b_to_a" if direction == "a_to_b" else "a_to_b"
        first, second = ("A", "B") if direction == "a_to_b" else ("B", "A")
        images = np.asarray(inputs, "float32")
        rows = {first: images, f"{first} to {second}": self.translate(images, direction=direction),
                f"{first} to {second} to {first}": self.cycle(images, direction=direction)}
        if targets is not None:
            others = np.asarray(targets, "float32")
            rows.update({second: others, f"{second} to {first}": self.translate(others, direction=back),
                         f"{second} to {first} to {second}": self.cycle(others, direction=back)})
        return rows

    def get_config(self):
        return {
            **super().get_config(),
            "loss": self.loss_name,
            "cycle_weight": self.cycle_weight,
            "identity_weight": self.identity_weight,
            "pool_size": self.pool_size,
        }
