"""Multi-scale GANs on Fashion-MNIST at equal wall-clock budgets: Progressive GAN, LAPGAN, and DCGAN as reference.

Each model is built as `keras-gen train NAME` builds it (registry defaults,
batch 64) and trains on the 60,000 training images for `--budget-minutes`
(15) of wall-clock time, one after the other in this process, so compare only
rows of one run. Then `--num-samples` (10,000) samples are scored against the
10,000 test images on keras_gen's Fashion-MNIST feature network: FID, KID,
precision, recall and classes covered, for `generate` (the moving average of
the generator, where there is one) and for the raw generator. No model trains
against that network. `--independent` also scores the end of training on the
independent feature network (`feature_networks.py`).

Every `--every-minutes` (3) of training, the models of `--curves` (progan and
dcgan) are scored on `--checkpoint-samples` (2,000) samples; the scoring time
is left out of their training time. Progressive GAN's row gives the stage it
reached and the real images it spent at each stage and phase.

`--extend-minutes 30` trains the models of `--extend` (progan and dcgan) on
to 30 minutes in the same `fit`: at `--budget-minutes` their row is scored
exactly as the others' (the scoring left out of the clock), and the row at 30
minutes goes under `extended`. No default depends on the budget, so the first
15 minutes of such a run are a 15-minute run.

Figures (`--figures docs/images`): the FID-against-time plot, Progressive
GAN's growth (one grid per stage, each sample enlarged to 28x28) and LAPGAN's
pyramid (each sample's levels, left to right).

    python benchmarks/multiscale.py --budget-minutes 15 --extend-minutes 30 --independent \\
        --figures docs/images --json benchmarks/results/multiscale_15min.json

Run it alone on the machine: the figures are per wall-clock budget.
"""

import argparse
import os
import platform
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import budget
import feature_networks
import keras
import provenance
import tensorflow as tf
from objectives import score
from quality import GeneratorSampler

import keras_gen
from keras_gen import families
from keras_gen.callbacks import save_samples
from keras_gen.recipes import build_model, parse_option


class Curve(keras.callbacks.Callback):
    """Scores `generate` on `samples` samples every `seconds` of training, the scoring left out of the budget."""

    def __init__(self, seconds, samples, stop):
        super().__init__()
        self.seconds, self.samples, self.stop = seconds, samples, stop
        self.points = []

    def on_train_batch_end(self, batch, logs=None):
        elapsed = getattr(self.stop, "elapsed", 0.0)
        if elapsed < self.seconds * (len(self.points) + 1):
            return
        start = time.perf_counter()
        point = {"train_seconds": elapsed, "steps": self.stop.steps, **score(self.model, self.samples)}
        if hasattr(self.model, "images_seen"):
            point.update(stage=self.model.stage, alpha=self.model.alpha, images_seen=self.model.images_seen)
        self.points.append(point)
        self.stop.excluded_seconds += time.perf_counter() - start
        print(f"  {elapsed / 60:5.1f} min: FID {point['fid']:.2f}", flush=True)


class Milestone(keras.callbacks.Callback):
    """At `seconds` of training, the full row (`scores(model)`) of a model that trains on; the scoring left out of the budget."""

    def __init__(self, seconds, stop, scores):
        super().__init__()
        self.seconds, self.stop, self.scores = seconds, stop, scores
        self.row = None

    def on_train_batch_end(self, batch, logs=None):
        if self.row is not None or getattr(self.stop, "elapsed", 0.0) < self.seconds:
            return
        start = time.perf_counter()
        self.stop.load_average = os.getloadavg()[1]
        self.row = {**budget.training_row(self.stop, self.stop.batch_size), **self.scores(self.model)}
        if hasattr(self.model, "images_seen"):
            self.row.update(stage=self.model.stage, alpha=self.model.alpha, images_seen_by_model=self.model.images_seen)
        self.stop.excluded_seconds += time.perf_counter() - start
        print(f"  {self.seconds / 60:g} min: FID {self.row['generate']['fid']:.2f}", flush=True)


