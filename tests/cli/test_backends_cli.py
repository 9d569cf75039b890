"""`keras-gen train --backend / --precision / --distribute`: defaults, what the model is built under, errors.

The tests in the default run train nothing new on JAX and stop most runs where
the model would be built (`stopped_at_build`), so they cost parsing and a
strategy at most; every usage error is checked to come before any file is
written. One short subprocess checks what only a fresh process can show: the
backend is set before Keras is imported, and a missing JAX is named. Tests
marked `jax` or `distributed` (deselected by default) start JAX or several
devices and processes in fresh processes; see docs/backends.md.
"""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import types

import keras
import pytest
import tensorflow as tf

import keras_gen
from keras_gen import cli, recipes
from keras_gen.cli import runtime
from keras_gen.training.distribution import local_cluster

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = ["--data", "digits", "--verbose", "0", "--epochs", "1", "--limit", "64", "--batch-size", "32",
        "--width", "8", "--latent-dim", "8"]


def train_argv(out, *flags):
    return ["train", "dcgan", "--data", "digits", "--out", str(out), "--verbose", "0", *flags]


@pytest.fixture
def stopped_at_build(monkeypatch):
    """Stops `keras-gen train` where it would build the model; records the policy and strategy it would use."""
    seen = {}

    def build_from_settings(*args, **kwargs):
        seen["policy"] = keras.config.dtype_policy().name
        seen["in_strategy_scope"] = tf.distribute.has_strategy()
        seen["replicas"] = tf.distribute.get_strategy().num_replicas_in_sync
        raise cli.CommandError("stopped where the model is built")

    monkeypatch.setattr(recipes, "build_from_settings", build_from_settings)
    return seen


def assert_usage_error(code, capsys, *expected, out=None):
    """Exit code 2 and each `expected` text on stderr; with `out`, no such folder. Returns what was printed."""
    printed = capsys.readouterr()
    assert code == cli.EXIT_USAGE, printed.err
    for text in expected:
        assert text in printed.err, printed.err
    if out is not None:
        assert not os.path.exists(out), "a usage error wrote files"
    return printed


# --- parsing --------------------------------------------------------------------------
def test_defaults(monkeypatch):
    args = cli.build_parser().parse_args(["train", "dcgan"])
    assert (args.backend, args.precision, args.distribute) == (None, "fp32", "none")
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert runtime.select_backend(None) == "tensorflow"
    assert os.environ["KERAS_BACKEND"] == "tensorflow"


@pytest.mark.parametrize(
    "flag, value, choices",
    [
        ("--backend", "torch", "'tensorflow', 'jax'"),
        ("--precision", "fp8", "'fp32', 'bf16', 'fp16'"),
        ("--distribute", "tpu", "'none', 'mirrored', 'multi-worker'"),
    ],
)
def test_unknown_values_name_the_choices(flag, value, choices, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "dcgan", flag, value])
    assert exit_info.value.code == cli.EXIT_USAGE
    assert f"argument {flag}: invalid choice: '{value}' (choose from {choices})" in capsys.readouterr().err


# --- the backend ----------------------------------------------------------------------
def test_backend_flag_overrides_keras_backend(monkeypatch, stopped_at_build, tmp_path, capsys):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    code = cli.main(train_argv(tmp_path / "run", "--backend", "tensorflow"))
    assert_usage_error(code, capsys, "stopped where the model is built", out=tmp_path / "run")
    assert os.environ["KERAS_BACKEND"] == "tensorflow"


@pytest.mark.parametrize(
    "flags, environment, expected",
    [
        (["--backend", "jax"], "tensorflow",
         "--backend jax: Keras is already loaded in this process with the 'tensorflow' backend"),
        ([], "jax", "KERAS_BACKEND jax: Keras is already loaded in this process with the 'tensorflow' backend"),
        ([], "torch", "KERAS_BACKEND=torch: keras_gen trains on the tensorflow or jax backend"),
    ],
)
def test_a_backend_keras_cannot_switch_to_is_a_clear_error(flags, environment, expected, monkeypatch, tmp_path,
                                                            capsys):
    """Keras is loaded here with TensorFlow (tests/conftest.py): it cannot switch in this process."""
    monkeypatch.setenv("KERAS_BACKEND", environment)
    code = cli.main(train_argv(tmp_path / "run", *flags))
    assert_usage_error(code, capsys, expected, out=tmp_path / "run")


