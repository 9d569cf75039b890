"""`keras-gen models`: the registered model families, one line each."""

from __future__ import annotations

from keras_gen import families
from keras_gen.cli.common import add_command


def add_parser(commands) -> None:
    parser = add_command(
        commands, "models", run,
        help="list the model families with a one-line description each",
        description="List the model families 'keras-gen train' knows, with their defaults.",
    )
    parser.add_argument(
        "--verbose", action="store_true",
        help="also show each family's default builder arguments, epochs, batch size and tuner",
    )


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
                f"{'':<{width}}  defaults: {builder}; {family.epochs} epochs, batch size "
                f"{family.batch_size}; keras-gen tune: {tune}"
            )
    return "\n".join(lines)


def run(args) -> int:
    print(format_families(args.verbose))
    return 0
