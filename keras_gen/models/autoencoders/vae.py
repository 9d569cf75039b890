"""The variational autoencoder, with the options the lectures point to against blurry samples.

Priors: N(0, I), the VampPrior (Tomczak & Welling 2018) and the two-stage VAE
(Dai & Wipf 2019); posteriors: a diagonal Gaussian, or one refined by inverse
autoregressive flow (Kingma et al. 2016); one or two stochastic layers (Ladder
VAE, Sønderby et al. 2016); residual blocks in both networks. Every option
keeps `fit`, `generate`, `encode`, `decode`, `log_prob` and saving working, and
`log_prob` is the importance-weighted bound of the model as built.
"""

import math

import keras
import numpy as np
from keras import ops

from keras_gen import losses, networks
from keras_gen.layers.made import MADENetwork
from keras_gen.layers.sampling import reparameterize
from keras_gen.models.autoencoders.encoder_decoder import NegativeElboMetrics, check_encoder_decoder
from keras_gen.models.base import GenerativeModel, deserialize_networks
from keras_gen.models.capabilities import Encodes, HasLikelihood, SamplesFromPrior
from keras_gen.models.pixel_decoder import (
    LEVELS,
    PixelDecoder,
    check_on_pixel_grid,
    levels_to_unit_range,
    pixel_levels,
    reconstruction_data_scale,
)
from keras_gen.training import global_batch_mean, minimize, replica_seed

PRIORS = ("standard", "vamp", "two_stage")
POSTERIORS = ("gaussian", "iaf")
LATENT_LAYERS = (1, 2)
# Optional sub-networks, serialized when present.
OPTIONAL_NETWORKS = ("prior_encoder", "prior_decoder", "lower_encoder", "top_down")
# Importance samples of u per code when `log_prob` estimates the two-stage prior's density p(z).
TWO_STAGE_PRIOR_SAMPLES = 16
# Each IAF step starts near the identity: its gate sigmoid(s + 2) is about 0.88 (Kingma et al. 2016, sec. 4).
IAF_GATE_BIAS = 2.0
_LOG_2PI = math.log(2.0 * math.pi)


def diagonal_gaussian_log_density(z, mean, log_var):
    """log N(z; mean, diag(exp(log_var))), summed over the last axis (any leading axes broadcast).

    Example:
    >>> float(diagonal_gaussian_log_density(np.zeros((1, 2)), np.zeros((1, 2)), np.zeros((1, 2)))[0])  # -log(2 pi)
    -1.8378770664093453
    """
    return -0.5 * ops.sum(_LOG_2PI + log_var + ops.square(z - mean) * ops.exp(-log_var), axis=-1)


def standard_normal_log_density(z):
    """log N(z; 0, I), summed over the last axis."""
    return -0.5 * ops.sum(_LOG_2PI + ops.square(z), axis=-1)


def precision_weighted(mean_a, log_var_a, mean_b, log_var_b):
    """The Gaussian proportional to N(mean_a, var_a) N(mean_b, var_b): the Ladder VAE's posterior of a lower layer.

    Sønderby et al., "Ladder Variational Autoencoders" (2016), eq. 18-19: the
    precisions add and the means are weighted by them.
    """
    precision_a, precision_b = ops.exp(-log_var_a), ops.exp(-log_var_b)
    variance = 1.0 / (precision_a + precision_b)
    return (mean_a * precision_a + mean_b * precision_b) * variance, ops.log(variance)


def iaf_step(flow, z, context):
    """One inverse autoregressive flow step: `(z', log|det dz'/dz|)`.

    Kingma, Salimans, Jozefowicz, Chen, Sutskever & Welling, "Improved
    Variational Inference with Inverse Autoregressive Flow" (2016), eq. 11-14:
    `[m, s] = MADE(z, context)`, `sigma = sigmoid(s)`, `z' = sigma * z + (1 -
    sigma) * m`; the Jacobian is triangular with diagonal `sigma`.
    """
    outputs = ops.reshape(flow(z, context=context), (-1, ops.shape(z)[-1], 2))
    shift, gate_logit = outputs[..., 0], outputs[..., 1] + IAF_GATE_BIAS
    gate = ops.sigmoid(gate_logit)
    return gate * z + (1.0 - gate) * shift, -ops.sum(ops.softplus(-gate_logit), axis=-1)


def iaf_flows(latent_dim, steps, hidden_units=None, seed=None):
    """`steps` MADE networks of `latent_dim` inputs, two outputs each, conditioned on `[mean, log_var]`.

    Each step gets its own random ordering of z (so that the steps together
    mix every coordinate), drawn from `seed + step`.
    """
    hidden_units = hidden_units or 4 * latent_dim
    return [
        MADENetwork(latent_dim, hidden_units=(hidden_units,), outputs_per_input=2, context_units=2 * latent_dim,
                    order_agnostic=True, activation="elu", seed=None if seed is None else seed + step,
                    name=f"iaf_{step}")
        for step in range(steps)
    ]


