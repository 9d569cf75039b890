"""The pictures of docs/latent.md, from the models `benchmarks/latent.py` trained and saved.

    python benchmarks/latent_figures.py --models-dir benchmarks/results/latent_models --out docs/images
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np

import keras_gen
from keras_gen import latent
from keras_gen.callbacks import save_samples

SNEAKER, ANKLE_BOOT = 7, 9


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", default="benchmarks/results/latent_models")
    parser.add_argument("--out", default="docs/images")
    parser.add_argument("--only-cvae", action="store_true", help="only the conditional VAE's two pictures")
    args = parser.parse_args(argv)
    out = lambda name: os.path.join(args.out, name)

    cvae = keras.saving.load_model(os.path.join(args.models_dir, "cvae.keras"))
    save_samples(cvae, out("cvae_classes.png"), n=100, seed=0)
    # Column j: the same standard-normal point j, mapped into each class's prior (row k).
    styles = np.random.default_rng(1).standard_normal((10, cvae.latent_dim)).astype("float32")
    by_class = np.stack([
        cvae.generate(latent_points=cvae.prior_points(styles, np.full(10, k)), labels=np.full(10, k))
        for k in range(10)
    ])
    latent.save_image_grid(by_class, out("cvae_styles.png"), cvae.data_scale)
    if args.only_cvae:
        return
    vae, gan = (keras.saving.load_model(os.path.join(args.models_dir, f"{name}.keras")) for name in ("vae", "dcgan"))

    x, y = keras_gen.data.load_numpy("fashion_mnist", "test", scale=(0, 1))
    train_x, train_y = keras_gen.data.load_numpy("fashion_mnist", "train", scale=(0, 1))
    walks = np.stack([latent.interpolate(vae, x[i], x[i + 1], steps=10) for i in range(0, 12, 2)])
    latent.save_animation(walks, out("latent_walk.gif"), vae.data_scale, fps=6)
    latent.save_image_grid(walks, out("latent_walk.png"), vae.data_scale)
    rng = np.random.default_rng(0)
    points = rng.standard_normal((12, gan.latent_dim)).astype("float32")
    gan_walks = np.stack([
        np.stack([latent.interpolate(gan, points[i], points[i + 1], steps=10, method=method)
                  for i in range(0, 12, 2)])
        for method in ("slerp", "linear")
    ])
    latent.save_image_grid(gan_walks[0], out("dcgan_walk_slerp.png"), gan.data_scale)
    latent.save_image_grid(gan_walks[1], out("dcgan_walk_linear.png"), gan.data_scale)
    latent.save_image_grid(latent.traverse(vae, dims=range(8), values=np.linspace(-2.5, 2.5, 9)),
                           out("vae_traversal.png"), vae.data_scale)

    sneakers = x[y == SNEAKER][:8]
    vector = latent.concept_vector(vae, train_x[train_y == ANKLE_BOOT][:1000], train_x[train_y == SNEAKER][:1000])
    edits = latent.apply_vector(vae, sneakers, vector, [0.0, 0.5, 1.0, 1.5, 2.0])
    latent.save_image_grid(np.concatenate([sneakers[:, None], edits], 1), out("vae_edit.png"), vae.data_scale)

    to_gan = lambda images: images * 2.0 - 1.0
    gan_vector = latent.concept_vector(gan, to_gan(train_x[train_y == ANKLE_BOOT][:300]),
                                       to_gan(train_x[train_y == SNEAKER][:300]), steps=150)
    gan_edits = latent.apply_vector(gan, to_gan(sneakers), gan_vector, [0.0, 0.5, 1.0, 1.5, 2.0], steps=200)
    latent.save_image_grid(np.concatenate([to_gan(sneakers)[:, None], gan_edits], 1), out("dcgan_edit.png"),
                           gan.data_scale)
    targets = to_gan(x[:10])
    steps = [0, 50, 200, 500]
    rows = [targets]
    for count in steps:
        rows.append(latent.invert(gan, targets, steps=count, start_candidates=1).reconstructions)
    latent.save_image_grid(np.stack(rows, 1), out("dcgan_inversion.png"), gan.data_scale)
    print("wrote", sorted(os.listdir(args.out)))


if __name__ == "__main__":
    main()
