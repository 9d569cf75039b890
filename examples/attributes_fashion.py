"""Attributes on fashion_captions: Attribute2Image (in layers) or AL-CGAN (with a layout) draws and edits garments.

Full run on 2 CPU cores with its defaults: not measured yet for this script.
The per-family scripts it replaced took 3.0 minutes (Attribute2Image) and 3.6
minutes (AL-CGAN), measured 2026-12-04 on an AMD EPYC, load 2.0, by
benchmarks/example_times.py. `--smoke` finishes in seconds.

The attributes are fashion_captions' `attributes`: the class one-hot and two
attributes measured on the pixels, brightness and size
(keras_gen.data.fashion_attributes), all in [0, 1].

- Attribute2Image (`--model attribute2image`, Yan et al., 2016) is a
  conditional VAE on the attribute vector y. Its layered decoder draws a
  foreground and a gating mask from (y, z_fg) and a background from z_bg alone,
  and composes them: g * fg + (1 - g) * bg.
- AL-CGAN (`--model al_cgan`, Karacan et al., 2016) is a conditional GAN on the
  attributes and a layout: fashion_captions' 7x7 map of background, darker and
  lighter garment cells. The generator joins the attributes to z and the
  layout, one map per region, to its input and to every upsampling stage; the
  discriminator sees the layout as extra channels and the attributes by
  projection.

The script trains the model and draws from attributes: Attribute2Image the
held-out word combinations (a class with a brightness and size never seen
together in training), a brightness x size sweep of one class and one sample's
layers; AL-CGAN 8 test images' layouts with 6 samples each and a brightness
sweep on one layout. Then both edit 8 test images with
`keras_gen.latent.edit_conditions`: brightness b -> b + 0.3 (capped at 1), the
rest of each image's condition its own (the VAE encodes the image, the GAN is
inverted). It checks that the saved model draws the same.

Run:
    python examples/attributes_fashion.py --epochs 5 --out runs/example_attribute2image
    python examples/attributes_fashion.py --model al_cgan --epochs 5 --out runs/example_al_cgan
    python examples/attributes_fashion.py --smoke   # seconds: 256 images, a tiny model

Writes into --out: snapshots/samples_epoch_*.png, edits.png (8 test images
above their brightness edits) and model.keras; Attribute2Image: heldout.png
(held-out images above samples of their attributes), sweep.png (a coat:
brightness down the rows, size across the columns), layers.png (rows:
foreground, mask, background, image); AL-CGAN: layouts.png (a test layout, then
6 samples, per row) and brightness.png (one layout, brightness 0.1 to 0.9).
"""

import argparse
import os

import keras
import numpy as np

import keras_gen
from keras_gen.callbacks import ImageSnapshot
from keras_gen.latent import edit_conditions
from keras_gen.models.conditional.layout_grid import layout_images
from keras_gen.visualization import save_image_grid

SMOKE_SIZES = {"attribute2image": {"latent_dim": 4, "width": 4, "hidden_units": 16},
               "al_cgan": {"latent_dim": 8, "width": 4}}
PARTS = {"attribute2image": "attributes", "al_cgan": ["attributes", "layout"]}
BRIGHTNESS_STEP = 0.3


def build(name, declared, sizes):
    """The model and its `compile()` defaults: Attribute2Image Adam(1e-3), AL-CGAN Adam(2e-4, beta_1=0.5)."""
    if name == "attribute2image":
        model = keras_gen.models.Attribute2Image.for_images((28, 28, 1), declared["attributes"], seed=0, **sizes)
    else:
        condition = {part: declared[part] for part in PARTS[name]}
        model = keras_gen.models.ConditionalGAN.for_images((28, 28, 1), condition=condition, seed=0, **sizes)
    model.compile()
    return model


def attribute2image_figures(model, data, out):
    """Held-out combinations, a brightness x size sweep and layers; returns (latent points, conditions) drawn."""
    images, attributes = keras_gen.data.load_numpy(data, "heldout", scale=model.data_scale,
                                                   conditions="attributes", limit=10)
    samples = model.generate(len(images), conditions=attributes)
    save_image_grid(np.concatenate([images, samples]), os.path.join(out, "heldout.png"), model.data_scale,
                    columns=len(images))

    names = model.condition.names
    steps = np.linspace(0.2, 0.9, 5, dtype="float32")
    sweep = np.zeros((25, len(names)), "float32")
    sweep[:, names.index("coat")] = 1.0
    sweep[:, names.index("brightness")], sweep[:, names.index("size")] = np.repeat(steps, 5), np.tile(steps, 5)
    point = np.zeros((25, model.latent_dim), "float32")
    save_image_grid(model.generate(latent_points=point, conditions=sweep), os.path.join(out, "sweep.png"),
                    model.data_scale, columns=5)

    layers = model.generate_layers(latent_points=point[:4] + np.arange(4, dtype="float32")[:, None],
                                   conditions=sweep[:4])
    grid = np.concatenate([layers[name] for name in ("foreground", "mask", "background", "image")])
    save_image_grid(grid, os.path.join(out, "layers.png"), model.data_scale, columns=4)
    return point, sweep


