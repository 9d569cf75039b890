"""Training throughput of TensorFlow and JAX, fp32 and bf16, one and two workers, in one run.

The backend must be chosen before Keras is imported, so this script is a
driver: it starts one long-lived child process per configuration (this file
with `--child`), each builds the pinned models and warms up with two fits
(tracing and XLA compilation excluded), then times a fit of N steps per model
whenever the driver asks. N is `--steps`, or by default as many steps as take
`--seconds-per-fit` at the pace of the second warm-up fit (the configurations
differ more than 30-fold in speed), fixed for all rounds. Three rounds; round r
runs the configurations starting at offset r; the median images/s is reported.

Pinned models, `compile()` defaults (the registry's `keras-gen train` settings):
`DCGAN.for_images((28, 28, 1), latent_dim=128, width=32)` at batch 64 and
`VAE.for_images((28, 28, 1), latent_dim=16, width=32)` at batch 128, trained
with `model.fit` on a repeated in-memory Fashion-MNIST pipeline. The two-worker
rows run `tf.distribute.MultiWorkerMirroredStrategy` on 127.0.0.1 with the same
global batch, also through `fit` (`GenerativeModel.fit` lets Keras average the
workers' scalar logs, `keras_gen.training.prepare_fit`; tensorflow/tensorflow#72388).

Also reported: FLOPs per step from the layers' shapes (benchmarks/backend_facts.py)
against XLA's cost analysis of the compiled JAX step, GFLOP/s as a share of a
numpy float32 matrix-product peak measured in the same run, which kernels
oneDNN ran for TensorFlow's bf16 step and which data types XLA's optimized
HLO gives the JAX bf16 step's convolutions and dots, and the provenance.

    python benchmarks/backends.py          # about 13 min of timed fits, plus start-up; run it alone
    python benchmarks/backends.py --smoke  # 3 steps, one round, synthetic data
    python benchmarks/backends.py --models vae --configs tf_fp32,jax_fp32 --steps 50
"""

import argparse
import contextlib
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import backend_facts as facts
import provenance

MARK = "BACKENDS_JSON "
MODELS = {  # name: (class, for_images arguments, batch size)
    "dcgan": ("DCGAN", {"latent_dim": 128, "width": 32}, 64),
    "vae": ("VAE", {"latent_dim": 16, "width": 32}, 128),
}
CONFIGS = {  # name: (label, backend, dtype policy, MWMS workers or 0 for plain fit)
    "tf_fp32": ("TensorFlow fp32", "tensorflow", "float32", 0),
    "tf_bf16": ("TensorFlow bf16", "tensorflow", "mixed_bfloat16", 0),
    "jax_fp32": ("JAX fp32", "jax", "float32", 0),
    "jax_bf16": ("JAX bf16", "jax", "mixed_bfloat16", 0),
    "tf_fp32_1worker": ("TF fp32, MWMS, 1 worker", "tensorflow", "float32", 1),
    "tf_fp32_2workers": ("TF fp32, MWMS, 2 workers", "tensorflow", "float32", 2),
}
RATIOS = (("JAX / TF, fp32", "jax_fp32", "tf_fp32"), ("TF bf16 / fp32", "tf_bf16", "tf_fp32"),
          ("JAX bf16 / fp32", "jax_bf16", "jax_fp32"), ("2 workers / 1 worker", "tf_fp32_2workers", "tf_fp32_1worker"),
          ("MWMS 1 worker / no strategy", "tf_fp32_1worker", "tf_fp32"))


# === child side: one configuration ==========================================================
def send(message):
    print(MARK + json.dumps(message), flush=True)


def build(name):
    import keras_gen

    class_name, arguments, batch_size = MODELS[name]
    family = keras_gen.families.get(name)
    if (family.builder_defaults, family.batch_size) != (arguments, batch_size):  # the registry moved on
        raise ValueError(f"Pinned {name} {arguments}, batch {batch_size}; the registry: {family.builder_defaults}, "
                         f"batch {family.batch_size}. Update MODELS.")
    model = getattr(keras_gen.models, class_name).for_images((28, 28, 1), **arguments)
    model.compile()
    return model, batch_size


def training_data(model, batch_size, synthetic, limit=10000):
    """A repeated, cached tf.data pipeline of `batch_size` images in the model's `data_scale`."""
    import numpy as np
    import tensorflow as tf

    import keras_gen

    if synthetic:
        low, high = model.data_scale
        images = np.random.default_rng(0).uniform(low, high, (limit, 28, 28, 1)).astype("float32")
    else:
        images, _ = keras_gen.data.load_numpy("fashion_mnist", scale=model.data_scale, limit=limit)
    return tf.data.Dataset.from_tensor_slices(images).batch(batch_size, drop_remainder=True).cache().repeat()


