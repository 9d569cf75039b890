"""What every exact-likelihood family logs: its loss (nats per image) and the same in bits/dim."""

import math

import keras

from keras_gen.training import minimize, unscaled


class ExactLikelihoodTraining:
    """Mixin of PixelCNN, PixelRNN, NADE and MADE: `loss` and `bits_per_dim` trackers and the step's record.

    A family calls `_build_trackers()` in its constructor and ends `train_step`
    and `test_step` with `_record(loss, nll)`, where `nll` is -log p(x) per
    image in nats. Families with one loss implement
    `_negative_log_likelihood(data, training)` -> `(loss, nll)` and take the
    steps below.
    """

    def _build_trackers(self):
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.bits_tracker = keras.metrics.Mean(name="bits_per_dim")

    @property
    def num_dims(self):
        """D: sub-pixels per example: height x width x channels of an image, times frames for a clip."""
        return math.prod(self.data_shape)

    @property
    def metrics(self):
        return [self.loss_tracker, self.bits_tracker]

    def _record(self, loss, nll):
        self.loss_tracker.update_state(unscaled(loss))
        self.bits_tracker.update_state(nll / (math.log(2.0) * self.num_dims))
        return {metric.name: metric.result() for metric in self.metrics}

    def train_step(self, data):
        loss, nll = minimize(
            lambda: self._negative_log_likelihood(data, training=True), self.trainable_variables, self.optimizer
        )
        return self._record(loss, nll)

    def test_step(self, data):
        return self._record(*self._negative_log_likelihood(data, training=False))
