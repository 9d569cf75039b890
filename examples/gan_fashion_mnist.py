"""The original GAN on Fashion-MNIST: two fully connected networks and a choice of generator loss.

Full run on 2 CPU cores with its defaults: 1.4 minutes (measured 2026-12-04 on
an AMD EPYC, load 2.0, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

Goodfellow et al. (2014) set a generator G against a discriminator D: D learns
to tell real images from G(z), z ~ N(0, I), and G learns to make D wrong. Both
networks here are the paper's kind, fully connected (`keras_gen.models.GAN.for_images`);
the DCGAN example swaps in convolutions. The paper's minimax loss
log(1 - D(G(z))) gives G almost no gradient while D easily rejects its
images, so the paper itself trains G to maximize log D(G(z)) instead: the
"non-saturating" loss, the default. `--loss minimax` trains the original,
`--loss least_squares` or `--loss hinge` the later objectives: each is one
word on the same adversarial step (docs/objectives.md).

`fit` logs `real_score` and `fake_score`, D's mean probability that real and
generated images are real (its raw output for least squares and hinge): while
both players learn they stay apart without either reaching 0 or 1. On 2 CPU
cores an epoch takes under a minute.

Run:
    python examples/gan_fashion_mnist.py --epochs 10 --out runs/example_gan
    python examples/gan_fashion_mnist.py --loss minimax --out runs/example_gan_minimax
    python examples/gan_fashion_mnist.py --smoke   # seconds, a tiny model

Writes into --out: snapshots/samples_epoch_*.png (the same 64 latent points
after every epoch), samples.png and model.keras.
"""

import argparse
import os

import keras

import keras_gen
from keras_gen.callbacks import ImageSnapshot, save_samples


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10, help="passes over the training set")
    parser.add_argument("--loss", default="non_saturating", help="non_saturating, minimax, least_squares, hinge")
    parser.add_argument("--out", default="runs/example_gan", help="output directory")
    parser.add_argument("--data", default="fashion_mnist", help="data set name (28x28 or 8x8 images)")
    parser.add_argument("--smoke", action="store_true", help="128 images, 1 epoch, a tiny model")
    args = parser.parse_args(argv)
    limit, epochs, units, latent_dim = (128, 1, 16, 8) if args.smoke else (None, args.epochs, 256, 64)

    # Pixels in (-1, 1), matching the generator's tanh output.
    train = keras_gen.data.load(args.data, batch_size=64, scale=(-1, 1), limit=limit)
    image_shape = keras_gen.data.info(args.data).image_shape
    gan = keras_gen.models.GAN.for_images(image_shape, latent_dim=latent_dim, units=units, loss=args.loss, seed=0)
    gan.compile()  # Adam(2e-4, beta_1=0.5) for both players
    history = gan.fit(train, epochs=epochs, callbacks=[ImageSnapshot(os.path.join(args.out, "snapshots"))],
                      verbose=2)
    scores = history.history
    print(f"{args.loss}: D(x) = {scores['real_score'][-1]:.2f}, D(G(z)) = {scores['fake_score'][-1]:.2f} "
          "in the last epoch")

    path = os.path.join(args.out, "model.keras")
    gan.save(path)
    reloaded = keras.saving.load_model(path)  # both networks and both optimizers' states
    samples = save_samples(reloaded, os.path.join(args.out, "samples.png"))
    print(f"Wrote {samples} and {path} ({type(reloaded).__name__}).")


if __name__ == "__main__":
    main()
