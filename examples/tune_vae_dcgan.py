"""
Title: Hyperparameter search for a VAE and a DCGAN with keras-tuner
Description: keras_gen's HyperModels with BayesianOptimization and Hyperband on Fashion-MNIST.

Full run on 2 CPU cores with its defaults: 7.4 minutes (measured 2026-12-05 on
an AMD EPYC, load 2.4, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

The VAE search minimizes the validation negative ELBO (nats per image); the
DCGAN search minimizes KID, computed on generated samples by the
`GenerativeMetrics` callback that `DCGANHyperModel` adds to every trial. The
script shows both ways to change a search space: narrowing it with fixed
hyperparameters (keras-tuner's `hyperparameters=` argument) and extending it
by subclassing.

Run:
    python examples/tune_vae_dcgan.py            # 6 VAE trials + a Hyperband DCGAN search, 20,000 images
    python examples/tune_vae_dcgan.py --smoke    # tiny searches, seconds

The defaults keep the run short on a laptop: 6 Bayesian-optimization trials of
3 epochs for the VAE, Hyperband up to 3 epochs for the DCGAN (with the widths
narrowed to 16 or 32 filters), both on the first 20,000 training images. A
larger search is a matter of flags, and takes many times longer (not measured):
    python examples/tune_vae_dcgan.py --max-trials 12 --epochs 5 --max-epochs 9 --train-images 0

Writes into --out: best_vae.keras, best_dcgan.keras, samples.png (samples of the
best DCGAN) and keras-tuner's projects vae/ and dcgan/.

The same searches, with less control, from the command line:
    keras-gen tune vae --data fashion_mnist --max-trials 12 --epochs 5 --out runs/vae
"""

import argparse
import os

import keras
import keras_tuner
import numpy as np

import keras_gen
from keras_gen.evaluation import ClassifierRecipe, domain_classifier, likelihood_metrics
from keras_gen.tuning import DCGANHyperModel, VAEHyperModel, trial_rows
from keras_gen.visualization import image_grid, save_grid


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--smoke", action="store_true", help="a tiny search, for CI")
    parser.add_argument("--out", default="runs/tune_vae_dcgan", help="output folder")
    parser.add_argument("--data", default="fashion_mnist", help="a labelled data set name")
    parser.add_argument("--max-trials", type=int, default=6, help="VAE trials (Bayesian optimization)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs of each VAE trial")
    parser.add_argument("--max-epochs", type=int, default=3, help="Hyperband's most epochs for one DCGAN")
    parser.add_argument("--train-images", type=int, default=20000, help="training images used (0: all)")
    args = parser.parse_args()
    for name in ("max_trials", "epochs", "max_epochs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}.")
    if args.train_images < 0:
        parser.error(f"--train-images must be 0 (all) or more, got {args.train_images}.")
    args.image_shape = keras_gen.data.info(args.data).image_shape
    # Smoke: 128 training images, tiny networks, 1-2 short trials per search.
    args.limit = 128 if args.smoke else (args.train_images or None)
    args.eval_images = 128 if args.smoke else 2000
    if args.smoke:
        args.max_trials, args.epochs, args.max_epochs = 1, 1, 2
    return args


# ---------------------------------------------------------------------------------
# 1. The VAE: Bayesian optimization of the validation negative ELBO
# ---------------------------------------------------------------------------------
def tune_vae(args):
    # A Bernoulli decoder models pixels in [0, 1].
    train = keras_gen.data.load(args.data, batch_size=128, scale=(0, 1), limit=args.limit)
    held_out, _ = keras_gen.data.load_numpy(
        args.data, "test", scale=(0, 1), limit=args.eval_images
    )

    hypermodel = VAEHyperModel(args.image_shape, seed=0)

    # Narrowing: hyperparameters declared here replace the HyperModel's defaults.
    # `Fixed` removes a dimension; a `Choice` with other values replaces its range.
    hp = keras_tuner.HyperParameters()
    hp.Fixed("beta", 1.0)  # the plain VAE
    if args.smoke:
        hp.Fixed("width", 8)
        hp.Fixed("hidden_units", 32)
        hp.Choice("latent_dim", [2, 4])

    tuner = keras_tuner.BayesianOptimization(
        hypermodel,
        objective=hypermodel.objective,  # val_negative_elbo, "min"
        max_trials=args.max_trials,
        hyperparameters=hp,
        directory=args.out,
        project_name="vae",
        overwrite=True,
        seed=1,
    )
    tuner.search_space_summary()
    # Callbacks are deep-copied for every trial; this one reads the objective,
    # which the HyperModel writes into the logs before it.
    early_stopping = keras.callbacks.EarlyStopping("val_negative_elbo", mode="min", patience=2)
    tuner.search(
        train, validation_data=held_out, epochs=args.epochs, callbacks=[early_stopping], verbose=2
    )

    best_vae = tuner.get_best_models(1)[0]
    best_vae.save(os.path.join(args.out, "best_vae.keras"))
    print(f"Wrote {args.out}/best_vae.keras")
    # A tighter likelihood bound than the ELBO for the chosen model.
    nll = likelihood_metrics(best_vae, held_out, num_importance_samples=8 if args.smoke else 100)
    print(f"Best VAE: {tuner.get_best_hyperparameters(1)[0].values}")
    print(
        f"  held-out IWAE NLL {nll['iwae_nll']:.2f} nats, negative ELBO {-nll['elbo']:.2f} nats"
    )
    return tuner


