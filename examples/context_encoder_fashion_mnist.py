"""Context encoder on Fashion-MNIST: fill a hole in the middle of each image.

Full run on 2 CPU cores with its defaults: 4.9 minutes (measured 2026-12-04 on
an AMD EPYC, load 1.4, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

The context encoder (Pathak et al., 2016) sees an image with a missing region
and paints it, trained on 0.999 x the L2 error inside the hole plus 0.001 x an
adversarial loss. Holes and masks are made in the data pipeline
(`keras_gen.data.load_pairs(..., task="inpaint")`; a mask is 1 on missing
pixels). `inpaint` replaces only the masked pixels. The script compares the
PSNR inside the hole with filling it by the mean training pixel.

Run:
    python examples/context_encoder_fashion_mnist.py --epochs 5 --out runs/example_inpainting
    python examples/context_encoder_fashion_mnist.py --smoke   # a few seconds, tiny models

Writes into --out: inpainted.png (rows of image with hole | filled | original),
snapshots/ and the model.
"""

import argparse
import os

import numpy as np

import keras_gen
from keras_gen.callbacks import ImageSnapshot, save_translations


def hole_psnr(filled, originals, masks):
    """Mean PSNR (dB) over the images, of the pixels inside each hole; pixels in [-1, 1]."""
    originals, filled, masks = (np.asarray(a, "float32") for a in (originals, filled, masks))
    return float(np.mean(keras_gen.losses.peak_signal_to_noise_ratio(originals, filled, 2.0, masks)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training set")
    parser.add_argument("--out", default="runs/example_inpainting", help="output directory")
    parser.add_argument("--data", default="fashion_mnist", help="data set name")
    parser.add_argument("--smoke", action="store_true", help="128 images, 1 epoch, tiny models")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    limit, epochs, width = (128, 1, 4) if args.smoke else (None, args.epochs, 32)

    train_images, _ = keras_gen.data.load_numpy(args.data, limit=limit)
    shape = train_images.shape[1:]
    hole = (shape[0] // 2, shape[1] // 2)
    train = keras_gen.data.load_pairs(args.data, task="inpaint", hole=hole, batch_size=64, limit=limit)
    test_images, _ = keras_gen.data.load_numpy(args.data, "test", limit=500)
    (holed, masks), originals = keras_gen.data.make_pairs(test_images, "inpaint", hole=hole)

    model = keras_gen.models.ContextEncoder.for_images(shape, hole=hole, width=width, seed=0)
    model.compile()
    snapshots = ImageSnapshot(os.path.join(args.out, "snapshots"), translation_images=((holed[:8], masks[:8]),
                                                                                       originals[:8]))
    model.fit(train, epochs=epochs, callbacks=[snapshots], verbose=2)
    model.save(os.path.join(args.out, "model.keras"))

    filled = model.inpaint(test_images, masks)
    mean_fill = np.where(masks > 0, train_images.mean(), test_images)
    print(f"PSNR inside the hole: context encoder {hole_psnr(filled, originals, masks):.2f} dB, "
          f"mean fill {hole_psnr(mean_fill, originals, masks):.2f} dB")
    path = save_translations(model, (holed[:8], masks[:8]), originals[:8], os.path.join(args.out, "inpainted.png"))
    print(f"Wrote {path}.")


if __name__ == "__main__":
    main()
