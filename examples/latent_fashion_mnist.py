"""What to do with a latent space: a conditional VAE, walks, traversals, concept vectors, GAN inversion.

Full run on 2 CPU cores with its defaults: 9.0 minutes (measured 2026-12-04 on
an AMD EPYC, load 2.1, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

Trains three small models on Fashion-MNIST with plain `fit()`:

- a conditional VAE (Sohn et al., 2015) on `(images, labels)`, with a learned
  Gaussian prior per class: it generates a chosen class, and one
  standard-normal point mapped into each class's prior shows a "style" in
  every class;
- a VAE, whose encoder maps images to latent points: we walk between two test
  images (slerp), traverse two latent dimensions, and compute the concept
  vector "sneaker -> ankle boot" (mean code of boots minus mean code of
  sneakers) and add it to test sneakers;
- a DCGAN, which has no encoder: images are projected into its latent space by
  optimization (`keras_gen.latent.invert`, Zhu et al., 2016), then edited with
  the same kind of vector.

Run:
    python examples/latent_fashion_mnist.py --epochs 5 --out runs/example_latent
    python examples/latent_fashion_mnist.py --smoke   # seconds, tiny models

Writes into --out: cvae_classes.png (a row per class), cvae_styles.png (a
column per latent point, a row per class), walk.gif, traversal.png,
vae_edit.png and dcgan_edit.png (rows: sneaker | reconstruction | +0.5, +1,
+1.5 x vector), inversion.png (test image | DCGAN inversion) and the models.
"""

import argparse
import os

import numpy as np

import keras_gen
from keras_gen import latent
from keras_gen.callbacks import save_samples

SNEAKER, ANKLE_BOOT = 7, 9  # Fashion-MNIST class indices (digits 7 and 9 with --data digits)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training set per model")
    parser.add_argument("--out", default="runs/example_latent", help="output directory")
    parser.add_argument("--data", default="fashion_mnist", help="data set name (28x28 or 8x8 images)")
    parser.add_argument("--smoke", action="store_true", help="128 images, 1 epoch, tiny models")
    args = parser.parse_args(argv)
    limit, epochs, width, steps = (128, 1, 8, 3) if args.smoke else (None, args.epochs, 32, 200)
    info = keras_gen.data.info(args.data)
    shape = info.image_shape
    os.makedirs(args.out, exist_ok=True)

    # 1. A conditional VAE trains on (images, labels) batches.
    cvae = keras_gen.models.ConditionalVAE.for_images(shape, num_classes=info.num_classes, latent_dim=16,
                                                      width=width, seed=0)
    cvae.compile()
    cvae.fit(keras_gen.data.load(args.data, batch_size=64, scale=(0, 1), labels=True, limit=limit),
             epochs=epochs, verbose=2)
    cvae.save(os.path.join(args.out, "cvae.keras"))
    save_samples(cvae, os.path.join(args.out, "cvae_classes.png"), n=80)  # a row per class
    styles = np.random.default_rng(0).standard_normal((8, cvae.latent_dim)).astype("float32")
    by_class = np.stack([
        cvae.generate(latent_points=cvae.prior_points(styles, np.full(8, k)), labels=np.full(8, k))
        for k in range(cvae.num_classes)
    ])
    latent.save_image_grid(by_class, os.path.join(args.out, "cvae_styles.png"), cvae.data_scale)

    # 2. A VAE: walk, traverse, and a concept vector through its encoder.
    vae = keras_gen.models.VAE.for_images(shape, latent_dim=16, width=width, seed=0)
    vae.compile()
    vae.fit(keras_gen.data.load(args.data, batch_size=128, scale=(0, 1), limit=limit), epochs=epochs, verbose=2)
    vae.save(os.path.join(args.out, "vae.keras"))
    train_images, train_labels = keras_gen.data.load_numpy(args.data, "train", scale=(0, 1), limit=limit or 20000)
    test_images, test_labels = keras_gen.data.load_numpy(args.data, "test", scale=(0, 1))
    walks = np.stack([latent.interpolate(vae, test_images[i], test_images[i + 1], steps=10) for i in range(0, 8, 2)])
    latent.save_animation(walks, os.path.join(args.out, "walk.gif"), vae.data_scale)
    latent.save_image_grid(latent.traverse(vae, dims=[0, 1, 2, 3]), os.path.join(args.out, "traversal.png"),
                           vae.data_scale)
    boots, sneakers = train_images[train_labels == ANKLE_BOOT], train_images[train_labels == SNEAKER]
    test_sneakers = test_images[test_labels == SNEAKER][:8]
    vector = latent.concept_vector(vae, boots, sneakers)
    edits = latent.apply_vector(vae, test_sneakers, vector, strengths=[0.0, 0.5, 1.0, 1.5])
    grid = np.concatenate([test_sneakers[:, None], edits], axis=1)
    latent.save_image_grid(grid, os.path.join(args.out, "vae_edit.png"), vae.data_scale)

    # 3. A DCGAN has no encoder: invert images by optimization, then edit them the same way.
    gan = keras_gen.models.DCGAN.for_images(shape, latent_dim=64, width=width, seed=0)
    gan.compile()
    gan.fit(keras_gen.data.load(args.data, batch_size=64, scale=(-1, 1), limit=limit), epochs=epochs, verbose=2)
    gan.save(os.path.join(args.out, "dcgan.keras"))
    to_gan = (lambda x: x * 2.0 - 1.0)  # the GAN works in (-1, 1)
    inverted = latent.invert(gan, to_gan(test_images[:8]), steps=steps, verbose=1)
    print(f"inversion pixel MSE after {steps} steps: {inverted.pixel_error.mean():.4f} "
          f"(start {inverted.history['pixel_error'][0]:.4f})")
    latent.save_image_grid(np.stack([to_gan(test_images[:8]), inverted.reconstructions], axis=1),
                           os.path.join(args.out, "inversion.png"), gan.data_scale)
    count = 200 if args.smoke else 500
    gan_vector = latent.concept_vector(gan, to_gan(boots[:count]), to_gan(sneakers[:count]), steps=steps)
    gan_edits = latent.apply_vector(gan, to_gan(test_sneakers), gan_vector, [0.0, 0.5, 1.0, 1.5], steps=steps)
    grid = np.concatenate([to_gan(test_sneakers)[:, None], gan_edits], axis=1)
    path = latent.save_image_grid(grid, os.path.join(args.out, "dcgan_edit.png"), gan.data_scale)
    print(f"Wrote {path} and the other figures.")


if __name__ == "__main__":
    main()
