"""GAN-CLS with GAN-INT on fashion_captions: garments drawn from sentences.

Full run on 2 CPU cores with its defaults: 6.6 minutes (measured 2026-12-04 on
an AMD EPYC, load 2.1, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

GAN-CLS (Reed et al., 2016) is a GAN whose two players read a caption's vector
phi(t): the generator draws G(z, phi(t)), and the matching-aware discriminator
learns to reject real images with another example's caption as well as fakes.
GAN-INT also trains the generator on interpolations between two captions'
vectors. Here the captions are fashion_captions' sentences ("a large dark ankle
boot", "this sandal is small and light", ...), encoded by a bidirectional GRU
that learns with the discriminator.

The script trains it, then draws 8 samples for each of 8 test captions and 2
held-out ones (a class with a brightness and size never seen together in
training), one row per caption, and checks that the saved model draws the same.

Run:
    python examples/gan_cls_fashion_captions.py --epochs 5 --out runs/example_gan_cls
    python examples/gan_cls_fashion_captions.py --smoke   # seconds: 256 images, a tiny model

Writes into --out: snapshots/samples_epoch_*.png (a row per caption word),
captions.png (a row per caption), captions.txt (the rows' captions) and model.keras.
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
    parser.add_argument("--out", default="runs/example_gan_cls", help="output directory")
    parser.add_argument("--data", default="fashion_captions", help="a data set with fashion_captions' captions "
                        "(fashion_captions or fashion_scenes)")
    parser.add_argument("--smoke", action="store_true", help="256 images, 1 epoch, a tiny model")
    args = parser.parse_args(argv)
    limit, epochs = (256, 1) if args.smoke else (None, args.epochs)
    sizes = {"latent_dim": 8, "width": 4, "embedding_dim": 8} if args.smoke else {}

    captions = keras_gen.data.info(args.data).conditions["captions"]
    gan = keras_gen.models.GANCLS.for_images((28, 28, 1), captions, seed=0, **sizes)
    gan.compile()  # Adam(2e-4, beta_1=0.5) for both players
    train = keras_gen.data.load_batches(args.data, gan.batch_kind, batch_size=64, limit=limit,
                                        conditions="captions")
    gan.fit(train, epochs=epochs, callbacks=[ImageSnapshot(os.path.join(args.out, "snapshots"), n=40)], verbose=2)

    # 8 test captions and 2 held-out ones, 8 samples each with the same 8 latent points per row.
    _, test_ids = keras_gen.data.load_numpy(args.data, "test", conditions="captions", limit=8)
    _, heldout_ids = keras_gen.data.load_numpy(args.data, "heldout", conditions="captions", limit=2)
    rows = captions.detokenize(np.concatenate([test_ids, heldout_ids]))
    points = np.tile(np.random.default_rng(0).standard_normal((8, gan.latent_dim)).astype("float32"), (10, 1))
    conditions = [text for text in rows for _ in range(8)]
    samples = gan.generate(latent_points=points, conditions=conditions)
    save_image_grid(samples, os.path.join(args.out, "captions.png"), gan.data_scale, columns=8)
    with open(os.path.join(args.out, "captions.txt"), "w") as file:
        file.write("\n".join(f"{'held-out' if row >= 8 else 'test'}: {text}" for row, text in enumerate(rows)) + "\n")

    path = os.path.join(args.out, "model.keras")
    gan.save(path)
    reloaded = keras.saving.load_model(path)  # the vocabulary is saved with it: strings tokenize alike
    same = np.allclose(reloaded.generate(latent_points=points, conditions=conditions), samples, atol=1e-6)
    print(f"Wrote {args.out}/captions.png, captions.txt and {path} (reloaded samples identical: {same}).")


if __name__ == "__main__":
    main()
