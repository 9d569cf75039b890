"""BEGAN on Fashion-MNIST: an autoencoder as the discriminator, and a measure of convergence.

Full run on 2 CPU cores with its defaults: 13.0 minutes (measured 2026-12-04 on
an AMD EPYC, load 2.1, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

In BEGAN (Berthelot, Schumm & Metz, 2017) the discriminator is an
autoencoder, and what it outputs is each image's reconstruction error
L(v) = mean |v - AE(v)|. It learns to reconstruct real images well and
generated ones badly; the generator learns to make images it reconstructs
well. A control variable k_t in [0, 1] weighs the second term,

    L_D = L(x) - k_t L(G(z)),   L_G = L(G(z)),
    k_{t+1} = k_t + lambda_k (gamma L(x) - L(G(z))),

keeping the two errors in the ratio gamma (`gamma=0.5`: more diverse images
the higher it is). M_global = L(x) + |gamma L(x) - L(G(z))| falls as training
converges, which the paper offers as a measure GANs rarely have.
`keras_gen.models.BEGAN` logs `k_t` and `m_global`; `compile()` gives both
players Adam(1e-4, beta_1=0.5). On 2 CPU cores an epoch takes a little over a
minute (the full run above: 10 epochs), and in our 5-minute benchmark BEGAN collapsed to one kind of image
(docs/benchmarks.md): watch the snapshots and `m_global`.

Run:
    python examples/began_fashion_mnist.py --epochs 10 --out runs/example_began
    python examples/began_fashion_mnist.py --smoke   # seconds, a tiny model

Writes into --out: snapshots/samples_epoch_*.png, samples.png,
autoencoder.png (pairs of image | the discriminator's reconstruction, for real
test images, then for samples) and model.keras.
"""

import argparse
import os

import keras
import numpy as np

import keras_gen
from keras_gen.callbacks import ImageSnapshot, save_samples
from keras_gen.visualization import row_grid, save_grid


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10, help="passes over the training set")
    parser.add_argument("--gamma", type=float, default=0.5, help="the diversity ratio, in (0, 1]")
    parser.add_argument("--out", default="runs/example_began", help="output directory")
    parser.add_argument("--data", default="fashion_mnist", help="data set name (28x28 or 8x8 images)")
    parser.add_argument("--smoke", action="store_true", help="128 images, 1 epoch, a tiny model")
    args = parser.parse_args(argv)
    limit, epochs, width, latent_dim = (128, 1, 4, 8) if args.smoke else (None, args.epochs, 32, 64)

    # Pixels in (-1, 1): the generator ends in tanh.
    train = keras_gen.data.load(args.data, batch_size=64, scale=(-1, 1), limit=limit)
    test_images, _ = keras_gen.data.load_numpy(args.data, "test", scale=(-1, 1), limit=8)
    # The paper's autoencoder code is as long as the generator's latent vector (N_h = N_z).
    began = keras_gen.models.BEGAN.for_images(test_images.shape[1:], latent_dim=latent_dim, width=width,
                                              hidden_dim=latent_dim, gamma=args.gamma, seed=0)
    began.compile()
    history = began.fit(train, epochs=epochs, callbacks=[ImageSnapshot(os.path.join(args.out, "snapshots"))],
                        verbose=2)
    print(f"last epoch's means: k_t = {history.history['k_t'][-1]:.4f}, M_global = {history.history['m_global'][-1]:.4f}")

    # The discriminator's autoencoder: real images should come back better than samples.
    autoencoder = began.discriminator.get_layer("autoencoder")
    samples = began.generate(8)
    rows = {"image": np.concatenate([test_images, samples]),
            "reconstruction": np.concatenate([autoencoder.predict(test_images, verbose=0),
                                              autoencoder.predict(samples, verbose=0)])}
    save_grid(row_grid(rows, began.data_scale, per_row=4), os.path.join(args.out, "autoencoder.png"))
    errors = began.discriminator.predict(np.concatenate([test_images, samples]), verbose=0)[:, 0]
    print(f"L1 reconstruction error: real {errors[:8].mean():.4f}, generated {errors[8:].mean():.4f}")

    path = os.path.join(args.out, "model.keras")
    began.save(path)
    reloaded = keras.saving.load_model(path)  # k_t is saved with the weights
    save_samples(reloaded, os.path.join(args.out, "samples.png"))
    print(f"Wrote {args.out}/samples.png, autoencoder.png and {path} (k_t = {float(reloaded.k_t.numpy()):.4f}).")


if __name__ == "__main__":
    main()
