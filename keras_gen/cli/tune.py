"""`keras-gen tune FAMILY`: a keras-tuner search with `keras_gen.tuning.run_search`."""

from __future__ import annotations

import os
import sys

from keras_gen import families
from keras_gen.cli.common import (
    EXIT_FAILED,
    PROG,
    add_command,
    default_verbose,
    import_tensorflow_quietly,
    positive_int,
)


def add_parser(commands) -> None:
    searchable = [family.name for family in families.families() if family.hypermodel]
    parser = add_command(
        commands, "tune", run,
        help="search hyperparameters with keras-tuner and keep the best model",
        description="Search a model family's hyperparameters with keras-tuner "
        "(keras_gen.tuning.run_search). Each family's HyperModel names its objective (the "
        "validation negative ELBO for the VAE, KID against held-out images for the DCGAN). "
        "Writes into --out: best_model.keras, best_samples.png, trials.csv, summary.json and tuner/.",
    )
    parser.add_argument(
        "model", choices=searchable, metavar="FAMILY",
        help=f"the model family to tune: {', '.join(searchable)}",
    )
    parser.add_argument("--data", default="fashion_mnist", help="data set name (see 'train --help')")
    parser.add_argument("--out", default=None, help="output directory (default: runs/tune-FAMILY)")
    parser.add_argument(
        "--tuner", choices=("random", "bayesian", "hyperband"), default="random",
        help="the keras-tuner search algorithm",
    )
    parser.add_argument("--max-trials", type=positive_int, default=10, help="most trials to run")
    parser.add_argument("--epochs", type=positive_int, default=3, help="epochs per trial (hyperband: the most)")
    parser.add_argument(
        "--batch-size", type=positive_int, default=None,
        help="images per training batch (default: the family's, as for 'train'; see 'keras-gen models')",
    )
    parser.add_argument("--limit", type=positive_int, default=None, help="train on the first N images only")
    parser.add_argument(
        "--num-eval-samples", type=positive_int, default=1000,
        help="held-out images (and generated samples) that score each trial",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the data order, tuner and models")
    parser.add_argument(
        "--resume", action="store_true",
        help="continue a stopped search in OUT/tuner instead of starting afresh",
    )
    parser.add_argument(
        "--verbose", type=int, choices=(0, 1, 2), default=None,
        help="0 silent, 1 trial reports and progress bars, 2 one line per epoch "
        "(default: 1 in a terminal, else 2)",
    )


def run(args) -> int:
    import_tensorflow_quietly()
    from keras_gen import tuning

    out = args.out or os.path.join("runs", f"tune-{args.model}")
    try:
        tuning.run_search(
            args.model,
            args.data,
            args.max_trials,
            args.epochs,
            out,
            tuner=args.tuner,
            limit=args.limit,
            seed=args.seed,
            batch_size=args.batch_size or families.get(args.model).batch_size,
            num_eval_samples=args.num_eval_samples,
            verbose=default_verbose(args.verbose),
            overwrite=not args.resume,
        )
    except RuntimeError as err:  # no trial completed; the message says where the errors are
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return EXIT_FAILED
    return 0
