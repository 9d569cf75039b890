"""GatedPixelCNNBlock and RowLSTM: shapes, serialization and bad arguments."""

import keras
import numpy as np
import pytest

from keras_gen.layers import GatedPixelCNNBlock, RowLSTM


def test_gated_block_round_trips_through_its_config_and_a_keras_file(tmp_path):
    images = keras.Input((6, 6, 2))
    labels = keras.Input((3,))
    v, h = GatedPixelCNNBlock(4, kernel_size=5, first=True)([images, images, labels])
    v, h = GatedPixelCNNBlock(4)([v, h, labels])
    model = keras.Model([images, labels], h)
    x = np.random.default_rng(0).normal(size=(2, 6, 6, 2)).astype("float32")
    c = np.random.default_rng(1).normal(size=(2, 3)).astype("float32")
    path = tmp_path / "gated.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_array_equal(restored([x, c]), model([x, c]))
    config = model.layers[2].get_config()
    assert (config["filters"], config["kernel_size"], config["first"]) == (4, 5, True)
    # The condition changes the output: it reaches the gates.
    assert not np.allclose(model([x, c]), model([x, c + 1.0]))


def test_row_lstm_round_trips_and_its_rows_follow_the_recurrence(tmp_path):
    inputs = keras.Input((5, 4, 3))
    model = keras.Model(inputs, RowLSTM(6, kernel_size=3)(inputs))
    x = np.random.default_rng(0).normal(size=(2, 5, 4, 3)).astype("float32")
    path = tmp_path / "row_lstm.keras"
    model.save(path)
    np.testing.assert_array_equal(keras.saving.load_model(path)(x), model(x))
    # A change in the last row leaves the rows above untouched.
    changed = x.copy()
    changed[:, 4] += 1.0
    np.testing.assert_array_equal(model(changed)[:, :4], model(x)[:, :4])


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="odd number >= 3"):
        GatedPixelCNNBlock(4, kernel_size=4)
    with pytest.raises(ValueError, match="filters"):
        GatedPixelCNNBlock(0)
    with pytest.raises(ValueError, match="only the first block"):
        GatedPixelCNNBlock(4)([keras.Input((6, 6, 1)), keras.Input((6, 6, 1))])
    with pytest.raises(ValueError, match="odd positive"):
        RowLSTM(4, kernel_size=2)
    with pytest.raises(ValueError, match="units"):
        RowLSTM(0)
