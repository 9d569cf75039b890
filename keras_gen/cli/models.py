"""`keras-gen models`: the registered model families, one line each (with `--verbose`, their defaults)."""

from __future__ import annotations

from keras_gen import families
from keras_gen.cli.common import add_command

# What a family learns, by the grids it shows (`Family.grids`) and its paired task
# (`Family.data_options`): read from the registry without importing TensorFlow.
_GRID_TASKS = {
    "samples": "generation",
    "reconstructions": "reconstruction",
    "completions": "completion",
    "translations": "translation",
    "predictions": "prediction (continues held-out clips)",
}
_PAIRED_TASKS = {
    "edges": "edge map -> image",
    "superres": "low resolution -> image",
    "inpaint": "image with a hole -> image",
}


def add_parser(commands) -> None:
    parser = add_command(
        commands, "models", run,
        help="list the model families with a one-line description each",
        description="List the model families 'keras-gen train' knows; with --verbose, the defaults 'keras-gen "
        "train' uses for each.",
    )
    parser.add_argument(
        "--verbose", action="store_true",
        help="also show each family's default builder arguments, epochs, batch size, task and whether "
        "'keras-gen tune' searches it",
    )


def family_task(family: families.Family) -> str:
    """What the family learns: "generation, reconstruction", "translation: --task edges (edge map -> image)", ..."""
    options = family.data_options
    if "task" in options:
        task = options["task"]
        return f"translation: --task {task} ({_PAIRED_TASKS.get(task, task)})"
    if "domain_a" in options or "domain_b" in options:
        domain_a, domain_b = (",".join(str(c) for c in options.get(key, [])) for key in ("domain_a", "domain_b"))
        return f"unpaired translation: classes {domain_a} <-> {domain_b} (--domain-a, --domain-b)"
    return ", ".join(_GRID_TASKS[grid] for grid in family.grids)


def format_families(verbose: bool = False) -> str:
    """The registry as text: `name  description` per line (plus defaults with verbose)."""
    entries = families.families()
    width = max(len(family.name) for family in entries)
    lines = []
    for family in entries:
        lines.append(f"{family.name:<{width}}  {family.description}")
        if verbose:
            builder = ", ".join(f"{key}={value!r}" for key, value in family.builder_defaults.items())
            tune = "yes" if family.hypermodel else "no"
            lines.append(
                f"{'':<{width}}  defaults: {builder}; {family.epochs} epochs, batch size {family.batch_size}; "
                f"task: {family_task(family)}; keras-gen tune: {tune}"
            )
    return "\n".join(lines)


def run(args) -> int:
    print(format_families(args.verbose))
    return 0
