"""`keras-gen ppgn MODEL.keras --target sneaker`: plug & play sampling of a class, guided by a classifier."""

from __future__ import annotations

import os

from keras_gen.cli.common import (
    CommandError,
    add_command,
    import_tensorflow_quietly,
    load_generative_model,
    non_negative_float,
    positive_float,
    positive_int,
    say,
)

OUTPUT_TYPES = (".gif", ".mp4", ".png")


def add_parser(commands) -> None:
    parser = add_command(
        commands, "ppgn", run,
        help="draw images of a class by Langevin chains guided by a classifier (plug & play)",
        description="Run --n Langevin chains in the latent space of a saved model, each pulled towards "
        "--target by a classifier's gradient and towards typical codes by a prior (Nguyen et al., Plug & Play "
        "Generative Networks, 2017; keras_gen.latent.ppgn_sample). The guide is --classifier (a Keras model "
        "to class logits) or the --data set's domain classifier. Writes the chains over their steps as a "
        "GIF/MP4, or the final images as a PNG grid. Judge the results with another network than the guide: "
        "guided samples can be adversarial examples of their guide. A class-conditional model is also given "
        "the target as its class.",
        model="a saved keras_gen model with latent points (a GAN, a VAE)",
    )
    parser.add_argument("--target", required=True,
                        help="the class to draw: a class name of --data (e.g. sneaker, ankle_boot) or an index")
    parser.add_argument("--n", type=positive_int, default=16, help="number of chains")
    parser.add_argument("--prior", metavar="DENOISER.keras",
                        help="a latent denoiser saved from keras_gen.latent.train_latent_denoiser (default: the "
                        "N(0, I) prior)")
    parser.add_argument("--classifier", metavar="CLASSIFIER.keras",
                        help="the guide: a saved Keras model from images in the model's data_scale to class "
                        "logits (default: the --data set's domain classifier, trained once and cached)")
    parser.add_argument("--data", default="fashion_mnist", help="data set whose classes --target names")
    parser.add_argument("--data-dir", help="where the data set's files are (to train its domain classifier)")
    parser.add_argument("--steps", type=int, default=200, help="Langevin steps of each chain")
    parser.add_argument("--prior-step", type=non_negative_float, default=0.1, help="eps1, the prior's pull")
    parser.add_argument("--class-step", type=non_negative_float, default=0.1, help="eps2, the classifier's push")
    parser.add_argument("--noise-step", type=non_negative_float, default=0.01, help="eps3, the noise's scale")
    parser.add_argument("--frames", type=positive_int, default=20, help="frames of an animation, besides the start")
    parser.add_argument("--fps", type=positive_float, default=8.0, help="frames per second of an animation")
    parser.add_argument("--seed", type=int, default=0, help="seed of the starts and the noise")
    parser.add_argument("--out", default="chains.gif", help=".gif or .mp4 animation of the chains, or .png grid")


def _load_keras(path: str, flag: str):
    import keras

    if not os.path.isfile(path):
        raise CommandError(f"{flag}: {path}: no such file.")
    if not path.endswith(".keras"):
        raise CommandError(f"{flag}: {path}: not a .keras file.")
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as err:  # Keras raises many types for broken or foreign archives.
        raise CommandError(f"{flag}: {path}: could not be loaded ({err}).") from err


def run(args) -> int:
    import_tensorflow_quietly()
    import numpy as np

    import keras_gen
    from keras_gen import latent
    from keras_gen.latent.ppgn import target_indices
    from keras_gen.models import Encodes, SamplesFromPrior

    extension = os.path.splitext(args.out)[1].lower()
    if extension not in OUTPUT_TYPES:
        raise CommandError(f"--out must end in .gif, .mp4 or .png, got {args.out!r}.")
    if args.steps < 0:
        raise CommandError(f"--steps must be >= 0, got {args.steps}.")
    model = load_generative_model(
        args.model_path, (SamplesFromPrior, Encodes),
        "has no latent points to move (it neither samples from a prior nor decodes codes); ppgn works on GANs "
        "and VAEs.",
    )
    prior = None if args.prior is None else _load_keras(args.prior, "--prior")
    info = keras_gen.data.info(args.data)
    if args.classifier is not None:
        classifier = _load_keras(args.classifier, "--classifier")
    else:
        if not info.num_classes:
            raise CommandError(f"--data: '{args.data}' has no class labels, so it has no domain classifier; "
                               "pass --classifier.")
        classifier = keras_gen.evaluation.domain_classifier(args.data, data_dir=args.data_dir)
    num_classes = classifier.num_classes if hasattr(classifier, "num_classes") else classifier.outputs[0].shape[-1]
    names = list(info.class_names or []) or None
    if names is not None and len(names) != num_classes:
        names = None
    try:
        target = int(target_indices(args.target, int(num_classes), names)[0])
    except ValueError as err:
        raise CommandError(f"--target: {err}") from None
    targets = np.full(args.n, target)
    save_every = max(1, -(-args.steps // args.frames)) if args.steps else None
    chain = latent.ppgn_sample(
        model, classifier, targets, prior=prior, steps=args.steps, prior_step=args.prior_step,
        class_step=args.class_step, noise_step=args.noise_step, seed=args.seed, save_every=save_every,
        class_names=names, conditions=targets if model.label_conditional else None,
    )
    if extension == ".png":
        path = latent.save_image_grid(chain.images, args.out, model.data_scale)
    else:
        path = latent.save_animation(chain.frames, args.out, model.data_scale, fps=args.fps, bounce=False)
    label = names[target] if names else str(target)
    say(f"wrote {args.n} chains of {args.steps} steps towards '{label}' to {path}; the guide's mean probability "
        f"of '{label}' went from {chain.history['target_probability'][0]:.3f} to "
        f"{chain.history['target_probability'][-1]:.3f} (judge them with another classifier)")
    return 0