def xla_facts(model, data, hlo_dir, tag):
    """XLA's FLOPs of the compiled JAX train step, and its kernels' data types before and after XLA's passes."""
    import jax

    # The step `fit` compiles (keras_gen.training.jax.PlayersTrainer), jitted here so it can be inspected.
    step = jax.jit(lambda state, batch: model._stateless_step(model.train_step, model._state_groups(), state, batch))
    batch = next(iter(data.take(1))).numpy()
    lowered = step.lower(model._get_jax_state(True, True, True, True), batch)
    compiled = lowered.compile()
    cost = compiled.cost_analysis()
    cost = cost[0] if isinstance(cost, list) else cost
    optimized = compiled.as_text()
    if hlo_dir:
        with open(os.path.join(hlo_dir, f"{tag}.hlo.txt"), "w") as file:
            file.write(optimized)
    return {"xla_step_flops": float(cost.get("flops", float("nan"))),
            **facts.kernel_types(lowered.as_text(), optimized)}


def fit_seconds(model, data, steps):
    start = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    return time.perf_counter() - start


def mwms_runner(strategy, model, data):
    """`run(steps) -> seconds`: `fit` under the strategy, each worker reading its own share of every batch."""
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    data = data.with_options(options)

    def run(steps):
        return fit_seconds(model, data, steps)

    # Each worker's share of the global batch (one batch read here, before any timing).
    batch = next(iter(strategy.experimental_distribute_dataset(data)))
    run.per_replica_batch = int(strategy.experimental_local_results(batch)[0].shape[0])
    return run


def child_setup(args, config):
    """Builds and warms up every model; returns `({model: run(steps) -> seconds}, ready message)`."""
    _, backend, policy, workers = CONFIGS[config]
    strategy = None
    if workers:
        import tensorflow as tf

        strategy = tf.distribute.MultiWorkerMirroredStrategy()  # first: it starts this worker's server
    import keras

    keras.mixed_precision.set_dtype_policy(policy)
    keras.utils.set_random_seed(0)
    runners, ready = {}, {"config": config, "backend": keras.backend.backend(), "policy": policy, "models": {}}
    for name in args.models.split(","):
        start = time.perf_counter()
        with strategy.scope() if strategy else contextlib.nullcontext():
            model, batch_size = build(name)
        data = training_data(model, batch_size, args.synthetic)
        run = mwms_runner(strategy, model, data) if strategy else (lambda s, m=model, d=data: fit_seconds(m, d, s))
        run(args.warmup_steps)  # tracing and compilation
        # A second warm-up, so the timed fits start warm; its pace sets how many steps the driver times.
        seconds_per_step = run(args.warmup_steps) / args.warmup_steps
        info = {"batch_size": batch_size, "jit_compile": model.jit_compile, "warmup_seconds": time.perf_counter() - start,
                "warm_seconds_per_step": seconds_per_step,
                "optimizers": facts.optimizers(model), **facts.step_flops(model, batch_size)}
        if strategy is not None:
            info.update(replicas=strategy.num_replicas_in_sync, per_replica_batch=run.per_replica_batch)
        if backend == "jax":
            info.update(xla_facts(model, data, args.hlo_dir, f"{config}_{name}"))
        runners[name], ready["models"][name] = run, info
    return runners, ready


def child_main(args):
    try:
        runners, ready = child_setup(args, args.child)
    except Exception as error:  # the driver reports it and carries on without this configuration
        send({"error": f"{type(error).__name__}: {error}"[:2000]})
        raise
    send({"ready": ready})
    for line in sys.stdin:
        if line.strip() == "exit":
            break
        request = json.loads(line)
        send({"round": request["round"], "seconds": {name: runners[name](steps) for name, steps in request["steps"].items()}})


def probe_main():
    """One bf16 VAE step on TensorFlow, run with ONEDNN_VERBOSE=1 by the driver, which reads the kernels."""
    import keras
    import tensorflow as tf

    keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
    model, batch_size = build("vae")
    try:
        from tensorflow.python.util import _pywrap_util_port

        onednn_enabled = bool(_pywrap_util_port.IsMklEnabled())
    except (ImportError, AttributeError):
        onednn_enabled = None
    model.fit(training_data(model, batch_size, synthetic=True, limit=batch_size), steps_per_epoch=1, verbose=0)
    send({"tensorflow": tf.__version__, "onednn_enabled": onednn_enabled, "jit_compile": model.jit_compile})


