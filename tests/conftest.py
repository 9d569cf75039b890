"""Test-wide settings: quiet TensorFlow, the TensorFlow backend, a fresh Keras state per test."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import pytest


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    """Clears Keras' global state so names and policies do not leak between tests."""
    keras.backend.clear_session()
    yield
    keras.config.set_dtype_policy("float32")
