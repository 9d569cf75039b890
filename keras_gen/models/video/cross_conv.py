"""The cross convolutional network: many possible next frames from one frame (Xue et al. 2016)."""

import math

import keras
import numpy as np
from keras import ops

from keras_gen import losses, networks
from keras_gen.families import DATA_KINDS
from keras_gen.layers.cross_convolution import cross_convolve
from keras_gen.layers.sampling import reparameterize
from keras_gen.models.autoencoders.encoder_decoder import NegativeElboMetrics
from keras_gen.models.base import GenerativeModel, deserialize_networks, primary_input_shape
from keras_gen.models.capabilities import PredictsFrames, _batched
from keras_gen.networks.stages import check_count
from keras_gen.training import global_batch_mean, minimize, replica_seed


def consecutive_pairs(clips):
    """`(frames, next_frames)`: every pair of consecutive frames of `(batch, T, H, W, C)` clips.

    Both are `(batch * (T - 1), H, W, C)`, clip-major: pair `i * (T - 1) + t`
    is frames t and t + 1 of clip i.

    Example:
    >>> clips = np.arange(2 * 3, dtype="float32").reshape(2, 3, 1, 1, 1)
    >>> frames, next_frames = consecutive_pairs(clips)
    >>> keras.ops.convert_to_numpy(frames).ravel().tolist(), keras.ops.convert_to_numpy(next_frames).ravel().tolist()
    ([0.0, 1.0, 3.0, 4.0], [1.0, 2.0, 4.0, 5.0])
    """
    frame_shape = tuple(clips.shape[2:])
    return (ops.reshape(clips[:, :-1], (-1, *frame_shape)), ops.reshape(clips[:, 1:], (-1, *frame_shape)))


