"""Tests of the `keras-gen` command and the example scripts' shared helpers."""

import keras_gen


def training_data_name():
    """Fashion-MNIST where its files are installed, else the bundled 8x8 digits."""
    try:
        keras_gen.data.load_numpy("fashion_mnist", "test", limit=1)
        return "fashion_mnist"
    except keras_gen.data.DatasetNotFoundError:
        return "digits"
