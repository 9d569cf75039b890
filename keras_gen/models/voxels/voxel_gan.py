"""VoxelGAN: a 3-D GAN of voxel grids with the adaptive discriminator rule of Wu et al. (2016)."""

import keras
from keras import ops

from keras_gen import networks
from keras_gen.models.adversarial.gan import DCGAN, GAN
from keras_gen.networks.volumes import volume_discriminator, volume_generator
from keras_gen.training import synchronized_mean


@keras.saving.register_keras_serializable(package="keras_gen")
class VoxelGAN(GAN):
    """A GAN of voxel grids: occupancy in [0, 1] on a `(D, H, W, 1)` grid.

    Wu, Zhang, Xue, Freeman & Tenenbaum, "Learning a Probabilistic Latent Space
    of Object Shapes via 3D Generative-Adversarial Modeling" (2016): transposed
    3-D convolutions with batch normalization and ReLU and a sigmoid occupancy
    output; a discriminator of 3-D convolutions with LeakyReLU(0.2). The
    discriminator learns only from batches on which its accuracy (real scored
    real, generated scored generated, before the update) is at most
    `d_accuracy_threshold` (the paper's 0.8): a skipped update leaves its
    weights and its optimizer's state as they were. `d_updated` logs the share
    of steps whose discriminator update was kept and `d_accuracy` the accuracy.

    With `num_classes`, the GAN is class-conditional as `ConditionalGAN`: the
    generator joins a label embedding to z, the discriminator is a projection
    discriminator (Miyato & Koyama, 2018), and `generate(n, labels=...)` draws
    shapes of the classes asked for.

    `compile()` gives DCGAN's Adam (6e-4 for the generator, 4e-4 for the
    discriminator, beta_1 = 0.5), not the paper's (2.5e-3 and 1e-5,
    `paper_generator_learning_rate` and `paper_discriminator_learning_rate`):
    with the paper's rates, 15 minutes on `voxel_shapes` (16^3, batch 64, 2 CPU
    cores) gave scattered voxels (voxel FID 273, no sample one connected
    shape); with DCGAN's, in the same time, FID 26.0 and 47 % connected shapes
    (docs/voxels.md).

    Args:
        generator: a model from `(latent_dim,)` (and labels) to grids `(D, H, W, C)` in [0, 1].
        discriminator: a model from grids (and labels) to one logit.
        num_classes: the number of shape classes of a conditional model, or None.
        d_accuracy_threshold: the discriminator updates only when its batch
            accuracy is at most this; None updates it in every step.
        **kwargs: the `GAN` arguments (`loss`, `seed`, ...); `data_scale` is (0, 1).

    Example:
    >>> gan = VoxelGAN.for_voxels((8, 8, 8, 1), latent_dim=8, width=4, num_classes=3, seed=0)
    >>> gan.compile()
    >>> gan.generate(3, labels=[0, 1, 2]).shape
    (3, 8, 8, 8, 1)
    """

    data_kind = "voxels"
    # compile()'s Adam rates: DCGAN's, measured better than the paper's at 15 minutes (docs/voxels.md).
    generator_learning_rate = DCGAN.default_generator_learning_rate
    discriminator_learning_rate = DCGAN.default_learning_rate
    # The paper's rates (Wu et al., 2016, section 3.3), for users who want them: pass them to compile().
    paper_generator_learning_rate = 2.5e-3
    paper_discriminator_learning_rate = 1e-5

    def __init__(self, generator, discriminator, num_classes=None, d_accuracy_threshold=0.8, **kwargs):
        if num_classes is not None:
            num_classes = networks.check_num_classes(num_classes)
        if d_accuracy_threshold is not None and not 0.0 < d_accuracy_threshold <= 1.0:
            raise ValueError(
                f"d_accuracy_threshold must be None (always update) or an accuracy in (0, 1] such as 0.8, "
                f"got {d_accuracy_threshold}."
            )
        kwargs.setdefault("data_scale", (0.0, 1.0))
        super().__init__(generator, discriminator, **kwargs)
        self.num_classes = num_classes
        self.batch_kind = "images_labels" if num_classes is not None else "images"
        self.d_accuracy_threshold = None if d_accuracy_threshold is None else float(d_accuracy_threshold)
        self.d_accuracy_tracker = keras.metrics.Mean(name="d_accuracy")
        self.d_updated_tracker = keras.metrics.Mean(name="d_updated")

    @classmethod
    def for_voxels(cls, voxel_shape=(16, 16, 16, 1), latent_dim=200, width=32, num_classes=None,
                   d_accuracy_threshold=0.8, dropout=0.3, **kwargs):
        """Builds a VoxelGAN with `keras_gen.networks.volume_generator` and `volume_discriminator`.

        Args:
            voxel_shape: `(depth, height, width, 1)`, sides divisible by 2 and at least 8.
            latent_dim: size of the latent vector (the paper: 200).
            width: filters of the finest stage of each network.
            num_classes: a class-conditional model over this many classes, or None.
            d_accuracy_threshold: the adaptive rule's accuracy (None: off).
            dropout: the discriminator's dropout rate.
            **kwargs: the `GAN` arguments (`seed`, `loss`, ...).
        """
        generator = volume_generator(voxel_shape, latent_dim, width, num_classes=num_classes)
        discriminator = volume_discriminator(voxel_shape, width, dropout=dropout, num_classes=num_classes)
        return cls(generator, discriminator, num_classes=num_classes, d_accuracy_threshold=d_accuracy_threshold,
                   **kwargs)

    def default_optimizer(self, name):
        rate = self.discriminator_learning_rate if name == "d_optimizer" else self.generator_learning_rate
        return keras.optimizers.Adam(rate, beta_1=0.5)

    @property
    def metrics(self):
        return [*super().metrics, self.d_accuracy_tracker, self.d_updated_tracker]

    def conditions_of(self, batch):
        return None if self.num_classes is None else ops.cast(batch["labels"], "int32")

    def _discriminator_step(self, real, conditions, update, fakes=None):
        """GAN's discriminator update, undone when the discriminator was already accurate on the batch.

        In `test_step`, `d_updated` says whether the rule would have let the
        discriminator learn from the batch.
        """
        gated = update and self.d_accuracy_threshold is not None
        # What a skipped update must leave as it was: the weights and the optimizer's state.
        kept = [*self.optimizer_variables("d_optimizer"), *self.d_optimizer.variables] if gated else []
        before = [ops.copy(variable.value) for variable in kept]
        d_loss, outcome = super()._discriminator_step(real, conditions, update, fakes)
        accuracy = self._accuracy(outcome[0])
        learn = ops.ones(()) if self.d_accuracy_threshold is None else ops.cast(
            accuracy <= self.d_accuracy_threshold, "float32")
        for variable, value in zip(kept, before):
            variable.assign(ops.where(learn > 0, variable.value, ops.cast(value, variable.dtype)))
        self.d_accuracy_tracker.update_state(accuracy)
        self.d_updated_tracker.update_state(learn)
        return d_loss, outcome

    @staticmethod
    def _accuracy(context):
        """The share of the batch the discriminator scored right (logit > 0: real), over all replicas."""
        real = ops.cast(ops.reshape(context.real_logits, (-1,)) > 0, "float32")
        fake = ops.cast(ops.reshape(context.fake_logits, (-1,)) <= 0, "float32")
        return synchronized_mean(ops.concatenate([real, fake]))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "d_accuracy_threshold": self.d_accuracy_threshold}
