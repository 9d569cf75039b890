"""VideoGAN: a two-stream GAN whose clips are a moving foreground over a static background."""

import keras
import numpy as np
from keras import ops

from keras_gen.models.adversarial.gan import GAN
from keras_gen.models.capabilities import check_num_images
from keras_gen.networks.volumes import two_stream_video_generator, volume_discriminator

LAYER_NAMES = ("foreground", "mask", "background", "video")


@keras.saving.register_keras_serializable(package="keras_gen")
class VideoGAN(GAN):
    """A GAN of short clips: a moving foreground composited over a static background.

    Vondrick, Pirsiavash & Torralba, "Generating Videos with Scene Dynamics"
    (2016). The generator has two streams from one latent point z: transposed
    3-D convolutions give a foreground f `(T, H, W, C)` and a mask m
    `(T, H, W, 1)`, transposed 2-D convolutions give one background b
    `(H, W, C)` for the whole clip, and the clip is m * f + (1 - m) * b. The
    generator's loss adds `mask_weight` times the mean of |m| (the paper's L1
    penalty on the mask, which keeps the foreground from covering the static
    scene), logged as `mask_penalty`. The discriminator is built from
    spatio-temporal 3-D convolutions. `two_stream=False` (in `for_videos`) is
    the paper's one-stream baseline, whose 3-D stream gives the clip directly.

    The adversarial step, the objective and the players are `GAN`'s;
    `compile()` gives both players Adam(2e-4, beta_1=0.5), as in the paper.

    Args:
        generator: a model from `(latent_dim,)` to clips `(T, H, W, C)`; when it
            has layers named `foreground`, `mask` and `background` (as
            `keras_gen.networks.two_stream_video_generator` builds), the model is
            two-stream and `generate_layers` reads them.
        discriminator: a model from clips to one logit.
        mask_weight: weight of the mask's L1 penalty (two-stream only).
        **kwargs: the `GAN` arguments (`loss`, `seed`, `ema`, ...).

    Example:
    >>> gan = VideoGAN.for_videos((4, 16, 16, 1), latent_dim=8, width=4, seed=0)
    >>> gan.compile()
    >>> gan.generate(2).shape
    (2, 4, 16, 16, 1)
    >>> sorted(gan.generate_layers(latent_points=np.zeros((1, 8), "float32")))
    ['background', 'foreground', 'mask', 'video']
    """

    data_kind = "videos"

    def __init__(self, generator, discriminator, mask_weight=0.1, **kwargs):
        if mask_weight < 0:
            raise ValueError(f"mask_weight must be >= 0 (0 turns the mask penalty off), got {mask_weight}.")
        self.mask_weight = float(mask_weight)
        names = {layer.name for layer in generator.layers}
        self.two_stream = all(name in names for name in LAYER_NAMES[:3])
        super().__init__(generator, discriminator, **kwargs)
        # The generator's pass in a step also returns its mask, for the penalty.
        self._pass_network = None
        if self.two_stream:
            self._pass_network = keras.Model(
                generator.inputs, [generator.outputs[0], generator.get_layer("mask").output], name="generator_pass"
            )

    @classmethod
    def for_videos(cls, clip_shape=(8, 32, 32, 1), latent_dim=100, width=32, two_stream=True, mask_weight=0.1,
                   dropout=0.3, **kwargs):
        """Builds a VideoGAN with `keras_gen.networks.two_stream_video_generator` and `volume_discriminator`.

        Args:
            clip_shape: `(frames, height, width, channels)`; height and width as
                for `DCGAN` (divisible by 2, at least 8).
            latent_dim: size of the latent vector (both streams read it).
            width: filters of the finest stage of each network.
            two_stream: foreground, mask and background (True) or one stream.
            mask_weight: weight of the L1 penalty on the mask.
            dropout: the discriminator's dropout rate.
            **kwargs: the `GAN` arguments (`seed`, `loss`, ...).
        """
        generator = two_stream_video_generator(clip_shape, latent_dim, width, two_stream=two_stream)
        discriminator = volume_discriminator(clip_shape, width, dropout=dropout)
        return cls(generator, discriminator, mask_weight=mask_weight, **kwargs)

    def penalty_names(self):
        return (*super().penalty_names(), *(("mask_penalty",) if self.two_stream and self.mask_weight else ()))

    def generator_pass(self, latent_points, fake_conditions, training):
        if self._pass_network is None or not self.mask_weight:
            return super().generator_pass(latent_points, fake_conditions, training)
        return self._pass_network(latent_points, training=training)

    def generator_regularization(self, context, training):
        terms = super().generator_regularization(context, training)
        if context.fake_parts:
            mask = ops.cast(context.fake_parts[0], "float32")
            terms["mask_penalty"] = self.mask_weight * ops.mean(ops.abs(mask), axis=(1, 2, 3, 4))
        return terms

    def generate_layers(self, num_images=None, *, latent_points=None, batch_size=256):
        """The two streams' parts of generated clips, as numpy arrays.

        Returns:
            `{"foreground": (n, T, H, W, C), "mask": (n, T, H, W, 1), "background":
            (n, H, W, C), "video": (n, T, H, W, C)}`; `video` is what `generate`
            returns for the same latent points.
        """
        if not self.two_stream:
            raise ValueError(
                "generate_layers needs the two-stream generator (foreground, mask and background); this VideoGAN "
                "was built with two_stream=False. Use generate(), or build it with VideoGAN.for_videos(...)."
            )
        if (num_images is None) == (latent_points is None):
            raise ValueError("Pass either num_images or latent_points to generate_layers(), not both.")
        if latent_points is None:
            latent_points = ops.convert_to_numpy(self.sample_latent(check_num_images(num_images)))
        latent_points = self.check_latent_points(latent_points)
        generator = self.generator if self.generator_ema is None else self.generator_ema
        parts = keras.Model(generator.inputs, [generator.get_layer(name).output for name in LAYER_NAMES])
        outputs = parts.predict(latent_points, batch_size=batch_size, verbose=0)
        layers = {name: np.asarray(value) for name, value in zip(LAYER_NAMES, outputs)}
        layers["background"] = layers["background"][:, 0]
        return layers

    def get_config(self):
        return {**super().get_config(), "mask_weight": self.mask_weight}

