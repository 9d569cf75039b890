"""DRAW on Fashion-MNIST: a recurrent VAE that draws each image in steps, with attention.

Full run on 2 CPU cores with its defaults: 5.6 minutes (measured 2026-12-04 on
an AMD EPYC, load 2.4, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

DRAW (Gregor et al., 2015) does not make an image in one pass: a decoder LSTM
adds to a canvas over T steps, and at each step an encoder LSTM looks at the
image and at what the canvas still gets wrong, and passes on a small latent
z_t. With attention, each read is a 2x2 glimpse and each write a 5x5 patch,
placed, spaced and blurred by grids of Gaussian filters that the decoder
moves from step to step. Training maximizes the ELBO summed over the steps:
-log p(x | canvas) - sum_t KL(q(z_t | ...) || N(0, I)); sampling runs the
decoder alone from z_t ~ N(0, I).

Images are binarized (pixels above 0.5 become 1), so the Bernoulli likelihood
is that of binary images. On 2 CPU cores an epoch of the default model (16
steps, 256 units, batches of 64) takes about a minute (the full run above: 5
epochs, about 0.07 s a step); after 100 steps the samples are blobs drawn
outward over the steps.

Run:
    python examples/draw_fashion_mnist.py --epochs 5 --out runs/example_draw
    python examples/draw_fashion_mnist.py --smoke   # seconds: 256 images, a tiny model

Writes into --out: snapshots/samples_epoch_*.png (each row a sample at
evenly spaced steps), steps.png (8 samples, a column per step), drawing.gif
(the same samples being drawn) and model.keras.
"""

import argparse
import os

import keras
import numpy as np

import keras_gen
from keras_gen.callbacks import ImageSnapshot
from keras_gen.visualization import save_animation, save_image_grid


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training set")
    parser.add_argument("--out", default="runs/example_draw", help="output directory")
    parser.add_argument("--data", default="fashion_mnist", help="data set name (28x28 or 8x8 images)")
    parser.add_argument("--smoke", action="store_true", help="256 images, 1 epoch, a tiny model")
    args = parser.parse_args(argv)
    limit, epochs = (256, 1) if args.smoke else (None, args.epochs)
    sizes = {"steps": 4, "units": 16, "latent_dim": 4} if args.smoke else {"steps": 16, "units": 256, "latent_dim": 16}

    # Binary images in (0, 1) for the Bernoulli likelihood, and held-out images for log p(x).
    train = keras_gen.data.load(args.data, batch_size=64, scale=(0, 1), binarize=True, limit=limit)
    test_images, _ = keras_gen.data.load_numpy(args.data, "test", scale=(0, 1), binarize=True,
                                               limit=64 if args.smoke else 1000)

    # 2x2 read glimpses and 5x5 write patches, as in the paper's MNIST model.
    draw = keras_gen.models.DRAW.for_images(test_images.shape[1:], read_size=2, write_size=5, seed=0, **sizes)
    draw.compile()  # Adam(1e-3)
    draw.fit(train, epochs=epochs, callbacks=[ImageSnapshot(os.path.join(args.out, "snapshots"), n=64)],
             verbose=2)

    # log p(x) by importance sampling over whole trajectories (a lower bound), in nats and bits/dim.
    log_prob = draw.log_prob(test_images, num_samples=8 if args.smoke else 64)
    bits = -log_prob / (np.log(2) * np.prod(draw.image_shape))
    print(f"Test NLL: {-log_prob.mean():.1f} nats, {bits.mean():.3f} bits/dim over {len(test_images)} images")

    # The drawing, step by step: a row per sample, a column per step (the last is the sample).
    steps = draw.generate(8, seed=0, return_steps=True)
    save_image_grid(steps, os.path.join(args.out, "steps.png"), draw.data_scale)
    save_animation(steps, os.path.join(args.out, "drawing.gif"), draw.data_scale, fps=4, columns=8, bounce=False)

    path = os.path.join(args.out, "model.keras")
    draw.save(path)
    reloaded = keras.saving.load_model(path)
    same = np.array_equal(reloaded.generate(4, seed=1), draw.generate(4, seed=1))
    print(f"Wrote {args.out}/steps.png, drawing.gif and {path} (reloaded samples identical: {same}).")


if __name__ == "__main__":
    main()