def test_backend_is_set_before_keras_is_imported_and_a_missing_jax_is_named(tmp_path):
    """In a fresh process: --backend wins over KERAS_BACKEND before Keras loads; without JAX, the extra is named."""
    (tmp_path / "no_jax").mkdir()
    (tmp_path / "no_jax" / "jax.py").write_text("raise ImportError('No module named jax (simulated)')\n")
    out = str(tmp_path / "run")
    script = textwrap.dedent(f"""
        import json, os, sys
        from keras_gen import cli
        results = {{}}
        # Stops at TF_CONFIG, after the backend is chosen and before TensorFlow or Keras is imported.
        code = cli.main(["train", "dcgan", "--backend", "tensorflow", "--distribute", "multi-worker",
                         "--out", {out!r}])
        results["tensorflow"] = [code, os.environ["KERAS_BACKEND"], "keras" in sys.modules]
        code = cli.main(["train", "dcgan", "--backend", "jax", "--out", {out!r}])
        results["jax"] = [code, "keras" in sys.modules]
        print(json.dumps(results))
    """)
    env = {key: value for key, value in os.environ.items() if key != "TF_CONFIG"}
    env.update(KERAS_BACKEND="jax", PYTHONPATH=os.pathsep.join([str(tmp_path / "no_jax"), REPO_ROOT]))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    results = json.loads(result.stdout.strip().splitlines()[-1])
    assert results["tensorflow"] == [cli.EXIT_USAGE, "tensorflow", False]
    assert "TF_CONFIG is not set" in result.stderr
    assert results["jax"] == [cli.EXIT_USAGE, False]
    assert "--backend jax: JAX is not installed (No module named jax (simulated))" in result.stderr
    assert 'pip install "keras_gen[jax]"' in result.stderr
    assert not os.path.exists(out)


# --- the precision --------------------------------------------------------------------
@pytest.mark.parametrize("precision, policy", [("fp32", "float32"), ("bf16", "mixed_bfloat16"),
                                               ("fp16", "mixed_float16")])
def test_precision_sets_the_policy_the_model_is_built_under(precision, policy, stopped_at_build, tmp_path, capsys):
    code = cli.main(train_argv(tmp_path / "run", "--precision", precision))
    err = assert_usage_error(code, capsys, "stopped where the model is built", out=tmp_path / "run").err
    assert stopped_at_build["policy"] == policy
    cpu_only = not tf.config.list_physical_devices("GPU")
    assert ("warning: --precision fp16 on a machine without a GPU" in err) == (precision == "fp16" and cpu_only)


@pytest.fixture(scope="module")
def fp32_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("fp32")
    assert cli.main(["train", "dcgan", "--out", str(out), *TINY]) == 0
    return out


def test_checkpoints_record_backend_and_precision(fp32_run):
    with open(fp32_run / cli.CHECKPOINT_STATE_FILE) as file:
        state = json.load(file)
    assert (state["backend"], state["precision"]) == ("tensorflow", "fp32")


def test_resume_in_another_precision_converts_the_checkpoint(fp32_run, monkeypatch, capsys):
    """The checkpoint loads as it was saved (float32 layers under a bf16 global policy), then with_precision."""
    converted = []

    def with_precision(model, policy):
        converted.append((policy, keras.config.dtype_policy().name, model.generator.layers[-1].dtype_policy.name))
        raise cli.CommandError("stopped at with_precision")

    monkeypatch.setattr(keras_gen.models, "with_precision", with_precision, raising=False)
    code = cli.main(["train", "dcgan", "--out", str(fp32_run), *TINY, "--resume", "--epochs", "2",
                     "--precision", "bf16"])
    assert_usage_error(code, capsys, "stopped at with_precision")
    assert converted == [("mixed_bfloat16", "mixed_bfloat16", "float32")]


