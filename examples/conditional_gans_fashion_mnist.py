"""Labels, codes and encoders in the adversarial game: cGAN, AC-GAN, InfoGAN, BiGAN, semi-supervised GAN.

Full run on 2 CPU cores with its defaults: 21.0 minutes (measured 2026-12-04 on
an AMD EPYC, load 2.1, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

Five families on Fashion-MNIST, each a `keras.Model` trained with plain `fit()`:

- `cgan`: the conditional GAN (Mirza & Osindero, 2014): `fit(images, labels)`,
  then `generate(n, labels=...)` draws the class you ask for;
- `acgan`: AC-GAN (Odena et al., 2017), whose discriminator also classifies
  (`classify(images)`);
- `infogan`: InfoGAN (Chen et al., 2016): no labels; a 10-way categorical code
  and 2 continuous codes that the model gives a meaning of its own;
- `bigan`: BiGAN (Donahue et al., 2017): a GAN that also learns an encoder; a
  linear classifier on its codes measures what it learned without labels;
- `ssgan`: the semi-supervised GAN (Salimans et al., 2016), trained with only
  1,000 labels (`keras_gen.data.load(..., labels=True, labelled=1000, labelled_share=0.5)`).

Each is watched by `keras_gen.callbacks.ModeCollapseMonitor`, which logs how many
classes the samples cover and warns when that drops.

Run:
    python examples/conditional_gans_fashion_mnist.py --models cgan,acgan --epochs 5
    python examples/conditional_gans_fashion_mnist.py --smoke   # all five, tiny, seconds

Writes into --out/<model>: model.keras, samples.png (a row per class, or per
categorical code for InfoGAN) and, where a family has one, a printed score.
"""

import argparse
import os

import numpy as np
from sklearn.linear_model import LogisticRegression

import keras_gen
from keras_gen.callbacks import ModeCollapseMonitor, save_samples
from keras_gen.evaluation import ClassifierRecipe, domain_classifier

FAMILIES = ("cgan", "acgan", "infogan", "bigan", "ssgan")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(FAMILIES), help="comma-separated: " + ", ".join(FAMILIES))
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training set per model")
    parser.add_argument("--out", default="runs/example_conditional_gans", help="output directory")
    parser.add_argument("--data", default="fashion_mnist", help="data set name (28x28 or 8x8 images)")
    parser.add_argument("--smoke", action="store_true", help="128 images, 1 epoch, tiny models")
    args = parser.parse_args(argv)
    limit, epochs, width = (128, 1, 8) if args.smoke else (None, args.epochs, 32)
    info = keras_gen.data.info(args.data)
    test_images, test_labels = keras_gen.data.load_numpy(args.data, "test", scale=(-1, 1), limit=1000 if args.smoke else None)
    # The monitor labels samples with the data set's classifier (None: the default one, trained
    # once in about a minute and cached); --smoke trains a rougher one in seconds.
    classifier = None
    if args.smoke:
        recipe = ClassifierRecipe(epochs=1, train_limit=1000, feature_dim=32)
        classifier = domain_classifier(args.data, recipe=recipe, verbose=0)

    for name in args.models.split(","):
        family = keras_gen.families.get(name)
        options = {"num_classes": info.num_classes} if name in ("cgan", "acgan", "ssgan") else {}
        model = family.build(info.image_shape, seed=0, width=width, **options)  # compiled with the paper's Adam
        labels = model.batch_kind == "images_labels"
        # The semi-supervised GAN keeps 1,000 labels; half of each batch is labelled.
        few = {"labelled": 1000 if limit is None else 50, "labelled_share": 0.5} if name == "ssgan" else {}
        data = keras_gen.data.load(args.data, batch_size=64, scale=(-1, 1), labels=labels, limit=limit, **few)
        monitor = ModeCollapseMonitor(args.data, num_samples=200 if args.smoke else 2000, feature_extractor=classifier)
        model.fit(data, epochs=epochs, callbacks=[monitor], verbose=2)
        out = os.path.join(args.out, name)
        os.makedirs(out, exist_ok=True)
        model.save(os.path.join(out, "model.keras"))
        save_samples(model, os.path.join(out, "samples.png"), n=100)
        if name in ("acgan", "ssgan"):
            accuracy = np.mean(model.classify(test_images).argmax(axis=1) == test_labels)
            print(f"{name}: test accuracy of classify() = {accuracy:.3f}")
        if name == "bigan":
            train_images, train_labels = keras_gen.data.load_numpy(args.data, "train", scale=(-1, 1),
                                                                   limit=limit or 10000)
            probe = LogisticRegression(max_iter=1000).fit(model.encode(train_images), train_labels)
            print(f"bigan: linear classifier on E(x), test accuracy = {probe.score(model.encode(test_images), test_labels):.3f}")
        print(f"{name}: classes covered by the samples = {monitor.last_results['classes_covered']:.0f}")
    print(f"Wrote {args.out}/ (a folder per model).")


if __name__ == "__main__":
    main()