class Growth(keras.callbacks.Callback):
    """Progressive GAN's stages: where each began (images, seconds) and a grid of samples at the end of each."""

    def __init__(self, stop, figures=None):
        super().__init__()
        self.stop, self.figures = stop, figures
        self.changes = []

    def on_train_begin(self, logs=None):
        self.current = (self.model.stage, self.model.alpha < 1.0)

    def on_train_batch_end(self, batch, logs=None):
        # The model's own callback moves the networks after this one: they still show the finished phase.
        now = (self.model.stage, self.model.alpha < 1.0)
        if now == self.current:
            return
        if now[0] != self.current[0]:
            self.save_grid()
        self.changes.append({"stage": now[0], "fading": now[1], "images_seen": self.model.images_seen,
                             "train_seconds": getattr(self.stop, "elapsed", 0.0)})
        self.current = now

    def save_grid(self):
        if self.figures:
            stage = self.model.generator.stage
            side = self.model.resolutions[stage]
            save_samples(self.model, os.path.join(self.figures, f"progan_stage_{stage}_{side}px.png"), n=36, seed=0)

    def images_per_phase(self, total):
        """`[{stage, fading, images}]`: the real images each phase took."""
        starts = [{"stage": 0, "fading": False, "images_seen": 0}, *self.changes]
        ends = [change["images_seen"] for change in starts[1:]] + [total]
        return [{"stage": s["stage"], "fading": s["fading"], "images": end - s["images_seen"]}
                for s, end in zip(starts, ends)]


def describe_minutes(minutes):
    return f"{minutes:g} min"


def overrides(args, name):
    """`for_images` arguments of `--set NAME.key=value` for the model `name`."""
    found = {}
    for text in args.set:
        model, _, option = text.partition(".")
        if model == name:
            key, value = parse_option(option)
            found[key] = value
    return found


def scores(model, args, independent=None):
    """`{role: scores}` of `generate` and, with a moving average, of the raw generator; `eval_seconds`."""
    start = time.perf_counter()
    sampler_roles = {"generate": model}
    if getattr(model, "generator_ema", None) is not None:
        sampler_roles["generator"] = GeneratorSampler(model, model.data_scale)
    row = {}
    for role, sampler in sampler_roles.items():
        row[role] = score(sampler, args.num_samples)
        if independent is not None:
            row[role].update({f"{k}_independent": v for k, v in score(sampler, args.num_samples, independent).items()})
    row["eval_seconds"] = time.perf_counter() - start
    return row


def run(name, args, curves, independent=None, extend=()):
    keras.utils.set_random_seed(0)
    family = families.get(name)
    options = overrides(args, name)
    model = build_model(name, (28, 28, 1), seed=0, data="fashion_mnist", **options)
    batch_size = family.batch_size
    data = keras_gen.data.load("fashion_mnist", batch_size=batch_size, scale=model.data_scale, seed=0)
    extended = name in extend and args.extend_minutes and not args.images
    stop = budget.callback(args, batch_size, minutes=args.extend_minutes if extended else None)
    curve = Curve(args.every_minutes * 60, args.checkpoint_samples, stop) if name in curves else None
    growth = Growth(stop, args.figures) if hasattr(model, "images_seen") else None
    milestone = Milestone(args.budget_minutes * 60, stop, lambda m: scores(m, args, independent)) if extended else None
    callbacks = [c for c in (growth, curve, stop, milestone) if c is not None]
    model.fit(data, epochs=100000, verbose=0, callbacks=callbacks)
    final = budget.training_row(stop, batch_size)
    if growth is not None:
        final.update(stage=model.stage, alpha=model.alpha, images_seen_by_model=model.images_seen)
    if milestone is not None and milestone.row is not None:
        training, final_scores = milestone.row, None
    else:
        training, final_scores = final, scores(model, args, independent)
        final = None
    row = {"description": family.description, "options": options, "batch_size": batch_size,
           **{k: v for k, v in training.items() if k not in ("generate", "generator", "eval_seconds")},
           "ema": getattr(model, "ema", None)}
    if growth is not None:
        growth.save_grid()
        row.update(images_per_phase=model.images_per_phase, phases=growth.images_per_phase(model.images_seen),
                   phases_started=growth.changes,
                   width=model.generator.filters[-1])
    if curve is not None:
        row["curve"] = curve.points
    if final is None:
        row.update(final_scores)
    else:
        # Trained on past the budget: the budget's row is the milestone's, the end's goes under `extended`.
        row.update({k: v for k, v in training.items() if k in ("generate", "generator", "eval_seconds")})
        row["extended"] = {**final, "minutes": args.extend_minutes, **scores(model, args, independent)}
    if args.figures and name == "lapgan":
        row["pyramid_figure"] = save_samples(model, os.path.join(args.figures, "lapgan_pyramid.png"), n=24, seed=0)
    if args.save_dir:
        os.makedirs(args.save_dir, exist_ok=True)
        model.save(os.path.join(args.save_dir, f"{name}.keras"))
    return row


