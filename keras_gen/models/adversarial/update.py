"""The one adversarial update that every family with a discriminator runs.

`Adversarial`, a mixin placed before `GenerativeModel`, gives a family its
objective (named by `loss_name`), its default optimizer Adam(`default_learning_rate`,
beta_1=0.5) and two methods: `discriminator_update`, one update of one or several
discriminators, each judging real and generated images in one call, and
`update_players`, which minimizes a loss for the named players or, outside
training, only evaluates it. `GAN` and its families, BiGAN, the paired
translators (pix2pix, SRGAN, the context encoder) and CycleGAN all update their
discriminators through it, so a trainer for another backend has one update to
serve. `AdversarialChain` is what a GAN's generator learns through.
"""

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import keras
from keras import ops

from keras_gen import losses
from keras_gen.models.base import deserialize_networks, serialize_networks
from keras_gen.training import global_batch_mean, minimize, minimize_players


def network_inputs(primary, conditions):
    """A network's input: the tensor alone, or `[tensor, conditions]` for conditional networks.

    Example:
    >>> latent_points = keras.ops.zeros((4, 16))
    >>> network_inputs(latent_points, None) is latent_points
    True
    """
    return primary if conditions is None else [primary, conditions]


class Judgement(NamedTuple):
    """What one discriminator judges in an update: real and generated images, and how.

    Attributes:
        discriminate: `(images, conditions, training) -> (logits, heads)`: the
            discriminator's adversarial output and its extra outputs (a list of
            tensors, or None).
        real: the real images.
        fake: the generated images, made outside the update (no gradient reaches
            the generator).
        conditions: what the real images come with (labels; BiGAN: E(x)), or None.
        fake_conditions: what the generated images come with (BiGAN: z), or None.
        real_targets: targets of the real images (smoothed, noisy), or None.
        fake_targets: targets of the generated images, or None.
        sees_conditions: whether the discriminator is given the conditions (False
            for families whose discriminator predicts them: AC-GAN, InfoGAN).
        augment: a layer applied to every image the discriminator sees
            (`keras_gen.layers.DiffAugment`), or None.
        regularization: `(context, training) -> {name: per-example term}`, the
            penalties added to the loss (R1, gradient penalty, class losses), or None.
        weight: the factor of this discriminator's batch-mean loss (CycleGAN: 0.5).

    Example:
    >>> d = keras_gen.networks.dcgan_discriminator((28, 28, 1), width=8)
    >>> real, fake = ops.zeros((4, 28, 28, 1)), ops.ones((4, 28, 28, 1))
    >>> judgement = Judgement(lambda x, c, training: (d(x, training=training), None), real, fake)
    """

    discriminate: Callable
    real: Any
    fake: Any
    conditions: Any = None
    fake_conditions: Any = None
    real_targets: Any = None
    fake_targets: Any = None
    sees_conditions: bool = True
    augment: Callable | None = None
    regularization: Callable | None = None
    weight: float = 1.0


def interleaved_part(step: int, steps: int, real, conditions):
    """The real images (and their conditions) the `step`-th of `steps` discriminator updates sees.

    Every `steps`-th image starting at `step`: the k updates of one train step see
    different real images (WGAN's critic steps each take a new real batch), and a
    batch smaller than `steps` wraps around instead of leaving an update empty.

    Example:
    >>> part, _ = interleaved_part(1, 2, ops.arange(6), None)  # images 1, 3, 5
    """
    if steps == 1:
        return real, conditions
    count = ops.shape(real)[0]
    size = (count + steps - 1) // steps
    part = (step + steps * ops.arange(size)) % count
    if conditions is not None:
        conditions = keras.tree.map_structure(lambda values: ops.take(values, part, axis=0), conditions)
    return ops.take(real, part, axis=0), conditions


def discriminator_targets(objective: losses.AdversarialLoss, count, label_smoothing: float, label_noise: float,
                          seed_generator):
    """`(real_targets, fake_targets)` of shape `(count, 1)` for objectives that read targets, else `(None, None)`.

    One-sided label smoothing moves the real targets to `1 - label_smoothing`
    (Salimans et al., 2016); label noise moves each target towards the other
    class by U(0, label_noise), drawn from `seed_generator` (real, then fake).

    Example:
    >>> seeds = keras.random.SeedGenerator(0)
    >>> real, fake = discriminator_targets(losses.adversarial_loss("non_saturating"), 8, 0.1, 0.05, seeds)
    >>> tuple(real.shape), tuple(fake.shape)
    ((8, 1), (8, 1))
    """
    if not objective.uses_targets:
        return None, None
    shape = (count, 1)
    real = losses.smoothed_noisy_targets(shape, 1, label_smoothing, label_noise, seed_generator)
    fake = losses.smoothed_noisy_targets(shape, 0, 0.0, label_noise, seed_generator)
    return real, fake


