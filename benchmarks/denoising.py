"""Autoencoder vs denoising autoencoder: test-set reconstruction error from noisy inputs.

Both models are built and compiled as `keras-gen train autoencoder` and
`keras-gen train denoising_autoencoder` build them (the registry's defaults:
latent_dim 32, width 32, Adam(1e-3), batch 128) and train for the same number
of epochs on the Fashion-MNIST training set. Then each reconstructs all 10,000
test images, clean and corrupted (Gaussian noise of standard deviation 0.5,
and masking noise that drops half the pixels, both drawn with a fixed seed),
and the mean squared error against the clean images is reported. Prints a
table and writes JSON.

    python benchmarks/denoising.py --epochs 3 --json benchmarks/results/denoising.json
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras
import numpy as np
import provenance

import keras_gen
from keras_gen import families

NOISES = {
    "gaussian 0.5": {"noise": "gaussian", "noise_stddev": 0.5},
    "masking 0.5": {"noise": "masking", "noise_rate": 0.5},
}


def noisy_copies(clean, seed=1):
    """The test images under each noise, drawn once with `seed` for both models."""
    copies = {"clean": clean}
    for name, options in NOISES.items():
        corrupter = families.get("denoising_autoencoder").build(clean.shape[1:], compile=False, **options)
        copies[name] = keras.ops.convert_to_numpy(corrupter.corrupt(clean, seed=seed))
    return copies


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="training images (default: all)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    run = provenance.start()

    test, _ = keras_gen.data.load_numpy("fashion_mnist", "test", scale=(0, 1))
    inputs = noisy_copies(test)
    results = {"epochs": args.epochs, "limit": args.limit, "models": {}}
    for name in ("autoencoder", "denoising_autoencoder"):
        keras.utils.set_random_seed(0)
        family = families.get(name)
        model = family.build((28, 28, 1), seed=0)
        data = keras_gen.data.load("fashion_mnist", batch_size=family.batch_size, scale=model.data_scale,
                                   seed=0, limit=args.limit)
        start = time.perf_counter()
        model.fit(data, epochs=args.epochs, verbose=2)
        seconds = time.perf_counter() - start
        errors = {kind: float(np.mean((model.reconstruct(x) - test) ** 2)) for kind, x in inputs.items()}
        results["models"][name] = {"train_seconds": round(seconds, 1), "mse": errors}
    results["mse_of_the_noisy_inputs"] = {k: float(np.mean((x - test) ** 2)) for k, x in inputs.items()}

    kinds = list(inputs)
    print(f"\nTest-set MSE to the clean images ({args.epochs} epochs each, 10,000 test images)")
    print(f"{'model':<24}" + "".join(f"{k:>16}" for k in kinds))
    for name, row in results["models"].items():
        print(f"{name:<24}" + "".join(f"{row['mse'][k]:>16.4f}" for k in kinds))
    print(f"{'(input itself)':<24}" + "".join(f"{results['mse_of_the_noisy_inputs'][k]:>16.4f}" for k in kinds))
    print(f"load average (1 min): {run['load_average_start']['1min']:.2f} before, {os.getloadavg()[0]:.2f} after")
    if args.json:
        provenance.write_json(args.json, results, run)


if __name__ == "__main__":
    main()
