"""Models of clips and voxel grids: `data_shape`, `data_kind` and the rank-5 batch checks, before any update."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from keras_gen.families import Family
from keras_gen.models import GenerativeModel
from keras_gen.training import minimize
from tests.test_case import changed, weights_of

CLIP_SHAPE = (4, 16, 16, 1)
GRID_SHAPE = (8, 8, 8, 1)


@keras.saving.register_keras_serializable(package="keras_gen_tests")
class ClipAutoencoder(GenerativeModel):
    """A one-Conv3D model that reconstructs its clips with L2: the smallest model of videos."""

    data_kind = "videos"
    network_names = ("network",)

    def __init__(self, network, **kwargs):
        super().__init__(tuple(network.input_shape)[1:], **kwargs)
        self.network = network
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @classmethod
    def for_videos(cls, data_shape, seed=None, **kwargs):
        inputs = keras.Input(data_shape)
        outputs = keras.layers.Conv3D(data_shape[-1], 3, padding="same", activation="tanh")(inputs)
        return cls(keras.Model(inputs, outputs), seed=seed, **kwargs)

    def train_step(self, data):
        batch = self.unpack_batch(data)

        def loss_fn():
            return ops.mean(ops.square(self.network(batch["images"], training=True) - batch["images"])), None

        loss, _ = minimize(loss_fn, self.network.trainable_variables, self.optimizer)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    @property
    def metrics(self):
        return [self.loss_tracker]


@keras.saving.register_keras_serializable(package="keras_gen_tests")
class GridAutoencoder(ClipAutoencoder):
    """The same model for voxel grids in [0, 1]."""

    data_kind = "voxels"

    @classmethod
    def for_voxels(cls, data_shape, seed=None, **kwargs):
        return cls.for_videos(data_shape, seed=seed, data_scale=(0.0, 1.0), **kwargs)


def _clips(count=4, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (count, *CLIP_SHAPE)).astype("float32")


def _model():
    model = ClipAutoencoder.for_videos(CLIP_SHAPE, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    return model


def test_shapes_of_a_video_model():
    model = _model()
    assert model.data_kind == "videos"
    assert model.data_shape == CLIP_SHAPE and model.image_shape == CLIP_SHAPE[1:]
    with pytest.raises(ValueError, match=r"\(frames, height, width, channels\)"):
        ClipAutoencoder(keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Conv2D(1, 1)]))


def test_video_model_trains_on_numpy_and_tf_data_clips():
    model = _model()
    before = weights_of(model)
    model.fit(_clips(), batch_size=2, epochs=1, verbose=0)
    after = weights_of(model)
    assert changed(before, after)
    model.fit(tf.data.Dataset.from_tensor_slices(_clips()).batch(2), epochs=1, verbose=0)
    assert changed(after, weights_of(model))


def _bad_batches():
    clips = _clips()
    out_of_range = clips.copy()
    out_of_range[1, 2, 3, 4] = 1.5
    with_nan = clips.copy()
    with_nan[0, 1, 2, 3] = np.nan
    return {
        "images": (clips[:, 0], (r"is a model of clips: it takes batches of shape \(batch, frames, height, width, "
                                r"channels\) = \(batch, 4, 16, 16, 1\); got images.*moving_fashion_mnist")),
        "frames": (clips[:, :3], r"Frame count mismatch.*4 frames.*got 3 frames.*clips\[:, :4\]"),
        "frame size": (np.zeros((4, 4, 8, 8, 1), "float32"), r"Frame size mismatch.*16x16 frames.*got 8x8"),
        "range": (out_of_range, r"clips .*(lie in|between).*(data_scale|scale_images)"),
        "nan": (with_nan, r"clips (contain 1 )?(hold )?NaN"),
    }


@pytest.mark.parametrize("source", ["numpy", "tf.data"])
@pytest.mark.parametrize("problem", list(_bad_batches()))
def test_bad_clips_fail_before_any_update(problem, source):
    model = _model()
    data, message = _bad_batches()[problem]
    if source == "tf.data":
        data = tf.data.Dataset.from_tensor_slices(data).batch(2)
    before = weights_of(model)
    with pytest.raises(ValueError, match=message):
        model.fit(data, epochs=1, verbose=0)
    assert not changed(before, weights_of(model))


@pytest.mark.graph  # the in-step check as `fit` traces it for users
def test_out_of_range_clips_from_tf_data_name_the_range_and_the_fix():
    model = _model()
    clips = _clips()
    clips[3] = clips[3] * 0.5 + 0.6  # the second batch: up to 1.1
    before = weights_of(model)
    with pytest.raises(ValueError, match=r"training clips must lie between -1.002 and 1.002; a batch holds a larger "
                                         r"value; the model works in data_scale=\(-1.0, 1.0\).*\(training data, "
                                         r"epoch 1, batch 2\)"):
        model.fit(tf.data.Dataset.from_tensor_slices(clips).batch(2), epochs=1, verbose=0)
    # The first batch trained, the second stopped before its update: weights as after one step.
    reference = _model()
    reference.set_weights(before)
    reference.fit(clips[:2], batch_size=2, epochs=1, verbose=0, shuffle=False)
    for got, want in zip(weights_of(model), weights_of(reference)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert changed(before, weights_of(model))


def test_voxel_model_checks_its_grids():
    model = GridAutoencoder.for_voxels(GRID_SHAPE, seed=0)
    model.compile(optimizer="adam")
    assert model.data_kind == "voxels" and model.data_shape == GRID_SHAPE and model.data_scale == (0.0, 1.0)
    grids = np.random.default_rng(0).integers(0, 2, (4, *GRID_SHAPE)).astype("float32")
    before = weights_of(model)
    with pytest.raises(ValueError, match=r"Grid size mismatch.*8x8x8 voxels.*got 16x16x16"):
        model.fit(np.zeros((2, 16, 16, 16, 1), "float32"), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"add the channel axis"):
        model.fit(grids[..., 0], epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"got images.*voxel_shapes"):
        model.fit(grids[:, 0], epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"voxel grids must lie between"):
        model.fit(tf.data.Dataset.from_tensor_slices(grids * 2 - 1).batch(2), epochs=1, verbose=0)
    assert not changed(before, weights_of(model))
    model.fit(grids, batch_size=2, epochs=1, verbose=0)
    assert changed(before, weights_of(model))


def test_family_builds_through_its_builder():
    family = Family("clip_autoencoder", "tests.models.test_data_shapes:ClipAutoencoder", "clips",
                    builder="for_videos")
    assert family.data_kind == "videos"
    model = family.build(CLIP_SHAPE, seed=0)
    assert isinstance(model, ClipAutoencoder) and model.data_shape == CLIP_SHAPE and model.compiled
    with pytest.raises(ValueError, match=r"'clip_autoencoder' trains on clips: the data set's example_shape must "
                                         r"be \(frames, height, width, channels\)"):
        family.build((16, 16, 1))
    grids = Family("grid_autoencoder", "tests.models.test_data_shapes:GridAutoencoder", "grids",
                   builder="for_voxels")
    assert grids.build(GRID_SHAPE, seed=0, compile=False).data_kind == "voxels"
    with pytest.raises(ValueError, match=r"Unknown builder 'for_clips'.*for_videos"):
        Family("x", "m:X", "x", builder="for_clips")
    assert Family("y", "m:Y", "y").builder == "for_images"