def discriminator_loss(objective: losses.AdversarialLoss, judgement: Judgement, training: bool):
    """One discriminator's loss on real and generated images, judged in one call.

    Real and generated images (and their conditions, when the discriminator sees
    them) are concatenated, so batch-dependent layers see one batch; the logits
    and extra heads are split back into an `AdversarialContext`; the objective's
    per-example discriminator loss plus the judgement's penalties is averaged
    over the global batch and weighted.

    Args:
        objective: the `keras_gen.losses.AdversarialLoss` of the family.
        judgement: what the discriminator judges (a `Judgement`).
        training: whether the networks run in training mode.

    Returns:
        `(loss, (context, penalties))`: the scalar loss, the context and the
        named per-example penalties.

    Example:
    >>> d = keras_gen.networks.dcgan_discriminator((28, 28, 1), width=8)
    >>> real, fake = ops.zeros((4, 28, 28, 1)), ops.ones((4, 28, 28, 1))
    >>> judgement = Judgement(lambda x, c, training: (d(x, training=training), None), real, fake)
    >>> loss, (context, penalties) = discriminator_loss(losses.adversarial_loss("hinge"), judgement, True)
    >>> tuple(loss.shape)
    ()
    """
    real, fake = judgement.real, judgement.fake
    count = ops.shape(real)[0]
    seen = None
    if judgement.sees_conditions and judgement.conditions is not None and judgement.fake_conditions is not None:
        # Conditions of several parts (a dict) are joined part by part.
        seen = keras.tree.map_structure(lambda real_part, fake_part: ops.concatenate([real_part, fake_part], axis=0),
                                        judgement.conditions, judgement.fake_conditions)
    images = ops.concatenate([real, fake], axis=0)
    if judgement.augment is not None:
        images = judgement.augment(images, training=training)
    logits, heads = judgement.discriminate(images, seen, training)
    real_heads = fake_heads = None
    if heads is not None:
        real_heads, fake_heads = [head[:count] for head in heads], [head[count:] for head in heads]
    context = losses.AdversarialContext(
        real, fake, logits[:count], logits[count:], judgement.real_targets, judgement.fake_targets,
        judgement.conditions, judgement.fake_conditions, real_heads, fake_heads,
    )
    per_example = objective.discriminator(context)
    penalties = {} if judgement.regularization is None else judgement.regularization(context, training)
    for penalty in penalties.values():
        per_example = per_example + penalty
    loss = global_batch_mean(per_example)
    if judgement.weight != 1.0:
        loss = judgement.weight * loss
    return loss, (context, penalties)


