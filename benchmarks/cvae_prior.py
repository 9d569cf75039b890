"""Conditional VAE: which prior and latent size make class-conditioned samples recognizable.

Trains one conditional VAE per variant for `--budget-minutes` (or until it has
seen `--images` real images) each on Fashion-MNIST (batch 64, `compile()`
defaults), then asks keras_gen's
Fashion-MNIST classifier how often 500 samples of each class, drawn with
`generate(n, labels=...)`, are labelled as that class. A variant is
`PRIOR_LATENTDIM[_OPTION...]`: `learned_16_planes8_beta2` is the default
model, `learned_16_planes8` the one before (KL weight 1), `learned_16` the one
before that (no label feature maps in the decoder),
`standard_16` that with N(0, I) as every class's prior; options `planesK` (K
learned label feature maps before every decoder stage,
`for_images(label_planes=K)`; without it, `label_planes=0`), `betaB` (the
KL weight B; without it, 1), `widthW` (`width=W`) and `layersL` (`layers_per_stage=L`).

    python benchmarks/cvae_prior.py --budget-minutes 4 --variants standard_16,learned_16,learned_8,learned_4
    python benchmarks/cvae_prior.py --budget-minutes 15 --variants learned_4 --samples-per-class 1000 --fid
    python benchmarks/cvae_prior.py --budget-minutes 4 --variants learned_16,learned_16_planes8,learned_16_beta0.5

Run it alone on the machine (training is budgeted by wall-clock time unless
`--images` is given); only compare variants measured in the same run.
"""

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import budget
import feature_networks
import keras
import provenance
from quality import accuracy_row, class_accuracy, judge_classifier

import keras_gen

# Variant option prefix -> (for_images argument, how to read the number after the prefix).
VARIANT_OPTIONS = {
    "planes": ("label_planes", int),
    "beta": ("beta", float),
    "width": ("width", int),
    "layers": ("layers_per_stage", int),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    budget.add_arguments(parser, minutes=4.0)
    parser.add_argument("--variants", default="standard_16,learned_16,learned_8,learned_4")
    parser.add_argument("--samples-per-class", type=int, default=500)
    parser.add_argument("--fid", action="store_true",
                        help="also the FID of 10,000 samples (the classes in turn) against the test set")
    parser.add_argument("--save-dir", help="save each trained model here as VARIANT.keras")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights, the data order and the samples")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    budget.check(parser, args)
    run = provenance.start()
    extractor = keras_gen.evaluation.domain_classifier("fashion_mnist")
    judge = judge_classifier()
    results = {**budget.record(args), "seed": args.seed, "samples_per_class": args.samples_per_class,
               "classifier_test_accuracy": {"feature network": extractor.test_accuracy, "judge": judge.test_accuracy},
               "feature_networks": feature_networks.describe({"default": extractor, "judge": judge})}
    for variant in args.variants.split(","):
        prior, latent_dim, *options = variant.split("_")
        kwargs = {"label_planes": 0, "beta": 1.0}
        for option in options:
            prefix = next((prefix for prefix in VARIANT_OPTIONS if option.startswith(prefix)), None)
            if prefix is None:
                parser.error(f"unknown variant option {option!r} in {variant!r}: use planesK, betaB, widthW or layersL")
            argument, convert = VARIANT_OPTIONS[prefix]
            kwargs[argument] = convert(option[len(prefix):])
        keras.utils.set_random_seed(args.seed)
        model = keras_gen.models.ConditionalVAE.for_images((28, 28, 1), num_classes=10, latent_dim=int(latent_dim),
                                                           prior=prior, seed=args.seed, **kwargs)
        model.compile()
        data = keras_gen.data.load("fashion_mnist", batch_size=64, scale=model.data_scale, seed=args.seed, labels=True)
        stop = budget.callback(args, 64)
        model.fit(data, epochs=1000, verbose=0, callbacks=[stop])
        per_class, _, judged = class_accuracy(model, extractor, args.samples_per_class, judge=judge)
        results[variant] = {**budget.training_row(stop, 64), **accuracy_row(per_class, judged)}
        if args.fid:
            scores = keras_gen.evaluation.evaluate(model, "fashion_mnist", split="test", num_samples=10000,
                                                   metrics=("fid", "kid", "precision", "recall"))
            results[variant].update({k: float(v) for k, v in scores.items()})
        if args.save_dir:
            os.makedirs(args.save_dir, exist_ok=True)
            model.save(os.path.join(args.save_dir, f"cvae_{variant}.keras"))
        print(variant, json.dumps(results[variant]), flush=True)
    if args.json:
        provenance.write_json(args.json, results, run)


if __name__ == "__main__":
    main()
