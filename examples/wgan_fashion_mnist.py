"""WGAN on Fashion-MNIST: a weight-clipped critic and its estimate of the Wasserstein distance.

Full run on 2 CPU cores with its defaults: 6.1 minutes (measured 2026-12-04 on
an AMD EPYC, load 2.2, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

The Wasserstein GAN (Arjovsky, Chintala & Bottou, 2017) replaces the
discriminator by a critic D that scores images without a sigmoid. If D is
1-Lipschitz, max_D E[D(x)] - E[D(G(z))] is the Wasserstein-1 distance between
the real and the generated images, and unlike the original GAN's loss it
keeps falling smoothly as the two distributions come closer. The paper keeps
D Lipschitz crudely: after every critic update each weight is clipped to
[-0.01, 0.01]. Its Algorithm 1 is `keras_gen.models.WGAN`'s default: 5 critic
updates per generator update, each on 64 new real images (so `fit` gets
batches of 5 x 64 = 320), RMSprop(5e-5) for both players.

The logged `real_score - fake_score` is the critic's estimate of the distance;
the script prints it per epoch. Weight clipping learns slowly: in our 5-minute
CPU benchmark (3.7 epochs, about 80 s each on 2 cores) WGAN reached FID 137
where the DCGAN's default loss reached 81 (docs/benchmarks.md). The gradient
penalty of examples/wgan_gp_fashion_mnist.py replaces the clipping.

Run:
    python examples/wgan_fashion_mnist.py --epochs 20 --out runs/example_wgan
    python examples/wgan_fashion_mnist.py --smoke   # seconds, a tiny model

Writes into --out: snapshots/samples_epoch_*.png, samples.png and model.keras.
"""

import argparse
import os

import keras
import numpy as np

import keras_gen
from keras_gen.callbacks import ImageSnapshot, save_samples


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20, help="passes over the training set")
    parser.add_argument("--out", default="runs/example_wgan", help="output directory")
    parser.add_argument("--data", default="fashion_mnist", help="data set name (28x28 or 8x8 images)")
    parser.add_argument("--smoke", action="store_true", help="320 images, 1 epoch, a tiny model")
    args = parser.parse_args(argv)
    limit, epochs, width, latent_dim = (320, 1, 4, 8) if args.smoke else (None, args.epochs, 32, 128)

    image_shape = keras_gen.data.info(args.data).image_shape
    wgan = keras_gen.models.WGAN.for_images(image_shape, latent_dim=latent_dim, width=width, seed=0)
    wgan.compile()  # RMSprop(5e-5) for the critic and the generator
    # Each batch is split into `critic_steps` parts, one per critic update. Pixels in (-1, 1) for tanh.
    train = keras_gen.data.load(args.data, batch_size=64 * wgan.critic_steps, scale=(-1, 1), limit=limit)
    history = wgan.fit(train, epochs=epochs, callbacks=[ImageSnapshot(os.path.join(args.out, "snapshots"))],
                       verbose=2)
    distances = np.subtract(history.history["real_score"], history.history["fake_score"])
    print("Wasserstein estimate E[D(x)] - E[D(G(z))] per epoch:", ", ".join(f"{d:.3g}" for d in distances))
    largest = max(float(np.abs(weight.numpy()).max()) for weight in wgan.critic.trainable_weights)
    print(f"largest critic weight: {largest:.4f} (clipped to {wgan.clip_value})")

    path = os.path.join(args.out, "model.keras")
    wgan.save(path)
    reloaded = keras.saving.load_model(path)
    samples = save_samples(reloaded, os.path.join(args.out, "samples.png"))
    print(f"Wrote {samples} and {path} ({type(reloaded).__name__}).")


if __name__ == "__main__":
    main()