@pytest.mark.bf16  # trains a second time (5 s); the conversion call itself is checked above in the default run
def test_resume_in_bf16_continues_a_fp32_run(fp32_run, tmp_path, capsys):
    out = tmp_path / "run"
    shutil.copytree(fp32_run, out)
    code = cli.main(["train", "dcgan", "--out", str(out), *TINY, "--resume", "--epochs", "2", "--precision", "bf16"])
    assert code == 0, capsys.readouterr().err
    assert "the checkpoint trained in fp32; continuing in bf16" in capsys.readouterr().out
    with open(out / cli.CHECKPOINT_STATE_FILE) as file:
        state = json.load(file)
    assert (state["epochs_done"], state["precision"]) == (2, "bf16")
    keras.config.set_dtype_policy("float32")
    model = keras.saving.load_model(out / cli.MODEL_FILE)
    assert model.generator.layers[1].dtype_policy.name == "mixed_bfloat16"


# --- the devices ----------------------------------------------------------------------
def test_mirrored_builds_the_model_in_the_strategy_scope(stopped_at_build, tmp_path, capsys):
    code = cli.main(train_argv(tmp_path / "run", "--distribute", "mirrored"))
    out = assert_usage_error(code, capsys, "stopped where the model is built", out=tmp_path / "run").out
    replicas = len(tf.config.list_logical_devices("GPU")) or 1
    assert stopped_at_build["in_strategy_scope"] and stopped_at_build["replicas"] == replicas
    assert f"--distribute mirrored: MirroredStrategy with {replicas} replica(s)" in out


class _FakeStrategy:
    """A strategy with `replicas` replicas, for the checks made before anything runs on them."""

    def __init__(self, replicas):
        self.num_replicas_in_sync = replicas
        self.extended = types.SimpleNamespace(worker_devices=[f"/cpu:{i}" for i in range(replicas)])

    def scope(self):
        return contextlib.nullcontext()


def test_a_batch_the_replicas_do_not_divide_is_an_error(monkeypatch, stopped_at_build, tmp_path, capsys):
    monkeypatch.setattr(tf.distribute, "MirroredStrategy", lambda: _FakeStrategy(3))
    code = cli.main(train_argv(tmp_path / "run", "--distribute", "mirrored", "--batch-size", "64"))
    assert_usage_error(code, capsys, "global batch of 64 images", "over 3 replicas", "--batch-size 63",
                       out=tmp_path / "run")
    code = cli.main(train_argv(tmp_path / "run", "--distribute", "mirrored", "--batch-size", "63"))
    assert_usage_error(code, capsys, "stopped where the model is built", out=tmp_path / "run")


GOOD_TF_CONFIG = {"cluster": {"worker": ["localhost:1", "localhost:2"]}, "task": {"type": "worker", "index": 1}}


@pytest.mark.parametrize(
    "tf_config, problem",
    [
        (None, "TF_CONFIG is not set"),
        ('{"cluster": ', "TF_CONFIG is not valid JSON"),
        ('["localhost:1"]', "TF_CONFIG holds list, not a JSON object"),
        ('{"cluster": {"chief": ["localhost:1"]}, "task": {"type": "chief", "index": 0}}',
         "TF_CONFIG has no cluster.worker"),
        ('{"cluster": {"worker": ["localhost:1"]}, "task": {"type": "worker"}}', "TF_CONFIG has no task.index"),
        ('{"cluster": {"worker": ["localhost:1"]}, "task": {"type": "ps", "index": 0}}', "task.type is 'ps'"),
        ('{"cluster": {"worker": ["localhost:1"]}, "task": {"type": "worker", "index": 1}}',
         "task.index 1 is outside cluster.worker"),
    ],
)
def test_multi_worker_needs_a_well_formed_tf_config(tf_config, problem, monkeypatch, tmp_path, capsys):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    code = cli.main(train_argv(tmp_path / "run", "--distribute", "multi-worker"))
    assert_usage_error(code, capsys, problem, runtime.TF_CONFIG_EXAMPLE, out=tmp_path / "run")


