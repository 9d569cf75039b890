#!/usr/bin/env bash
# The main job: sets up the machine (scripts/setup.sh), then trains the DCGAN
# on Fashion-MNIST and writes the model, samples.png, losses.png, history.csv
# and snapshots/ into runs/dcgan. How long it took, and on which processor:
# README.md, "The two commands".
# Without Fashion-MNIST it trains on the offline 8x8 'digits' data set instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh

export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-3}
# Finds the files, or downloads them with Keras (given up after 5 minutes).
data=fashion_mnist
if ! timeout 300 .venv/bin/python -c \
        "import keras_gen; keras_gen.data.load_numpy('fashion_mnist', 'test', limit=1)" >/dev/null 2>&1; then
    echo "run: Fashion-MNIST is not available (see scripts/setup.sh); training on the offline 'digits' data set instead" >&2
    data=digits
fi
out=runs/dcgan
if [ "$data" != fashion_mnist ]; then
    out=runs/dcgan-$data
fi
.venv/bin/keras-gen train dcgan --data "$data" --out "$out" "$@"
echo "run: samples in $out/samples.png, loss plot in $out/losses.png, grids per epoch in $out/snapshots/"
