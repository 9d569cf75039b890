"""The one check that an encoder and a decoder fit together, for every autoencoder family, and the
metrics every family trained on a negative ELBO logs."""

import keras

from keras_gen.training import unscaled


class NegativeElboMetrics:
    """Mixin of the families trained on a negative ELBO (VAE, DRAW, CrossConvCVAE): the metrics `loss`,
    `reconstruction_loss` and `kl_loss`, made once and updated by `_record`.

    Example:
    >>> vae = keras_gen.models.VAE.for_images((8, 8, 1), latent_dim=2, width=4)
    >>> [metric.name for metric in vae._elbo_metrics()]
    ['loss', 'reconstruction_loss', 'kl_loss']
    """

    def _make_elbo_metrics(self):
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    def _elbo_metrics(self):
        return [self.loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def _record(self, loss, reconstruction_loss, kl_loss):
        """Adds a step's loss (undoing the replica division) and its two terms; the step's logs."""
        self.loss_tracker.update_state(unscaled(loss))
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {metric.name: metric.result() for metric in self.metrics}


def _two_inputs(network, first: str) -> tuple:
    """The first input shape of a conditional network, which takes `[first, labels]`."""
    shapes = network.input_shape
    if not (isinstance(shapes, (list, tuple)) and len(shapes) == 2 and isinstance(shapes[0], (list, tuple))):
        raise ValueError(
            f"A conditional {network.name} takes two inputs [{first}, labels]; its input shape "
            f"is {shapes}. Build it with keras_gen.networks.conv_{network.name}(..., num_classes=...)."
        )
    return tuple(shapes[0])


def check_encoder_decoder(encoder, decoder, *, variational: bool, conditional: bool = False) -> tuple[int, tuple]:
    """`(latent_dim, image_shape)` of an encoder and a decoder, after checking that they fit together.

    The encoder must take images and return one code `(batch, latent_dim)`
    (an autoencoder) or two, `[mean, log_var]` (a VAE); the decoder must take
    codes of that size and return images of the encoder's input shape.
    Conditional networks (the conditional VAE's) take `[images, labels]` and
    `[latent points, labels]`. A ValueError says which part does not fit.

    Args:
        encoder: a Keras model from images (and labels) to codes.
        decoder: a Keras model from codes (and labels) to decoder outputs
            shaped like the images.
        variational: whether the encoder returns `[mean, log_var]`.
        conditional: whether both networks also take labels.

    Returns:
        `(latent_dim, image_shape)`: the code size and the images' `(H, W, C)`.

    Example:
    >>> encoder = keras_gen.networks.conv_encoder((28, 28, 1), latent_dim=4, width=4)
    >>> decoder = keras_gen.networks.conv_decoder((28, 28, 1), latent_dim=4, width=4)
    >>> check_encoder_decoder(encoder, decoder, variational=True)
    (4, (28, 28, 1))
    """
    if conditional:
        image_shape, latent_shape = _two_inputs(encoder, "images")[1:], _two_inputs(decoder, "latent points")
    else:
        image_shape, latent_shape = tuple(encoder.input_shape)[1:], tuple(decoder.input_shape)
    outputs = encoder.output_shape
    if variational:
        if not (isinstance(outputs, (list, tuple)) and len(outputs) == 2 and isinstance(outputs[0], (list, tuple))):
            raise ValueError(
                "The encoder must return two tensors [mean, log_var], each of shape "
                f"(batch, latent_dim); its output shape is {outputs}."
            )
        latent_dim, kind, codes = outputs[0][-1], "Latent", "latent points"
    else:
        if isinstance(outputs, list) or len(tuple(outputs)) != 2:
            raise ValueError(
                f"The encoder must return one code of shape (batch, latent_dim); its output shape "
                f"is {outputs}. (Encoders of [mean, log_var] belong to a VAE.)"
            )
        latent_dim, kind, codes = tuple(outputs)[-1], "Code", "codes"
    if latent_shape[-1] != latent_dim:
        raise ValueError(
            f"{kind} size mismatch: the encoder gives {latent_dim}-d {codes} but the decoder takes "
            f"{codes} of shape {latent_shape}."
        )
    decoder_out = tuple(decoder.output_shape)[1:]
    if decoder_out != image_shape:
        raise ValueError(
            f"The decoder outputs shape {decoder_out} but the encoder takes images of shape {image_shape}; "
            "they must match."
        )
    return int(latent_dim), image_shape