@keras.saving.register_keras_serializable(package="keras_gen")
class CrossConvCVAE(NegativeElboMetrics, PredictsFrames, GenerativeModel):
    """A conditional VAE of the next frame given the current one, with cross convolution.

    Xue, Wu, Bouman & Freeman, "Visual Dynamics: Probabilistic Future Frame
    Synthesis via Cross Convolutional Networks" (2016). The motion between
    frame t and frame t+1 is a latent code z; the model has five parts:

    - a motion encoder q(z | frame t, frame t+1), a diagonal Gaussian;
    - a kernel decoder from z to one set of depthwise kernels per scale;
    - a multi-scale image encoder of frame t (feature maps at sides H, H/2, H/4);
    - cross convolution, which filters each example's feature maps with its
      own kernels (`keras_gen.layers.cross_convolve`);
    - a motion decoder from the cross-convolved maps (upsampled and
      concatenated) to the difference image frame t+1 - frame t.

    It trains on every pair of consecutive frames of each clip (7 pairs per
    8-frame clip). The loss per pair is the negative ELBO of the difference
    image under a Gaussian with a fixed standard deviation `decoder_std`:

        loss = sum_pixels (d - d_hat)^2 / (2 decoder_std^2) + const + beta * KL(q(z | t, t+1) || N(0, I)),

    with d = frame t+1 - frame t (the paper's L2 reconstruction of the
    difference image plus its KL term). `reconstruction_loss` and `kl_loss`
    are logged per pair, in nats.

    A prediction draws z from the prior N(0, I) and adds the decoded
    difference to the frame; the result is clipped to `data_scale`, so that
    `rollout` can feed it back as the next input. Different draws of z give
    different motions: `predict_next(frames, num_samples=10)`.

    `stochastic=False` (`motion_encoder=None`) is the paper's deterministic
    baseline: the same networks with z = 0 always, trained by regression on
    the difference (no KL term). It predicts the average next frame, a blur
    of the possible motions.

    The model does not `generate` from nothing: every prediction starts from
    given frames (`predict_next`, `rollout`): it has the `PredictsFrames`
    capability, not `Generates`.

    Args:
        kernel_decoder: z -> a list of kernels `(batch, k, k, num_kernels)`, one per scale.
        image_encoder: a frame -> a list of feature maps, one per scale, finest first.
        motion_decoder: the list of cross-convolved maps -> the difference image.
        motion_encoder: `[frame, next_frame]` -> `[mean, log_var]`; None for
            the deterministic baseline.
        num_frames: frames per training clip (`data_shape[0]`), at least 2.
        beta: weight of the KL term.
        decoder_std: the fixed standard deviation of the difference image's
            Gaussian. With 0.5 a pixel's squared error of 1 (in [-1, 1] units)
            costs 2 nats, so a sprite moved the wrong way costs far more than
            the few nats of KL that a displacement needs.
        data_scale: the frames' value range.
        seed: seed of the model's `keras.random.SeedGenerator`.

    Example:
    >>> model = CrossConvCVAE.for_videos((4, 16, 16, 1), latent_dim=4, num_kernels=4, width=8,
    ...                                  hidden_units=16, seed=0)
    >>> model.compile()  # Adam(1e-3)
    >>> clips = np.zeros((2, 4, 16, 16, 1), "float32")
    >>> sorted(model.fit(clips, batch_size=2, verbose=0).history)
    ['kl_loss', 'loss', 'reconstruction_loss']
    >>> model.predict_next(clips[:, 0], num_samples=3).shape
    (2, 3, 16, 16, 1)
    >>> model.rollout(clips[:, 0], num_frames=5).shape
    (2, 1, 5, 16, 16, 1)
    """

    data_kind = "videos"
    network_names = ("kernel_decoder", "image_encoder", "motion_decoder")

    def __init__(
        self,
        kernel_decoder,
        image_encoder,
        motion_decoder,
        motion_encoder=None,
        num_frames=8,
        beta=1.0,
        decoder_std=0.5,
        data_scale=(-1.0, 1.0),
        seed=None,
        **kwargs,
    ):
        frame_shape = primary_input_shape(image_encoder)
        num_frames = check_count(num_frames, "num_frames", "frames per clip; a pair needs two", minimum=2)
        super().__init__((num_frames, *frame_shape), data_scale=data_scale, seed=seed, **kwargs)
        self.latent_dim = _check_parts(kernel_decoder, image_encoder, motion_decoder, motion_encoder, frame_shape)
        if not (math.isfinite(beta) and beta >= 0) or not (math.isfinite(decoder_std) and decoder_std > 0):
            raise ValueError(f"beta must be >= 0 and decoder_std > 0, got beta={beta}, decoder_std={decoder_std}.")
        self.kernel_decoder = kernel_decoder
        self.image_encoder = image_encoder
        self.motion_decoder = motion_decoder
        self.motion_encoder = motion_encoder
        self.beta = float(beta)
        self.decoder_std = float(decoder_std)
        self._make_elbo_metrics()

    @property
    def stochastic(self) -> bool:
        """Whether the model has a motion code (False: the deterministic regression baseline)."""
        return self.motion_encoder is not None

    @classmethod
    def for_videos(
        cls,
        data_shape=(8, 32, 32, 1),
        latent_dim=32,
        kernel_size=5,
        num_kernels=32,
        stochastic=True,
        width=32,
        num_scales=3,
        hidden_units=256,
        **kwargs,
    ):
        """Builds the model with `keras_gen.networks.cross_conv_networks`.

        Args:
            data_shape: `(frames, height, width, channels)` of the training
                clips; sides divisible by 2^(num_scales - 1) and by 4.
            latent_dim: size of the motion code z.
            kernel_size: side of each cross-convolution kernel (5 in the paper).
            num_kernels: feature maps (and kernels) per scale.
            stochastic: False builds the deterministic baseline (no motion encoder).
            width: filters of the networks' hidden convolutions.
            num_scales: scales of the image encoder (3 for 32x32 frames: 32, 16, 8).
            hidden_units: units of the dense layers of the motion encoder and kernel decoder.
            **kwargs: the `CrossConvCVAE` arguments (`beta`, `decoder_std`, `seed`, ...).
        """
        data_shape = DATA_KINDS["videos"].check_shape(data_shape, "The data_shape of CrossConvCVAE.for_videos")
        parts = networks.cross_conv_networks(
            data_shape[1:], latent_dim=latent_dim, kernel_size=kernel_size, num_kernels=num_kernels, width=width,
            num_scales=num_scales, hidden_units=hidden_units, stochastic=stochastic,
        )
        return cls(**parts, num_frames=data_shape[0], **kwargs)

    # --- the forward pass -----------------------------------------------------------
    def _difference(self, frames, z, training=False):
        """The predicted difference image of each frame under its motion code z."""
        maps = _as_list(self.image_encoder(frames, training=training))
        kernels = _as_list(self.kernel_decoder(z, training=training))
        crossed = [cross_convolve(m, ops.cast(k, m.dtype)) for m, k in zip(maps, kernels)]
        return ops.cast(self.motion_decoder(crossed, training=training), "float32")

    def _next_frame(self, frames, z):
        low, high = self.data_scale
        return ops.clip(ops.cast(frames, "float32") + self._difference(frames, z), low, high)

    def call(self, inputs, training=None):
        """The next frame of every frame but the last of `(batch, T, H, W, C)` clips, with z at q's mean
        (z = 0 for the baseline): `(batch, T - 1, H, W, C)`."""
        frames, next_frames = consecutive_pairs(inputs)
        z = self._posterior(frames, next_frames, training)[0]
        predicted = ops.cast(frames, "float32") + self._difference(frames, z, training)
        return ops.reshape(predicted, (-1, self.data_shape[0] - 1, *self.image_shape))

    def _posterior(self, frames, next_frames, training):
        """`(mean, log_var)` of q(z | frames, next_frames); zeros for the deterministic baseline."""
        if not self.stochastic:
            zeros = ops.zeros((ops.shape(frames)[0], self.latent_dim), "float32")
            return zeros, zeros
        mean, log_var = self.motion_encoder([frames, next_frames], training=training)
        return ops.cast(mean, "float32"), ops.cast(log_var, "float32")

    # --- training -------------------------------------------------------------------
    @property
    def metrics(self):
        return self._elbo_metrics()

    def _negative_elbo(self, clips, training):
        frames, next_frames = consecutive_pairs(clips)
        mean, log_var = self._posterior(frames, next_frames, training)
        if self.stochastic:
            z = reparameterize(mean, log_var, replica_seed(self.seed_generator))
            kl_loss = losses.gaussian_kl(mean, log_var)
        else:
            z, kl_loss = mean, ops.zeros((ops.shape(frames)[0],), "float32")
        target = ops.cast(next_frames, "float32") - ops.cast(frames, "float32")
        predicted = self._difference(frames, z, training)
        reconstruction_loss = -losses.gaussian_log_likelihood(target, predicted, math.log(self.decoder_std))
        loss = global_batch_mean(reconstruction_loss + self.beta * kl_loss)
        return loss, (reconstruction_loss, kl_loss)

    def train_step(self, data):
        clips = self.unpack_batch(data)["images"]
        loss, parts = minimize(lambda: self._negative_elbo(clips, training=True), self.trainable_variables,
                               self.optimizer)
        return self._record(loss, *parts)

    def test_step(self, data):
        clips = self.unpack_batch(data)["images"]
        loss, parts = self._negative_elbo(clips, training=False)
        return self._record(loss, *parts)

    # --- predictions ----------------------------------------------------------------
    def _checked_frames(self, frames, role):
        """User frames `(n, H, W, C)`, checked as `fit` checks clips (shape, NaN, range)."""
        values = np.asarray(frames)
        if values.ndim == 5:
            raise ValueError(
                f"CrossConvCVAE takes {role} as single frames, shape (n, {', '.join(map(str, self.image_shape))}); "
                f"got clips of shape {values.shape}. Pass one frame per clip, e.g. clips[:, 0]."
            )
        return self.check_images(values, role=role, expected_shape=self.image_shape)

    def _motion_codes(self, count, num_samples, latent_points):
        """`(count * num_samples, latent_dim)` codes, frame-major: given, drawn from N(0, I), or zeros."""
        num_samples = check_count(num_samples, "num_samples", "predictions per frame", minimum=1)
        if latent_points is None:
            shape = (count * num_samples, self.latent_dim)
            if not self.stochastic:
                return np.zeros(shape, "float32"), num_samples
            return ops.convert_to_numpy(keras.random.normal(shape, seed=self.seed_generator)), num_samples
        if not self.stochastic:
            raise ValueError("This CrossConvCVAE is the deterministic baseline (stochastic=False): it has no "
                             "motion code. Drop latent_points=.")
        points = np.asarray(latent_points)
        if points.dtype.kind not in "fiu" or not np.all(np.isfinite(points)):
            raise ValueError("latent_points must be finite numbers.")
        if points.ndim == 2:
            points = points[:, None]
        if points.ndim != 3 or points.shape[0] != count or points.shape[2] != self.latent_dim:
            raise ValueError(
                f"latent_points must have shape ({count}, {self.latent_dim}) (one code per frame) or "
                f"({count}, num_samples, {self.latent_dim}), got {np.shape(latent_points)}."
            )
        if num_samples not in (1, points.shape[1]):
            raise ValueError(
                f"num_samples={num_samples} does not match latent_points with {points.shape[1]} code(s) per frame; "
                f"pass latent_points of shape ({count}, {num_samples}, {self.latent_dim}) or drop num_samples."
            )
        return points.reshape(-1, self.latent_dim).astype("float32"), points.shape[1]

    def predict_next(self, frames, num_samples=1, latent_points=None, batch_size=256):
        """Possible next frames of each frame: `(n, num_samples, H, W, C)` numpy, in `data_scale`.

        Each sample draws its own z ~ N(0, I) from the model's seed generator.
        Given `latent_points`, `(n, latent_dim)` (one sample each) or `(n,
        num_samples, latent_dim)`, the prediction is deterministic. The
        deterministic baseline gives its one prediction `num_samples` times.

        Args:
            frames: `(n, H, W, C)` frames in `data_scale`.
            num_samples: predictions per frame.
            latent_points: the motion codes to use instead of draws.
            batch_size: how many predictions to compute at once.
        """
        frames = self._checked_frames(frames, "frames")
        z, num_samples = self._motion_codes(len(frames), num_samples, latent_points)
        tiled = np.repeat(frames, num_samples, axis=0)
        predicted = _batched(self._next_frame, [tiled, z], check_count(batch_size, "batch_size", "batch", 1))
        return predicted.reshape(len(frames), num_samples, *self.image_shape).astype("float32")

    def rollout(self, first_frames, num_frames=None, num_samples=1, latent_points=None, resample_motion=False,
                batch_size=256):
        """Clips continued from their first frames: `(n, num_samples, num_frames, H, W, C)`, first frame included.

        Each prediction is fed back as the next input. By default a sample
        keeps one motion code z for its whole clip, so its kernels, and with
        them its motion, stay the same (the paper's extrapolation);
        `resample_motion=True` draws a new z at every step.

        Args:
            first_frames: `(n, H, W, C)` frames in `data_scale`.
            num_frames: frames per clip, the first included (default: the
                training clips' `data_shape[0]`).
            num_samples: clips per first frame.
            latent_points: the codes to use, `(n, latent_dim)` or `(n,
                num_samples, latent_dim)`; with them (and `resample_motion`
                off) the rollout is deterministic.
            resample_motion: a new z at every step instead of one per clip.
            batch_size: how many predictions to compute at once.
        """
        first_frames = self._checked_frames(first_frames, "first frames")
        num_frames = self.data_shape[0] if num_frames is None else num_frames
        num_frames = check_count(num_frames, "num_frames", "frames per clip, the first included", minimum=1)
        if resample_motion and latent_points is not None:
            raise ValueError("resample_motion=True draws a new code at every step; it takes no latent_points.")
        batch_size = check_count(batch_size, "batch_size", "predictions computed at once", minimum=1)
        z, num_samples = self._motion_codes(len(first_frames), num_samples, latent_points)
        current = np.repeat(first_frames, num_samples, axis=0)
        clip = [current]
        for _ in range(num_frames - 1):
            if resample_motion:
                z = self._motion_codes(len(first_frames), num_samples, None)[0]
            current = _batched(self._next_frame, [current, z], batch_size).astype("float32")
            clip.append(current)
        clips = np.stack(clip, axis=1)
        return clips.reshape(len(first_frames), num_samples, num_frames, *self.image_shape)

    def encode_motion(self, frames, next_frames, batch_size=256):
        """`(mean, log_var)` of q(z | frame, next frame), each `(n, latent_dim)` numpy.

        Pass `mean` as `latent_points` to `predict_next` or `rollout` to
        transfer a motion to other frames (the paper's visual analogies).
        """
        if not self.stochastic:
            raise ValueError("This CrossConvCVAE is the deterministic baseline (stochastic=False): it has no "
                             "motion encoder. Build it with stochastic=True to encode motion.")
        frames = self._checked_frames(frames, "frames")
        next_frames = self._checked_frames(next_frames, "next frames")
        if len(frames) != len(next_frames):
            raise ValueError(f"Pass one next frame per frame: got {len(frames)} frames and {len(next_frames)} "
                             "next frames.")
        batch_size = check_count(batch_size, "batch_size", "pairs encoded at once", minimum=1)
        mean = _batched(lambda a, b: self._posterior(a, b, False)[0], [frames, next_frames], batch_size)
        log_var = _batched(lambda a, b: self._posterior(a, b, False)[1], [frames, next_frames], batch_size)
        return mean.astype("float32"), log_var.astype("float32")

    # --- saving ---------------------------------------------------------------------
    def get_config(self):
        return {
            **super().get_config(),
            "motion_encoder": (None if self.motion_encoder is None
                               else keras.saving.serialize_keras_object(self.motion_encoder)),
            "num_frames": self.data_shape[0],
            "beta": self.beta,
            "decoder_std": self.decoder_std,
        }

    @classmethod
    def from_config(cls, config):
        names = [*cls.network_names, *(["motion_encoder"] if config.get("motion_encoder") is not None else [])]
        return cls(**deserialize_networks(config, names))