# === driver side ================================================================================
class Child:
    """A child process; a thread reads its marked JSON lines into a queue."""

    def __init__(self, command, env, log_path):
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115 (open while the child runs; closed in close())
        self.process = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.log, text=True, bufsize=1)
        self.messages = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            if line.startswith(MARK):
                self.messages.put(json.loads(line[len(MARK):]))
        self.messages.put({"error": f"exited with code {self.process.wait()}; see {self.log_path}"})

    def receive(self, timeout):
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            message = {"error": f"no answer in {timeout:.0f} s; see {self.log_path}"}
        if "error" in message:
            raise RuntimeError(message["error"])
        return message

    def send(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def close(self):
        if self.process.poll() is None:
            try:
                self.send("exit")
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()  # our own child, by its process object
                self.process.wait()
        self.log.close()


def child_env(backend, **extra):
    path = provenance.ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": path, "KERAS_BACKEND": backend,
            "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"), **extra}


def start_config(config, args, log_dir):
    """Starts a configuration's process (two for two workers); waits until they are warm."""
    _, backend, _, workers = CONFIGS[config]
    command = [sys.executable, os.path.abspath(__file__), "--child", config, "--models", args.models,
               "--warmup-steps", str(args.warmup_steps)]
    command += ["--synthetic"] if args.synthetic else []
    command += ["--hlo-dir", args.hlo_dir] if args.hlo_dir else []
    from keras_gen.training.distribution import (
        local_cluster,  # here: the driver imports Keras only for this
    )

    configs = local_cluster(workers) if workers else []
    children = []
    for index in range(max(workers, 1)):
        extra = {}
        if workers:
            extra["TF_CONFIG"] = configs[index]
        children.append(Child(command, child_env(backend, **extra), os.path.join(log_dir, f"{config}_{index}.log")))
    try:
        ready = [child.receive(args.timeout)["ready"] for child in children]
    except RuntimeError:
        for child in children:
            child.close()
        raise
    for name, row in ready[0]["models"].items():
        # Workers of one cluster run in step with each other: the slowest sets the pace.
        pace = max(worker["models"][name]["warm_seconds_per_step"] for worker in ready)
        row["steps"] = args.steps or min(max(args.min_steps, round(args.seconds_per_fit / pace)), 5000)
    return children, ready[0]


def run_probe(log_dir, timeout):
    """TensorFlow's bf16 kernels: a VAE step with ONEDNN_VERBOSE=1, summarized."""
    env = child_env("tensorflow", ONEDNN_VERBOSE="1", TF_CPP_MIN_LOG_LEVEL="0")
    try:
        out = subprocess.run([sys.executable, os.path.abspath(__file__), "--probe"], env=env, capture_output=True,
                             text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"no answer in {timeout:.0f} s"}
    with open(os.path.join(log_dir, "onednn_probe.log"), "w") as log:
        log.write(out.stdout + out.stderr)
    marked = [line for line in out.stdout.splitlines() if line.startswith(MARK)]
    if out.returncode or not marked:
        return {"error": f"probe exited with {out.returncode}: {out.stderr[-1500:]}"}
    return {**json.loads(marked[-1][len(MARK):]), **facts.onednn_kernels(out.stdout),
            "tf_log_says_onednn_on": "oneDNN custom operations are on" in out.stderr,
            "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset (TensorFlow's default: on for x86)")}


def run_rounds(running, args, results):
    """Times every running configuration `args.rounds` times, the order rotating; fills `results`."""
    names = list(running)
    for round_index in range(args.rounds if names else 0):
        offset = round_index % len(names)
        for config in names[offset:] + names[:offset]:
            if config not in running:
                continue
            children, rows = running[config], results[config]["models"]
            try:
                for child in children:
                    child.send(json.dumps({"round": round_index, "steps": {n: row["steps"] for n, row in rows.items()}}))
                answers = [child.receive(args.timeout) for child in children]
            except RuntimeError as error:
                results[config]["error"] = str(error)
                print(f"  {config}: failed, dropped: {error}", flush=True)
                for child in running.pop(config):
                    child.close()
                continue
            for name in answers[0]["seconds"]:
                # Workers of one cluster wait for each other; the slowest one's time is the step time.
                seconds = max(answer["seconds"][name] for answer in answers)
                rows[name].setdefault("rounds", []).append(rows[name]["batch_size"] * rows[name]["steps"] / seconds)
            print(f"  round {round_index + 1}, {config}: " + ", ".join(
                f"{name} {rows[name]['rounds'][-1]:.0f} images/s" for name in answers[0]["seconds"]), flush=True)


