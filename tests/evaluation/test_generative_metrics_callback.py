"""The `GenerativeMetrics` callback inside `model.fit`."""

import copy
import math

import keras
import numpy as np
import pytest

from keras_gen.callbacks.generative_metrics import GenerativeMetrics

METRICS = ("fid", "kid", "precision", "recall", "coverage", "classifier_score")
SMALL = {"num_samples": 150, "kid_subset_size": 100, "kid_num_subsets": 5, "batch_size": 64}


class PoolModel(keras.Model):
    """A trainable toy with `generate`: draws from a pool, noisier in early epochs."""

    def __init__(self, pool, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(1)
        self.pool = pool
        self.data_scale = (-1.0, 1.0)
        self.generate_calls = 0

    def call(self, inputs):
        return self.dense(inputs)

    def generate(self, num_images, batch_size=256):
        rng = np.random.default_rng(self.generate_calls)
        noise_level = 1.0 / (1 + self.generate_calls)
        self.generate_calls += 1
        images = self.pool[rng.choice(len(self.pool), num_images, replace=False)]
        noise = rng.uniform(-1, 1, images.shape)
        return ((1 - noise_level) * images + noise_level * noise).astype("float32")


def fit(model, callbacks, epochs):
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.zeros((8, 1), "float32"), np.zeros((8, 1), "float32")
    return model.fit(x, y, epochs=epochs, batch_size=8, callbacks=callbacks, verbose=0)


@pytest.fixture
def pool(fashion_test_images):
    return fashion_test_images[0][3000:3300]


@pytest.fixture
def real(fashion_test_images):
    return fashion_test_images[0][:300]


def test_writes_metrics_on_evaluated_epochs_and_nan_otherwise(fashion_extractor, pool, real):
    callback = GenerativeMetrics(
        real, metrics=METRICS, every=3, feature_extractor=fashion_extractor, **SMALL
    )
    model = PoolModel(pool)
    history = fit(model, [callback], epochs=5)
    # Evaluated: the first epoch, epoch 3 ((2 + 1) % 3 == 0) and the last one.
    assert model.generate_calls == 3
    expected = set(callback.log_keys)
    assert {
        "val_fid",
        "val_kid",
        "val_kid_std",
        "val_precision",
        "val_recall",
        "val_coverage",
        "val_classifier_score",
    } == expected
    assert expected <= set(history.history)
    fids = history.history["val_fid"]
    assert len(fids) == 5
    assert [math.isnan(v) for v in fids] == [False, True, False, True, False]
    assert fids[0] > fids[2] > fids[4]  # the toy's samples get cleaner
    assert callback.last_results["val_fid"] == fids[4]


def test_omits_keys_with_fill_value_none(fashion_extractor, pool, real):
    callback = GenerativeMetrics(
        real,
        metrics=("fid",),
        every=5,
        fill_value=None,
        prefix="gen_",
        feature_extractor=fashion_extractor,
        **SMALL,
    )
    history = fit(PoolModel(pool), [callback], epochs=4)
    # Only the first and the last epoch are evaluated.
    assert len(history.history["gen_fid"]) == 2 and len(history.history["loss"]) == 4


def test_drives_early_stopping_and_checkpoints(fashion_extractor, pool, real, tmp_path):
    path = str(tmp_path / "best.weights.h5")
    saved_epochs = []

    class RecordSaves(keras.callbacks.ModelCheckpoint):
        def _should_save_model(self, epoch, batch, logs, filepath):
            save = super()._should_save_model(epoch, batch, logs, filepath)
            if save:
                saved_epochs.append(epoch)
            return save

    callbacks = [
        GenerativeMetrics(
            real, metrics=("fid",), every=2, feature_extractor=fashion_extractor, **SMALL
        ),
        keras.callbacks.EarlyStopping("val_fid", mode="min", patience=2),
        RecordSaves(
            path, monitor="val_fid", mode="min", save_best_only=True, save_weights_only=True
        ),
    ]
    fit(PoolModel(pool), callbacks, epochs=4)
    # Saved only on evaluated epochs that improved (NaN epochs are never improvements).
    assert saved_epochs == [0, 1, 3]


def test_deepcopy_shares_real_features(fashion_extractor, pool, real):
    original = GenerativeMetrics(
        real, metrics=("fid",), feature_extractor=fashion_extractor, **SMALL
    )
    first = copy.deepcopy(original)
    fit(PoolModel(pool), [first], epochs=1)
    second = copy.deepcopy(original)
    assert second._reference is first._reference  # computed once, shared by every copy
    assert second._reference.features.shape == (300, 128)
    assert second is not original and second.metrics == original.metrics
    after_use = copy.deepcopy(first)  # copying a used callback does not copy the model
    assert after_use._model is first._model
    history = fit(PoolModel(pool), [second], epochs=1)
    assert np.isfinite(history.history["val_fid"][0])


def test_loads_a_named_data_set(fashion_extractor, pool):
    callback = GenerativeMetrics(
        "fashion_mnist", metrics=("kid",), feature_extractor=fashion_extractor, **SMALL
    )
    fit(PoolModel(pool), [callback], epochs=1)
    assert callback._reference.features.shape == (150, 128)
    assert callback.get_config()["real_images"] == "fashion_mnist"


def test_explains_bad_arguments(pool):
    with pytest.raises(ValueError, match="sample metrics only"):
        GenerativeMetrics("fashion_mnist", metrics=("fid", "elbo"))
    with pytest.raises(ValueError, match="every must be a positive"):
        GenerativeMetrics("fashion_mnist", every=0)
    with pytest.raises(ValueError, match="pass dataset="):
        GenerativeMetrics(pool)
    with pytest.raises(ValueError, match="Unknown metrics"):
        GenerativeMetrics("fashion_mnist", metrics=("inception_score",))


def test_keras_tuner_search_uses_the_metric(fashion_extractor, pool, real, tmp_path):
    keras_tuner = pytest.importorskip("keras_tuner")
    # keras-tuner 1.4 needs tensorboard on the TF backend; keras_gen.tuning lifts that.

    def build(hp):
        model = PoolModel(pool)
        model.compile(optimizer=keras.optimizers.SGD(hp.Float("lr", 1e-3, 1e-2)), loss="mse")
        return model

    tuner = keras_tuner.RandomSearch(
        build,
        objective=keras_tuner.Objective("val_fid", direction="min"),
        max_trials=2,
        directory=str(tmp_path),
        project_name="search",
        seed=0,
    )
    callback = GenerativeMetrics(
        real, metrics=("fid",), every=2, feature_extractor=fashion_extractor, **SMALL
    )
    x = np.zeros((8, 1), "float32")
    tuner.search(x, x, epochs=3, batch_size=8, callbacks=[callback], verbose=0)
    best = tuner.oracle.get_best_trials(1)[0]
    assert np.isfinite(best.score)
    # The toy improves with every evaluation, so the best epoch is the last (always evaluated).
    assert best.best_step == 2
