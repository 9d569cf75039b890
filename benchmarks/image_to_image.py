"""Image-to-image families on Fashion-MNIST at a fixed budget each.

Each model trains for `--budget-minutes` (or until it has seen `--images` real
images) at batch 64 (CycleGAN: 16 of each domain) with its `keras-gen train`
defaults and `compile()` defaults, is saved, and is measured on the 10,000 test
images with keras_gen's Fashion-MNIST feature networks and classifiers:

- pix2pix (edges -> clothes) against the same U-Net trained with L1 alone:
  FID of the translated test edges against the test images, and L1;
- 4x super-resolution (7 -> 28): PSNR and SSIM (`tf.image.psnr` / `ssim`) and
  FID of bicubic upsampling, SRResNet, and SRGAN (started from the SRResNet,
  content loss in the default feature network; its budget comes on top);
- CycleGAN sandal <-> sneaker: the share of translated test images the
  classifier labels as the target class, each way, and the cycle L1;
- inpainting (centre 14x14 hole): PSNR inside the hole of the context
  encoder, the same network trained with L2 alone, and a mean-pixel fill.

SRGAN's content loss is a layer of the default feature network, so its FID on
that network is partly its own objective. Every FID and classifier share is
therefore measured on two networks (benchmarks/feature_networks.py): the
default (`fid`, `..._target_class_share`) and an independent one trained with
another recipe and seed (`fid_independent`, `..._target_class_share_independent`);
`feature_networks` in the JSON says which is which, with their test accuracies.

    python benchmarks/image_to_image.py --budget-minutes 15 --models pix2pix,superres --json benchmarks/results/image_to_image.json
    python benchmarks/image_to_image.py --images 200000 --models superres --json benchmarks/results/image_to_image_superres_200k.json
    python benchmarks/image_to_image.py --rescore --models superres --json benchmarks/results/image_to_image_superres_rescored.json

Run it alone on the machine. `--skip-training` reuses the saved models (and
trains those missing); `--rescore` measures the models saved in `--models-dir`
again without training any (for example on the independent network).
"""

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import budget
import feature_networks
import keras
import numpy as np
import provenance
import tensorflow as tf

import keras_gen
from keras_gen.callbacks import row_grid, save_grid, save_translations
from keras_gen.evaluation import metrics as sample_metrics

GROUPS = ("pix2pix", "superres", "cyclegan", "inpainting")
SANDAL, SNEAKER = 5, 7


def fit_for(model, data, args, path, batch_size):
    stop = budget.callback(args, batch_size)
    model.fit(data, epochs=10000, verbose=0, callbacks=[stop])
    model.save(path)
    row = budget.training_row(stop, batch_size)
    print(f"{os.path.basename(path)}: trained {row}", flush=True)
    return row


def saved(path):
    """The model saved at `path`, and which file that was (all a rescored row knows of its training)."""
    return keras.saving.load_model(path), {"loaded_from": provenance.saved_file(path)}


def trained(path, build, data, args, batch_size=64):
    """The model saved at `path` (`--rescore`, `--skip-training`), or a new one trained for the budget and saved."""
    if args.rescore and not os.path.exists(path):
        raise SystemExit(f"--rescore measures saved models, but {path} does not exist: train it first (without "
                         "--rescore), or point --models-dir at the folder that holds it.")
    if (args.rescore or args.skip_training) and os.path.exists(path):
        return saved(path)
    keras.utils.set_random_seed(0)
    model = build()
    return model, fit_for(model, data, args, path, batch_size)


def fids(networks, real_features, images):
    """FID of `images` against the test images on each feature network: `fid`, `fid_independent`."""
    return {"fid" + feature_networks.SUFFIXES[role]:
            float(sample_metrics.fid(real_features[role], network.features(images, (-1.0, 1.0))))
            for role, network in networks.items()}


# pix2pix variants: name -> (figure label, `Pix2Pix.for_images` arguments beside
# (28, 28, 1), width=32, seed=0). "pix2pix" is the defaults (a PatchGAN of half the
# U-Net's width, 16); "pix2pix_d32" the first default (as wide as the U-Net),
# "pix2pix_d16" the same as today's default.
PIX2PIX_VARIANTS = {
    "l1_only": ("L1 only", {"adversarial": False}),
    "pix2pix": ("pix2pix", {}),
    "pix2pix_d16": ("pix2pix, D width 16", {"discriminator_width": 16}),
    "pix2pix_d32": ("pix2pix, D width 32", {"discriminator_width": 32}),
}