def _as_list(outputs):
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def _check_parts(kernel_decoder, image_encoder, motion_decoder, motion_encoder, frame_shape):
    """The latent size, after checking that the four networks fit one another (ValueError naming the misfit)."""
    if len(frame_shape) != 3:
        raise ValueError(f"The image encoder must take frames (height, width, channels), got input shape {frame_shape}.")
    map_shapes = [tuple(shape[1:]) for shape in _as_list_of_shapes(image_encoder.output_shape)]
    kernel_shapes = [tuple(shape[1:]) for shape in _as_list_of_shapes(kernel_decoder.output_shape)]
    if len(map_shapes) != len(kernel_shapes) or any(m[-1] != k[-1] for m, k in zip(map_shapes, kernel_shapes)):
        raise ValueError(
            f"The kernel decoder gives kernels {kernel_shapes} but the image encoder gives feature maps {map_shapes}: "
            "cross convolution needs one set of kernels per scale, with one kernel per feature map."
        )
    decoder_inputs = [tuple(shape[1:]) for shape in _as_list_of_shapes(motion_decoder.input_shape)]
    if decoder_inputs != map_shapes:
        raise ValueError(f"The motion decoder takes {decoder_inputs}, but the image encoder gives {map_shapes}.")
    output = tuple(motion_decoder.output_shape[1:])
    if output != tuple(frame_shape):
        raise ValueError(f"The motion decoder must give a difference image of the frames' shape {frame_shape}, "
                         f"got {output}.")
    latent_dim = int(primary_input_shape(kernel_decoder)[0])
    if motion_encoder is not None:
        encoder_inputs = [tuple(shape[1:]) for shape in _as_list_of_shapes(motion_encoder.input_shape)]
        encoder_outputs = [tuple(shape[1:]) for shape in _as_list_of_shapes(motion_encoder.output_shape)]
        if encoder_inputs != [tuple(frame_shape)] * 2 or encoder_outputs != [(latent_dim,)] * 2:
            raise ValueError(
                f"The motion encoder must take [frame, next_frame], each {tuple(frame_shape)}, and give "
                f"[mean, log_var], each ({latent_dim},) (the kernel decoder's z); it takes {encoder_inputs} and "
                f"gives {encoder_outputs}."
            )
    return latent_dim


def _as_list_of_shapes(shapes):
    """A network's input or output shape(s) as a list of shape tuples."""
    if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (list, tuple)):
        return list(shapes)
    return [shapes]
