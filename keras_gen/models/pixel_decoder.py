"""What the autoencoder and the VAE share: a decoder that models pixels (Bernoulli or Gaussian)."""

from keras import ops

RECONSTRUCTIONS = ("bernoulli", "gaussian")


def reconstruction_data_scale(reconstruction, data_scale):
    """Checks a `reconstruction` choice and returns the data scale it works in.

    A Bernoulli decoder models pixels in [0, 1]; a Gaussian one defaults to (-1, 1).
    """
    if reconstruction not in RECONSTRUCTIONS:
        raise ValueError(f"Unknown reconstruction {reconstruction!r}; choose one of {RECONSTRUCTIONS}.")
    if data_scale is None:
        return (0.0, 1.0) if reconstruction == "bernoulli" else (-1.0, 1.0)
    if reconstruction == "bernoulli" and tuple(data_scale) != (0.0, 1.0):
        raise ValueError(
            f"A Bernoulli decoder models pixels in [0, 1], but data_scale={tuple(data_scale)}. "
            "Load the data with scale=(0, 1), or use reconstruction='gaussian'."
        )
    return data_scale


class PixelDecoder:
    """Mixin: turns decoder outputs (logits or means) into images in `data_scale`."""

    reconstruction: str

    def _decoder_output_to_images(self, outputs):
        return ops.sigmoid(outputs) if self.reconstruction == "bernoulli" else outputs
