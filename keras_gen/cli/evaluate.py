"""`keras-gen evaluate MODEL.keras`: scores a saved model against a data set.

It checks the metrics asked for against what the model can do before any work,
says what it will compute on how many images, then shows each long stage
(sampling, feature extraction, likelihoods) with the time left. Two checks can
join or replace the metrics: `--memorization` (do samples copy training
images?) and `--anomaly digits|noise` (does the model tell its data from
outliers?), both from `keras_gen.evaluation.checks`.
"""

from __future__ import annotations

import json
import os

from keras_gen.cli.common import (
    CommandError,
    add_command,
    load_generative_model,
    metric_list,
    positive_int,
    say,
)

# The images the checks use when --num-samples is not given: evaluate's default.
CHECK_IMAGES = 10000
# The memorization threshold: this percentile of the held-out images' distances, so at
# least 100 / MEMORIZATION_PERCENTILE held-out images are needed.
MEMORIZATION_PERCENTILE = 1.0
MEMORIZATION_GRID = "memorization.png"
OUTLIER_KINDS = ("digits", "noise")  # keras_gen.evaluation.checks.OUTLIER_KINDS, without importing Keras


def add_parser(commands) -> None:
    parser = add_command(
        commands, "evaluate", run,
        help="score a saved model against a data set (FID, reconstruction error, likelihood)",
        description="Score a saved model against a data set's images with keras_gen.evaluation; "
        "what is measured follows what the model can do: sample metrics (FID, KID, ...) for "
        "models that sample, reconstruction error for models that encode, likelihoods for "
        "models that have one; models of clips and voxel grids get theirs (frame FID, class consistency and "
        "motion of clips; displacement, class agreement and best-of-k MSE of predicted frames; connectivity, "
        "classes and nearest-train IoU of voxel grids). Says first what it will compute on how many images, shows each stage with the "
        "time left, then prints a table and optionally writes JSON. --memorization and --anomaly add checks "
        "for copied training images and for outliers; given without --metrics, only the checks run.",
        model="a saved keras_gen model",
    )
    parser.add_argument("--data", default="fashion_mnist", help="data set to compare against")
    parser.add_argument("--split", default="test", help="split of the data set")
    parser.add_argument(
        "--num-samples", type=positive_int, default=None,
        help="generated and real images to compare (default: keras_gen.evaluation's: 10000 images, 2000 clips, "
        "1000 first frames of a model that predicts frames, 3000 voxel grids)",
    )
    parser.add_argument(
        "--metrics", type=metric_list, default=None,
        help="comma-separated metric names, e.g. fid,kid,precision,recall (default: every "
        "metric the model's capabilities allow; none when --memorization or --anomaly is given)",
    )
    parser.add_argument("--json", default=None, help="also write the scores to this JSON file")
    parser.add_argument("--data-dir", default=None, help="directory to look for the data first")
    parser.add_argument("--seed", type=int, default=0, help="seed of KID subsets, IWAE draws and noise outliers")
    parser.add_argument(
        "--memorization", action="store_true",
        help="check for copied training images: the share of samples nearer to a training image (of --data's "
        "train split) than the closest 1 percent of --split's images are; about 0.01 for new samples, 1 for "
        "copies. Also writes a grid of the samples nearest to a training image, each followed by its 5 "
        "nearest training images",
    )
    parser.add_argument(
        "--memorization-grid", default=None, metavar="PATH",
        help=f"the grid of --memorization (default: {MEMORIZATION_GRID} in the folder of MODEL.keras)",
    )
    parser.add_argument(
        "--memorization-features", choices=("classifier", "pixels"), default="classifier",
        help="where --memorization measures distances: the data set's feature network, or plain pixels",
    )
    parser.add_argument(
        "--anomaly", choices=OUTLIER_KINDS, action="append", default=None,
        help="print the AUROC with which the model's anomaly score (-log p(x), or the reconstruction error "
        "of a model that only encodes) tells outliers from --split's images: scikit-learn's digits enlarged "
        "to the model's size, or uniform noise. 1 is perfect, 0.5 chance, below 0.5 the outliers look more "
        "typical than the data; repeatable",
    )


