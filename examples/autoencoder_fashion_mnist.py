"""Autoencoder and denoising autoencoder on Fashion-MNIST.

Full run on 2 CPU cores with its defaults: 5.4 minutes (measured 2026-12-04 on
an AMD EPYC, load 2.0, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

An undercomplete autoencoder squeezes each image through a code much smaller
than the image (32 numbers for 784 pixels) and learns to rebuild it. A
denoising autoencoder (Vincent et al., 2008) is trained the same way, except
that its input is corrupted with noise while its target stays clean: it has to
learn what clothes look like to undo the noise. Both are `keras.Model`s whose
train step lives inside the model, so training is a plain `model.fit()` on
images alone.

This script trains both on the same data for the same number of epochs, then
measures how well each one reconstructs *noisy* test images (Gaussian noise,
standard deviation 0.5, clipped to [0, 1]): the denoising autoencoder should
be much closer to the clean images. On 2 CPU cores an epoch of either model
takes about 30 seconds (from the full run above: 10 epochs in all).

Run:
    python examples/autoencoder_fashion_mnist.py --epochs 5 --out runs/example_autoencoder
    python examples/autoencoder_fashion_mnist.py --smoke   # a few seconds, tiny models

Writes into --out: denoised.png (rows of noisy input | autoencoder output |
denoising autoencoder output | clean image), snapshots/ and both models.
"""

import argparse
import os

import keras
import numpy as np

import keras_gen
from keras_gen.callbacks import ImageSnapshot, row_grid, save_grid


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training set")
    parser.add_argument("--out", default="runs/example_autoencoder", help="output directory")
    parser.add_argument("--data", default="fashion_mnist", help="data set name (28x28 or 8x8 images)")
    parser.add_argument("--smoke", action="store_true", help="256 images, 1 epoch, tiny models")
    args = parser.parse_args(argv)
    limit, epochs, width = (256, 1, 8) if args.smoke else (None, args.epochs, 32)

    # Training batches in (0, 1); a few test images to look at and a larger set to score.
    train = keras_gen.data.load(args.data, batch_size=128, scale=(0, 1), limit=limit)
    test_images, _ = keras_gen.data.load_numpy(args.data, "test", scale=(0, 1), limit=1000)
    shape = test_images.shape[1:]

    # Two models of the same size; the second sees noisy inputs while it trains.
    autoencoder = keras_gen.models.Autoencoder.for_images(shape, latent_dim=32, width=width, seed=0)
    denoiser = keras_gen.models.DenoisingAutoencoder.for_images(
        shape, latent_dim=32, width=width, noise="gaussian", noise_stddev=0.5, seed=0
    )
    for name, model in (("autoencoder", autoencoder), ("denoising_autoencoder", denoiser)):
        model.compile()  # Adam(1e-3)
        snapshots = ImageSnapshot(
            os.path.join(args.out, "snapshots", name), reconstruction_images=test_images[:16]
        )
        model.fit(train, epochs=epochs, callbacks=[snapshots], verbose=2)
        model.save(os.path.join(args.out, f"{name}.keras"))

    # The same noise for both models: the denoiser's corrupt() with a fixed seed.
    noisy = keras.ops.convert_to_numpy(denoiser.corrupt(test_images, seed=1))
    for name, model in (("autoencoder", autoencoder), ("denoising autoencoder", denoiser)):
        error = np.mean((model.reconstruct(noisy) - test_images) ** 2)
        print(f"{name}: MSE to the clean images from noisy inputs = {error:.4f}")
    print(f"noisy inputs themselves: MSE = {np.mean((noisy - test_images) ** 2):.4f}")

    rows = {
        "noisy": noisy[:8],
        "autoencoder": autoencoder.reconstruct(noisy[:8]),
        "denoiser": denoiser.reconstruct(noisy[:8]),
        "clean": test_images[:8],
    }
    path = save_grid(row_grid(rows, (0, 1), columns=4), os.path.join(args.out, "denoised.png"))
    print(f"Wrote {path}.")


if __name__ == "__main__":
    main()
