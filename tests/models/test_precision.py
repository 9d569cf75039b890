"""Mixed precision: bfloat16 training, float32 pins, saved precision and `with_precision`.

By default DCGAN and VAE run the whole path; the registry-wide pass over every
family is marked `bf16` (`pytest -m bf16`).
"""

import keras
import numpy as np
import pytest

import keras_gen
from keras_gen import families
from keras_gen.models import DCGAN, VAE, with_precision
from keras_gen.networks import PinnedDTypePolicy, is_pinned
from tests.test_families import contract_data, outputs, tiny_model

numpy = keras.ops.convert_to_numpy
COMPUTE = {"float32": "float32", "mixed_bfloat16": "bfloat16", "mixed_float16": "float16"}


@pytest.fixture
def mixed_bfloat16():
    """The global policy mixed_bfloat16 for the test, float32 again after it whatever happens."""
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        yield
    finally:
        keras.config.set_dtype_policy("float32")


def computing_layers(model):
    """`{path: layer}` of every layer of the model's networks that computes (nested networks opened).

    A network that is one layer (MADE's) counts as itself; a family without networks (DRAW, NADE) is
    its own network: its layers are the model's.
    """
    found = {}
    networks = {name: getattr(model, name) for name in model.network_names} or {"model": model}
    for name, network in networks.items():
        if network is None:
            continue
        own = not isinstance(network, keras.Model)
        for layer in network._flatten_layers(include_self=own):
            if not isinstance(layer, (keras.layers.InputLayer, keras.Model)):
                found[f"{name}/{layer.path or layer.name}"] = layer
    return found


def policies(model):
    """`[(network, layer class, policy name, pinned)]` of the computing layers, in order.

    By position, not by path: Keras names unnamed layers from a global count, so a reloaded
    model's unnamed layers (a Flatten, a TimeDistributed's inner layer) have other paths.
    """
    return [(path.split("/")[0], type(layer).__name__, layer.dtype_policy.name, is_pinned(layer))
            for path, layer in computing_layers(model).items()]


def pinned(model):
    return {path for path, layer in computing_layers(model).items() if is_pinned(layer)}


def assert_in_precision(model, policy):
    """Layers compute in `policy` but the pinned ones (float32), which make every network's outputs;
    the variables are float32."""
    layers = computing_layers(model)
    # Where the family computes with layers, those that make its outputs are pinned; a family without
    # layers (NADE: its weights are the model's own) computes in its variables' float32.
    assert pinned(model) or not layers, "no layer is pinned to float32"
    for path, layer in layers.items():
        assert layer.compute_dtype == ("float32" if is_pinned(layer) else COMPUTE[policy]), path
    for name in model.network_names:
        network = getattr(model, name)
        for output in getattr(network, "outputs", None) or []:
            assert output.dtype == "float32" and is_pinned(output._keras_history.operation), (name, output)
    assert {v.dtype for v in model.weights if "float" in v.dtype} == {"float32"}


def assert_close_in_data_scale(made, model, reference=None, atol=0.05):
    low, high = model.data_scale
    for what, images in made.items():
        assert images.dtype == np.float32 and low <= images.min() and images.max() <= high, what
        if reference is not None:
            np.testing.assert_allclose(images, reference[what], atol=atol, err_msg=what)


def assert_same_state(model, other):
    """Weights, seed states, optimizer variables (iterations included), loss scale left aside."""
    assert len(model.variables) == len(other.variables)
    for a, b in zip(model.variables, other.variables):
        np.testing.assert_array_equal(numpy(a), numpy(b), err_msg=a.path)
    for name, optimizer in model.players().items():
        inner = [getattr(o, "inner_optimizer", o) for o in (optimizer, other.players()[name])]
        assert int(numpy(inner[0].iterations)) == int(numpy(inner[1].iterations)), name
        assert len(inner[0].variables) == len(inner[1].variables) > 1, name
        for a, b in zip(inner[0].variables, inner[1].variables):
            np.testing.assert_array_equal(numpy(a), numpy(b), err_msg=name)


SMALL = {
    "dcgan": (lambda: DCGAN.for_images((8, 8, 1), latent_dim=4, width=4, seed=0), "project", (-1, 1)),
    "vae": (lambda: VAE.for_images((8, 8, 1), latent_dim=2, width=4, hidden_units=8, seed=0), "mean", (0, 1)),
}


def made_by(model):
    latent = np.random.default_rng(1).standard_normal((3, model.latent_dim)).astype("float32")
    made = {"samples": model.generate(latent_points=latent)}
    if isinstance(model, VAE):
        made["reconstructions"] = model.reconstruct(np.full((3, 8, 8, 1), 0.5, "float32"))
    return made