def al_cgan_figures(model, data, out):
    """8 test layouts with 6 samples each and a brightness sweep; returns (latent points, conditions) drawn."""
    _, test = keras_gen.data.load_numpy(data, "test", conditions=PARTS["al_cgan"], limit=8)
    points = np.tile(np.random.default_rng(0).standard_normal((6, model.latent_dim)).astype("float32"), (8, 1))
    conditions = {part: np.repeat(values, 6, axis=0) for part, values in test.items()}
    samples = model.generate(latent_points=points, conditions=conditions).reshape(8, 6, 28, 28, 1)
    shown = layout_images(test["layout"], model.condition["layout"].num_regions, (28, 28, 1), model.data_scale)
    rows = np.concatenate([shown[:, None], samples], axis=1).reshape(-1, 28, 28, 1)
    save_image_grid(rows, os.path.join(out, "layouts.png"), model.data_scale, columns=7)

    brightness = model.condition["attributes"].names.index("brightness")
    sweep = {"attributes": np.repeat(test["attributes"][:1], 9, axis=0), "layout": np.repeat(test["layout"][:1], 9, 0)}
    sweep["attributes"][:, brightness] = np.linspace(0.1, 0.9, 9)
    swept = model.generate(latent_points=np.repeat(points[:1], 9, axis=0), conditions=sweep)
    save_image_grid(swept, os.path.join(out, "brightness.png"), model.data_scale, columns=9)
    return points, conditions


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(PARTS), default="attribute2image", help="the attribute family")
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training set")
    parser.add_argument("--out", default=None, help="output directory (default: runs/example_<model>)")
    parser.add_argument("--data", default="fashion_captions", help="a data set with fashion_captions' attributes "
                        "and layout (fashion_captions or fashion_scenes)")
    parser.add_argument("--smoke", action="store_true", help="256 images, 1 epoch, a tiny model")
    args = parser.parse_args(argv)
    out = args.out or os.path.join("runs", f"example_{args.model}")
    limit, epochs = (256, 1) if args.smoke else (None, args.epochs)
    sizes = SMOKE_SIZES[args.model] if args.smoke else {}

    model = build(args.model, keras_gen.data.info(args.data).conditions, sizes)
    batch_size = 128 if args.model == "attribute2image" else 64  # each family's `keras-gen train` batch
    train = keras_gen.data.load_batches(args.data, model.batch_kind, batch_size=batch_size, limit=limit,
                                        scale=model.data_scale, conditions=PARTS[args.model])
    model.fit(train, epochs=epochs, callbacks=[ImageSnapshot(os.path.join(out, "snapshots"), n=36)], verbose=2)
    figures = attribute2image_figures if args.model == "attribute2image" else al_cgan_figures
    points, conditions = figures(model, args.data, out)

    # Edits: 8 test images made brighter by 0.3 (capped at 1), the rest of their own condition kept.
    images, own = keras_gen.data.load_numpy(args.data, "test", scale=model.data_scale,
                                            conditions=PARTS[args.model], limit=8)
    attributes, condition = (own["attributes"], model.condition["attributes"]) if isinstance(own, dict) else (
        own, model.condition)
    brighter = np.minimum(attributes[:, condition.names.index("brightness")] + BRIGHTNESS_STEP, condition.high)
    options = {"steps": 2} if args.smoke and args.model == "al_cgan" else {}  # GAN inversion steps (default 200)
    edited = edit_conditions(model, images, {"brightness": brighter}, conditions=own, **options)
    save_image_grid(np.concatenate([images, edited]), os.path.join(out, "edits.png"), model.data_scale, columns=8)

    path = os.path.join(out, "model.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path)  # the condition is saved with it
    same = np.allclose(reloaded.generate(latent_points=points, conditions=conditions),
                       model.generate(latent_points=points, conditions=conditions), atol=1e-6)
    print(f"Wrote {out}/edits.png and {path} (reloaded samples identical: {same}).")


if __name__ == "__main__":
    main()
