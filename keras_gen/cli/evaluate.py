"""`keras-gen evaluate MODEL.keras`: scores a saved model against a data set.

It checks the metrics asked for against what the model can do before any work,
says what it will compute on how many images, then shows each long stage
(sampling, feature extraction, likelihoods) with the time left.
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


def add_parser(commands) -> None:
    parser = add_command(
        commands, "evaluate", run,
        help="score a saved model against a data set (FID, reconstruction error, likelihood)",
        description="Score a saved model against a data set's images with keras_gen.evaluation; "
        "what is measured follows what the model can do: sample metrics (FID, KID, ...) for "
        "models that sample, reconstruction error for models that encode, likelihoods for "
        "models that have one. Says first what it will compute on how many images, shows each stage with the "
        "time left, then prints a table and optionally writes JSON.",
        model="a saved keras_gen model",
    )
    parser.add_argument("--data", default="fashion_mnist", help="data set to compare against")
    parser.add_argument("--split", default="test", help="split of the data set")
    parser.add_argument(
        "--num-samples", type=positive_int, default=None,
        help="generated and real images to compare (default: keras_gen.evaluation's, 10000)",
    )
    parser.add_argument(
        "--metrics", type=metric_list, default=None,
        help="comma-separated metric names, e.g. fid,kid,precision,recall (default: every "
        "metric the model's capabilities allow)",
    )
    parser.add_argument("--json", default=None, help="also write the scores to this JSON file")
    parser.add_argument("--data-dir", default=None, help="directory to look for the data first")
    parser.add_argument("--seed", type=int, default=0, help="seed of KID subsets and IWAE draws")


# What the model can do (the classes of keras_gen.models.capabilities), in words.
_CAPABILITY_NAMES = (
    ("Generates", "generate new images"),
    ("HasLikelihood", "give a likelihood log p(x)"),
    ("Encodes", "encode and reconstruct images"),
    ("Translates", "translate images"),
    ("Completes", "complete images from their top rows"),
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

    check_metric_names(metrics, evaluation.DEFAULT_METRICS)  # unknown names: the library's message
    unsupported, needs = evaluation.unsupported_metrics(model, metrics)
    if not unsupported:
        return
    can = capabilities(model)
    raise CommandError(
        f"--metrics {','.join(unsupported)}: {model_path} holds a {type(model).__name__}, which can "
        f"{' and '.join(can) if can else 'do none of what evaluate measures'}; {needs}. "
        f"Metrics it supports: {', '.join(evaluation.supported_metrics(model)) or 'none'}."
    )


def evaluate_and_report(model, model_path, data, split, json_path, **options) -> dict:
    """Scores `model` with `keras_gen.evaluation.evaluate` (showing its progress), prints the table, writes JSON."""
    from keras_gen import evaluation

    options = {key: value for key, value in options.items() if value is not None}
    results = evaluation.evaluate(model, data=data, split=split, verbose=1, **options)
    print(evaluation.format_table(results, title=f"{model_path} against '{data}' ({split})"))
    if json_path:
        os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
        report = {"model": model_path, "data": data, "split": split, **options, "results": results}
        with open(json_path, "w") as file:
            json.dump(report, file, indent=2, default=float)
        say(f"wrote {json_path}")
    return results


def run(args) -> int:
    model = load_generative_model(args.model_path)
    check_metrics(model, args.model_path, args.metrics)
    evaluate_and_report(
        model,
        args.model_path,
        args.data,
        args.split,
        args.json,
        num_samples=args.num_samples,
        metrics=args.metrics,
        data_dir=args.data_dir,
        seed=args.seed,
    )
    return 0