def test_a_multi_worker_worker_writes_into_its_own_folder(monkeypatch, stopped_at_build, tmp_path, capsys):
    monkeypatch.setenv("TF_CONFIG", json.dumps(GOOD_TF_CONFIG))
    monkeypatch.setattr(tf.distribute, "MultiWorkerMirroredStrategy", lambda: _FakeStrategy(2))
    code = cli.main(train_argv(tmp_path / "run", "--distribute", "multi-worker"))
    out = assert_usage_error(code, capsys, "stopped where the model is built").out
    assert "MultiWorkerMirroredStrategy with 2 replica(s)" in out and "this is worker-1 of 2 workers" in out
    assert f"worker-1 writes its checkpoints and grids into {tmp_path / 'run' / 'worker-1'}" in out


# --- in fresh processes: JAX, several devices, several processes (deselected by default) ---
def _start_cli(argv, **env):
    """`python -m keras_gen ARGV` in a new process, with `env` over this one's environment (less TF_CONFIG)."""
    environment = {key: value for key, value in os.environ.items() if key != "TF_CONFIG"}
    environment.update(PYTHONPATH=REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="3", **env)
    return subprocess.Popen([sys.executable, "-m", "keras_gen", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=environment)


@pytest.mark.jax
def test_jax_distributions_count_devices_and_check_their_settings(tmp_path):
    """Two host devices (XLA_FLAGS): DataParallel finds 2 replicas and an odd batch stops before any file;
    multi-worker without KERAS_DISTRIBUTION_* names them."""
    out = str(tmp_path / "run")
    script = textwrap.dedent(f"""
        from keras_gen import cli
        flags = ["--data", "digits", "--backend", "jax", "--out", {out!r}]
        print("multi-worker", cli.main(["train", "dcgan", *flags, "--distribute", "multi-worker"]), flush=True)
        print("mirrored", cli.main(["train", "dcgan", *flags, "--distribute", "mirrored", "--batch-size", "63"]))
    """)
    env = {key: value for key, value in os.environ.items() if not key.startswith("KERAS_DISTRIBUTION_")}
    env.update(PYTHONPATH=REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="3", XLA_FLAGS="--xla_force_host_platform_device_count=2")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert f"multi-worker {cli.EXIT_USAGE}" in result.stdout and f"mirrored {cli.EXIT_USAGE}" in result.stdout
    assert "--distribute multi-worker on JAX: keras.distribution.initialize() failed" in result.stderr
    assert runtime.JAX_CLUSTER_EXAMPLE in result.stderr
    assert "keras.distribution.DataParallel with 2 replica(s) (2 local cpu device(s))" in result.stdout
    assert "global batch of 63 images" in result.stderr and "over 2 replicas" in result.stderr
    assert not os.path.exists(out)


@pytest.mark.distributed
def test_mirrored_trains_over_two_logical_cpus(tmp_path):
    script = textwrap.dedent(f"""
        import sys
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from keras_gen import cli
        sys.exit(cli.main({["train", "dcgan", "--out", str(tmp_path / "run"), *TINY, "--distribute", "mirrored"]!r}))
    """)
    env = {**os.environ, "PYTHONPATH": REPO_ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600,
                            check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "MirroredStrategy with 2 replica(s) (2 local device(s): CPU:0, CPU:1)" in result.stdout
    assert (tmp_path / "run" / cli.MODEL_FILE).is_file()


@pytest.mark.distributed
def test_multi_worker_trains_with_two_processes_on_localhost(tmp_path):
    """MultiWorkerMirroredStrategy over two processes on 127.0.0.1: the chief writes --out, worker 1 its folder."""
    processes = []
    for tf_config in local_cluster(2):
        argv = ["train", "dcgan", "--out", str(tmp_path / "run"), *TINY, "--distribute", "multi-worker"]
        processes.append(_start_cli(argv, TF_CONFIG=tf_config))
    results = [process.communicate(timeout=600) for process in processes]
    for process, (out, err) in zip(processes, results):
        assert process.returncode == 0, err[-3000:]
    assert "MultiWorkerMirroredStrategy with 2 replica(s)" in results[0][0]
    assert (tmp_path / "run" / cli.MODEL_FILE).is_file()
    assert (tmp_path / "run" / "worker-1" / cli.MODEL_FILE).is_file()
    # One synchronous training: both workers logged the same (cross-worker averaged) losses.
    histories = [(folder / cli.HISTORY_FILE).read_text() for folder in (tmp_path / "run", tmp_path / "run" / "worker-1")]
    assert histories[0] == histories[1]
