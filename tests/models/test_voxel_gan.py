"""VoxelGAN: the 3-D GAN of voxel grids with the adaptive discriminator rule (Wu et al., 2016)."""

import keras
import numpy as np
import pytest

from keras_gen.models import VoxelGAN
from tests.test_case import changed, weights_of

GRID = (8, 8, 8, 1)


def _model(**kwargs):
    return VoxelGAN.for_voxels(GRID, **{"latent_dim": 8, "width": 4, "seed": 0, **kwargs})


def _grids(count=8, seed=0):
    return (np.random.default_rng(seed).uniform(0, 1, (count, *GRID)) > 0.5).astype("float32")


def _discriminator_says_real_to_everything(model):
    """Logit +10 for every grid: real grids are scored right, generated ones wrong (accuracy 0.5)."""
    logit = model.discriminator.get_layer("logit")
    kernel, bias = logit.get_weights()
    logit.set_weights([np.zeros_like(kernel), np.full_like(bias, 10.0)])


def test_compile_uses_dcgans_rates_and_keeps_the_papers_at_hand():
    model = _model()
    model.compile()
    assert float(model.g_optimizer.learning_rate) == pytest.approx(6e-4)  # DCGAN's rates, not the paper's
    assert float(model.d_optimizer.learning_rate) == pytest.approx(4e-4)
    assert float(model.d_optimizer.beta_1) == pytest.approx(0.5)
    assert (VoxelGAN.paper_generator_learning_rate, VoxelGAN.paper_discriminator_learning_rate) == (2.5e-3, 1e-5)


@pytest.mark.parametrize("threshold, learns", [
    (0.4, False), (0.6, True), (None, True),
    pytest.param(0.4, False, marks=pytest.mark.graph, id="traced-0.4"),  # the rule inside tf.function, as fit runs it
])
def test_the_discriminator_learns_only_while_its_accuracy_is_at_most_the_threshold(threshold, learns):
    model = _model(d_accuracy_threshold=threshold, label_smoothing=0.0, label_noise=0.0)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5))
    _discriminator_says_real_to_everything(model)
    discriminator, generator = weights_of(model.discriminator), weights_of(model.generator)
    history = model.fit(_grids(), batch_size=8, epochs=1, verbose=0).history
    assert history["d_accuracy"][0] == pytest.approx(0.5)
    assert history["d_updated"][0] == (1.0 if learns else 0.0)
    assert (changed(discriminator, weights_of(model.discriminator)) > 0) == learns
    # A skipped update leaves the optimizer's state as it was too; the generator learns either way.
    assert int(model.d_optimizer.iterations.numpy()) == (1 if learns else 0)
    assert all(not np.any(v.numpy()) for v in model.d_optimizer.variables[2:]) or learns
    assert changed(generator, weights_of(model.generator)) > 0


def test_conditional_model_draws_the_classes_asked_for_and_checks_labels():
    model = _model(num_classes=3)
    model.compile()
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 1], "int32")
    start = weights_of(model)
    with pytest.raises(ValueError, match=r"Labels must lie in \[0, 3\)"):
        model.fit(_grids(), labels + 3, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match=r"\(images, labels\)"):
        model.fit(_grids(), batch_size=8, verbose=0)
    assert changed(start, weights_of(model)) == 0
    model.fit(_grids(), labels, batch_size=8, verbose=0)
    points = np.random.default_rng(1).standard_normal((3, 8)).astype("float32")
    grids = model.generate(latent_points=points, labels=[0, 1, 2])
    assert grids.shape == (3, *GRID) and 0.0 <= grids.min() and grids.max() <= 1.0
    # The label reaches the generator: one latent point, two classes, two grids.
    assert not np.allclose(model.generate(latent_points=points[:1], labels=[0]),
                           model.generate(latent_points=points[:1], labels=[1]))


def test_grids_outside_zero_one_or_of_the_wrong_size_are_rejected_before_any_update():
    model = _model()
    model.compile()
    start = weights_of(model)
    with pytest.raises(ValueError, match="data_scale"):
        model.fit(_grids() * 2.0 - 1.0, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match=r"\(batch, 8, 8, 8, 1\)"):
        model.fit(_grids()[:, 0], batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="8, 8, 8, 1"):
        model.fit(np.zeros((8, 16, 16, 16, 1), "float32"), batch_size=8, verbose=0)
    assert changed(start, weights_of(model)) == 0


def test_saved_model_keeps_its_rule_classes_and_samples(tmp_path):
    model = _model(num_classes=3, d_accuracy_threshold=0.7)
    model.compile()
    model.fit(_grids(), np.arange(8) % 3, batch_size=8, verbose=0)
    model.save(tmp_path / "voxel_gan.keras")
    restored = keras.saving.load_model(tmp_path / "voxel_gan.keras")
    assert restored.d_accuracy_threshold == 0.7 and restored.num_classes == 3 and restored.data_kind == "voxels"
    points = np.random.default_rng(2).standard_normal((3, 8)).astype("float32")
    np.testing.assert_allclose(restored.generate(latent_points=points, labels=[2, 1, 0]),
                               model.generate(latent_points=points, labels=[2, 1, 0]), atol=1e-6)
    assert float(restored.d_optimizer.learning_rate) == pytest.approx(4e-4)
