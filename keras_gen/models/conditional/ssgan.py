"""The semi-supervised GAN: a K-class discriminator that learns from a few labels and many images."""

import keras
from keras import ops

from keras_gen import losses, networks
from keras_gen.models.adversarial.gan import GAN
from keras_gen.models.conditional.conditional_gan import ClassifierHead


@keras.saving.register_keras_serializable(package="keras_gen")
class SemiSupervisedGAN(ClassifierHead, GAN):
    """A GAN whose discriminator is a K-class classifier with an implicit (K+1)-th "generated" class.

    Salimans et al., "Improved Techniques for Training GANs" (2016), sec. 5.
    The discriminator outputs K class logits l(x); with the generated class's
    logit fixed at 0, p(real | x) = Z(x) / (Z(x) + 1), Z(x) = sum_k exp(l_k(x)),
    so the adversarial logit is log Z(x) (`keras_gen.losses.softmax_logit_of_real`).
    Its loss is the adversarial (unsupervised) loss on every image plus
    `supervised_weight` times the class cross-entropy on the labelled ones. The
    generator uses feature matching (sec. 3.1): it matches the mean of the
    discriminator's last features on real and generated batches, which is what
    makes the classifier good.

    Training data is `(images, labels)` in which label -1 marks an unlabelled
    image: `keras_gen.data.load(..., labels=True, labelled=1000)` keeps 1,000
    labels balanced over the classes. The supervised loss is averaged over the
    labelled images of each batch, so a rare labelled image weighs as much as a
    full batch of them. Logged: `supervised_loss`. `classify(images)` gives
    class probabilities; `generate(n)` samples (the generator is unconditional).

    Args:
        generator: a model from `(latent_dim,)` to images.
        discriminator: a model from images to `[class_logits (K), features]`.
        num_classes: K.
        supervised_weight: weight of the supervised loss.
        **kwargs: the `GAN` arguments.

    Example:
    >>> # 128 images, 20 of them labelled (2 per class), the others labelled -1
    >>> ds = keras_gen.data.load("fashion_mnist", labels=True, labelled=20, limit=128)
    >>> gan = SemiSupervisedGAN.for_images((28, 28, 1), num_classes=10, width=8, seed=0)
    >>> gan.compile()
    >>> history = gan.fit(ds, epochs=1, verbose=0)
    >>> x_test, y_test = keras_gen.data.load_numpy("fashion_mnist", "test", limit=5)
    >>> gan.classify(x_test[:5]).shape
    (5, 10)
    """

    batch_kind = "images_labels"
    accepts_unlabelled = True
    discriminator_sees_conditions = False
    generator_scores_real = True

    def __init__(self, generator, discriminator, num_classes, supervised_weight=1.0, **kwargs):
        num_classes = networks.check_num_classes(num_classes)
        self._check_class_logits(
            discriminator, num_classes, "A semi-supervised GAN", ("class_logits", "features"),
            f"logit_units={num_classes}, return_features=True",
        )
        if supervised_weight < 0:
            raise ValueError(f"supervised_weight must be >= 0, got {supervised_weight}.")
        kwargs.setdefault("label_smoothing", 0.0)
        kwargs.setdefault("label_noise", 0.0)
        super().__init__(generator, discriminator, **kwargs)
        self.num_classes = num_classes
        self.supervised_weight = float(supervised_weight)

    @property
    def label_conditional(self):
        # The labels teach the classifier; generation does not take them.
        return False

    @classmethod
    def for_images(cls, image_shape, num_classes, latent_dim=100, width=32, batch_norm=True, dropout=0.3,
                   layers_per_stage=1, **kwargs):
        """Builds a semi-supervised GAN with DCGAN-recipe networks; the discriminator has K logits.

        Args:
            image_shape: `(height, width, channels)`.
            num_classes: K.
            latent_dim, width, batch_norm, dropout, layers_per_stage: as for `DCGAN.for_images`.
            **kwargs: the `SemiSupervisedGAN` and `GAN` arguments.
        """
        num_classes = networks.check_num_classes(num_classes)
        generator, discriminator = networks.dcgan_networks(
            image_shape, latent_dim, width, batch_norm, dropout, layers_per_stage,
            discriminator_options={"logit_units": num_classes, "return_features": True},
        )
        return cls(generator, discriminator, num_classes=num_classes, **kwargs)

    def conditions_of(self, batch):
        return ops.cast(batch["labels"], "int32")

    def fake_conditions(self, conditions, count):
        return None

    def discriminate(self, images, conditions, training):
        class_logits, features = self.discriminator(images, training=training)
        return losses.softmax_logit_of_real(class_logits), [class_logits, features]

    def penalty_names(self):
        return (*super().penalty_names(), "supervised_loss")

    def discriminator_regularization(self, context, training):
        supervised = losses.masked_class_cross_entropy(context.conditions, context.real_heads[0])
        return {
            **super().discriminator_regularization(context, training),
            "supervised_loss": self.supervised_weight * supervised,
        }

    def generator_objective(self, context):
        return losses.feature_matching_loss(context.real_heads[1], context.fake_heads[1])

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "supervised_weight": self.supervised_weight}
