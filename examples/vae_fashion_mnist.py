"""Variational autoencoder on Fashion-MNIST.

Full run on 2 CPU cores with its defaults: 2.8 minutes (measured 2026-12-04 on
an AMD EPYC, load 2.2, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

A VAE (Kingma & Welling, 2013) learns an encoder q(z|x), from images to a
Gaussian over a small latent space, and a decoder p(x|z), from latent points
back to images. Training maximizes the evidence lower bound (ELBO):

    log p(x) >= E_q[log p(x|z)] - KL(q(z|x) || N(0, I)),

the reconstruction term drawing q towards codes that explain the image and
the KL term keeping codes close to the prior, so that decoding prior samples
gives new images. `keras_gen.models.VAE` computes the ELBO in its train step
with the reparameterization trick, so training is a plain `model.fit()`.

Pixels are treated as Bernoulli probabilities, so images are scaled to (0, 1).
On 2 CPU cores an epoch over the 60,000 training images takes about 30
seconds (from the full run above); samples look like blurry clothes after a few epochs, and the
reconstructions sharpen first.

Run:
    python examples/vae_fashion_mnist.py --epochs 5 --out runs/example_vae
    python examples/vae_fashion_mnist.py --smoke   # a few seconds, tiny model

Writes into --out: snapshots/samples_epoch_*.png and
snapshots/reconstructions_epoch_*.png (each test image beside its
reconstruction), samples.png and model.keras.
"""

import argparse
import os

import keras

import keras_gen
from keras_gen.callbacks import ImageSnapshot
from keras_gen.visualization import image_grid, save_grid


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training set")
    parser.add_argument("--out", default="runs/example_vae", help="output directory")
    parser.add_argument(
        "--data", default="fashion_mnist", help="data set name (28x28 or 8x8 images)"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="256 images, 1 epoch, a tiny model: checks the script runs",
    )
    args = parser.parse_args(argv)
    limit, epochs, width = None, args.epochs, 32
    if args.smoke:
        limit, epochs, width = 256, 1, 8

    # The data: training batches in (0, 1), and 16 test images to reconstruct.
    train = keras_gen.data.load(args.data, batch_size=128, scale=(0, 1), limit=limit)
    test_images, _ = keras_gen.data.load_numpy(args.data, "test", scale=(0, 1), limit=16)

    # The model: a convolutional encoder and decoder around a 16-d latent space.
    vae = keras_gen.models.VAE.for_images(
        test_images.shape[1:], latent_dim=16, width=width, reconstruction="bernoulli", seed=0
    )
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))

    # Training, with sample and reconstruction grids after each epoch.
    snapshots = ImageSnapshot(
        os.path.join(args.out, "snapshots"), n=64, reconstruction_images=test_images
    )
    vae.fit(train, epochs=epochs, callbacks=[snapshots])

    # The ELBO on the test images, in nats per image (higher is better).
    print(f"Test ELBO: {float(keras.ops.mean(vae.elbo(test_images))):.1f} nats per image")

    # New images from the prior, tiled into one PNG.
    save_grid(image_grid(vae.generate(64), vae.data_scale), os.path.join(args.out, "samples.png"))

    path = os.path.join(args.out, "model.keras")
    vae.save(path)
    reloaded = keras.saving.load_model(path)
    print(f"Wrote {args.out}/samples.png and {path} ({type(reloaded).__name__}).")


if __name__ == "__main__":
    main()