# ---------------------------------------------------------------------------------
# 2. The DCGAN: Hyperband on KID, with an extended search space
# ---------------------------------------------------------------------------------
class DCGANAugmentHyperModel(DCGANHyperModel):
    """Extending: the DCGAN space plus DiffAugment (Zhao et al., 2020) on or off."""

    def model_kwargs(self, hp):
        kwargs = super().model_kwargs(hp)
        kwargs["augment"] = "color,translation,cutout" if hp.Boolean("diffaugment") else None
        return kwargs


def tune_dcgan(args):
    train = keras_gen.data.load(args.data, batch_size=64, scale=(-1, 1), limit=args.limit)

    metrics_options = {}
    if args.smoke:
        # A quickly trained feature network; the default one (5 epochs on all
        # 60,000 images, about a minute) is trained once and cached.
        recipe = ClassifierRecipe(epochs=1, train_limit=2000)
        metrics_options = {
            "feature_extractor": domain_classifier(args.data, recipe=recipe),
            "kid_subset_size": 64,
        }
    hypermodel = DCGANAugmentHyperModel(
        args.image_shape,
        real_images=args.data,  # the first `num_samples` test images
        metric="kid",
        num_samples=args.eval_images,
        metrics_options=metrics_options,
        seed=0,
    )
    hp = keras_tuner.HyperParameters()
    if args.smoke:
        hp.Fixed("width", 8)
        hp.Fixed("latent_dim", 16)
    else:
        hp.Choice("width", [16, 32])  # narrows the HyperModel's 32, 64 or 128 filters: cheaper trials

    # Hyperband trains many models briefly and continues the best ones from
    # their checkpoints, so the trial count follows from max_epochs and factor.
    tuner = keras_tuner.Hyperband(
        hypermodel,
        objective=hypermodel.objective,  # val_kid, "min"
        max_epochs=args.max_epochs,
        factor=2 if args.smoke else 3,
        hyperparameters=hp,
        directory=args.out,
        project_name="dcgan",
        overwrite=True,
        seed=1,
    )
    if args.smoke:
        tuner.oracle.max_trials = 2
    tuner.search(train, verbose=2)

    best_gan = tuner.get_best_models(1)[0]
    best_gan.save(os.path.join(args.out, "best_dcgan.keras"))
    print(f"Wrote {args.out}/best_dcgan.keras")
    latent_points = np.random.default_rng(0).standard_normal((64, best_gan.latent_dim))
    samples = best_gan.generate(latent_points=latent_points.astype("float32"))
    grid_path = os.path.join(args.out, "samples.png")
    save_grid(image_grid(samples, best_gan.data_scale), grid_path)
    print(f"Wrote {grid_path}")
    print(f"Best DCGAN: {tuner.get_best_hyperparameters(1)[0].values}")
    return tuner


def main():
    args = parse_args()
    os.makedirs(args.out, exist_ok=True)
    vae_tuner = tune_vae(args)
    gan_tuner = tune_dcgan(args)
    for name, tuner in (("VAE", vae_tuner), ("DCGAN", gan_tuner)):
        objective = tuner.oracle.objective.name
        print(f"\n{name} trials, best first:")
        for row in trial_rows(tuner)[:5]:
            print(f"  trial {row['trial_id']}: {objective} = {row[objective]}")


if __name__ == "__main__":
    main()