# What the model can do (the classes of keras_gen.models.capabilities), in words.
_CAPABILITY_NAMES = (
    ("Generates", "generate new images"),
    ("HasLikelihood", "give a likelihood log p(x)"),
    ("Encodes", "encode and reconstruct images"),
    ("Translates", "translate images"),
    ("Completes", "complete images from their top rows"),
    ("PredictsFrames", "predict the next frames of clips"),
)


def capabilities(model) -> list[str]:
    """What `model` can do, in words: "generate new images", "give a likelihood log p(x)", ..."""
    from keras_gen import models

    return [words for name, words in _CAPABILITY_NAMES if isinstance(model, getattr(models, name))]


def check_metrics(model, model_path: str, metrics: list[str] | None) -> None:
    """Raises a CommandError naming the model's capabilities when it cannot give a metric asked for.

    The same test and words as the library's `evaluate`
    (`keras_gen.evaluation.unsupported_metrics`), with the file and what the model can do.
    """
    if metrics is None:
        return
    from keras_gen import evaluation
    from keras_gen.evaluation.report import check_metric_names

    check_metric_names(metrics, evaluation.ALL_METRICS)  # unknown names: the library's message
    unsupported, needs = evaluation.unsupported_metrics(model, metrics)
    if not unsupported:
        return
    can = capabilities(model)
    raise CommandError(
        f"--metrics {','.join(unsupported)}: {model_path} holds a {type(model).__name__}, which can "
        f"{' and '.join(can) if can else 'do none of what evaluate measures'}; {needs}. "
        f"Metrics it supports: {', '.join(evaluation.supported_metrics(model)) or 'none'}."
    )


def check_checks(model, args) -> None:
    """Raises a CommandError before any work when the model cannot take the checks asked for."""
    from keras_gen import evaluation, models

    can = capabilities(model)
    holds = f"{args.model_path} holds a {type(model).__name__}, which can {' and '.join(can) or 'do none of this'}"
    kind = getattr(model, "data_kind", "images")
    if (args.memorization or args.anomaly) and kind != "images":
        raise CommandError(
            f"--memorization and --anomaly check models of images; {args.model_path} holds a model of {kind}. "
            + ("Its novelty is part of evaluate's metrics: nearest_train_iou (median and near-copy share)."
               if kind == "voxels" else "Drop them.")
        )
    if not args.memorization and (args.memorization_grid or args.memorization_features != "classifier"):
        raise CommandError("--memorization-grid and --memorization-features set up --memorization; add it.")
    if args.memorization and not isinstance(model, models.Generates):
        raise CommandError(f"--memorization: {holds}; the check needs a model that can generate new images.")
    if args.memorization and args.split == "train":
        raise CommandError(
            "--memorization compares samples with the train split and calibrates on --split's images, "
            "which must be held out: use --split test."
        )
    if args.anomaly and evaluation.default_anomaly_score(model) is None:
        raise CommandError(
            f"--anomaly: {holds}; the check needs a model that can give a likelihood log p(x) or "
            "encode and reconstruct images."
        )
    if args.anomaly and args.data in args.anomaly:
        raise CommandError(f"--anomaly {args.data}: the outliers are the model's own data set (--data {args.data}).")


def score(model, model_path, data, split, **options) -> dict:
    """Scores `model` with `keras_gen.evaluation.evaluate` (showing its progress) and prints the table."""
    from keras_gen import evaluation

    options = {key: value for key, value in options.items() if value is not None}
    results = evaluation.evaluate(model, data=data, split=split, verbose=1, **options)
    print(evaluation.format_table(results, title=f"{model_path} against '{data}' ({split})"))
    return results


def write_report(json_path, model_path, data, split, results, **options) -> None:
    """Writes `{"model", "data", "split", options..., "results"}` to `json_path`."""
    os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
    options = {key: value for key, value in options.items() if value is not None}
    report = {"model": model_path, "data": data, "split": split, **options, "results": results}
    with open(json_path, "w") as file:
        json.dump(report, file, indent=2, default=float)
    say(f"wrote {json_path}")


