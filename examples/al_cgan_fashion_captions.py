"""AL-CGAN on fashion_captions: garments drawn from attributes and a scene layout.

Full run on 2 CPU cores with its defaults: 3.6 minutes (measured 2026-12-04 on
an AMD EPYC, load 2.2, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

AL-CGAN (Karacan et al., 2016) is a conditional GAN whose players read an
attribute vector and a layout: the generator joins the attributes to z and the
layout, one map per region, to its input and to every upsampling stage; the
discriminator sees the layout as extra image channels and the attributes by
projection. Here the attributes are fashion_captions' class, brightness and
size, and the layout its 7x7 map of background, darker and lighter garment
cells, both measured on the pixels.

The script trains it, then draws, for 8 test images' layouts, the layout itself
and 6 samples with that image's attributes; then a brightness sweep on one
layout. It checks that the saved model draws the same.

Run:
    python examples/al_cgan_fashion_captions.py --epochs 5 --out runs/example_al_cgan
    python examples/al_cgan_fashion_captions.py --smoke   # seconds: 256 images, a tiny model

Writes into --out: snapshots/samples_epoch_*.png (a layout, then its samples, per row),
layouts.png (a test layout, then 6 samples, per row), brightness.png (one layout, brightness
from 0.1 to 0.9 along the row) and model.keras.
"""

import argparse
import os

import keras
import numpy as np

import keras_gen
from keras_gen.callbacks import ImageSnapshot
from keras_gen.models.conditional.layout_grid import layout_images
from keras_gen.visualization import save_image_grid

PARTS = ("attributes", "layout")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training set")
    parser.add_argument("--out", default="runs/example_al_cgan", help="output directory")
    parser.add_argument("--data", default="fashion_captions", help="a data set with fashion_captions' attributes "
                        "and layout (fashion_captions or fashion_scenes)")
    parser.add_argument("--smoke", action="store_true", help="256 images, 1 epoch, a tiny model")
    args = parser.parse_args(argv)
    limit, epochs = (256, 1) if args.smoke else (None, args.epochs)
    sizes = {"latent_dim": 8, "width": 4} if args.smoke else {}

    declared = keras_gen.data.info(args.data).conditions
    condition = {part: declared[part] for part in PARTS}
    gan = keras_gen.models.ConditionalGAN.for_images((28, 28, 1), condition=condition, seed=0, **sizes)
    gan.compile()  # Adam(2e-4, beta_1=0.5) for both players
    train = keras_gen.data.load_batches(args.data, gan.batch_kind, batch_size=64, limit=limit,
                                        conditions=list(PARTS))
    gan.fit(train, epochs=epochs, callbacks=[ImageSnapshot(os.path.join(args.out, "snapshots"), n=48)], verbose=2)

    # 8 test images' layouts and attributes: the layout, then 6 samples from the same 6 latent points.
    _, test = keras_gen.data.load_numpy(args.data, "test", conditions=list(PARTS), limit=8)
    points = np.tile(np.random.default_rng(0).standard_normal((6, gan.latent_dim)).astype("float32"), (8, 1))
    conditions = {part: np.repeat(values, 6, axis=0) for part, values in test.items()}
    samples = gan.generate(latent_points=points, conditions=conditions).reshape(8, 6, 28, 28, 1)
    shown = layout_images(test["layout"], condition["layout"].num_regions, (28, 28, 1), gan.data_scale)
    rows = np.concatenate([shown[:, None], samples], axis=1).reshape(-1, 28, 28, 1)
    save_image_grid(rows, os.path.join(args.out, "layouts.png"), gan.data_scale, columns=7)

    # One layout, one latent point, brightness from 0.1 to 0.9.
    brightness = condition["attributes"].names.index("brightness")
    sweep = {"attributes": np.repeat(test["attributes"][:1], 9, axis=0), "layout": np.repeat(test["layout"][:1], 9, 0)}
    sweep["attributes"][:, brightness] = np.linspace(0.1, 0.9, 9)
    swept = gan.generate(latent_points=np.repeat(points[:1], 9, axis=0), conditions=sweep)
    save_image_grid(swept, os.path.join(args.out, "brightness.png"), gan.data_scale, columns=9)

    path = os.path.join(args.out, "model.keras")
    gan.save(path)
    reloaded = keras.saving.load_model(path)  # the condition is saved with it
    same = np.allclose(reloaded.generate(latent_points=points, conditions=conditions).reshape(samples.shape),
                       samples, atol=1e-6)
    print(f"Wrote {args.out}/layouts.png, brightness.png and {path} (reloaded samples identical: {same}).")


if __name__ == "__main__":
    main()