def plot_curves(results, path, budget_minutes=None):
    """FID (2,000 samples) against minutes of training, one line per model with a curve."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4))
    for name, row in results.items():
        points = row.get("curve") or []
        if points:
            axes.plot([p["train_seconds"] / 60 for p in points], [p["fid"] for p in points], marker="o", label=name)
    for change in results.get("progan", {}).get("phases_started", []):
        axes.axvline(change["train_seconds"] / 60, color="grey", linewidth=0.5)
    if budget_minutes and any("extended" in row for row in results.values()):
        axes.axvline(budget_minutes, color="black", linestyle="--", linewidth=1, label=f"{budget_minutes:g}-minute rows")
    axes.set_xlabel("minutes of training (2 CPU cores)")
    axes.set_ylabel("FID, 2,000 samples (keras_gen feature network)")
    axes.set_yscale("log")
    axes.legend()
    axes.grid(alpha=0.3)
    figure.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=100)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    budget.add_arguments(parser, minutes=15.0)
    parser.add_argument("--models", default="progan,lapgan,dcgan", help="comma-separated registry names")
    parser.add_argument("--curves", default="progan,dcgan", help="models scored every --every-minutes")
    parser.add_argument("--every-minutes", type=float, default=3.0)
    parser.add_argument("--checkpoint-samples", type=int, default=2000)
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--extend-minutes", type=float,
                        help="train the models of --extend on to this many minutes, scored at --budget-minutes and at the end")
    parser.add_argument("--extend", default="progan,dcgan", help="models trained on with --extend-minutes")
    parser.add_argument("--independent", action="store_true",
                        help="also score the end of training on the independent feature network")
    parser.add_argument("--figures", help="write the growth, pyramid and FID-against-time figures here")
    parser.add_argument("--save-dir", help="save each trained model here")
    parser.add_argument("--set", action="append", default=[], metavar="MODEL.KEY=VALUE",
                        help="a for_images argument of one model instead of its registry default, e.g. "
                        "progan.images_per_phase=20000 (repeatable)")
    parser.add_argument("--json", help="write the results to this JSON file")
    args = parser.parse_args(argv)
    budget.check(parser, args)
    run_record = provenance.start()
    print(f"Fashion-MNIST, {budget.describe(args)} per model, {args.num_samples} samples vs test set; "
          f"TF {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} cores, "
          f"{platform.processor() or platform.machine()}", flush=True)
    extractor = keras_gen.evaluation.domain_classifier("fashion_mnist")
    independent = feature_networks.independent() if args.independent else None
    curves = set(args.curves.split(",")) if args.curves else set()
    extend = set(args.extend.split(",")) if args.extend_minutes else set()
    results = {}
    for name in args.models.split(","):
        print(f"{name}:", flush=True)
        results[name] = run(name, args, curves, independent, extend)
        row = results[name]
        for label, part in ((describe_minutes(args.budget_minutes), row), ("extended", row.get("extended"))):
            if part:
                print(f"  {label}: FID {part['generate']['fid']:.2f} (generator {part.get('generator', part['generate'])['fid']:.2f}), "
                      f"{part['images_per_second']:.0f} images/s, {part['epochs']:.2f} epochs"
                      + (f", stage {part['stage']}" if part.get("stage") is not None else ""), flush=True)
    if args.figures:
        plot_curves(results, os.path.join(args.figures, "multiscale_fid_time.png"), args.budget_minutes)
    columns = ("fid", "kid", "precision", "recall", "class_coverage")
    print("\n" + f"{'model':24s}" + "".join(f"{c:>16s}" for c in (*columns, "images/s", "epochs")))
    for name, result in results.items():
        for suffix, row in (("", result), (" (ext)", result.get("extended"))):
            for role in ("generate", "generator"):
                if row and role in row:
                    print(f"{name + suffix + ' ' + role:24s}" + "".join(f"{row[role][c]:16.4g}" for c in columns)
                          + f"{row['images_per_second']:16.4g}{row['epochs']:16.4g}")
    if args.json:
        provenance.write_json(args.json, {
            **budget.record(args), "extend_minutes": args.extend_minutes,
            "extended_models": sorted(extend),
            "feature_network": "domain_classifier('fashion_mnist'), the default ClassifierRecipe",
            "feature_network_test_accuracy": extractor.test_accuracy,
            "feature_networks": feature_networks.describe({"default": extractor, **({"independent": independent} if independent else {})}),
            "results": results}, run_record)


if __name__ == "__main__":
    main()
