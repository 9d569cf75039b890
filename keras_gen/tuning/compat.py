"""Keeps keras-tuner working where TensorBoard is not installed.

keras-tuner 1.4 imports `tensorboard` at the start of every trial on the
TensorFlow backend, although it only needs it to add HParams logging next to a
`keras.callbacks.TensorBoard` callback; TensorFlow 2.20+ no longer installs
tensorboard, so every trial then fails with `No module named 'tensorboard'`.
"""

import keras_tuner


def tensorboard_available() -> bool:
    """Whether keras-tuner's TensorBoard HParams integration can be imported."""
    try:
        from tensorboard.plugins.hparams import api  # noqa: F401
    except ImportError:
        return False
    return True


def tolerate_missing_tensorboard() -> None:
    """Skips keras-tuner's TensorBoard set-up for trials without a TensorBoard callback.

    Does nothing where tensorboard is installed. Trials that do use a
    TensorBoard callback still need it and fail with keras-tuner's own message.
    """
    tuner_class = keras_tuner.Tuner
    if tensorboard_available() or getattr(tuner_class, "_keras_gen_tensorboard_optional", False):
        return
    configure = tuner_class._configure_tensorboard_dir

    def configure_if_used(self, callbacks, trial, execution=0):
        if any(type(callback).__name__ == "TensorBoard" for callback in callbacks):
            configure(self, callbacks, trial, execution)

    tuner_class._configure_tensorboard_dir = configure_if_used
    tuner_class._keras_gen_tensorboard_optional = True