def _check_count(value, name, minimum):
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def _condition_tensor(values):
    """Class ids as int32; a float condition (attributes, multi-hot bits) as float32."""
    dtype = keras.backend.standardize_dtype(getattr(values, "dtype", None) or np.asarray(values).dtype)
    return ops.cast(values, "int32" if "int" in dtype else "float32")


@keras.saving.register_keras_serializable(package="keras_gen")
class VAE(NegativeElboMetrics, SamplesFromPrior, Encodes, HasLikelihood, PixelDecoder, GenerativeModel):
    """A variational autoencoder that trains with `model.fit()`.

    Kingma & Welling, "Auto-Encoding Variational Bayes" (2013). The encoder
    gives the mean and log-variance of q(z|x); z is drawn with the
    reparameterization trick; the decoder gives the parameters of p(x|z). The
    loss is the negative ELBO with a weight on the KL term (beta-VAE, Higgins
    et al., 2017):

        loss = -log p(x|z) + beta * KL(q(z|x) || p(z)).

    `compile()` without arguments uses Adam(1e-3). `log_prob(images)` is the
    importance-weighted bound with 64 samples (Burda et al., 2016), in nats,
    of the model as built (its prior, flows and layers).

    The options against blurry samples (see `for_images` and docs/vae.md):

    - `prior="vamp"`: the VampPrior (Tomczak & Welling, "VAE with a
      VampPrior", 2018), a mixture of the encoder's Gaussians at
      `num_pseudo_inputs` learned pseudo-images. The KL term is then a
      one-sample Monte Carlo estimate.
    - `prior="two_stage"`: the two-stage VAE (Dai & Wipf, "Diagnosing and
      Enhancing VAE Models", 2019). A second, small VAE (`prior_encoder`,
      `prior_decoder`, a Gaussian p(z|u) with a learned scale) models the
      codes z ~ q(z|x). `fit` trains it along with the first stage, on the
      first stage's current codes with no gradient into the first stage (which
      keeps its N(0, I) term); `fit_prior` retrains it alone. Samples go
      u ~ N(0, I) -> z ~ p(z|u) -> decoder; `log_prob` uses an importance-
      weighted estimate of p(z) (`TWO_STAGE_PRIOR_SAMPLES` draws of u), which
      keeps the bound a lower bound for that sampler.
    - `posterior="iaf"`: `iaf_steps` inverse autoregressive flow steps
      (Kingma et al., "Improved Variational Inference with Inverse
      Autoregressive Flow", 2016) refine the Gaussian sample; each is a MADE on
      z conditioned on the encoder's `[mean, log_var]`. log q(z|x) includes the
      log-determinant; the KL term is a Monte Carlo estimate.
    - two stochastic layers (`lower_encoder` and `top_down` given): z2 -> z1 ->
      x with top-down inference (Sønderby et al., "Ladder Variational
      Autoencoders", 2016): q(z1 | x, z2) is the precision-weighted product of
      the bottom-up Gaussian and p(z1 | z2). `latent_dim` is z2's size; `encode`
      gives q(z2|x), and `decode(z2)` decodes the mean of p(z1 | z2).

    Args:
        encoder: a model from images to `[mean, log_var]`, each `(batch, latent_dim)`.
        decoder: a model from `(batch, latent_dim)` (the lower layer's size with
            two layers) to decoder outputs shaped like the images: logits for
            `"bernoulli"`, means for `"gaussian"`, the logistic's mean in
            [-1, 1] units of the pixel range for `"discretized_logistic"`.
        reconstruction: `"bernoulli"` (binary cross-entropy; images in [0, 1]),
            `"gaussian"` (squared error with fixed standard deviation) or
            `"discretized_logistic"`: 8-bit pixels, each the mass of a logistic
            on its bin (Kingma et al., "Improved Variational Inference with
            Inverse Autoregressive Flow", 2016), with a learned log-scale per
            sub-pixel. Its likelihood is of discrete 8-bit data, so its bits/dim
            compare with a PixelCNN's; images must lie on the 8-bit grid.
        beta: weight of the KL term.
        decoder_std: the Gaussian decoder's fixed standard deviation.
        data_scale: pixel range of the images; must be (0, 1) for Bernoulli.
        seed: seed of the model's `keras.random.SeedGenerator`.
        prior: `"standard"`, `"vamp"` or `"two_stage"`.
        posterior: `"gaussian"` or `"iaf"`.
        num_pseudo_inputs: the VampPrior's pseudo-images.
        iaf_steps: flow steps of `posterior="iaf"`.
        flows: the IAF steps (`keras_gen.layers.MADENetwork`s); None builds
            `iaf_steps` of them.
        prior_encoder, prior_decoder: the two-stage prior's networks
            (`keras_gen.networks.latent_vae_networks`); None builds them.
        lower_encoder, top_down: for two stochastic layers, images ->
            `[mean, log_var]` of the bottom-up z1 and z2 -> `[mean, log_var]` of
            p(z1 | z2) (`keras_gen.networks.top_down_network`).

    Example:
    >>> vae = VAE.for_images((28, 28, 1), latent_dim=2, width=8, num_pseudo_inputs=10, seed=0)
    >>> vae.compile()  # Adam(1e-3)
    >>> history = vae.fit(np.zeros((8, 28, 28, 1), "float32"), batch_size=4, verbose=0)
    >>> sorted(history.history)
    ['kl_loss', 'loss', 'reconstruction_loss']
    >>> vae.reconstruct(np.zeros((2, 28, 28, 1), "float32")).shape
    (2, 28, 28, 1)
    >>> vae.prior  # for_images' default; prior="standard" is N(0, I)
    'vamp'
    >>> standard = VAE.for_images((28, 28, 1), latent_dim=2, width=8, prior="standard", seed=0)
    >>> standard.generate(2).shape
    (2, 28, 28, 1)
    """

    # The networks every VAE has; an instance adds those of its options (`OPTIONAL_NETWORKS`).
    network_names = ("encoder", "decoder")
    likelihood_report = ("elbo", "iwae")
    # Whether the encoder and decoder also take labels (the conditional VAE).
    _conditional_networks = False

    def __init__(
        self,
        encoder,
        decoder,
        reconstruction="bernoulli",
        beta=1.0,
        decoder_std=1.0,
        data_scale=None,
        seed=None,
        prior="standard",
        posterior="gaussian",
        num_pseudo_inputs=100,
        iaf_steps=2,
        flows=None,
        prior_encoder=None,
        prior_decoder=None,
        lower_encoder=None,
        top_down=None,
        **kwargs,
    ):
        data_scale = reconstruction_data_scale(reconstruction, data_scale)
        if prior not in PRIORS:
            raise ValueError(f"Unknown prior {prior!r}; choose one of {PRIORS}.")
        if posterior not in POSTERIORS:
            raise ValueError(f"Unknown posterior {posterior!r}; choose one of {POSTERIORS}.")
        if (lower_encoder is None) != (top_down is None):
            raise ValueError("Two stochastic layers need both lower_encoder and top_down; pass both or neither.")
        latent_layers = 1 if top_down is None else 2
        if latent_layers == 2 and posterior == "iaf":
            raise ValueError(
                "posterior='iaf' with two latent layers is not supported: the flow refines a single Gaussian "
                "posterior. Use latent_layers=1 with the flow, or the Gaussian posterior with two layers."
            )
        if self._conditional_networks and (prior != "standard" or posterior != "gaussian" or latent_layers != 1):
            raise ValueError(
                f"prior, posterior and latent layers are options of the VAE; {type(self).__name__} has its own "
                "prior and takes the defaults (prior='standard', posterior='gaussian', one latent layer)."
            )
        if latent_layers == 1:
            latent_dim, image_shape = check_encoder_decoder(
                encoder, decoder, variational=True, conditional=self._conditional_networks
            )
        else:
            lower_dim, image_shape = check_encoder_decoder(lower_encoder, decoder, variational=True)
            latent_dim = self._check_ladder(encoder, top_down, lower_dim, image_shape)
        super().__init__(image_shape, data_scale=data_scale, seed=seed, **kwargs)
        self.latent_dim = latent_dim
        if beta < 0 or decoder_std <= 0:
            raise ValueError(f"beta must be >= 0 and decoder_std > 0, got {beta}, {decoder_std}.")
        self.encoder = encoder
        self.decoder = decoder
        self.reconstruction = reconstruction
        self.beta = float(beta)
        self.decoder_std = float(decoder_std)
        self.prior = prior
        self.posterior = posterior
        self.latent_layers = latent_layers
        self.num_pseudo_inputs = _check_count(num_pseudo_inputs, "num_pseudo_inputs", 1)
        self.iaf_steps = _check_count(iaf_steps, "iaf_steps", 1)
        self._fitting_prior = False
        names = ["encoder", "decoder"]
        if reconstruction == "discretized_logistic":
            self.decoder_log_scale = self.add_weight(
                shape=image_shape, initializer=keras.initializers.Constant(-2.0), name="decoder_log_scale"
            )
        if prior == "vamp":
            # Logits of the pseudo-images (Tomczak & Welling map theirs into the pixel range too); they start grey.
            self.pseudo_inputs = self.add_weight(
                shape=(self.num_pseudo_inputs, *image_shape),
                initializer=keras.initializers.RandomNormal(0.0, 0.01, seed=seed), name="pseudo_inputs",
            )
        self.flows = []
        if posterior == "iaf":
            self.flows = list(flows) if flows is not None else iaf_flows(latent_dim, self.iaf_steps, seed=seed)
            self._check_flows()
        if prior == "two_stage":
            if (prior_encoder is None) != (prior_decoder is None):
                raise ValueError("Pass both prior_encoder and prior_decoder, or neither (they are built for you).")
            if prior_encoder is None:
                prior_encoder, prior_decoder = networks.latent_vae_networks(latent_dim)
            self.prior_encoder, self.prior_decoder = prior_encoder, prior_decoder
            self.prior_log_scale = self.add_weight(shape=(latent_dim,), initializer="zeros", name="prior_log_scale")
            names += ["prior_encoder", "prior_decoder"]
        elif prior_encoder is not None or prior_decoder is not None:
            raise ValueError(f"prior_encoder and prior_decoder belong to prior='two_stage'; this VAE has prior={prior!r}.")
        if latent_layers == 2:
            self.lower_encoder, self.top_down = lower_encoder, top_down
            names += ["lower_encoder", "top_down"]
        self.network_names = tuple(names)
        self._make_elbo_metrics()
        self.prior_loss_tracker = keras.metrics.Mean(name="prior_loss")
        self.built = True

    @staticmethod
    def _check_ladder(encoder, top_down, lower_dim, image_shape):
        """z2's size, after checking that the ladder's networks fit together."""
        outputs = encoder.output_shape
        if not (isinstance(outputs, (list, tuple)) and len(outputs) == 2 and isinstance(outputs[0], (list, tuple))):
            raise ValueError(f"The encoder must return [mean, log_var] of z2; its output shape is {outputs}.")
        if tuple(encoder.input_shape)[1:] != image_shape:
            raise ValueError(
                f"The encoder takes {tuple(encoder.input_shape)[1:]} but the lower encoder takes {image_shape}."
            )
        top_dim = int(outputs[0][-1])
        top_down_in = tuple(top_down.input_shape)[-1]
        top_down_out = [tuple(shape)[-1] for shape in top_down.output_shape]
        if top_down_in != top_dim or top_down_out != [lower_dim, lower_dim]:
            raise ValueError(
                f"top_down must map z2 ({top_dim}) to [mean, log_var] of z1 ({lower_dim} each); it maps "
                f"{top_down_in} to {top_down_out}."
            )
        return top_dim

    def _check_flows(self):
        for flow in self.flows:
            if not isinstance(flow, MADENetwork) or flow.num_inputs != self.latent_dim or flow.outputs_per_input != 2 \
                    or flow.context_units != 2 * self.latent_dim:
                raise ValueError(
                    f"Each IAF step must be a MADENetwork of {self.latent_dim} inputs, 2 outputs per input and "
                    f"context_units={2 * self.latent_dim}; got {flow!r}."
                )
            if not flow.built:
                flow.build((None, self.latent_dim))
        self.iaf_steps = len(self.flows)

    @classmethod
    def for_images(
        cls,
        image_shape,
        latent_dim=32,
        width=32,
        hidden_units=256,
        layers_per_stage=1,
        prior="vamp",
        posterior="gaussian",
        latent_layers=1,
        residual_blocks=0,
        num_pseudo_inputs=100,
        iaf_steps=2,
        seed=None,
        **kwargs,
    ):
        """Builds a VAE with `keras_gen.networks.conv_encoder` / `conv_decoder`.

        Args:
            image_shape: `(height, width, channels)`, sides divisible by 4.
            latent_dim: size of the latent vector (the top layer's, with two
                layers). 32 by default: with the VampPrior at equal budget
                (15 minutes on 2 CPU cores, measured in one session) it gave
                FID 4.7 against 7.3 for latent 16 (14.5 against 19.4 on an
                independent network) at the same IWAE NLL (231.8 and 232.1
                nats); docs/benchmarks.md, "VAE options at equal budget".
            width: filters of the first encoder convolution.
            hidden_units: units of the dense hidden layers.
            layers_per_stage: depth of both networks: convolutions per resolution.
            prior: `"vamp"` (the default), `"standard"` (N(0, I), the default
                before the VAE options were measured) or `"two_stage"`. At
                equal budget (15 minutes on 2 CPU cores, Fashion-MNIST, batch
                128; docs/benchmarks.md, "VAE options at equal budget") the
                VampPrior gave FID 8.9 against the standard prior's 21.6 on
                keras_gen's network (29.5 against 47.8 on an independent one)
                and IWAE NLL 233.9 against 234.9 nats.
            posterior: `"gaussian"` or `"iaf"`.
            latent_layers: 1, or 2 for z2 -> z1 -> x with top-down inference
                (z1 has twice `latent_dim` units).
            residual_blocks: residual blocks at each resolution of both
                networks (the lectures' "deep residual VAE"); 0 for none.
            num_pseudo_inputs: the VampPrior's pseudo-images (the paper used 500;
                at equal budget 500 gave the same FID as 100, 31 % slower:
                docs/benchmarks.md, "VAE options at equal budget").
            iaf_steps: flow steps of `posterior="iaf"`.
            seed: the model's seed (and the flows' orderings).
            **kwargs: the other `VAE` arguments (`reconstruction`, `beta`, ...).
        """
        if latent_layers not in LATENT_LAYERS or isinstance(latent_layers, bool):
            raise ValueError(f"latent_layers must be 1 or 2, got {latent_layers!r}.")
        common = {"layers_per_stage": layers_per_stage, "residual_blocks": residual_blocks}
        lower_dim = latent_dim if latent_layers == 1 else 2 * latent_dim
        encoder = networks.conv_encoder(image_shape, latent_dim, width, hidden_units, **common)
        decoder = networks.conv_decoder(image_shape, lower_dim, width, hidden_units, **common)
        extra = {}
        if latent_layers == 2:
            extra["lower_encoder"] = networks.conv_encoder(
                image_shape, lower_dim, width, hidden_units, name="lower_encoder", **common)
            extra["top_down"] = networks.top_down_network(latent_dim, lower_dim, hidden_units)
        return cls(encoder, decoder, prior=prior, posterior=posterior, num_pseudo_inputs=num_pseudo_inputs,
                   iaf_steps=iaf_steps, seed=seed, **extra, **kwargs)

    # --- the probabilistic model ----------------------------------------------------
    @staticmethod
    def _inputs(tensor, labels):
        """A network's input: the tensor alone, or `[tensor, labels]` for a conditional model (labels: class
        ids, or the checked values of another condition, e.g. attributes)."""
        if labels is None:
            return tensor
        return [ops.convert_to_tensor(tensor), _condition_tensor(labels)]

    def _user_labels(self, labels, count):
        """Labels (or conditions) passed to a public method, checked (None for an unconditional model)."""
        labels = self.check_labels(labels, count, required=True)
        return None if labels is None else _condition_tensor(labels)

    def encode(self, images, labels=None, training=False):
        """Returns `(mean, log_var)` of q(z|x) (q(z|x, y) with labels) for a batch of images.

        With a flow it is the Gaussian the flow starts from; with two layers, q(z2|x).
        """
        images = self.checked_user_images(images)
        labels = self._user_labels(labels, ops.shape(images)[0])
        mean, log_var = self.encoder(self._inputs(images, labels), training=training)
        return mean, log_var

    def _decoder_input(self, latent_points, training=False):
        """What the decoder takes for points of the latent space: z itself, or the mean of p(z1 | z2)."""
        if self.latent_layers == 1:
            return latent_points
        return self.top_down(latent_points, training=training)[0]

    def decode(self, latent_points, labels=None, training=False):
        """Returns the decoder's mean image E[x|z] (E[x|z, y]) in `data_scale` for latent points."""
        latent_points = self.check_latent_points(latent_points)
        labels = self._user_labels(labels, latent_points.shape[0])
        outputs = self.decoder(self._inputs(self._decoder_input(latent_points, training), labels), training=training)
        return self._decoder_output_to_images(outputs)

    def _code(self, images, labels=None):
        # Reconstructions decode the posterior mean.
        return self.encode(images, labels)[0]

    def log_px_given_z(self, images, latent_points, labels=None, training=False):
        """log p(x|z) (log p(x|z, y)) in nats, summed over pixels: `(batch,)`.

        `latent_points` are what the decoder takes (z1 with two layers).
        """
        outputs = self.decoder(self._inputs(latent_points, labels), training=training)
        if self.reconstruction == "bernoulli":
            return losses.bernoulli_log_likelihood(images, outputs)
        if self.reconstruction == "discretized_logistic":
            unit = levels_to_unit_range(pixel_levels(images, self.data_scale, "images"), outputs.dtype)
            log_scale = ops.maximum(ops.broadcast_to(self.decoder_log_scale, ops.shape(outputs)), losses.MIN_LOG_SCALE)
            return losses.discretized_logistic_mixture_log_likelihood(
                unit, ops.zeros_like(outputs)[..., None], outputs[..., None], log_scale[..., None], levels=LEVELS
            )
        return losses.gaussian_log_likelihood(images, outputs, math.log(self.decoder_std))

    def _prior(self, labels):
        """`(mean, log_var)` of a Gaussian prior p(z) (p(z | y)), broadcastable to `(batch, latent_dim)`.

        `(None, None)` means N(0, I); a family with another Gaussian prior overrides this.
        """
        return None, None

    def _kl(self, mean, log_var, labels):
        return losses.gaussian_kl(mean, log_var, *self._prior(labels))

    @property
    def _analytic_kl(self):
        """Whether the first stage's KL term is in closed form: a Gaussian q and a Gaussian prior."""
        return self.posterior == "gaussian" and self.latent_layers == 1 and self.prior != "vamp"

    # --- priors ---------------------------------------------------------------------
    def pseudo_images(self):
        """The VampPrior's learned pseudo-images, `(num_pseudo_inputs, H, W, C)` in `data_scale`."""
        self._require_prior("vamp", "pseudo_images")
        low, high = self.data_scale
        return low + (high - low) * ops.sigmoid(self.pseudo_inputs)

    def _require_prior(self, prior, what):
        if self.prior != prior:
            raise ValueError(f"{what} belongs to prior={prior!r}; this VAE has prior={self.prior!r}.")

    def _vamp_components(self):
        """`(means, log_vars)`, each `(num_pseudo_inputs, latent_dim)`: the encoder at the pseudo-images."""
        return self.encoder(self.pseudo_images())

    def _log_prior(self, z, labels=None, estimate_second_stage=False):
        """log p(z) of the top latent layer, `(batch,)`.

        The two-stage prior's density is an importance-weighted estimate when
        `estimate_second_stage`; otherwise (the first stage's training) N(0, I).
        """
        if self.prior == "vamp":
            means, log_vars = self._vamp_components()
            per_component = diagonal_gaussian_log_density(z[:, None, :], means[None], log_vars[None])
            return ops.logsumexp(per_component, axis=1) - math.log(self.num_pseudo_inputs)
        if self.prior == "two_stage" and estimate_second_stage:
            return self._second_stage_log_density(z)
        mean, log_var = self._prior(labels)
        if mean is None:
            return standard_normal_log_density(z)
        return diagonal_gaussian_log_density(z, mean, log_var)

    def _second_stage_log_variance(self):
        return 2.0 * ops.maximum(self.prior_log_scale, losses.MIN_LOG_SCALE)

    def _second_stage_nll(self, codes, seed, training=False):
        """The second stage's negative ELBO of codes z, `(batch,)`: -log p(z|u) + KL(q(u|z) || N(0, I))."""
        mean, log_var = self.prior_encoder(codes, training=training)
        points = reparameterize(mean, log_var, seed)
        log_pz = diagonal_gaussian_log_density(
            codes, self.prior_decoder(points, training=training), self._second_stage_log_variance())
        return losses.gaussian_kl(mean, log_var) - log_pz

    def _second_stage_log_density(self, codes, samples=TWO_STAGE_PRIOR_SAMPLES):
        """An importance-weighted estimate of log p(z) under the second stage, `(batch,)`.

        The mean of the weights is an unbiased estimate of p(z), so the outer
        bound stays a lower bound of log p(x) in expectation.
        """
        count = ops.shape(codes)[0]
        tiled = ops.repeat(codes, samples, axis=0)
        mean, log_var = self.prior_encoder(tiled)
        points = reparameterize(mean, log_var, self.seed_generator)
        log_weights = (
            diagonal_gaussian_log_density(tiled, self.prior_decoder(points), self._second_stage_log_variance())
            + standard_normal_log_density(points) - diagonal_gaussian_log_density(points, mean, log_var)
        )
        return ops.logsumexp(ops.reshape(log_weights, (count, samples)), axis=1) - math.log(samples)

    def prior_points(self, noise, labels=None):
        """Maps standard-normal points `(n, latent_dim)` to points of the prior, for grids and latent tools.

        N(0, I): unchanged. VampPrior: point i takes component i mod K, `mean_k +
        exp(log_var_k / 2) * noise_i`. Two-stage: the mean of p(z | u) at u = noise.
        """
        if self.prior == "vamp":
            noise = ops.convert_to_tensor(noise, "float32")
            means, log_vars = self._vamp_components()
            components = ops.arange(ops.shape(noise)[0]) % self.num_pseudo_inputs
            return ops.take(means, components, axis=0) + ops.exp(0.5 * ops.take(log_vars, components, axis=0)) * noise
        if self.prior == "two_stage":
            return self.prior_decoder(ops.convert_to_tensor(noise, "float32"))
        return super().prior_points(noise, labels)

    def sample_latent(self, num_points, labels=None, temperature=1.0):
        """Draws `num_points` latent points from the prior with the model's seed generator.

        VampPrior: a uniform component, then its Gaussian. Two-stage: u ~ N(0, I),
        then z ~ p(z | u). `temperature` scales the standard-normal noise.
        """
        if self.prior == "vamp":
            noise = keras.random.normal((num_points, self.latent_dim), seed=replica_seed(self.seed_generator))
            components = keras.random.randint((num_points,), 0, self.num_pseudo_inputs,
                                              seed=replica_seed(self.seed_generator))
            means, log_vars = self._vamp_components()
            return (ops.take(means, components, axis=0)
                    + ops.exp(0.5 * ops.take(log_vars, components, axis=0)) * noise * temperature)
        if self.prior == "two_stage":
            points = keras.random.normal((num_points, self.latent_dim), seed=replica_seed(self.seed_generator))
            noise = keras.random.normal((num_points, self.latent_dim), seed=replica_seed(self.seed_generator))
            spread = ops.exp(0.5 * self._second_stage_log_variance())
            return self.prior_decoder(points * temperature) + spread * noise * temperature
        return super().sample_latent(num_points, labels, temperature)

    def grid_samples(self, n=64, seed=0, columns=None, temperature=1.0):
        """`(images, columns)` of a snapshot grid from fixed points mapped by `prior_points`."""
        if self.prior in ("vamp", "two_stage"):
            from keras_gen.models.capabilities import check_temperature, fixed_latent_points

            points = fixed_latent_points(n, self.latent_dim, seed) * check_temperature(temperature)
            return self.generate(latent_points=ops.convert_to_numpy(self.prior_points(points))), columns
        return super().grid_samples(n, seed, columns, temperature)

    # --- the posterior --------------------------------------------------------------
    def _posterior_draw(self, images, labels, seed, training=False, samples=1):
        """Draws from q (`samples` per image, image-major) and scores the draw.

        Returns `(z, decoder_input, log_q, log_p_lower, mean, log_var)`: the top
        latent, what the decoder takes, log q of the whole draw (flow and both
        layers included), log p(z1 | z2) (0 with one layer) and q's starting Gaussian.
        """
        mean, log_var = self.encoder(self._inputs(images, labels), training=training)
        if samples > 1:
            mean, log_var = ops.repeat(mean, samples, axis=0), ops.repeat(log_var, samples, axis=0)
        z = reparameterize(mean, log_var, seed)
        log_q = diagonal_gaussian_log_density(z, mean, log_var)
        if self.flows:
            context = ops.concatenate([mean, log_var], axis=-1)
            for flow in self.flows:
                z, log_det = iaf_step(flow, z, context)
                log_q = log_q - log_det
        decoder_input, log_p_lower = z, ops.zeros_like(log_q)
        if self.latent_layers == 2:
            up_mean, up_log_var = self.lower_encoder(images, training=training)
            if samples > 1:
                up_mean, up_log_var = ops.repeat(up_mean, samples, axis=0), ops.repeat(up_log_var, samples, axis=0)
            down_mean, down_log_var = self.top_down(z, training=training)
            lower_mean, lower_log_var = precision_weighted(up_mean, up_log_var, down_mean, down_log_var)
            decoder_input = reparameterize(lower_mean, lower_log_var, seed)
            log_q = log_q + diagonal_gaussian_log_density(decoder_input, lower_mean, lower_log_var)
            log_p_lower = diagonal_gaussian_log_density(decoder_input, down_mean, down_log_var)
        return z, decoder_input, log_q, log_p_lower, mean, log_var

    def elbo(self, images, labels=None):
        """One-sample ELBO estimate per image, in nats: `(batch,)`."""
        images = ops.convert_to_tensor(images, "float32")
        labels = self._user_labels(labels, ops.shape(images)[0])
        return self._log_weights(images, labels, self.seed_generator, samples=1)

    # --- likelihood -----------------------------------------------------------------
    def log_prob(self, images, labels=None, num_samples=64, batch_size=64):
        """The importance-weighted lower bound on log p(x) per image, in nats.

        Burda, Grosse & Salakhutdinov, "Importance Weighted Autoencoders"
        (2016), eq. 8, with `num_samples` draws from q(z|x) per image. It
        approaches log p(x) from below as `num_samples` grows; 1 gives the ELBO.
        It is the bound of the model as built: the VampPrior's mixture density,
        the flow's log-determinant, both latent layers, and with the two-stage
        prior an importance-weighted estimate of p(z). A conditional VAE gives
        log p(x | y) and needs `labels`.
        """
        if int(num_samples) < 1:
            raise ValueError(f"num_samples must be at least 1, got {num_samples}.")
        return super().log_prob(images, labels, batch_size, samples=int(num_samples))

    def log_importance_weights(self, images, labels=None, num_samples=64, batch_size=64, seed=None):
        """log w_k = log p(x, z_k) - log q(z_k | x) for `num_samples` draws per image: `(n, num_samples)` numpy.

        The weights of the model as built, from which `log_prob` (their log
        mean) and the ELBO (their mean) follow; `seed` (an int) fixes the draws.
        """
        if int(num_samples) < 1:
            raise ValueError(f"num_samples must be at least 1, got {num_samples}.")
        images = self.check_images(images)
        labels = self.check_labels(labels, len(images), required=True)
        generator = self.seed_generator if seed is None else keras.random.SeedGenerator(seed)
        from keras_gen.models.capabilities import _batched_with_labels

        return _batched_with_labels(
            lambda x, y: ops.reshape(self._log_weights(x, y, generator, int(num_samples)), (-1, int(num_samples))),
            images, labels, batch_size,
        ).astype("float64")

    def _log_weights(self, images, labels, seed, samples):
        """`(batch * samples,)` log importance weights, image-major."""
        tiled, tiled_labels = images, labels
        if samples > 1:
            tiled = ops.repeat(images, samples, axis=0)
            tiled_labels = None if labels is None else ops.repeat(labels, samples, axis=0)
        z, decoder_input, log_q, log_p_lower, _, _ = self._posterior_draw(images, labels, seed, samples=samples)
        log_prior = self._log_prior(z, tiled_labels, estimate_second_stage=True)
        return self.log_px_given_z(tiled, decoder_input, tiled_labels) + log_p_lower + log_prior - log_q

    def _log_prob_batch(self, images, labels=None, samples=64):
        count = ops.shape(images)[0]
        log_weights = ops.reshape(self._log_weights(images, labels, self.seed_generator, samples), (count, samples))
        return ops.logsumexp(log_weights, axis=1) - math.log(samples)

    def call(self, inputs, training=None):
        images, labels = inputs if self.condition is not None else (inputs, None)
        mean, _ = self.encoder(self._inputs(images, labels), training=training)
        outputs = self.decoder(self._inputs(self._decoder_input(mean, training), labels), training=training)
        return self._decoder_output_to_images(outputs)

    def _generate_batch(self, latent_points, labels):
        outputs = self.decoder(self._inputs(self._decoder_input(latent_points), labels), training=False)
        return self._decoder_output_to_images(outputs)

    # --- training -------------------------------------------------------------------
    @property
    def metrics(self):
        if self._fitting_prior:
            return [self.prior_loss_tracker]
        trackers = self._elbo_metrics()
        return [*trackers, self.prior_loss_tracker] if self.prior == "two_stage" else trackers

    def _negative_elbo(self, images, labels, training):
        seed = replica_seed(self.seed_generator)
        if self._analytic_kl:
            mean, log_var = self.encoder(self._inputs(images, labels), training=training)
            z = reparameterize(mean, log_var, seed)
            reconstruction_loss = -self.log_px_given_z(images, z, labels, training=training)
            kl_loss = self._kl(mean, log_var, labels)
        else:
            z, decoder_input, log_q, log_p_lower, _, _ = self._posterior_draw(images, labels, seed, training)
            reconstruction_loss = -self.log_px_given_z(images, decoder_input, labels, training=training)
            # A one-sample Monte Carlo estimate of the KL term.
            kl_loss = log_q - log_p_lower - self._log_prior(z, labels)
        loss = global_batch_mean(reconstruction_loss + self.beta * kl_loss)
        prior_loss = None
        if self.prior == "two_stage":
            # The second stage learns the first stage's current codes; no gradient flows back into it.
            prior_loss = self._second_stage_nll(ops.stop_gradient(z), seed, training)
            loss = loss + global_batch_mean(prior_loss)
        return loss, (reconstruction_loss, kl_loss, prior_loss)

    def _record(self, loss, reconstruction_loss, kl_loss, prior_loss=None):
        if prior_loss is not None:
            self.prior_loss_tracker.update_state(prior_loss)
        return super()._record(loss, reconstruction_loss, kl_loss)

    def _images_and_labels(self, data):
        batch = self.unpack_batch(data)
        return batch["images"], batch.get("labels", batch.get("conditions"))

    def _second_stage_variables(self):
        return [*self.prior_encoder.trainable_variables, *self.prior_decoder.trainable_variables,
                self.prior_log_scale]

    def _prior_step(self, images, training):
        """`fit_prior`'s loss: the second stage on codes z ~ q(z|x) of the (fixed) first stage."""
        seed = replica_seed(self.seed_generator)
        z = ops.stop_gradient(self._posterior_draw(images, None, seed)[0])
        prior_loss = self._second_stage_nll(z, seed, training)
        return global_batch_mean(prior_loss), prior_loss

    def train_step(self, data):
        images, labels = self._images_and_labels(data)
        if self._fitting_prior:
            _, prior_loss = minimize(lambda: self._prior_step(images, True), self._second_stage_variables(),
                                     self.optimizer)
            self.prior_loss_tracker.update_state(prior_loss)
            return {"prior_loss": self.prior_loss_tracker.result()}
        loss, parts = minimize(
            lambda: self._negative_elbo(images, labels, training=True), self.trainable_variables, self.optimizer
        )
        return self._record(loss, *parts)

    def test_step(self, data):
        images, labels = self._images_and_labels(data)
        if self._fitting_prior:
            self.prior_loss_tracker.update_state(self._prior_step(images, False)[1])
            return {"prior_loss": self.prior_loss_tracker.result()}
        loss, parts = self._negative_elbo(images, labels, training=False)
        return self._record(loss, *parts)

    def fit_prior(self, data, epochs=1, batch_size=128, **kwargs):
        """Retrains the two-stage prior alone on the finished encoder's codes (Dai & Wipf's order).

        The first stage stays as it is; the second learns codes z ~ q(z|x) of
        `data` (anything `fit` takes). `keras-gen train vae --option
        prior=two_stage` calls this after training.

        Returns:
            The `History` of that `fit` (its log is `prior_loss`).
        """
        self._require_prior("two_stage", "fit_prior")
        if not getattr(self, "compiled", False):
            raise ValueError("Compile the model before fit_prior (its optimizer trains the second stage).")
        if batch_size is not None and not _is_stream(data):
            kwargs["batch_size"] = batch_size
        self._fitting_prior = True
        self.train_function = self.test_function = None
        try:
            return self.fit(data, epochs=epochs, **kwargs)
        finally:
            self._fitting_prior = False
            self.train_function = self.test_function = None

    def post_training(self, data, verbose="auto"):
        """What a finished run still does: the two-stage VAE refits its prior on the final codes."""
        if self.prior == "two_stage":
            self.fit_prior(data, epochs=1, verbose=verbose)

    def _check_image_array(self, data, role, expected_shape=None):
        super()._check_image_array(data, role, expected_shape)
        if self.reconstruction == "discretized_logistic":
            check_on_pixel_grid(data, self.data_scale, role, f"{type(self).__name__}(reconstruction='discretized_logistic')")

    def get_config(self):
        config = {
            **super().get_config(),
            "reconstruction": self.reconstruction,
            "beta": self.beta,
            "decoder_std": self.decoder_std,
            "prior": self.prior,
            "posterior": self.posterior,
            "num_pseudo_inputs": self.num_pseudo_inputs,
            "iaf_steps": self.iaf_steps,
        }
        if self.flows:
            config["flows"] = [keras.saving.serialize_keras_object(flow) for flow in self.flows]
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        names = ["encoder", "decoder", *(name for name in OPTIONAL_NETWORKS if config.get(name) is not None)]
        config = deserialize_networks(config, names)
        if config.get("flows"):
            config["flows"] = [keras.saving.deserialize_keras_object(flow) for flow in config["flows"]]
        return cls(**config)


def _is_stream(data):
    """Whether `data` is a data set or generator (whose batches are already made), not arrays."""
    return not hasattr(data, "shape") and not isinstance(data, (list, tuple, dict))