def measure(args, log_dir):
    """Starts every configuration, times the rounds, stops them; returns the results by configuration."""
    results, running = {}, {}
    try:
        for config in args.configs.split(","):
            print(f"starting {config} ...", flush=True)
            start = time.perf_counter()
            try:
                running[config], ready = start_config(config, args, log_dir)
                results[config] = ready
            except RuntimeError as error:
                results[config] = {"error": str(error), "models": {}}
                print(f"  {config}: failed to start: {error}", flush=True)
            results[config]["setup_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        run_rounds(running, args, results)
        print(f"timed rounds: {time.perf_counter() - start:.0f} s", flush=True)
    finally:
        for children in running.values():
            for child in children:
                child.close()
    return results


def summarize(results, peak_gflops):
    """Adds median images/s, GFLOP/s and share of the peak to each configuration's models."""
    for config in results.values():
        for row in config.get("models", {}).values():
            if not row.get("rounds"):
                continue
            row["images_per_second"] = statistics.median(row["rounds"])
            row["gflops_per_second"] = row["images_per_second"] * row["step_flops"] / row["batch_size"] / 1e9
            row["percent_of_peak"] = 100 * row["gflops_per_second"] / peak_gflops


def ratios(results):
    rows = {}
    for label, top, bottom in RATIOS:
        for model in MODELS:
            a = results.get(top, {}).get("models", {}).get(model, {}).get("images_per_second")
            b = results.get(bottom, {}).get("models", {}).get(model, {}).get("images_per_second")
            if a and b:
                rows[f"{label}, {model}"] = a / b
    return rows


def print_report(report, run):
    results = report["results"]
    print(f"\n{run['started']}, {run['processor']['model_name']}, {run['cores']} cores; "
          f"load (5 min) {run['load_average_start']['5min']:.2f} before, {os.getloadavg()[1]:.2f} after; "
          f"peak {report['peak']['gflops']:.1f} GFLOP/s (numpy fp32 {report['peak']['size']}^2 matmul, best of "
          f"{report['peak_before']['gflops']:.1f} before and {report['peak_after']['gflops']:.1f} after)\n")
    print("| configuration | model | images/s (median) | rounds | steps | GFLOP/s | % of peak |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for config, result in results.items():
        if "error" in result and not any(r.get("rounds") for r in result["models"].values()):
            print(f"| {CONFIGS[config][0]} | all | failed | {result['error'][:80]} | | | |")
            continue
        for model, row in result["models"].items():
            if row.get("rounds"):
                print(f"| {CONFIGS[config][0]} | {model} | {row['images_per_second']:.0f} | "
                      f"{', '.join(f'{v:.0f}' for v in row['rounds'])} | {row['steps']} | {row['gflops_per_second']:.2f} | "
                      f"{row['percent_of_peak']:.1f} |")
    print("\n" + "\n".join(f"{label}: {value:.2f}" for label, value in report["ratios"].items()))
    print_flops(results)
    print_bf16_paths(report, run)


def print_flops(results):
    print("\nFLOPs per training step (formula from layer shapes vs XLA cost analysis of the compiled JAX step):")
    for model in MODELS:
        rows = [(config, r["models"][model]) for config, r in results.items() if "step_flops" in r["models"].get(model, {})]
        if rows:
            row = rows[0][1]
            forward = ", ".join(f"{n} {v / 1e6:.2f} M" for n, v in row["forward_flops_per_image"].items())
            print(f"  {model} (batch {row['batch_size']}): forward per image {forward}; step {row['step_flops'] / 1e9:.3f} GFLOP")
        for config, row in rows:
            if "xla_step_flops" in row:
                print(f"    {CONFIGS[config][0]}: XLA {row['xla_step_flops'] / 1e9:.3f} GFLOP "
                      f"({row['xla_step_flops'] / row['step_flops']:.2f} x formula)")


def print_bf16_paths(report, run):
    probe = report.get("tensorflow_bf16_kernels")
    if probe:
        if "error" in probe:
            print(f"\nTensorFlow bf16 probe failed: {probe['error'][:300]}")
        else:
            print(f"\nTensorFlow {probe['tensorflow']} bf16 step: oneDNN enabled {probe['onednn_enabled']} "
                  f"(TF_ENABLE_ONEDNN_OPTS {probe['TF_ENABLE_ONEDNN_OPTS']}), jit_compile {probe['jit_compile']}; "
                  f"CPU flags {run['processor']['flags']}; oneDNN ISA: {probe['isa']}; AMX kernels "
                  f"{probe['uses_amx']}, avx512_core_bf16 kernels {probe['uses_avx512_core_bf16']}")
            for primitive, count in sorted(probe["primitives"].items()):
                print(f"    {count:4d} x {primitive}")
    for model, row in report["results"].get("jax_bf16", {}).get("models", {}).items():
        if "kernel_types_optimized" in row:
            print(f"JAX bf16 {model}: convolutions/dots by operand type: as lowered {row['kernel_types_lowered']}, "
                  f"after XLA's CPU passes {row['kernel_types_optimized']}")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, help="timed steps per model, configuration and round (default: "
                        "as many as take --seconds-per-fit at the pace of the second warm-up fit)")
    parser.add_argument("--seconds-per-fit", type=float, default=20.0,
                        help="target length of each timed fit when --steps is not given (about 13 minutes in all "
                        "for 6 configurations x 2 models x 3 rounds)")
    parser.add_argument("--min-steps", type=int, default=3, help="fewest timed steps when --steps is not given")
    parser.add_argument("--warmup-steps", type=int, default=3, help="steps of each of the two warm-up fits")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, of {', '.join(MODELS)}")
    parser.add_argument("--configs", default=",".join(CONFIGS), help=f"comma-separated, of {', '.join(CONFIGS)}")
    parser.add_argument("--synthetic", action="store_true", help="random images instead of Fashion-MNIST")
    parser.add_argument("--smoke", action="store_true", help="3 steps, 1 round, synthetic data: checks the script")
    parser.add_argument("--json", help="where to write the results (default benchmarks/results/backends.json; "
                        "with --smoke, a file in the temporary directory)")
    parser.add_argument("--hlo-dir", help="also write the optimized HLO of each JAX step here")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for any one answer of a child")
    parser.add_argument("--child", choices=list(CONFIGS), help=argparse.SUPPRESS)
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.smoke:
        args.steps, args.warmup_steps, args.rounds, args.synthetic = 3, 1, 1, True
    for option, known in (("models", MODELS), ("configs", CONFIGS)):
        unknown = [name for name in getattr(args, option).split(",") if name not in known]
        if unknown:
            parser.error(f"unknown --{option} {unknown}; choose from {', '.join(known)}")
    if args.hlo_dir:
        os.makedirs(args.hlo_dir, exist_ok=True)
    if args.json is None:
        args.json = (os.path.join(tempfile.gettempdir(), "keras_gen_backends_smoke.json") if args.smoke
                     else os.path.join(provenance.ROOT, "benchmarks", "results", "backends.json"))
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    if args.probe:
        return probe_main()
    # The driver measures nothing itself: each configuration's child runs its own backend.
    run = {**provenance.start(), "backend": "one per configuration: results.<configuration>.backend"}
    # Beyond the shared provenance: all the cores the machine has, and the 15-minute load.
    report = {"cpu_count": os.cpu_count(), "load_average_15min_start": os.getloadavg()[2],
              "steps": args.steps or f"auto: about {args.seconds_per_fit:g} s per fit, at least {args.min_steps}",
              "warmup_steps": args.warmup_steps, "rounds": args.rounds,
              "data": "synthetic" if args.synthetic else "fashion_mnist (first 10,000 training images)"}
    print(f"{run['started']}: {run['processor']['model_name']}, load {run['load_average_start']}, "
          f"git {run['commit']}{' (dirty)' if run['dirty'] else ''}", flush=True)
    report["peak"] = report["peak_before"] = facts.matmul_peak()
    log_dir = tempfile.mkdtemp(prefix="keras_gen_backends_")
    print(f"numpy fp32 matmul peak: {report['peak']['gflops']:.1f} GFLOP/s; child logs in {log_dir}", flush=True)
    if "tf_bf16" in args.configs.split(","):
        report["tensorflow_bf16_kernels"] = run_probe(log_dir, args.timeout)
    report["results"] = measure(args, log_dir)
    report["load_average_15min_end"] = os.getloadavg()[2]
    # Best of the peaks before and after: other work on the machine only ever lowers it.
    report["peak_after"] = facts.matmul_peak()
    report["peak"] = max(report["peak"], report["peak_after"], key=lambda peak: peak["gflops"])
    summarize(report["results"], report["peak"]["gflops"])
    report["ratios"] = ratios(report["results"])
    print_report(report, run)
    provenance.write_json(args.json, report, run)
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
