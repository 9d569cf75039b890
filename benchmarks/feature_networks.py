"""The Fashion-MNIST networks benchmark figures are measured with, and which figure comes from which.

- `default`: `domain_classifier("fashion_mnist")`, the network behind every
  published FID. It is also what SRGAN's content loss compares
  (`keras_gen.evaluation.content_network`) and what GAN inversion's feature
  loss compares in benchmarks/latent.py, so a model trained against it is
  partly scored on its own objective.
- `independent`: a second network for those models, different in recipe and
  seed: `ClassifierRecipe.accurate()` (two 3x3 convolutions per stage,
  dropout 0.4, 15 epochs) with seed 1. `accurate()` keeps the default seed 0,
  and with it the order the training images come in; seed 1 changes that and
  the initial weights. Trained once and cached like the default (about 7
  minutes on two CPU cores).
- `judge`: `quality.judge_classifier()`, the accurate recipe with seed 0, for
  class accuracy only (the `..._judge` fields).

A figure from the default network keeps its plain name (`fid`), one from
another network gets the network's suffix (`fid_independent`);
`describe(networks)` is the `feature_networks` entry of a result file.
"""

import dataclasses

import keras_gen

INDEPENDENT_SEED = 1
SUFFIXES = {"default": "", "independent": "_independent", "judge": "_judge"}


def independent_recipe():
    """`ClassifierRecipe.accurate()` with seed `INDEPENDENT_SEED`."""
    return dataclasses.replace(keras_gen.evaluation.ClassifierRecipe.accurate(), seed=INDEPENDENT_SEED)


def independent(dataset="fashion_mnist"):
    """The independent network of `dataset` (trained and cached on first use)."""
    return keras_gen.evaluation.domain_classifier(dataset, recipe=independent_recipe())


def load(dataset="fashion_mnist"):
    """`{"default": ..., "independent": ...}`: the two feature networks of `dataset`."""
    return {"default": keras_gen.evaluation.domain_classifier(dataset), "independent": independent(dataset)}


def describe(networks, fields=True):
    """For each `{role: FeatureExtractor}`: its cache name, recipe and test accuracy, and with `fields` the suffix
    of its result fields (roles of `SUFFIXES`)."""
    described = {role: {"network": network.name, "recipe": network.metadata.get("recipe"),
                        "test_accuracy": network.test_accuracy} for role, network in networks.items()}
    if fields:
        for role, entry in described.items():
            entry["fields"] = f"ending in {SUFFIXES[role]!r}" if SUFFIXES[role] else "without a network suffix"
    return described
