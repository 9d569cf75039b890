"""Test-wide settings: quiet TensorFlow, the TensorFlow backend, a fresh Keras state per test.

Train steps run eagerly in the tests (`tf.config.run_functions_eagerly`): the
models here are tiny and train for a few steps, where tracing a step costs far
more than running it (the suite takes half the time). Tests marked `graph` run
traced, as `fit` does for users: the registry-wide one-step test traces every
family, and every test that starts `keras-gen` or an example in a subprocess
runs in graph mode too.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import pytest
import tensorflow as tf


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    """Clears Keras' global state so names and policies do not leak between tests."""
    keras.backend.clear_session()
    yield
    keras.config.set_dtype_policy("float32")


@pytest.fixture(autouse=True)
def _eager_unless_marked_graph(request):
    """Eager train steps, except in tests marked `graph`."""
    tf.config.run_functions_eagerly(request.node.get_closest_marker("graph") is None)
    yield
    tf.config.run_functions_eagerly(False)
