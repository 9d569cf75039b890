"""`run_search`: a whole hyperparameter search, as the `keras-gen tune` command runs it.

Loads the data, builds the family's HyperModel and a keras-tuner tuner, runs
the search with progress output and writes, under `out/`:

- `tuner/`: keras-tuner's own project (oracle state, one folder per trial
  with its checkpoint), so a search can be inspected or reloaded;
- `trials.csv`: one row per trial, best objective first;
- `best_model.keras`: the best trial's model, reloadable with
  `keras.models.load_model`;
- `best_samples.png`: a grid of its samples from fixed latent points;
- `summary.json`: what `run_search` returns.
"""

from __future__ import annotations

import csv
import json
import math
import os
import time
from typing import Any

import keras
import keras_tuner

from keras_gen import data as gen_data
from keras_gen import families
from keras_gen.callbacks import save_samples
from keras_gen.tuning.base import GenerativeHyperModel

TUNERS = ("random", "bayesian", "hyperband")


def hypermodel_class(family: str) -> type[GenerativeHyperModel]:
    """The HyperModel class of a registered family (`keras_gen.families`)."""
    return families.get(family).hypermodel_class()


def make_tuner(
    hypermodel: GenerativeHyperModel,
    tuner: str = "random",
    *,
    max_trials: int = 10,
    max_epochs: int = 10,
    directory: str = ".",
    project_name: str = "tuner",
    seed: int = 0,
    hyperparameters: keras_tuner.HyperParameters | None = None,
    overwrite: bool = True,
    **kwargs: Any,
) -> keras_tuner.Tuner:
    """Builds a keras-tuner tuner for `hypermodel`, with its objective filled in.

    Args:
        hypermodel: a `GenerativeHyperModel`.
        tuner: `"random"` (`keras_tuner.RandomSearch`), `"bayesian"`
            (`BayesianOptimization`) or `"hyperband"` (`Hyperband`).
        max_trials: the most trials to run. Hyperband decides its number of
            trials from `max_epochs` and its `factor`; `max_trials` then caps it.
        max_epochs: Hyperband's most epochs for one model (ignored by the others,
            which train for the `epochs` given to `search`).
        directory: folder of the tuner's project.
        project_name: the project's folder name inside `directory`.
        seed: seed of the tuner's random choices.
        hyperparameters: pre-declared hyperparameters that narrow the space
            (e.g. `hp.Fixed("latent_dim", 16)`).
        overwrite: start afresh; False reloads an existing project and resumes.
        **kwargs: other arguments of the tuner class (e.g. `factor` for Hyperband).

    Returns:
        The tuner; call `tuner.search(...)` on it.

    Example:
    >>> hypermodel = VAEHyperModel((28, 28, 1))
    >>> tuner = make_tuner(hypermodel, "hyperband", max_epochs=9, directory="runs")
    """
    if tuner not in TUNERS:
        raise ValueError(f"Unknown tuner {tuner!r}; choose one of {TUNERS}.")
    if int(max_trials) < 1 or int(max_epochs) < 1:
        raise ValueError(f"max_trials and max_epochs must be >= 1, got {max_trials} and {max_epochs}.")
    common = dict(
        objective=hypermodel.objective,
        # keras-tuner treats seed 0 as "no seed" and draws a random one.
        seed=int(seed) + 1,
        hyperparameters=hyperparameters,
        directory=directory,
        project_name=project_name,
        overwrite=overwrite,
        **kwargs,
    )
    if tuner == "random":
        return keras_tuner.RandomSearch(hypermodel, max_trials=max_trials, **common)
    if tuner == "bayesian":
        return keras_tuner.BayesianOptimization(hypermodel, max_trials=max_trials, **common)
    result = keras_tuner.Hyperband(hypermodel, max_epochs=max_epochs, **common)
    # Hyperband has no max_trials argument, but its oracle honours the attribute.
    result.oracle.max_trials = int(max_trials)
    return result


