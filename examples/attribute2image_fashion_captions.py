"""Attribute2Image on fashion_captions: garments drawn from attribute vectors, in layers.

Full run on 2 CPU cores with its defaults: 3.0 minutes (measured 2026-12-04 on
an AMD EPYC, load 2.4, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

Attribute2Image (Yan et al., 2016) is a conditional VAE on a vector of
attributes y. Here y is fashion_captions' `attributes`: the class one-hot and
two measured attributes, brightness and size (keras_gen.data.fashion_attributes).
Its layered decoder draws a foreground and a gating mask from (y, z_fg) and a
background from z_bg alone, and composes them: g * fg + (1 - g) * bg.

The script trains it, then draws held-out combinations of words (the heldout
split: a class with a brightness and size never seen together in training),
sweeps brightness and size for one class with the latent point fixed, and shows
one sample's layers.

Run:
    python examples/attribute2image_fashion_captions.py --epochs 5 --out runs/example_a2i
    python examples/attribute2image_fashion_captions.py --smoke   # seconds: 256 images, a tiny model

Writes into --out: snapshots/samples_epoch_*.png (a row per attribute),
heldout.png (rows: held-out images | samples with their attributes),
sweep.png (a coat: brightness down the rows, size across the columns),
layers.png (foreground | mask | background | image) and model.keras.
"""

import argparse
import os

import keras
import numpy as np

import keras_gen
from keras_gen.callbacks import ImageSnapshot
from keras_gen.visualization import save_image_grid


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training set")
    parser.add_argument("--out", default="runs/example_a2i", help="output directory")
    parser.add_argument("--data", default="fashion_captions", help="a data set with fashion_captions' attributes "
                        "(fashion_captions or fashion_scenes)")
    parser.add_argument("--smoke", action="store_true", help="256 images, 1 epoch, a tiny model")
    args = parser.parse_args(argv)
    limit, epochs = (256, 1) if args.smoke else (None, args.epochs)
    sizes = {"latent_dim": 4, "width": 4, "hidden_units": 16} if args.smoke else {"latent_dim": 16}

    condition = keras_gen.data.info(args.data).conditions["attributes"]
    model = keras_gen.models.Attribute2Image.for_images((28, 28, 1), condition, seed=0, **sizes)
    model.compile()  # Adam(1e-3)
    train = keras_gen.data.load_batches(args.data, model.batch_kind, batch_size=128, limit=limit,
                                        scale=model.data_scale, conditions="attributes")
    model.fit(train, epochs=epochs, callbacks=[ImageSnapshot(os.path.join(args.out, "snapshots"), n=36)],
              verbose=2)

    # Word combinations the model never saw together: held-out images beside samples of their attributes.
    images, attributes = keras_gen.data.load_numpy(args.data, "heldout", scale=model.data_scale,
                                                   conditions="attributes", limit=10)
    samples = model.generate(len(images), conditions=attributes)
    save_image_grid(np.concatenate([images, samples]), os.path.join(args.out, "heldout.png"), model.data_scale,
                    columns=len(images))

    # One latent point, one class (coat): brightness down the rows, size across the columns.
    steps = np.linspace(0.2, 0.9, 5, dtype="float32")
    sweep = np.zeros((25, condition.shape[0]), "float32")
    sweep[:, 4] = 1.0
    sweep[:, 10], sweep[:, 11] = np.repeat(steps, 5), np.tile(steps, 5)
    point = np.zeros((25, model.latent_dim), "float32")
    save_image_grid(model.generate(latent_points=point, conditions=sweep), os.path.join(args.out, "sweep.png"),
                    model.data_scale, columns=5)

    layers = model.generate_layers(latent_points=point[:4] + np.arange(4, dtype="float32")[:, None],
                                   conditions=sweep[:4])
    grid = np.concatenate([layers[name] for name in ("foreground", "mask", "background", "image")])
    save_image_grid(grid, os.path.join(args.out, "layers.png"), model.data_scale, columns=4)

    path = os.path.join(args.out, "model.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path)
    same = np.allclose(reloaded.generate(latent_points=point, conditions=sweep),
                       model.generate(latent_points=point, conditions=sweep), atol=1e-6)
    print(f"Wrote {args.out}/heldout.png, sweep.png, layers.png and {path} (reloaded samples identical: {same}).")


if __name__ == "__main__":
    main()
