"""The train steps under tf.distribute and mixed precision."""

import json
import os
import subprocess
import sys

import keras
import numpy as np

import keras_gen


def test_mirrored_strategy_matches_single_device():
    """Losses are averaged over the global batch: two replicas report what one does."""
    script = os.path.join(os.path.dirname(__file__), "distributed_script.py")
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, script], check=False, capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    # Wrong replica scaling would be off by a factor of 2. The small remaining
    # difference comes from each replica drawing its own half-batch of latent points.
    for key in ("d_loss", "g_loss"):
        np.testing.assert_allclose(result["mirrored"][key], result["single"][key], rtol=2e-3)
        assert np.isfinite(result["fit"][key])


def test_mixed_precision_training(tmp_path):
    keras.config.set_dtype_policy("mixed_float16")
    gan = keras_gen.models.DCGAN.for_images((28, 28, 1), latent_dim=8, width=4, seed=0)
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert gan.discriminator.layers[1].compute_dtype == "float16"
    x = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    history = gan.fit(x, batch_size=8, epochs=1, verbose=0)
    assert all(np.isfinite(v[0]) for v in history.history.values())
    images = gan.generate(2)
    assert images.dtype == np.float32 and np.abs(images).max() <= 1.0
    vae = keras_gen.models.VAE.for_images((28, 28, 1), latent_dim=2, width=4, hidden_units=8, seed=0)
    vae.compile(optimizer="adam")
    history = vae.fit((x + 1) / 2, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    gan.save(tmp_path / "mixed.keras")
    restored = keras.models.load_model(tmp_path / "mixed.keras")
    z = np.zeros((2, 8), "float32")
    np.testing.assert_array_equal(gan.generate(latent_points=z), restored.generate(latent_points=z))
