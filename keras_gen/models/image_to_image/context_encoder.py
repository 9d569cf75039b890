"""The context encoder: inpainting with a reconstruction and an adversarial loss (Pathak et al., 2016)."""

import keras
import numpy as np
from keras import ops

from keras_gen import losses, networks
from keras_gen.data.pairs import MASK_KINDS, apply_hole, centre_mask, check_hole
from keras_gen.models.capabilities import _batched
from keras_gen.models.image_to_image.translator import PairedTranslator
from keras_gen.training import checked_finite, checked_masks


@keras.saving.register_keras_serializable(package="keras_gen")
class ContextEncoder(PairedTranslator):
    """Context encoder: fills a hole in an image, trained with a masked L2 and an adversarial loss.

    Pathak et al., "Context Encoders: Feature Learning by Inpainting" (2016):
    an encoder-decoder sees the image with its hole (and here the mask) and
    paints the missing region; the loss is 0.999 times the L2 error inside the
    hole plus 0.001 times the adversarial loss (section 3.2), the
    discriminator judging whole images with the hole filled in. Batches are
    `((images with hole, masks), images)` as `keras_gen.data.load_pairs(...,
    task="inpaint")` yields them; masks are 1 on missing pixels, 0 elsewhere.
    `inpaint(images, masks)` replaces only the masked pixels.

    Args:
        generator: a model from `[images with hole, masks]` to images.
        discriminator: a model from images to logits, or None (L2 only).
        hole: `(height, width)` of the centre hole `translate` uses, and of
            the holes `keras-gen train` cuts.
        masks: `"centre"` or `"random"` boxes, the holes `keras-gen train` cuts.

    Example:
    >>> x, _ = keras_gen.data.load_numpy("fashion_mnist", "test", limit=32)
    >>> model = ContextEncoder.for_images((28, 28, 1), hole=(14, 14), width=8, seed=0)
    >>> model.compile()
    >>> (holed, masks), images = keras_gen.data.make_pairs(x, task="inpaint", hole=(14, 14))
    >>> history = model.fit((holed, masks), images, batch_size=16, epochs=1, verbose=0)
    >>> filled = model.inpaint(images[:4], masks[:4])
    """

    def __init__(self, generator, discriminator=None, loss="non_saturating", reconstruction_weight=0.999,
                 adversarial_weight=0.001, hole=None, masks="centre", **kwargs):
        kwargs.pop("reconstruction", None)
        super().__init__(generator, discriminator, loss=loss, reconstruction="l2",
                         reconstruction_weight=reconstruction_weight, adversarial_weight=adversarial_weight, **kwargs)
        mask_shape = tuple(generator.input_shape[1])[1:] if isinstance(generator.input_shape, list) else None
        if mask_shape != (*self.image_shape[:2], 1):
            raise ValueError(
                "A ContextEncoder's generator takes [images with hole (H, W, C), masks (H, W, 1)], e.g. "
                f"keras_gen.networks.context_encoder_generator; this one takes {generator.input_shape}."
            )
        self.hole = check_hole(self.image_shape, hole or (self.image_shape[0] // 2, self.image_shape[1] // 2))
        if masks not in MASK_KINDS:
            raise ValueError(f"masks must be one of {MASK_KINDS}, got {masks!r}.")
        self.masks = masks

    @classmethod
    def for_images(cls, image_shape, hole=None, masks="centre", width=32, depth=None, code_dim=256,
                   discriminator_width=None, adversarial=True, **kwargs):
        """Builds a context encoder for `image_shape` images.

        Args:
            image_shape: `(H, W, C)`.
            hole: `(height, width)` of the hole (default: half of each side).
            masks: `"centre"` or `"random"`: the holes of the training data `keras-gen train` makes.
            width: filters of the encoder's first stage.
            depth: stride-2 stages of the encoder.
            code_dim: size of the bottleneck code.
            discriminator_width: filters of the discriminator's first stage (default: `width`).
            adversarial: False builds no discriminator: the L2-only context encoder.
            **kwargs: the model's arguments (`seed`, `reconstruction_weight`, `adversarial_weight`).
        """
        generator = networks.context_encoder_generator(image_shape, width=width, depth=depth, code_dim=code_dim)
        discriminator = None
        if adversarial:
            discriminator = networks.patchgan_discriminator(image_shape, width=discriminator_width or width)
        return cls(generator, discriminator, hole=hole, masks=masks, **kwargs)

    @property
    def input_image_shape(self):
        return self.image_shape

    def data_options(self):
        return {"hole": self.hole, "masks": self.masks}

    def unpack_batch(self, data):
        """`((images with hole, masks), images)` → `{"inputs", "masks", "targets"}`, checked."""
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if not isinstance(x, (tuple, list)) or len(x) != 2 or y is None:
            raise ValueError(
                "ContextEncoder trains on batches of ((images with hole, masks), images), as "
                "keras_gen.data.load_pairs(name, task='inpaint') yields them; pass fit((holed, masks), images)."
            )
        holed, masks = x
        self.check_image_batch(holed, self.image_shape, "images with hole")
        self.check_image_batch(y, self.image_shape, "target images")
        self._check_mask_shape(tuple(masks.shape))
        masks = checked_masks(ops.cast(masks, self.variable_dtype))
        return {
            "inputs": ops.cast(checked_finite(holed, "images with hole"), self.variable_dtype),
            "masks": masks,
            "targets": ops.cast(checked_finite(y, "target images"), self.variable_dtype),
        }

    def _check_mask_shape(self, shape):
        expected = (*self.image_shape[:2], 1)
        if len(shape) != 4 or tuple(shape[1:]) != expected:
            raise ValueError(f"Masks must have shape (batch, {expected[0]}, {expected[1]}, 1), got {shape}.")

    def _check_second_part(self, x, y, role):
        super()._check_second_part(x, y, role)
        if isinstance(x, (tuple, list)) and len(x) == 2:
            if isinstance(x[0], np.ndarray):
                self._check_image_array(x[0], f"{role} images with hole")
            if isinstance(x[1], np.ndarray):
                self.check_masks(x[1], len(x[1]))

    def check_masks(self, masks, count):
        """Masks from users as float32 `(n, H, W, 1)`, checked: one per image, only 0 and 1."""
        masks = np.asarray(masks)
        if masks.ndim == 3:
            masks = masks[..., None]
        self._check_mask_shape(masks.shape)
        if len(masks) != count:
            raise ValueError(f"Pass one mask per image: {count} images but {len(masks)} masks.")
        if not np.isin(masks, (0, 1)).all():
            raise ValueError(
                "Masks must hold only 0 (known pixel) and 1 (missing pixel); got other values. Binarize them, "
                "e.g. masks = (masks > 0.5).astype('float32')."
            )
        return masks.astype("float32")

    def generator_outputs(self, batch, training):
        masks = batch["masks"]
        painted = self.generator([apply_hole(batch["inputs"], masks, self.data_scale), masks], training=training)
        return batch["inputs"] * (1.0 - masks) + painted * masks

    def reconstruction_loss(self, batch, outputs):
        """L2 inside the hole only (Pathak et al., 2016, eq. 1)."""
        return losses.masked_squared_error(batch["targets"], outputs, batch["masks"])

    def centre_masks(self, count):
        """`(count, H, W, 1)` masks of the model's centre hole."""
        return np.tile(centre_mask(self.image_shape, self.hole)[None], (count, 1, 1, 1))

    def inpaint(self, images, masks, batch_size=256):
        """Fills the masked pixels (mask 1) of `images`; every other pixel comes back unchanged.

        Args:
            images: `(n, H, W, C)` in `data_scale` (their masked pixels are ignored).
            masks: `(n, H, W, 1)` or `(n, H, W)`, 1 on the pixels to fill, 0 elsewhere.

        Returns:
            A float32 array like `images`.
        """
        images = self.check_images(images)
        masks = self.check_masks(masks, len(images))

        def fill(x, m):
            return self.generator_outputs({"inputs": x, "masks": m}, training=False)

        filled = _batched(fill, [images, masks], batch_size).astype("float32")
        # Known pixels exactly as given (the network's arithmetic must not touch them).
        return np.where(masks > 0, filled, images)

    def translate(self, images, batch_size=256, masks=None):
        """Inpaints the model's centre hole (or `masks`) of each image; see `inpaint`."""
        masks = self.centre_masks(len(np.asarray(images))) if masks is None else masks
        return self.inpaint(images, masks, batch_size=batch_size)

    def translation_rows(self, inputs, targets=None, **options):
        """Rows image with hole | filled | original; `inputs` is `(images with hole, masks)` or images."""
        if isinstance(inputs, (tuple, list)):
            holed, masks = (np.asarray(part, "float32") for part in inputs)
        else:
            holed = np.asarray(inputs, "float32")
            masks = self.centre_masks(len(holed))
        masks = self.check_masks(masks, len(holed))
        rows = {"input": np.asarray(apply_hole(holed, masks, self.data_scale)), "output": self.inpaint(holed, masks)}
        if targets is not None:
            rows["target"] = np.asarray(targets, "float32")
        return rows

    def get_config(self):
        config = super().get_config()
        config.pop("reconstruction")
        return {**config, "hole": self.hole, "masks": self.masks}