class Adversarial:
    """Mixin of the families that train a discriminator: objective, default optimizer, one update.

    A family sets `loss_name` (a key of `keras_gen.losses.ADVERSARIAL_LOSSES`)
    and may change `default_learning_rate`; it runs every discriminator update
    through `discriminator_update` and every player's update through
    `update_players`.

    Example:
    >>> class MyGAN(Adversarial, GenerativeModel): ...
    >>> model.discriminator_update([Judgement(model.discriminate, real, fake)], ("d_optimizer",), update=True)
    """

    # The rate of `default_optimizer`'s Adam (Radford et al., 2015; Isola et al.,
    # 2017; Zhu et al., 2017); DCGAN sets 4e-4, BEGAN 1e-4.
    default_learning_rate = 2e-4
    # The generator's rate where it differs from the other players' (DCGAN: 6e-4); None: the same.
    default_generator_learning_rate = None

    @property
    def objective(self) -> losses.AdversarialLoss:
        """The `keras_gen.losses.AdversarialLoss` named by `loss`."""
        return losses.adversarial_loss(self.loss_name)

    @classmethod
    def default_rate(cls, name):
        """The learning rate of `default_optimizer(name)`: `default_learning_rate`, or for the generator
        `default_generator_learning_rate` where a family sets one.

        Example:
        >>> keras_gen.models.DCGAN.default_rate("d_optimizer"), keras_gen.models.DCGAN.default_rate("g_optimizer")
        (0.0004, 0.0006)
        """
        if name == "g_optimizer" and cls.default_generator_learning_rate is not None:
            return cls.default_generator_learning_rate
        return cls.default_learning_rate

    def default_optimizer(self, name):
        """Adam(`default_rate(name)`, beta_1=0.5) for every player."""
        return keras.optimizers.Adam(self.default_rate(name), beta_1=0.5)

    def update_players(self, loss_fn: Callable, optimizer_names: Sequence[str], update: bool):
        """Minimizes `loss_fn` for the players named, in one pass, or only evaluates it.

        Args:
            loss_fn: `() -> (scalar loss, aux)`, a closure that calls the networks.
            optimizer_names: the players that learn from the loss; several share
                one forward pass (`keras_gen.training.minimize_players`).
            update: False evaluates the loss and changes nothing (`test_step`).

        Returns:
            `loss_fn`'s `(loss, aux)`.

        Example:
        >>> g_loss, aux = model.update_players(generator_loss, ("g_optimizer",), update=True)
        """
        if not update:
            return loss_fn()
        players = [(self.optimizer_variables(name), getattr(self, name)) for name in optimizer_names]
        if len(players) == 1:
            return minimize(loss_fn, *players[0])
        return minimize_players(loss_fn, players)

    def discriminator_update(self, judgements: Sequence[Judgement], optimizer_names: Sequence[str], update: bool):
        """One update of the discriminators that make `judgements` (or their loss, when not `update`).

        Each judgement's loss is `discriminator_loss`; the players named learn
        from their sum in one pass.

        Args:
            judgements: one `Judgement` per discriminator.
            optimizer_names: the discriminators' players, e.g. `("d_optimizer",)`.
            update: False evaluates the losses and changes nothing.

        Returns:
            `(loss, outcomes)`: the summed loss and, per judgement, its
            `(loss, (context, penalties))`.

        Example:
        >>> d_loss, [(_, (context, penalties))] = model.discriminator_update(
        ...     [Judgement(model.discriminate, real, fake)], ("d_optimizer",), update=True)
        """

        def loss_fn():
            outcomes = [discriminator_loss(self.objective, judgement, update) for judgement in judgements]
            total = outcomes[0][0]
            for loss, _ in outcomes[1:]:
                total = total + loss
            return total, outcomes

        return self.update_players(loss_fn, optimizer_names, update)

    def mean_scores(self, context):
        """`(real_score, fake_score)`: the objective's scores of a context's logits, averaged.

        Example:
        >>> real_score, fake_score = model.mean_scores(context)  # D(x), D(G(z)) for cross-entropy losses
        """
        return ops.mean(self.objective.score(context.real_logits)), ops.mean(self.objective.score(context.fake_logits))


@keras.saving.register_keras_serializable(package="keras_gen")
class AdversarialChain(keras.Model):
    """The chained model `discriminator(generator(z))` with the discriminator frozen.

    The generator learns through this chain: its `trainable_weights` are the
    generator's only, so gradients and the generator's optimizer never touch
    the discriminator. The discriminator itself stays trainable for its own
    step; only inside this chain are its weights non-trainable (the Keras
    book's `discriminator.trainable = False` without the global switch).

    Args:
        generator: a model mapping latent points to images.
        discriminator: a model mapping images to logits.

    Example:
    >>> g = keras_gen.networks.dcgan_generator((28, 28, 1), latent_dim=8, width=8)
    >>> d = keras_gen.networks.dcgan_discriminator((28, 28, 1), width=8)
    >>> chain = AdversarialChain(g, d)
    >>> len(chain.trainable_weights) == len(g.trainable_weights)
    True
    """

    network_names = ("generator", "discriminator")

    def __init__(self, generator, discriminator, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.built = True

    @property
    def trainable_weights(self):
        return self.generator.trainable_weights if self.trainable else []

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_weights(self):
        learning = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in learning]

    @property
    def non_trainable_variables(self):
        learning = {id(v) for v in self.trainable_weights}
        return [v for v in self.variables if id(v) not in learning]

    def generate_and_score(self, latent_points, conditions=None, training=None):
        """`(G(z), D(G(z)))`, with the conditions fed to both networks when given.

        `GAN`'s step judges the fakes of its one generator pass itself (with
        DiffAugment and its families' hooks); this is the plain chain, for
        users and for `call`.
        """
        images = self.generator(network_inputs(latent_points, conditions), training=training)
        return images, self.discriminator(network_inputs(images, conditions), training=training)

    def call(self, latent_points, training=None):
        return self.generate_and_score(latent_points, training=training)[1]

    def get_config(self):
        return {**serialize_networks(self, self.network_names), "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_networks(config, cls.network_names))
