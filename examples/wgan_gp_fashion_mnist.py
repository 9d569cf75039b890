"""WGAN-GP on Fashion-MNIST, and the other objectives as one-word options.

Full run on 2 CPU cores with its defaults: 5.6 minutes (measured 2026-12-04 on
an AMD EPYC, load 2.2, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

A Wasserstein GAN's critic scores images instead of classifying them; its loss
estimates the Wasserstein distance between real and generated images, which
stays informative when the two barely overlap. The critic must be 1-Lipschitz:
WGAN-GP (Gulrajani et al., 2017) asks for it with a gradient penalty,
lambda * (||grad D(x_hat)|| - 1)^2 on random mixtures x_hat of real and generated
images. `keras_gen.models.WGANGP` is the shared adversarial step with the
Wasserstein loss pair and the penalty; by default one critic update per
generator update and a critic that learns 3 times as fast as the generator
(Adam 3e-4 against the paper's 1e-4), which trained far better at a fixed CPU
budget than the paper's 5 critic updates (docs/objectives.md).

The same step takes the other objectives and stabilizers as options:
`DCGAN.for_images(..., loss="hinge", spectral_norm=True, ema=0.999)`.

Run:
    python examples/wgan_gp_fashion_mnist.py --epochs 5 --out runs/example_wgan_gp
    python examples/wgan_gp_fashion_mnist.py --smoke   # a few seconds, tiny model

Writes into --out: snapshots/samples_epoch_*.png, samples.png and model.keras.
"""

import argparse
import os

import keras

import keras_gen
from keras_gen.callbacks import ImageSnapshot, save_samples


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training set")
    parser.add_argument("--out", default="runs/example_wgan_gp", help="output directory")
    parser.add_argument("--data", default="fashion_mnist", help="data set name (28x28 or 8x8 images)")
    parser.add_argument("--smoke", action="store_true", help="128 images, 1 epoch, a tiny model")
    args = parser.parse_args(argv)
    limit, epochs, width = (128, 1, 8) if args.smoke else (None, args.epochs, 32)

    image_shape = keras_gen.data.info(args.data).image_shape
    model = keras_gen.models.WGANGP.for_images(image_shape, latent_dim=128, width=width, ema=0.999, seed=0)
    model.compile()  # critic Adam(3e-4, 0, 0.9), generator Adam(1e-4, 0, 0.9)
    # 64 real images per critic update: fit splits each batch into `critic_steps` parts
    # (1 by default; critic_steps=5, the paper's, would take batches of 320). Pixels in [-1, 1] for tanh.
    train = keras_gen.data.load(args.data, batch_size=64 * model.critic_steps, scale=(-1, 1), limit=limit)
    model.fit(train, epochs=epochs, callbacks=[ImageSnapshot(os.path.join(args.out, "snapshots"))], verbose=2)

    path = os.path.join(args.out, "model.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path)
    samples = save_samples(reloaded, os.path.join(args.out, "samples.png"))  # from the EMA generator
    print(f"Wrote {samples} and {path} ({type(reloaded).__name__}).")


if __name__ == "__main__":
    main()