def pix2pix_rows(args, networks, test_images, real_features):
    edges, targets = keras_gen.data.make_pairs(test_images, "edges")
    data = keras_gen.data.load_pairs("fashion_mnist", task="edges", batch_size=64, seed=0)
    rows, outputs = {}, {}
    for name in args.pix2pix_variants.split(","):
        if name not in PIX2PIX_VARIANTS:
            raise SystemExit(f"unknown pix2pix variant {name!r}; choose from {sorted(PIX2PIX_VARIANTS)}")
        path = os.path.join(args.models_dir, f"{name}.keras")
        model, row = trained(path, lambda options=PIX2PIX_VARIANTS[name][1]: _compiled(keras_gen.models.Pix2Pix.for_images(
            (28, 28, 1), width=32, seed=0, **options)), data, args)
        outputs[name] = model.translate(edges)
        row.update({**fids(networks, real_features, outputs[name]),
                    "l1": float(np.abs(outputs[name] - targets).mean())})
        rows[name] = row
        print(f"{name}: {row}", flush=True)
    figure = {"edges": edges[:8], **{PIX2PIX_VARIANTS[name][0]: images[:8] for name, images in outputs.items()},
              "real": targets[:8]}
    save_grid(row_grid(figure, (-1, 1), columns=len(figure)),
              os.path.join(args.figures, "image_to_image_pix2pix.png"))
    return rows


def _compiled(model):
    model.compile()
    return model


def superres_rows(args, networks, test_images, real_features):
    low, high = keras_gen.data.make_pairs(test_images, "superres", factor=4)
    data = keras_gen.data.load_pairs("fashion_mnist", task="superres", factor=4, batch_size=64, seed=0)
    srresnet_path = os.path.join(args.models_dir, "srresnet.keras")
    srresnet, rows = trained(srresnet_path, lambda: _compiled(keras_gen.models.SRResNet.for_images(
        (7, 7, 1), factor=4, width=32, num_blocks=4, seed=0)), data, args)
    rows = {"srresnet": rows}
    # The content loss compares features of the default network (`networks["default"]`, the same cached model).
    srgan, srgan_row = trained(os.path.join(args.models_dir, "srgan.keras"), lambda: _compiled(
        keras_gen.models.SRGAN.from_srresnet(keras.saving.load_model(srresnet_path),
                                             content_network=keras_gen.evaluation.content_network("fashion_mnist"),
                                             discriminator_width=32, seed=0)), data, args)
    rows["srgan"] = srgan_row
    outputs = {"bicubic": np.clip(tf.image.resize(low, (28, 28), method="bicubic").numpy(), -1, 1),
               "srresnet": srresnet.upscale(low), "srgan": srgan.upscale(low)}
    for name, images in outputs.items():
        row = rows.setdefault(name, {})
        row["psnr"] = float(tf.reduce_mean(tf.image.psnr(images, high, max_val=2.0)))
        row["ssim"] = float(tf.reduce_mean(tf.image.ssim(tf.constant(images), tf.constant(high), max_val=2.0)))
        row.update(fids(networks, real_features, images))
        print(f"{name}: {row}", flush=True)
    figure = {"input": np.repeat(np.repeat(low[:8], 4, axis=1), 4, axis=2),
              **{name: images[:8] for name, images in outputs.items()}, "real": high[:8]}
    save_grid(row_grid(figure, (-1, 1), columns=5), os.path.join(args.figures, "image_to_image_superres.png"))
    return rows


def cyclegan_rows(args, networks, test_images, test_labels):
    data = keras_gen.data.load_unpaired("fashion_mnist", domain_a=[SANDAL], domain_b=[SNEAKER], batch_size=16,
                                        seed=0)
    model, row = trained(os.path.join(args.models_dir, "cyclegan.keras"), lambda: _compiled(
        keras_gen.models.CycleGAN.for_images((28, 28, 1), width=16, num_blocks=4, seed=0)), data, args,
        batch_size=16)
    sandals, sneakers = test_images[test_labels == SANDAL], test_images[test_labels == SNEAKER]
    for name, images, direction, target in (("a_to_b", sandals, "a_to_b", SNEAKER),
                                            ("b_to_a", sneakers, "b_to_a", SANDAL)):
        translated = model.translate(images, direction=direction)
        for role, network in networks.items():
            predicted = network.predict_proba(translated, data_scale=(-1, 1)).argmax(axis=1)
            row[f"{name}_target_class_share{feature_networks.SUFFIXES[role]}"] = float(np.mean(predicted == target))
        row[f"{name}_cycle_l1"] = float(np.abs(model.cycle(images, direction=direction) - images).mean())
    print(f"cyclegan: {row}", flush=True)
    save_translations(model, sandals[:8], sneakers[:8], os.path.join(args.figures, "image_to_image_cyclegan.png"),
                      columns=6)
    return {"cyclegan": row}


