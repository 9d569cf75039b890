"""FusedBatchNormalization: Keras' batch normalization, computed by one fused kernel in training."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gen.layers import FusedBatchNormalization


def _pair(shape, options, rng):
    """Our layer and Keras' with the same (random) scale and offset."""
    ours, theirs = FusedBatchNormalization(**options), keras.layers.BatchNormalization(**options)
    ours.build(shape)
    theirs.build(shape)
    if ours.scale:
        ours.gamma.assign(rng.normal(size=shape[-1]).astype("float32"))
        ours.beta.assign(rng.normal(size=shape[-1]).astype("float32"))
        theirs.gamma.assign(ours.gamma)
        theirs.beta.assign(ours.beta)
    return ours, theirs


@pytest.mark.parametrize("shape", [(16, 5, 5, 3), (8, 6), (1, 6), (1, 2, 2, 3)])
@pytest.mark.parametrize("options", [{}, {"center": False, "scale": False, "momentum": 0.5, "epsilon": 1e-5}])
def test_training_outputs_gradients_and_moving_statistics_match_keras(shape, options):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(2.0, 3.0, shape).astype("float32"))
    upstream = tf.constant(rng.normal(size=shape).astype("float32"))
    results = []
    for layer in _pair(shape, options, rng):
        step = tf.function(lambda inputs, layer=layer: _step(layer, inputs, upstream))  # graph mode, as in fit
        outputs, gradients = step(x)
        results.append((outputs.numpy(), [g.numpy() for g in gradients], layer.moving_mean.numpy(),
                        layer.moving_variance.numpy(), layer(x, training=False).numpy()))
    (y1, g1, m1, v1, i1), (y2, g2, m2, v2, i2) = results
    np.testing.assert_allclose(y1, y2, rtol=1e-4, atol=1e-4)
    for ours, theirs in zip(g1, g2):
        np.testing.assert_allclose(ours, theirs, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(m1, m2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(v1, v2, rtol=1e-5, atol=1e-6)
    assert not np.allclose(m1, 0.0)  # the moving mean moved towards the batch's mean of about 2
    np.testing.assert_allclose(i1, i2, rtol=1e-5, atol=1e-5)


def _step(layer, inputs, upstream):
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs = layer(inputs, training=True)
        loss = tf.reduce_sum(outputs * upstream)
    return outputs, tape.gradient(loss, [inputs, *layer.trainable_variables])


def test_the_fused_kernel_is_used_in_training_and_keras_code_otherwise(monkeypatch):
    calls = []
    fused = tf.raw_ops.FusedBatchNormV3
    monkeypatch.setattr(tf.raw_ops, "FusedBatchNormV3", lambda **kw: calls.append(kw) or fused(**kw))
    layer = FusedBatchNormalization()
    x = np.ones((4, 3, 3, 2), "float32")
    layer(x, training=True)
    assert len(calls) == 1
    layer(x, training=False)
    FusedBatchNormalization(axis=1)(x, training=True)  # not the last axis: Keras' code
    FusedBatchNormalization()(np.ones((4, 3, 2), "float32"), training=True)  # rank 3: Keras' code
    assert len(calls) == 1


def test_saves_and_loads_with_the_same_outputs(tmp_path):
    model = keras.Sequential([keras.Input((4, 4, 2)), FusedBatchNormalization(momentum=0.8, name="bn")])
    x = np.random.default_rng(1).normal(size=(6, 4, 4, 2)).astype("float32")
    model(x, training=True)  # move the statistics
    path = str(tmp_path / "bn.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    assert type(restored.get_layer("bn")) is FusedBatchNormalization
    assert restored.get_layer("bn").momentum == 0.8
    np.testing.assert_allclose(restored(x, training=False), model(x, training=False), rtol=1e-6)
