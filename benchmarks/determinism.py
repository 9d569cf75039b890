"""What `keras_gen.enable_determinism()` costs in training speed on this machine.

Each trial is a fresh process (op determinism cannot be switched off again)
that trains a family for `--steps` steps at batch 64 after a warm-up of 20
steps, and prints images per second. Trials alternate, deterministic or not,
so slow drifts of the machine hit both equally; the median of each is reported.

    python benchmarks/determinism.py --families dcgan,vae,pixelcnn --trials 3

Run it alone on the machine.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import provenance

TRIAL = """
import os, sys, time
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras, numpy as np
import keras_gen
from keras_gen import recipes
if sys.argv[2] == "1":
    keras_gen.enable_determinism()
keras.utils.set_random_seed(0)
model = recipes.build_model(sys.argv[1], (28, 28, 1), seed=0, data="fashion_mnist")
steps = int(sys.argv[3])
data = keras_gen.data.load_batches("fashion_mnist", model.batch_kind, batch_size=64, scale=model.data_scale,
                                   repeat=True, seed=0)
model.fit(data, steps_per_epoch=int(sys.argv[4]), epochs=1, verbose=0)
start = time.perf_counter()
model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
print(steps * 64 / (time.perf_counter() - start))
"""


WARMUP_STEPS = 20


def trial(family, deterministic, steps):
    result = subprocess.run([sys.executable, "-c", TRIAL, family, "1" if deterministic else "0", str(steps),
                             str(WARMUP_STEPS)], check=True, capture_output=True, text=True)
    return float(result.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default="dcgan,vae,pixelcnn")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    run = provenance.start()
    results = {"steps": args.steps, "warmup_steps": WARMUP_STEPS, "trials": args.trials, "families": {}}
    for family in args.families.split(","):
        speeds = {False: [], True: []}
        for _ in range(args.trials):
            for deterministic in (False, True):
                speeds[deterministic].append(trial(family, deterministic, args.steps))
        default, deterministic = statistics.median(speeds[False]), statistics.median(speeds[True])
        results["families"][family] = {"default_images_per_second": default,
                                       "deterministic_images_per_second": deterministic,
                                       "cost_percent": 100 * (1 - deterministic / default),
                                       "trials": {"default": speeds[False], "deterministic": speeds[True]}}
        print(family, results["families"][family], flush=True)
    if args.json:
        provenance.write_json(args.json, results, run)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
