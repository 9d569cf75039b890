"""What the distribution scripts share: logical CPUs, two replicas' noise on one device, weight comparisons.

The scripts run in fresh processes (`tests/models/test_distribution.py`):
logical devices can only be configured before TensorFlow initialises its
runtime, which every test process has long done.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

from keras_gen.training.distribution import local_cluster

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def split_cpu(count=2):
    """Splits the first CPU into `count` logical devices; call before TensorFlow runs any op."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)


@contextlib.contextmanager
def as_two_replicas():
    """`keras.random.normal` / `uniform` draw as two replicas of `replica_seed` would, on one device.

    Inside, a draw of shape `(n, ...)` from a model's seed generator is made of
    two halves of `n // 2` drawn with the seeds that replicas 0 and 1 fold in
    (`keras_gen.training.distribution.ReplicaSeedGenerator`), in replica order:
    the noise a two-replica step on the same global batch draws. A one-device
    run inside this is the reference of "replicas change nothing but speed".
    """
    import keras

    from keras_gen.training.distribution import ReplicaSeedGenerator

    class FixedSeed(keras.random.SeedGenerator):
        def __init__(self, seed, like):
            self.seed, self.name, self.backend = seed, like.name, like.backend

        def next(self, ordered=True):
            return self.seed

    def two_replicas(draw):
        def emulated(shape, *args, seed=None, **kwargs):
            if not isinstance(seed, keras.random.SeedGenerator) or isinstance(seed, ReplicaSeedGenerator):
                return draw(shape, *args, seed=seed, **kwargs)
            state = seed.next()  # one draw advances the state once, on every replica
            half = (shape[0] // 2, *shape[1:])
            halves = [draw(half, *args, seed=ReplicaSeedGenerator(FixedSeed(state, seed), replica, 2), **kwargs)
                      for replica in (0, 1)]
            return keras.ops.concatenate(halves, axis=0)

        return emulated

    originals = {name: getattr(keras.random, name) for name in ("normal", "uniform")}
    try:
        for name, draw in originals.items():
            setattr(keras.random, name, two_replicas(draw))
        yield
    finally:
        for name, draw in originals.items():
            setattr(keras.random, name, draw)


def weights(model):
    """The model's weights as numpy arrays (replica 0's copy under a strategy)."""
    import keras

    return [keras.ops.convert_to_numpy(v) for v in model.weights]


def copies_disagree(strategy, model, trainable_only=False):
    """Names of the model's variables whose per-replica copies differ (mirrored variables must not)."""
    import numpy as np

    variables = model.trainable_weights if trainable_only else model.weights
    names = []
    for variable in variables:
        copies = [np.asarray(copy) for copy in strategy.experimental_local_results(variable.value)]
        if any(not np.array_equal(copies[0], copy) for copy in copies[1:]):
            names.append(variable.path)
    return names


def update_error(start, single, distributed):
    """`(largest |update difference|, largest |single-device update|)` over all weights."""
    import numpy as np

    error = max(float(np.max(np.abs(d - s), initial=0.0)) for s, d in zip(single, distributed))
    size = max(float(np.max(np.abs(s - w), initial=0.0)) for w, s in zip(start, single))
    return error, size


def script_env(**extra):
    """The environment of a script's process: the repository importable, TensorFlow quiet."""
    path = ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": path, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow", **extra}


def run_script(name, *args, timeout=300):
    """Runs `tests/models/<name>` in a fresh process; returns the JSON of its last line of output."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    out = subprocess.run([sys.executable, script, *args], check=False, capture_output=True, text=True,
                         env=script_env(), timeout=timeout)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_workers(name, count, folder, timeout=240):
    """Runs `count` processes of `tests/models/<name>` as the workers of one cluster on 127.0.0.1.

    Each gets `TF_CONFIG` with `count` free local ports and its index; their
    output goes to files in `folder`. Workers still running after `timeout`
    seconds (all together) are killed by their process ids.

    Returns:
        `[(return code, JSON of the last line of stdout, end of stderr), ...]` in worker order.
    """
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    configs = local_cluster(count)
    workers = []
    with contextlib.ExitStack() as files:
        try:
            for index in range(count):
                config = configs[index]
                out = files.enter_context(open(os.path.join(folder, f"worker{index}.out"), "w"))
                err = files.enter_context(open(os.path.join(folder, f"worker{index}.err"), "w"))
                workers.append(subprocess.Popen([sys.executable, script], stdout=out, stderr=err,
                                                env=script_env(TF_CONFIG=config)))
            deadline = time.monotonic() + timeout
            for worker in workers:
                worker.wait(timeout=max(1.0, deadline - time.monotonic()))
        finally:
            for worker in workers:
                if worker.poll() is None:
                    os.kill(worker.pid, signal.SIGKILL)
                    worker.wait()
    results = []
    for index, worker in enumerate(workers):
        with open(os.path.join(folder, f"worker{index}.out")) as out, open(os.path.join(folder, f"worker{index}.err")) as err:
            lines = out.read().strip().splitlines()
            results.append((worker.returncode, json.loads(lines[-1]) if lines else None, err.read()[-3000:]))
    return results
