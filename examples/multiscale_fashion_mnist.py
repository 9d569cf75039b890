"""Multi-scale GANs on Fashion-MNIST: a Laplacian pyramid of GANs, and a GAN that grows while it trains.

Full run on 2 CPU cores with its defaults: 8.7 minutes (measured 2026-12-04 on
an AMD EPYC, load 2.1, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

LAPGAN (Denton et al., 2015) makes an image coarse to fine: a GAN draws a 7x7
image, then at each finer level a conditional GAN draws the detail (the
band-pass residual) to add to the enlarged coarser image: 7 -> 14 -> 28. Every
level trains at once, on the pyramid the model builds from the real images.

Progressive GAN (Karras et al., 2018) trains one pair of networks that grows:
first at 7x7, then a 14x14 stage fades in, then 28x28. `fit` follows the
schedule by itself (`images_per_phase` real images per phase); `generate`
always returns 28x28 images, the current stage enlarged.

Run:
    python examples/multiscale_fashion_mnist.py --epochs 5 --out runs/example_multiscale
    python examples/multiscale_fashion_mnist.py --smoke   # a few seconds, tiny models

Writes into --out: lapgan/pyramid.png (each sample's levels, left to right),
lapgan/model.keras, progan/stage_<k>.png (samples at the end of each stage),
progan/samples.png and progan/model.keras.
"""

import argparse
import os

import keras

import keras_gen
from keras_gen.callbacks import save_samples


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training set, per model")
    parser.add_argument("--out", default="runs/example_multiscale", help="output directory")
    parser.add_argument("--data", default="fashion_mnist", help="data set name (28x28 or 8x8 images)")
    parser.add_argument("--smoke", action="store_true", help="128 images, 1 epoch, tiny models")
    args = parser.parse_args(argv)
    limit, epochs = (128, 1) if args.smoke else (None, args.epochs)
    tiny = {"latent_dim": 8, "width": 4} if args.smoke else {}
    image_shape = keras_gen.data.info(args.data).image_shape
    train = keras_gen.data.load(args.data, batch_size=32 if args.smoke else 64, scale=(-1, 1), limit=limit)

    # LAPGAN: 3 levels, every level's GAN trained on the real pyramid in each step.
    lapgan = keras_gen.models.LAPGAN.for_images(image_shape, levels=3 if image_shape[0] % 4 == 0 else 2,
                                                seed=0, **tiny)
    lapgan.compile()  # Adam(2e-4, beta_1=0.5) for every level's generator, and for every discriminator
    lapgan.fit(train, epochs=epochs, verbose=2)
    pyramid = lapgan.generate(4, return_pyramid=True)
    print("lapgan: pyramid " + " -> ".join(f"{level.shape[1]}x{level.shape[2]}" for level in pyramid))
    save_samples(lapgan, os.path.join(args.out, "lapgan", "pyramid.png"), n=16)
    lapgan.save(os.path.join(args.out, "lapgan", "model.keras"))

    # Progressive GAN: grows by itself inside fit; a grid of samples at the end of each stage.
    progan = keras_gen.models.ProgressiveGAN.for_images(
        image_shape, images_per_phase=32 if args.smoke else 30_000, seed=0, **tiny)
    progan.compile()  # Adam(1e-3, beta_1=0, beta_2=0.99) for both players
    shown = [progan.stage]

    def snapshot_finished_stage(batch, logs):
        if progan.stage != shown[-1]:  # the networks still show the stage that just ended
            save_samples(progan, os.path.join(args.out, "progan", f"stage_{shown[-1]}.png"), n=36)
            shown.append(progan.stage)

    progan.fit(train, epochs=epochs, verbose=2,
               callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=snapshot_finished_stage)])
    print(f"progan: stage {progan.stage} of {progan.resolutions} (alpha {progan.alpha:.2f}) "
          f"after {progan.images_seen} images")
    path = os.path.join(args.out, "progan", "model.keras")
    progan.save(path)
    reloaded = keras.saving.load_model(path)
    samples = save_samples(reloaded, os.path.join(args.out, "progan", "samples.png"), n=36)
    print(f"Wrote {samples} and {path} ({type(reloaded).__name__} at stage {reloaded.stage}).")


if __name__ == "__main__":
    main()
