"""PixelRNN (Row LSTM): a recurrence down the image, a row at a time."""


import keras
from keras import ops

from keras_gen import networks
from keras_gen.models.autoregressive.pixelcnn import PixelCNN
from keras_gen.training import compiled


@keras.saving.register_keras_serializable(package="keras_gen")
class PixelRNN(PixelCNN):
    """PixelRNN with Row LSTM layers: a recurrence down the image, a row at a time.

    van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent Neural Networks"
    (2016), sec. 3.1. Defaults are sized for a CPU (32 units, 2 layers); the
    paper used 12 layers of 128. Everything else is as for `PixelCNN`; the
    sub-pixels of a colour pixel are modelled independently given the earlier
    pixels.

    Example:
    >>> model = PixelRNN.for_images((28, 28, 1), filters=8, num_layers=1, seed=0)
    >>> model.compile()
    >>> model.complete(np.zeros((1, 28, 28, 1), "float32"), known_rows=27, num_samples=2).shape
    (1, 2, 28, 28, 1)
    """

    orders_channels = False
    build_network = staticmethod(networks.row_lstm_network)

    @staticmethod
    def receptive_rows(num_layers, kernel_size):
        """None: the recurrence carries every row above (sampling keeps its state instead)."""
        return

    def _family_layers(self):
        """The layers of a `row_lstm_network`, or None for a network of another structure."""
        from keras_gen.layers.autoregressive import RowLSTM

        try:
            found = {name: self.network.get_layer(name) for name in ("conv_a", "head_hidden", "head_out")}
        except ValueError:
            return None
        found["lstms"] = [layer for layer in self.network.layers if isinstance(layer, RowLSTM)]
        found["embedding"] = None
        if self.label_conditional:
            try:
                found["embedding"] = self.network.get_layer("label_embedding")
            except ValueError:
                return None
        return found if found["lstms"] else None

    def _row_parameters(self, layers, window, position, labels, states):
        """The parameters of row `position` of a band of rows, and the LSTM states after that row.

        The same computation as `row_lstm_network`, for one row: the first
        layer on the band (it sees 3 rows up), then each Row LSTM one step
        from the states of the row above.
        """
        x = layers["conv_a"](self._unit_range(window))[:, position]
        if layers["embedding"] is not None:
            x = x + layers["embedding"](labels)[:, None, :]
        new_states = []
        for lstm, (hidden, cell) in zip(layers["lstms"], states):
            gates = lstm.input_to_state(x[:, None])[:, 0]
            hidden, cell = lstm.row_step(gates, hidden, cell)
            new_states.append((hidden, cell))
            x = x + hidden
        outputs = layers["head_out"](ops.relu(layers["head_hidden"](ops.relu(x[:, None]))))[:, 0]
        shape = ops.shape(outputs)
        return ops.reshape(outputs, (shape[0], 1, *self.image_shape[1:], self.sub_pixel_parameters)), new_states

    def _batch_sampler(self, draw):
        """Samples a row at a time, keeping each Row LSTM's state of the row above (no whole-image passes)."""
        layers = self._family_layers()
        if layers is None:
            return super()._batch_sampler(draw)
        height, width = self.image_shape[:2]
        band = min(height, layers["conv_a"].kernel_size[0] // 2 + 1)
        steps, commits, masks = {}, {}, {}

        def compile_position(position):
            def step(window, labels, states, mask):
                parameters, _ = self._row_parameters(layers, window, position, labels, states)
                row_mask = mask[position]
                values = window[:, position] * (1.0 - row_mask) + draw(parameters)[:, 0] * row_mask
                return ops.concatenate([window[:, :position], values[:, None], window[:, position + 1 :]], axis=1)

            def commit(window, labels, states):
                return self._row_parameters(layers, window, position, labels, states)[1]

            steps[position], commits[position] = compiled(step), compiled(commit)
            masks[position] = self._row_masks(position, band)

        def sample_batch(batch, labels, start_row, progress):
            states = [lstm.initial_state(len(batch), width) for lstm in layers["lstms"]]
            for row in range(height):
                top = max(0, row - band + 1)
                position = row - top
                if position not in steps:
                    compile_position(position)
                window = ops.convert_to_tensor(batch[:, top : top + band])
                if row >= start_row:
                    for mask in masks[position]:
                        window = steps[position](window, labels, states, mask)
                    batch[:, top : top + band] = ops.convert_to_numpy(window)
                    if progress is not None:
                        progress.add(len(batch))
                states = commits[position](window, labels, states)
            return batch

        return sample_batch

    @classmethod
    def for_images(cls, image_shape, filters=32, num_layers=2, kernel_size=3, **kwargs):
        """Builds the model with `keras_gen.networks.row_lstm_network`; arguments as for `PixelCNN.for_images`."""
        return super().for_images(image_shape, filters=filters, num_layers=num_layers, kernel_size=kernel_size, **kwargs)
