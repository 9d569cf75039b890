"""CycleGAN on Fashion-MNIST: sandals <-> sneakers without a single paired example.

Full run on 2 CPU cores with its defaults: 3.0 minutes (measured 2026-12-05 on
an AMD EPYC, load 2.5, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

CycleGAN (Zhu et al., 2017) learns two translations at once, A -> B and
B -> A, from two unpaired sets of images: adversarial losses make each
translation look like the other domain, cycle losses make A -> B -> A return
the image it started from. The domains here are two classes of one data set
(`keras_gen.data.load_unpaired(..., domain_a=["sandal"], domain_b=["sneaker"])`);
TFDS' `cycle_gan/horse2zebra` and friends work the same way for users online.

Run:
    python examples/cyclegan_fashion_mnist.py --epochs 5 --out runs/example_cyclegan
    python examples/cyclegan_fashion_mnist.py --smoke   # a few seconds, tiny models

Writes into --out: sandals_and_sneakers.png (rows A | A to B | A to B to A |
B | B to A | B to A to B), snapshots/ and the model.
"""

import argparse
import os

import numpy as np

import keras_gen
from keras_gen.callbacks import ImageSnapshot, LinearLearningRateDecay, save_translations


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="passes over the smaller domain")
    parser.add_argument("--out", default="runs/example_cyclegan", help="output directory")
    parser.add_argument("--data", default="fashion_mnist", help="data set name")
    parser.add_argument("--smoke", action="store_true", help="32 images per domain, 1 epoch, tiny models")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    limit, epochs, width, blocks = (32, 1, 4, 1) if args.smoke else (None, args.epochs, 16, 4)
    # Classes 5 and 7: sandal and sneaker in Fashion-MNIST.
    domains = {"domain_a": [5], "domain_b": [7]}

    train = keras_gen.data.load_unpaired(args.data, batch_size=16, limit=limit, **domains)
    held_out = keras_gen.data.load_unpaired(args.data, split="test", batch_size=8, shuffle=False, **domains)
    images_a, images_b = (np.asarray(part) for part in next(iter(held_out)))

    model = keras_gen.models.CycleGAN.for_images(images_a.shape[1:], width=width, num_blocks=blocks, seed=0)
    model.compile()  # four Adam(2e-4, beta_1=0.5)
    callbacks = [
        LinearLearningRateDecay(epochs=epochs, decay_start=epochs // 2),
        ImageSnapshot(os.path.join(args.out, "snapshots"), translation_images=(images_a, images_b)),
    ]
    model.fit(train, epochs=epochs, callbacks=callbacks, verbose=2)
    model.save(os.path.join(args.out, "model.keras"))
    cycle = np.abs(model.cycle(images_a) - images_a).mean()
    print(f"cycle reconstruction L1 (A -> B -> A) on held-out sandals: {cycle:.4f}")
    path = save_translations(model, images_a, images_b, os.path.join(args.out, "sandals_and_sneakers.png"))
    print(f"Wrote {path}.")


if __name__ == "__main__":
    main()
