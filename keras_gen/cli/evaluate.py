"""`keras-gen evaluate MODEL.keras`: scores a saved model against a data set."""

from __future__ import annotations

import json
import os

from keras_gen.cli.common import (
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
        "models that have one. Prints a table and optionally writes JSON.",
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


def evaluate_and_report(model, model_path, data, split, json_path, **options) -> dict:
    """Scores `model` with `keras_gen.evaluation.evaluate`, prints the table, writes JSON."""
    from keras_gen import evaluation

    options = {key: value for key, value in options.items() if value is not None}
    results = evaluation.evaluate(model, data=data, split=split, **options)
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
