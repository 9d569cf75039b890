"""DCGAN on Fashion-MNIST.

Full run on 2 CPU cores with its defaults: 3.5 minutes (measured 2026-12-04 on
an AMD EPYC, load 2.2, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

A deep convolutional GAN (Radford, Metz & Chintala, 2015) learns to draw 28x28
pieces of clothing. Two networks play a game: the discriminator learns to tell
real images from generated ones, and the generator learns to fool it. Both
train inside `model.fit()`: `keras_gen.models.DCGAN` owns the adversarial train
step, so this script is just data, model, `fit`, samples.

The recipe follows the paper: strided (transposed) convolutions, batch
normalization in the generator, LeakyReLU, a tanh output and Adam with
learning rate 2e-4 and beta_1 = 0.5 for both networks (passed explicitly here:
`gan.compile()` alone gives the discriminator Adam(4e-4, beta_1=0.5) and the
generator Adam(6e-4, beta_1=0.5), which reached a lower FID in our CPU benchmarks). Images are scaled to (-1, 1) to match the tanh.

On 2 CPU cores one epoch over the 60,000 training images takes about 40
seconds with the default width of 32 (the full run above, 5 epochs, included
start-up and saving); shirts, trousers and shoes are recognizable after 3-5
epochs.

Run:
    python examples/dcgan_fashion_mnist.py --epochs 5 --out runs/example_dcgan
    python examples/dcgan_fashion_mnist.py --smoke   # a few seconds, tiny model

Writes into --out: snapshots/samples_epoch_*.png (the same 64 latent points
after every epoch), samples.png and model.keras.
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
    parser.add_argument("--out", default="runs/example_dcgan", help="output directory")
    parser.add_argument(
        "--data", default="fashion_mnist", help="data set name (28x28 or 8x8 images)"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="128 images, 1 epoch, a tiny model: checks the script runs",
    )
    args = parser.parse_args(argv)
    limit, epochs, width, latent_dim = None, args.epochs, 32, 128
    if args.smoke:
        limit, epochs, width, latent_dim = 128, 1, 8, 16

    # The data: a shuffled tf.data pipeline of float32 images in (-1, 1).
    dataset = keras_gen.data.load(args.data, batch_size=64, scale=(-1, 1), limit=limit)
    image_shape = keras_gen.data.info(args.data).image_shape

    # The model: generator and discriminator built for the image shape.
    gan = keras_gen.models.DCGAN.for_images(image_shape, latent_dim=latent_dim, width=width, seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    )

    # Training, with a grid of samples from fixed latent points after each epoch.
    gan.fit(
        dataset,
        epochs=epochs,
        callbacks=[ImageSnapshot(os.path.join(args.out, "snapshots"), n=64)],
    )

    # New images: 64 samples in the model's data scale, tiled into one PNG.
    images = gan.generate(64)
    save_grid(image_grid(images, gan.data_scale), os.path.join(args.out, "samples.png"))

    # Save, reload and check that the reloaded generator is the same.
    path = os.path.join(args.out, "model.keras")
    gan.save(path)
    reloaded = keras.saving.load_model(path)
    latent_points = keras.random.normal((4, gan.latent_dim), seed=1)
    difference = abs(
        reloaded.generate(latent_points=latent_points) - gan.generate(latent_points=latent_points)
    )
    print(
        f"Wrote {args.out}/samples.png and {path}; reloaded model differs by {difference.max():.2g}."
    )


if __name__ == "__main__":
    main()