def hole_psnr(filled, originals, masks):
    """Mean PSNR (dB) over the images, of the pixels inside each hole; pixels in [-1, 1]."""
    originals, filled, masks = (np.asarray(a, "float32") for a in (originals, filled, masks))
    return float(np.mean(keras_gen.losses.peak_signal_to_noise_ratio(originals, filled, 2.0, masks)))


def inpainting_rows(args, test_images):
    (holed, masks), originals = keras_gen.data.make_pairs(test_images, "inpaint", hole=(14, 14))
    data = keras_gen.data.load_pairs("fashion_mnist", task="inpaint", hole=(14, 14), batch_size=64, seed=0)
    train_mean = keras_gen.data.load_numpy("fashion_mnist", "train")[0].mean()
    rows = {"mean_fill": {"hole_psnr": hole_psnr(np.where(masks > 0, train_mean, originals), originals, masks)}}
    filled = {}
    for name, adversarial in (("l2_only", False), ("context_encoder", True)):
        model, row = trained(os.path.join(args.models_dir, f"{name}.keras"), lambda a=adversarial: _compiled(
            keras_gen.models.ContextEncoder.for_images((28, 28, 1), hole=(14, 14), adversarial=a, seed=0)),
            data, args)
        filled[name] = model.inpaint(originals, masks)
        row["hole_psnr"] = hole_psnr(filled[name], originals, masks)
        rows[name] = row
        print(f"{name}: {row}", flush=True)
    figure = {"with hole": holed[:8], "L2 only": filled["l2_only"][:8], "context encoder":
              filled["context_encoder"][:8], "real": originals[:8]}
    save_grid(row_grid(figure, (-1, 1), columns=4), os.path.join(args.figures, "image_to_image_inpainting.png"))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    budget.add_arguments(parser, minutes=15.0)
    parser.add_argument("--models", default=",".join(GROUPS), help=f"comma-separated groups of {GROUPS}")
    parser.add_argument("--models-dir", default="benchmarks/results/image_to_image_models")
    parser.add_argument("--figures", default="docs/images")
    parser.add_argument("--test-images", type=int, default=10000)
    parser.add_argument("--skip-training", action="store_true", help="reuse the saved models; train those missing")
    parser.add_argument("--rescore", action="store_true",
                        help="measure the models saved in --models-dir again and train none "
                        "(a missing one is an error)")
    parser.add_argument("--pix2pix-variants", default="l1_only,pix2pix",
                        help=f"comma-separated pix2pix rows of {sorted(PIX2PIX_VARIANTS)}")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    budget.check(parser, args)
    unknown = [group for group in args.models.split(",") if group not in GROUPS]
    if unknown:
        parser.error(f"unknown groups {unknown}; choose from {GROUPS}")
    run = provenance.start()
    print(f"{'rescoring saved models' if args.rescore else budget.describe(args) + ' per model'}; "
          f"TF {tf.__version__}, Keras {keras.__version__}, {run['processor']['model_name']}, {run['cores']} cores, "
          f"load average {os.getloadavg()}", flush=True)
    os.makedirs(args.models_dir, exist_ok=True)
    os.makedirs(args.figures, exist_ok=True)
    test_images, test_labels = keras_gen.data.load_numpy("fashion_mnist", "test", limit=args.test_images)
    networks = feature_networks.load()
    real_features = {role: network.features(test_images, (-1.0, 1.0)) for role, network in networks.items()}
    # A rescored row says which file it measured (`loaded_from`); the budget it trained for is unknown here.
    results = {**({} if args.rescore else budget.record(args)), "rescore": args.rescore,
               "test_images": len(test_images),
               "feature_networks": feature_networks.describe(networks)}
    for group in args.models.split(","):
        if group == "pix2pix":
            results["pix2pix"] = pix2pix_rows(args, networks, test_images, real_features)
        elif group == "superres":
            results["superres"] = superres_rows(args, networks, test_images, real_features)
        elif group == "cyclegan":
            results["cyclegan"] = cyclegan_rows(args, networks, test_images, test_labels)
        else:
            results["inpainting"] = inpainting_rows(args, test_images)
        if args.json:
            provenance.write_json(args.json, results, run)
    print(json.dumps(results, indent=2))

if __name__ == "__main__":
    main()