@pytest.mark.parametrize("family", sorted(SMALL))
def test_trains_in_bf16_saves_its_precision_and_converts_to_float32(family, mixed_bfloat16, tmp_path):
    build, _, (low, high) = SMALL[family]
    model = build()
    model.compile()
    images = np.random.default_rng(0).uniform(low, high, (16, 8, 8, 1)).astype("float32")
    history = model.fit(images, batch_size=8, epochs=1, shuffle=False, verbose=0).history
    assert all(np.isfinite(values[-1]) for values in history.values())
    assert_in_precision(model, "mixed_bfloat16")
    assert model.unpack_batch(images[:8])["images"].dtype == "float32"  # losses compare in float32
    made = made_by(model)
    assert_close_in_data_scale(made, model)

    model.save(tmp_path / "model.keras")
    keras.config.set_dtype_policy("float32")
    restored = keras.saving.load_model(tmp_path / "model.keras")
    assert policies(restored) == policies(model)
    for what, images in made_by(restored).items():
        np.testing.assert_array_equal(images, made[what], err_msg=what)

    converted = with_precision(model, "float32")
    assert type(converted) is type(model) and converted is not model
    assert_in_precision(converted, "float32")
    assert pinned(converted) == pinned(model)
    assert_same_state(model, converted)
    assert_close_in_data_scale(made_by(converted), converted, reference=made)
    # The pins survive conversions back and forth.
    assert policies(with_precision(converted, "mixed_bfloat16")) == policies(model)


def test_with_precision_adds_and_removes_loss_scaling():
    gan, _, _ = SMALL["dcgan"]
    gan = gan()
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5), g_optimizer="adam")
    gan.d_optimizer.iterations.assign(3)
    fp16 = with_precision(gan, "mixed_float16")
    assert all(isinstance(o, keras.optimizers.LossScaleOptimizer) for o in fp16.players().values())
    assert fp16.generator.get_layer("project").compute_dtype == "float16"
    assert fp16.d_optimizer.inner_optimizer.get_config() == gan.d_optimizer.get_config()
    assert_same_state(gan, fp16)
    fp16.d_optimizer.dynamic_scale.assign(1024.0)
    assert float(numpy(with_precision(fp16, "mixed_float16").d_optimizer.dynamic_scale)) == 1024.0
    back = with_precision(fp16, "float32")
    assert not any(isinstance(o, keras.optimizers.LossScaleOptimizer) for o in back.players().values())
    assert int(numpy(back.d_optimizer.iterations)) == 3 and policies(back) == policies(gan)


def test_unknown_precision_is_a_clear_error():
    with pytest.raises(ValueError, match="'bf16'.*'float32', 'mixed_bfloat16', 'mixed_float16'"):
        with_precision(None, "bf16")


def test_a_pin_is_part_of_the_layer_config(mixed_bfloat16):
    generator = keras_gen.networks.dcgan_generator((8, 8, 1), latent_dim=4, width=4)
    output = generator.get_layer("to_image")
    assert is_pinned(output) and output.dtype_policy.name == output.compute_dtype == "float32"
    assert output.get_config()["dtype"]["registered_name"] == "keras_gen>PinnedDTypePolicy"
    assert not is_pinned(keras.layers.Dense(1, dtype="float32"))
    keras.config.set_dtype_policy("float32")
    rebuilt = keras.Model.from_config(generator.get_config())
    assert rebuilt.get_layer("to_image").dtype_policy == PinnedDTypePolicy("float32")
    assert rebuilt.get_layer("project").compute_dtype == "bfloat16"


@pytest.mark.bf16
@pytest.mark.parametrize("name", families.names())
def test_every_family_trains_saves_and_converts_in_bf16(name, mixed_bfloat16, tmp_path):
    model = tiny_model(name)
    history = model.fit(*contract_data(model), batch_size=8, epochs=1, shuffle=False, verbose=0).history
    assert all(np.isfinite(values[-1]) for values in history.values())
    assert_in_precision(model, "mixed_bfloat16")
    model.save(tmp_path / "model.keras")
    made = outputs(model)

    keras.config.set_dtype_policy("float32")
    restored = keras.saving.load_model(tmp_path / "model.keras")
    assert policies(restored) == policies(model)
    converted = with_precision(restored, "float32")
    assert_in_precision(converted, "float32")
    assert pinned(converted) == pinned(model)
    assert_same_state(restored, converted)
    # Sampled pixel levels (completions) may differ by a level or more; what is computed only by rounding.
    continuous = {what: images for what, images in made.items() if what != "completions"}
    converted_made = {what: images for what, images in outputs(converted).items() if what in continuous}
    assert_close_in_data_scale(converted_made, converted, reference=continuous, atol=0.1)