def trial_rows(tuner: keras_tuner.Tuner) -> list[dict[str, Any]]:
    """One dict per trial, best objective first; failed trials last.

    Each row has `rank`, `trial_id`, `status`, the objective's name with the
    trial's score, `best_step`, then the trial's hyperparameter values.
    """
    objective = tuner.oracle.objective
    trials = list(tuner.oracle.trials.values())

    def sort_key(trial):
        score = trial.score
        if trial.status != "COMPLETED" or score is None or not math.isfinite(score):
            return (1, 0.0)
        return (0, score if objective.direction == "min" else -score)

    rows = []
    for rank, trial in enumerate(sorted(trials, key=sort_key), start=1):
        scored = sort_key(trial)[0] == 0
        rows.append(
            {
                "rank": rank if scored else "",
                "trial_id": trial.trial_id,
                "status": trial.status,
                objective.name: trial.score if scored else "",
                "best_step": trial.best_step if scored else "",
                **trial.hyperparameters.values,
            }
        )
    return rows


def write_trials_csv(rows: list[dict[str, Any]], path: str) -> str:
    """Writes `trial_rows` as CSV (columns: the union of all rows' keys)."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def format_trials(rows: list[dict[str, Any]], max_rows: int = 20) -> str:
    """`trial_rows` as a fixed-width text table for the terminal."""
    if not rows:
        return "(no trials)"
    columns = list(dict.fromkeys(key for row in rows for key in row))

    def cell(value):
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    table = [columns] + [[cell(row.get(column, "")) for column in columns] for row in rows[:max_rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip() for line in table]
    if len(rows) > max_rows:
        lines.append(f"... {len(rows) - max_rows} more in trials.csv")
    return "\n".join(lines)


def _check_search_arguments(family, data, max_trials, epochs, tuner, limit, batch_size, num_eval_samples):
    hypermodel_class(family)  # a clear error for unknown families and those without a search space
    if tuner not in TUNERS:
        raise ValueError(f"Unknown tuner {tuner!r}; choose one of {TUNERS}.")
    for name, value in (
        ("max_trials", max_trials),
        ("epochs", epochs),
        ("batch_size", batch_size),
        ("num_eval_samples", num_eval_samples),
    ):
        if int(value) < 1:
            raise ValueError(f"{name} must be a positive integer, got {value}.")
    if limit is not None and int(limit) < 1:
        raise ValueError(f"limit must be None (all images) or a positive integer, got {limit}.")
    if not isinstance(data, str) or not data:
        raise ValueError(f"data must be a data set name such as 'fashion_mnist', got {data!r}.")


def _search_inputs(family, data, limit, seed, batch_size, num_eval_samples, metrics_options):
    """The HyperModel and the `search` arguments for one family and data set."""
    image_shape = tuple(gen_data.info(data).image_shape)
    hypermodel = hypermodel_class(family).for_search(
        image_shape,
        dataset=data,
        num_samples=num_eval_samples,
        metrics_options=metrics_options,
        seed=seed,
    )
    kind, scale = hypermodel.model_class.batch_kind, hypermodel.data_scale
    train = gen_data.load_batches(data, kind, "train", batch_size=batch_size, scale=scale, seed=seed, limit=limit)
    held_out = gen_data.load_batches(data, kind, "test", scale=scale, limit=num_eval_samples, as_numpy=True)
    # `search_kwargs` takes what `fit` would: the images alone, or the tuple of the batch kind.
    return hypermodel, (train,), hypermodel.search_kwargs(held_out if len(held_out) > 1 else held_out[0])


def run_search(
    family: str,
    data: str,
    max_trials: int,
    epochs: int,
    out: str,
    *,
    tuner: str = "random",
    limit: int | None = None,
    seed: int = 0,
    batch_size: int = 64,
    num_eval_samples: int = 1000,
    verbose: int = 1,
    hyperparameters: keras_tuner.HyperParameters | None = None,
    overwrite: bool = True,
    metrics_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Runs a hyperparameter search for one model family and writes its results.

    The training images are the `train` split (its first `limit` images); the
    objective is computed on the first `num_eval_samples` images of the `test`
    split: the validation negative ELBO for `"vae"`, KID against them for
    `"dcgan"`.

    Args:
        family: `"vae"` or `"dcgan"`.
        data: a data set name for `keras_gen.data.load` (`"fashion_mnist"`, ...).
        max_trials: the most trials (hyperparameter combinations) to try.
        epochs: epochs per trial (Hyperband: the most epochs of one model).
        out: output folder (created).
        tuner: `"random"`, `"bayesian"` or `"hyperband"`.
        limit: use only the first `limit` training images.
        seed: seed of the data order, the tuner, the models and (through
            `keras.utils.set_random_seed`) their initial weights.
        batch_size: training batch size.
        num_eval_samples: held-out images (and, for GANs, generated samples)
            that score each trial.
        verbose: 0 silent, 1 keras-tuner's trial reports and progress bars,
            2 one line per epoch.
        hyperparameters: pre-declared hyperparameters that narrow the space.
        overwrite: start afresh in `out/tuner`; False resumes a stopped search.
        metrics_options: for GAN families, other `GenerativeMetrics` arguments
            (e.g. a `feature_extractor`; the default is the data set's cached
            domain classifier, trained on first use).

    Returns:
        A summary dict: `family`, `data`, `tuner`, `objective`, `direction`,
        `best_score`, `best_trial_id`, `best_hyperparameters`, `num_trials`,
        `num_completed`, `seconds`, and `files` (paths of everything written).

    Example:
    >>> summary = run_search("vae", "fashion_mnist", max_trials=10, epochs=5, out="runs/vae")
    >>> summary["best_hyperparameters"]["latent_dim"]
    """
    _check_search_arguments(family, data, max_trials, epochs, tuner, limit, batch_size, num_eval_samples)
    started = time.time()
    os.makedirs(out, exist_ok=True)
    # Weight initialization draws from the global generators: seed them for repeatable searches.
    keras.utils.set_random_seed(seed)
    hypermodel, search_args, search_kwargs = _search_inputs(
        family, data, limit, seed, batch_size, num_eval_samples, metrics_options
    )
    search = make_tuner(
        hypermodel,
        tuner,
        max_trials=max_trials,
        max_epochs=epochs,
        directory=out,
        project_name="tuner",
        seed=seed,
        hyperparameters=hyperparameters,
        overwrite=overwrite,
    )
    objective = hypermodel.objective
    if verbose:
        print(
            f"keras-gen tune: {family} on {data} with {tuner} search, up to {max_trials} "
            f"trial(s) of {epochs} epoch(s); objective {objective.name} ({objective.direction}); "
            f"writing to {out}",
            flush=True,
        )
    # The training data set is already shuffled by keras_gen.data.load.
    search.search(*search_args, epochs=epochs, shuffle=False, verbose=verbose, **search_kwargs)

    rows = trial_rows(search)
    files = {
        "tuner": search.project_dir,
        "trials": write_trials_csv(rows, os.path.join(out, "trials.csv")),
    }
    completed = search.oracle.get_best_trials(1)
    if not completed or completed[0].status != "COMPLETED" or completed[0].score is None:
        messages = [t.message for t in search.oracle.trials.values() if t.message]
        raise RuntimeError(
            f"No trial of the {family} search completed, so there is no best model. "
            f"The trials' errors are in {files['trials']} and {search.project_dir}; the "
            f"last one was:\n{messages[-1] if messages else '(none recorded)'}"
        )
    best_trial = completed[0]
    best_model = search.load_model(best_trial)
    files["best_model"] = os.path.join(out, "best_model.keras")
    best_model.save(files["best_model"])
    files["best_samples"] = save_samples(best_model, os.path.join(out, "best_samples.png"), seed=seed)
    files["summary"] = os.path.join(out, "summary.json")
    summary = {
        "family": family,
        "data": data,
        "tuner": tuner,
        "objective": objective.name,
        "direction": objective.direction,
        "best_score": float(best_trial.score),
        "best_trial_id": best_trial.trial_id,
        "best_hyperparameters": dict(best_trial.hyperparameters.values),
        "num_trials": len(rows),
        "num_completed": sum(row["status"] == "COMPLETED" for row in rows),
        "seconds": round(time.time() - started, 1),
        "files": files,
    }
    with open(files["summary"], "w", encoding="utf-8") as file:
        json.dump(summary, file, indent=2, default=str)
    if verbose:
        print(f"\nTrials, best {objective.name} first:\n{format_trials(rows)}")
        print(
            f"\nBest trial {best_trial.trial_id}: {objective.name} = {best_trial.score:.4g}. "
            f"Wrote {files['best_model']}, {files['best_samples']}, {files['trials']}.",
            flush=True,
        )
    return summary
