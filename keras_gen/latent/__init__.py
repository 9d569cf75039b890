"""What users do with a latent space: walk it, traverse it, add concept vectors, invert a GAN, edit.

Every tool works on any keras_gen model with a latent space and asks only for
its capabilities (`keras_gen.models.capabilities`):

- images go *into* the latent space by the model's encoder when it `Encodes`
  (autoencoder, VAE, conditional VAE: the code, or the posterior mean), and by
  optimization (`invert`) when it only `SamplesFromPrior` (every GAN);
- latent points come *out* as images through `generate(latent_points=...)`
  (models with a prior) or `decode` (an autoencoder).

Class-conditional models (`num_classes` set) take `label=` (one class for a
walk or traversal) or `labels=` (one per image). Outputs are numpy arrays in
the model's `data_scale`; `save_image_grid` and `save_animation` (from
`keras_gen.visualization`) write PNG grids and GIF/MP4 walks.

The tools live in four modules: `walks` (interpolation, traversal, concept
vectors, editing, perceptual path length), `inversion` (`to_latent`,
`invert`, the inversion encoder), `conditions` (the joint (z, c) search of
`invert(..., infer_conditions=True)`, `edit_conditions`,
`interpolate_conditions`, for conditions beyond classes) and `ppgn` (plug &
play sampling: `ppgn_sample`, `train_latent_denoiser`); `space` holds the
checks they share.

Example:
>>> x_test, y_test = keras_gen.data.load_numpy("fashion_mnist", "test", scale=(0, 1), limit=100)
>>> vae = keras_gen.models.VAE.for_images((28, 28, 1), seed=0)  # then vae.compile(), vae.fit(...)
>>> walk = keras_gen.latent.interpolate(vae, x_test[0], x_test[1], steps=8)  # (8, 28, 28, 1)
>>> boots = x_test[y_test == 9]; sneakers = x_test[y_test == 7]
>>> vector = keras_gen.latent.concept_vector(vae, boots, sneakers)
>>> edited = keras_gen.latent.edit(vae, sneakers[:16], vector)  # sneakers turned into boots
"""

from keras_gen.latent.conditions import edit_conditions, interpolate_conditions
from keras_gen.latent.inversion import (
    PIXEL_LOSSES,
    Inversion,
    best_random_latents,
    invert,
    to_latent,
    train_inversion_encoder,
)
from keras_gen.latent.ppgn import LangevinChain, LatentDenoiser, ppgn_sample, train_latent_denoiser
from keras_gen.latent.space import decode_points
from keras_gen.latent.walks import (
    METHODS,
    apply_vector,
    blend,
    concept_vector,
    edit,
    interpolate,
    interpolation_path,
    perceptual_path_length,
    traverse,
)
from keras_gen.visualization import save_animation, save_image_grid

__all__ = [
    "METHODS",
    "PIXEL_LOSSES",
    "Inversion",
    "LangevinChain",
    "LatentDenoiser",
    "apply_vector",
    "best_random_latents",
    "blend",
    "concept_vector",
    "decode_points",
    "edit",
    "edit_conditions",
    "interpolate",
    "interpolate_conditions",
    "interpolation_path",
    "invert",
    "perceptual_path_length",
    "ppgn_sample",
    "save_animation",
    "save_image_grid",
    "to_latent",
    "train_inversion_encoder",
    "train_latent_denoiser",
    "traverse",
]
