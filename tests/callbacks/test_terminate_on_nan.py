"""TerminateOnNaNLoss: a NaN GAN loss stops fit and leaves the last checkpoint intact."""

import keras
import numpy as np
import pytest

import keras_gen
from keras_gen.callbacks import TerminateOnNaNLoss, TrainingDiverged


class PoisonWeights(keras.callbacks.Callback):
    """Sets the discriminator's logit kernel to NaN when epoch 2 begins."""

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1:
            kernel = self.model.discriminator.get_layer("logit").kernel
            kernel.assign(np.full(kernel.shape, np.nan, "float32"))


def test_nan_loss_stops_with_last_good_checkpoint(tmp_path):
    gan = keras_gen.models.DCGAN.for_images((28, 28, 1), latent_dim=8, width=4, seed=0)
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    x = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    path = str(tmp_path / "ckpt.keras")
    callbacks = [keras.callbacks.ModelCheckpoint(path), PoisonWeights(), TerminateOnNaNLoss()]
    with pytest.raises(TrainingDiverged, match=r"d_loss became nan at epoch 2, batch 1"):
        gan.fit(x, batch_size=8, epochs=3, verbose=0, callbacks=callbacks)
    restored = keras.models.load_model(path)
    assert int(restored.d_optimizer.iterations.numpy()) == 2  # the epoch-1 model
    assert all(np.isfinite(keras.ops.convert_to_numpy(w)).all() for w in restored.weights)
