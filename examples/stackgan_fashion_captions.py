"""StackGAN on fashion_captions: garments drawn small from sentences, then refined.

Full run on 2 CPU cores with its defaults: 6.5 minutes (measured 2026-12-05 on
an AMD EPYC, load 2.9, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

StackGAN (Zhang et al., 2017) draws an image from a caption in two stages: stage I
draws a 14x14 sketch from noise and a condition c_hat, stage II refines it to
28x28 with residual blocks, and each stage has its own matching-aware
discriminator. c_hat comes from conditioning augmentation: a Gaussian around the
caption's vector, kept near N(0, I) by a KL term (logged as kl_loss). Here both
stages train together (train_stages=(1, 2)); `--phases` runs the paper's two
phases instead, stage I first, then stage II on stage I's frozen images.

The script trains it, then draws 8 samples for each of 8 test captions and 2
held-out ones, stage I and stage II side by side, and checks that the saved model
draws the same.

Run:
    python examples/stackgan_fashion_captions.py --epochs 5 --out runs/example_stackgan
    python examples/stackgan_fashion_captions.py --smoke   # seconds: 256 images, a tiny model

Writes into --out: snapshots/samples_epoch_*.png (a row per caption word),
stages.png (each caption's row of stage-I images, enlarged, above its row of final
images), captions.txt (the rows' captions) and model.keras.
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
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training set (per phase)")
    parser.add_argument("--out", default="runs/example_stackgan", help="output directory")
    parser.add_argument("--data", default="fashion_captions", help="a data set with fashion_captions' captions "
                        "(fashion_captions or fashion_scenes)")
    parser.add_argument("--phases", action="store_true", help="the paper's two phases instead of joint training")
    parser.add_argument("--smoke", action="store_true", help="256 images, 1 epoch, a tiny model")
    args = parser.parse_args(argv)
    limit, epochs = (256, 1) if args.smoke else (None, args.epochs)
    sizes = {"latent_dim": 8, "condition_dim": 4, "width": 4, "embedding_dim": 8, "num_blocks": 1} if args.smoke else {}

    captions = keras_gen.data.info(args.data).conditions["captions"]
    gan = keras_gen.models.StackGAN.for_images((28, 28, 1), captions, seed=0, **sizes)
    gan.compile()  # Adam(2e-4, beta_1=0.5) for both players
    train = keras_gen.data.load_batches(args.data, gan.batch_kind, batch_size=64, limit=limit,
                                        conditions="captions")
    snapshots = ImageSnapshot(os.path.join(args.out, "snapshots"), n=40)
    for stages in ([(1,), (2,)] if args.phases else [(1, 2)]):
        gan.train_stages = stages
        gan.fit(train, epochs=epochs, callbacks=[snapshots], verbose=2)

    # 8 test captions and 2 held-out ones, 8 samples each with the same 8 latent points (z, eps) per row.
    _, test_ids = keras_gen.data.load_numpy(args.data, "test", conditions="captions", limit=8)
    _, heldout_ids = keras_gen.data.load_numpy(args.data, "heldout", conditions="captions", limit=2)
    rows = captions.detokenize(np.concatenate([test_ids, heldout_ids]))
    points = np.tile(np.random.default_rng(0).standard_normal((8, gan.latent_dim)).astype("float32"), (10, 1))
    conditions = [text for text in rows for _ in range(8)]
    small, images = gan.generate(latent_points=points, conditions=conditions, return_stages=True)
    enlarged = np.repeat(np.repeat(small, gan.stage_factor, axis=1), gan.stage_factor, axis=2)
    both = np.stack([enlarged.reshape(10, 8, 28, 28, 1), images.reshape(10, 8, 28, 28, 1)], axis=1)
    save_image_grid(both.reshape(-1, 28, 28, 1), os.path.join(args.out, "stages.png"), gan.data_scale, columns=8)
    with open(os.path.join(args.out, "captions.txt"), "w") as file:
        file.write("\n".join(f"{'held-out' if row >= 8 else 'test'}: {text}" for row, text in enumerate(rows)) + "\n")

    path = os.path.join(args.out, "model.keras")
    gan.save(path)
    reloaded = keras.saving.load_model(path)  # the vocabulary and train_stages are saved with it
    same = np.allclose(reloaded.generate(latent_points=points, conditions=conditions), images, atol=1e-6)
    print(f"Wrote {args.out}/stages.png, captions.txt and {path} (reloaded samples identical: {same}).")


if __name__ == "__main__":
    main()