def evaluate_and_report(model, model_path, data, split, json_path, **options) -> dict:
    """Scores `model` with `keras_gen.evaluation.evaluate` (showing its progress), prints the table, writes JSON."""
    results = score(model, model_path, data, split, **options)
    if json_path:
        write_report(json_path, model_path, data, split, results, **options)
    return results


def memorization_grid_path(args) -> str:
    """Where the memorization grid goes: --memorization-grid, else beside the model."""
    folder = os.path.dirname(os.path.abspath(args.model_path))
    return args.memorization_grid or os.path.join(folder, MEMORIZATION_GRID)


def run_checks(model, args) -> dict[str, float]:
    """Runs --memorization and --anomaly on `model`, says what each found; returns their results."""
    from keras_gen import evaluation, recipes

    where = f"'{args.data}' ({args.split})"
    held_out, _ = recipes.load_held_out_images(
        model, args.data, count=args.num_samples or CHECK_IMAGES, data_dir=args.data_dir, split=args.split
    )
    results: dict[str, float] = {}
    if args.memorization:
        needed = round(100 / MEMORIZATION_PERCENTILE)
        if len(held_out) < needed:
            raise CommandError(
                f"--memorization calibrates on at least {needed} held-out images, but {where} gave "
                f"{len(held_out)}; raise --num-samples."
            )
        train_images, _ = recipes.load_held_out_images(model, args.data, count=None, data_dir=args.data_dir,
                                                       split="train")
        say(f"memorization: {len(held_out)} samples against {len(train_images)} training images of "
            f"'{args.data}', calibrated on {len(held_out)} images of {where}")
        samples = model.generate(len(held_out))
        features = "pixels"
        if args.memorization_features == "classifier":
            features = evaluation.domain_classifier(args.data, data_dir=args.data_dir)
        grid = memorization_grid_path(args)
        found = evaluation.memorization(
            samples, train_images, held_out, feature_extractor=features, data_scale=model.data_scale,
            percentile=MEMORIZATION_PERCENTILE, grid_path=grid,
        )
        results["memorization_share"] = found.share
        results["memorization_threshold"] = found.threshold
        say(f"memorization: {found.share:.2%} of the samples lie nearer to a training image than the "
            f"closest {MEMORIZATION_PERCENTILE:g}% of the held-out images do (about {MEMORIZATION_PERCENTILE:g}% "
            f"for new samples, 100% for copies); wrote {grid}")
    score_name = evaluation.default_anomaly_score(model)
    for kind in dict.fromkeys(args.anomaly or ()):
        outliers = evaluation.outlier_images(kind, model.image_shape, model.data_scale,
                                             binarize=getattr(model, "binary_pixels", False), seed=args.seed)
        value = evaluation.anomaly_auroc(model, held_out, outliers, score=score_name)
        results[f"anomaly_auroc_{kind}"] = value
        say(f"anomaly: AUROC {value:.3f} for {len(outliers)} {kind} images against {len(held_out)} images of "
            f"{where}, scored by {'-log p(x)' if score_name == 'log_prob' else 'reconstruction error'} "
            "(1 perfect, 0.5 chance, below 0.5 the outliers look more typical than the data)")
    print(evaluation.format_table(results, title=f"{args.model_path}: checks against {where}"))
    return results


def run(args) -> int:
    model = load_generative_model(args.model_path)
    check_metrics(model, args.model_path, args.metrics)
    check_checks(model, args)
    checks = args.memorization or bool(args.anomaly)
    options = {"num_samples": args.num_samples, "metrics": args.metrics, "data_dir": args.data_dir,
               "seed": args.seed}
    results = {}
    if args.metrics is not None or not checks:
        results = score(model, args.model_path, args.data, args.split, **options)
    if checks:
        results.update(run_checks(model, args))
    if args.json:
        write_report(args.json, args.model_path, args.data, args.split, results, **options)
    return 0
