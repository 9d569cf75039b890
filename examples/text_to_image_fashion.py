"""Text to image on fashion_captions: GAN-CLS or StackGAN draws garments from sentences.

Full run on 2 CPU cores with its defaults: not measured yet for this script.
The per-family scripts it replaced took 6.6 minutes (GAN-CLS) and 6.5 minutes
(StackGAN), measured 2026-12-04 on an AMD EPYC, load 2.0, by
benchmarks/example_times.py. `--smoke` finishes in seconds.

Both models read a caption's vector phi(t), made by a bidirectional GRU text
encoder that learns with the discriminator:

- GAN-CLS (`--model gan_cls`, Reed et al., 2016): the generator draws G(z, phi(t));
  the matching-aware discriminator learns to reject real images with another
  example's caption as well as fakes; GAN-INT also trains the generator on
  interpolations between two captions' vectors.
- StackGAN (`--model stackgan`, Zhang et al., 2017): conditioning augmentation
  samples c from N(mu(phi(t)), sigma(phi(t))); stage I draws 14x14 from (z, c),
  stage II refines it to 28x28, each with its own matching-aware discriminator.
  Both stages train together (Zhang et al.'s later joint training); `--phases`
  gives the paper's two phases.

The captions are fashion_captions' sentences ("a large dark ankle boot", "this
sandal is small and light", ...). The script trains the model, then draws 8
samples for each of 8 test captions and 2 held-out ones (a class with a
brightness and size never seen together in training), one row per caption, and
walks between two captions with z fixed (Reed et al.'s interpolation: the style
stays, the content moves). It checks that the saved model draws the same.

Run:
    python examples/text_to_image_fashion.py --epochs 5 --out runs/example_gan_cls
    python examples/text_to_image_fashion.py --model stackgan --epochs 5 --out runs/example_stackgan
    python examples/text_to_image_fashion.py --smoke   # seconds: 256 images, a tiny model

Writes into --out: snapshots/samples_epoch_*.png (a row per caption word),
captions.png (a row per caption), captions.txt (the rows' captions), walk.png
(rows: a caption walk for 4 latent points; walk.txt names its ends),
StackGAN only: stages.png (per caption, a row of stage I enlarged above a row
of stage II), and model.keras.
"""

import argparse
import os

import keras
import numpy as np

import keras_gen
from keras_gen.callbacks import ImageSnapshot
from keras_gen.latent import interpolate_conditions
from keras_gen.visualization import save_image_grid

SMOKE_SIZES = {
    "gan_cls": {"latent_dim": 8, "width": 4, "embedding_dim": 8},
    "stackgan": {"latent_dim": 8, "condition_dim": 4, "width": 4, "embedding_dim": 8, "num_blocks": 1},
}
MODELS = {"gan_cls": keras_gen.models.GANCLS, "stackgan": keras_gen.models.StackGAN}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="gan_cls", help="the text-to-image family")
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training set (per phase)")
    parser.add_argument("--out", default=None, help="output directory (default: runs/example_<model>)")
    parser.add_argument("--data", default="fashion_captions", help="a data set with fashion_captions' captions "
                        "(fashion_captions or fashion_scenes)")
    parser.add_argument("--phases", action="store_true",
                        help="StackGAN only: the paper's two phases (stage I, then stage II) instead of joint training")
    parser.add_argument("--smoke", action="store_true", help="256 images, 1 epoch, a tiny model")
    args = parser.parse_args(argv)
    if args.phases and args.model != "stackgan":
        parser.error("--phases trains StackGAN's two stages one after the other; use it with --model stackgan")
    out = args.out or os.path.join("runs", f"example_{args.model}")
    limit, epochs = (256, 1) if args.smoke else (None, args.epochs)
    sizes = SMOKE_SIZES[args.model] if args.smoke else {}

    captions = keras_gen.data.info(args.data).conditions["captions"]
    gan = MODELS[args.model].for_images((28, 28, 1), captions, seed=0, **sizes)
    gan.compile()  # Adam(2e-4, beta_1=0.5) for both players
    train = keras_gen.data.load_batches(args.data, gan.batch_kind, batch_size=64, limit=limit,
                                        conditions="captions")
    snapshots = ImageSnapshot(os.path.join(out, "snapshots"), n=40)
    for stages in ([(1,), (2,)] if args.phases else [None]):
        if stages is not None:
            gan.train_stages = stages
        gan.fit(train, epochs=epochs, callbacks=[snapshots], verbose=2)

    # 8 test captions and 2 held-out ones, 8 samples each with the same 8 latent points per row.
    _, test_ids = keras_gen.data.load_numpy(args.data, "test", conditions="captions", limit=8)
    _, heldout_ids = keras_gen.data.load_numpy(args.data, "heldout", conditions="captions", limit=2)
    rows = captions.detokenize(np.concatenate([test_ids, heldout_ids]))
    points = np.tile(np.random.default_rng(0).standard_normal((8, gan.latent_dim)).astype("float32"), (10, 1))
    conditions = [text for text in rows for _ in range(8)]
    if args.model == "stackgan":
        small, samples = gan.generate(latent_points=points, conditions=conditions, return_stages=True)
        enlarged = np.repeat(np.repeat(small, gan.stage_factor, axis=1), gan.stage_factor, axis=2)
        both = np.stack([enlarged.reshape(10, 8, 28, 28, 1), samples.reshape(10, 8, 28, 28, 1)], axis=1)
        save_image_grid(both.reshape(-1, 28, 28, 1), os.path.join(out, "stages.png"), gan.data_scale, columns=8)
    else:
        samples = gan.generate(latent_points=points, conditions=conditions)
    save_image_grid(samples, os.path.join(out, "captions.png"), gan.data_scale, columns=8)
    with open(os.path.join(out, "captions.txt"), "w") as file:
        file.write("\n".join(f"{'held-out' if row >= 8 else 'test'}: {text}" for row, text in enumerate(rows)) + "\n")

    # A walk between the first two test captions' embeddings, for 4 fixed latent points.
    walk = np.concatenate([interpolate_conditions(gan, rows[0], rows[1], steps=8, latent_point=point)
                           for point in points[:4]])
    save_image_grid(walk, os.path.join(out, "walk.png"), gan.data_scale, columns=8)
    with open(os.path.join(out, "walk.txt"), "w") as file:
        file.write(f"from: {rows[0]}\nto: {rows[1]}\n")

    path = os.path.join(out, "model.keras")
    gan.save(path)
    reloaded = keras.saving.load_model(path)  # the vocabulary (and StackGAN's train_stages) are saved with it
    same = np.allclose(reloaded.generate(latent_points=points, conditions=conditions), samples, atol=1e-6)
    print(f"Wrote {out}/captions.png, captions.txt, walk.png and {path} (reloaded samples identical: {same}).")


if __name__ == "__main__":
    main()
