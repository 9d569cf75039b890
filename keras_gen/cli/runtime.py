"""Where `keras-gen train` runs: the Keras backend, the precision policy, the devices and machines.

The order matters, and each step fails with a usage error before any file is written:

1. `select_backend`: Keras reads `KERAS_BACKEND` once, when it is first imported
   (and importing TensorFlow imports Keras), so the backend is set before
   anything heavy is imported;
2. `read_tf_config`: a TensorFlow multi-worker run checks `TF_CONFIG` before
   TensorFlow starts;
3. `distribute`: the strategy (TensorFlow) or distribution (JAX) is made before
   any other op runs, as `MultiWorkerMirroredStrategy` and
   `keras.distribution.initialize` require, and the model is then built in its
   scope; `check_batch_size` then checks that the replicas share the global
   batch evenly;
4. `set_precision`: the global dtype policy, which layers take when they are made.

See docs/backends.md for one GPU, several GPUs and several machines.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from keras_gen.cli.common import PROG, CommandError, say

BACKENDS = ("tensorflow", "jax")
# --precision -> the Keras dtype policy: variables stay float32 under both mixed policies.
PRECISIONS = {"fp32": "float32", "bf16": "mixed_bfloat16", "fp16": "mixed_float16"}
DISTRIBUTIONS = ("none", "mirrored", "multi-worker")

TF_CONFIG_EXAMPLE = (
    "TF_CONFIG='{\"cluster\": {\"worker\": [\"host1:port\", \"host2:port\"]}, "
    "\"task\": {\"type\": \"worker\", \"index\": 0}}'"
)
JAX_CLUSTER_EXAMPLE = (
    "KERAS_DISTRIBUTION_JOB_ADDRESSES=host1:port,host2:port KERAS_DISTRIBUTION_NUM_PROCESSES=2 "
    "KERAS_DISTRIBUTION_PROCESS_ID=0"
)


def add_arguments(group) -> None:
    """`--backend`, `--precision` and `--distribute`, into an argparse argument group."""
    group.add_argument("--backend", choices=BACKENDS, help="the Keras backend to train on (default: $KERAS_BACKEND, "
                       "else tensorflow); jax needs keras_gen's jax extra (pip install \"keras_gen[jax]\"). A run "
                       "may be resumed on the other backend")
    group.add_argument("--precision", choices=tuple(PRECISIONS), default="fp32", help="fp32; bf16: mixed_bfloat16 "
                       "(TPUs, recent GPUs, CPUs with AMX or AVX512-BF16); fp16: mixed_float16 with loss scaling "
                       "(GPUs; slow on CPUs). With --resume, a checkpoint trained in another precision is converted")
    group.add_argument("--distribute", choices=DISTRIBUTIONS, default="none", help="mirrored: data parallel over "
                       "every local device (TensorFlow's MirroredStrategy, JAX's DataParallel); multi-worker: over "
                       "several machines (TensorFlow: MultiWorkerMirroredStrategy, configured by TF_CONFIG; JAX: "
                       "keras.distribution.initialize, configured by KERAS_DISTRIBUTION_*); see docs/backends.md")


# --- 1. the backend -------------------------------------------------------------------
def select_backend(requested: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """Sets `KERAS_BACKEND` before Keras is imported; the backend's name.

    Args:
        requested: `--backend`, or None for `$KERAS_BACKEND`, else "tensorflow".
        environ: where `KERAS_BACKEND` is read and written (the process's environment).

    Raises:
        CommandError: an unsupported `$KERAS_BACKEND`, JAX not installed, or
            Keras already loaded in this process with another backend.
    """
    source = "--backend" if requested else "KERAS_BACKEND"
    backend = requested or environ.get("KERAS_BACKEND") or "tensorflow"
    if backend not in BACKENDS:
        raise CommandError(
            f"KERAS_BACKEND={backend}: keras_gen trains on the {' or '.join(BACKENDS)} backend; pass "
            f"--backend {BACKENDS[0]} (or --backend {BACKENDS[1]}) or change KERAS_BACKEND."
        )
    loaded = _loaded_keras_backend()
    if loaded is not None and loaded != backend:
        raise CommandError(
            f"{source} {backend}: Keras is already loaded in this process with the '{loaded}' backend, and a "
            f"backend cannot change once Keras is imported. Run keras-gen in a new process, or set "
            f"KERAS_BACKEND={backend} before anything imports keras (or tensorflow, which imports it)."
        )
    if backend == "jax":
        try:
            import jax  # noqa: F401
        except ImportError as err:
            raise CommandError(
                f"{source} jax: JAX is not installed ({err}). Install keras_gen's jax extra: "
                f"pip install \"keras_gen[jax]\" (in a clone: pip install -e \".[jax]\")."
            ) from err
    environ["KERAS_BACKEND"] = backend
    return backend


def _loaded_keras_backend() -> str | None:
    keras = sys.modules.get("keras")
    if keras is None:
        return None
    try:
        return keras.backend.backend()
    except AttributeError:  # a module still being imported
        return None


# --- 2. the cluster -------------------------------------------------------------------
def read_tf_config(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """`TF_CONFIG` for TensorFlow's MultiWorkerMirroredStrategy, checked; raises a CommandError.

    It must name the workers (`cluster.worker`, a list of "host:port") and this
    process's place among them (`task.type`, `task.index`).
    """
    text = environ.get("TF_CONFIG", "")
    if not text.strip():
        problem = "TF_CONFIG is not set"
    else:
        try:
            config = json.loads(text)
        except ValueError as err:
            problem = f"TF_CONFIG is not valid JSON ({err})"
        else:
            problem = _tf_config_problem(config)
    if problem:
        raise CommandError(
            f"--distribute multi-worker on TensorFlow: {problem}. Set TF_CONFIG on every machine to the "
            f"cluster's workers and this machine's place among them, e.g. {TF_CONFIG_EXAMPLE} (index 1 on the "
            "second machine); see docs/backends.md."
        )
    return config


def _tf_config_problem(config: Any) -> str | None:
    if not isinstance(config, dict):
        return f"TF_CONFIG holds {type(config).__name__}, not a JSON object"
    cluster, task = config.get("cluster"), config.get("task")
    workers = cluster.get("worker") if isinstance(cluster, dict) else None
    if not isinstance(workers, list) or not workers or not all(isinstance(w, str) and w for w in workers):
        return "TF_CONFIG has no cluster.worker, a list of \"host:port\" addresses"
    if not isinstance(task, dict) or not isinstance(task.get("index"), int) or isinstance(task["index"], bool):
        return "TF_CONFIG has no task.index, this machine's position in its task type's list"
    task_type = task.get("type")
    if task_type not in cluster:
        return f"TF_CONFIG's task.type is {task_type!r}, not one of cluster's {sorted(cluster)}"
    if not 0 <= task["index"] < len(cluster[task_type]):
        return f"TF_CONFIG's task.index {task['index']} is outside cluster.{task_type} ({len(cluster[task_type])})"
    return None


# --- 3. the devices -------------------------------------------------------------------
@dataclasses.dataclass
class Distribution:
    """How a run spreads over devices and processes.

    Attributes:
        kind: the `--distribute` value.
        replicas: how many replicas share each global batch.
        scope: a function returning the context in which the model is built
            and compiled (the TensorFlow strategy's scope; nothing for JAX, whose
            distribution is global).
        worker: "" in the chief process, which writes the run's files into
            `--out`; otherwise the process's name, e.g. "worker-1", whose files
            go into `--out/worker-1` (so that processes never write the same file).
    """

    kind: str
    replicas: int = 1
    scope: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext
    worker: str = ""


def distribute(kind: str, backend: str, tf_config: Mapping[str, Any] | None = None) -> Distribution:
    """Starts `--distribute kind` on `backend` (before the model is built) and says how many replicas it found.

    Args:
        kind: "none", "mirrored" or "multi-worker".
        backend: the Keras backend, "tensorflow" or "jax".
        tf_config: `read_tf_config()`, for a TensorFlow multi-worker run.
    """
    if kind == "none":
        return Distribution(kind)
    if backend == "jax":
        return _jax_distribution(kind)
    return _tensorflow_distribution(kind, tf_config or {})


def _tensorflow_distribution(kind: str, tf_config: Mapping[str, Any]) -> Distribution:
    import tensorflow as tf

    if kind == "mirrored":
        name, strategy = "MirroredStrategy", tf.distribute.MirroredStrategy()  # every local GPU, else the CPU
        worker = ""
    else:
        name, strategy = "MultiWorkerMirroredStrategy", tf.distribute.MultiWorkerMirroredStrategy()  # TF_CONFIG
        task = tf_config["task"]
        chief = task["type"] == "chief" or (task["type"] == "worker" and task["index"] == 0
                                            and "chief" not in tf_config["cluster"])
        worker = "" if chief else f"{task['type']}-{task['index']}"
    devices = [device.rpartition("device:")[2] for device in strategy.extended.worker_devices]  # "CPU:0"
    replicas = strategy.num_replicas_in_sync
    where = f"{len(devices)} local device(s): {', '.join(devices)}"
    if kind == "multi-worker":
        where += f"; this is {worker or 'the chief'} of {sum(len(v) for v in tf_config['cluster'].values())} workers"
    say(f"--distribute {kind}: {name} with {replicas} replica(s) ({where})")
    return Distribution(kind, replicas, strategy.scope, worker)


def _jax_distribution(kind: str) -> Distribution:
    import jax
    import keras

    if kind == "multi-worker":
        try:
            keras.distribution.initialize()  # KERAS_DISTRIBUTION_*, or a TPU pod's or cluster's own settings
        except (ValueError, RuntimeError) as err:
            raise CommandError(
                f"--distribute multi-worker on JAX: keras.distribution.initialize() failed ({err}). Set on every "
                f"process the coordinator's address, the number of processes and this one's index, e.g. "
                f"{JAX_CLUSTER_EXAMPLE} (1 on the second); see docs/backends.md."
            ) from err
    from keras_gen.training.jax import data_replicas

    distribution = keras.distribution.DataParallel()  # every device of every process
    keras.distribution.set_distribution(distribution)
    replicas = data_replicas()
    process = jax.process_index()
    where = f"{jax.local_device_count()} local {jax.default_backend()} device(s)"
    if kind == "multi-worker":
        where += f"; this is process {process} of {jax.process_count()}"
    say(f"--distribute {kind}: keras.distribution.DataParallel with {replicas} replica(s) ({where})")
    return Distribution(kind, replicas, contextlib.nullcontext, f"worker-{process}" if process else "")


def check_batch_size(batch_size: int, replicas: int) -> None:
    """Each replica takes an equal share of the global batch; raises a CommandError when it cannot."""
    if batch_size % replicas:
        multiple = max(replicas, batch_size // replicas * replicas)
        raise CommandError(
            f"the global batch of {batch_size} images (--batch-size, default the family's) cannot be split "
            f"evenly over {replicas} replicas: {replicas} does not divide {batch_size}. Pass a multiple of "
            f"{replicas}, e.g. --batch-size {multiple}."
        )


# --- 4. the precision -----------------------------------------------------------------
def set_precision(precision: str, backend: str) -> str:
    """Sets the global dtype policy for `--precision`; the policy's name.

    On a machine without a GPU, fp16 trains but warns: float16 matrix math
    gains only on GPUs.
    """
    import keras

    policy = PRECISIONS[precision]
    keras.mixed_precision.set_dtype_policy(policy)
    if policy == "mixed_float16" and not has_gpu(backend):
        print(
            f"{PROG}: warning: --precision fp16 on a machine without a GPU: it trains, but more slowly than fp32; "
            "mixed_float16 pays off on GPUs only (on a CPU with AMX or AVX512-BF16, or a TPU, try --precision bf16).",
            file=sys.stderr,
            flush=True,
        )
    return policy


def has_gpu(backend: str) -> bool:
    """Whether the backend sees a GPU."""
    if backend == "jax":
        import jax

        return any(device.platform == "gpu" for device in jax.devices())
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))
