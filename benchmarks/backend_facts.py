"""What benchmarks/backends.py records besides time: FLOPs, kernel data types, peak.

Pure helpers, no Keras import at module level (the driver must not pick a
backend): FLOPs of a network counted from its layers' shapes, the FLOPs of
one training step of a DCGAN or a VAE, the optimizers `compile()` made, the
data types of the convolutions and matrix products in XLA's HLO, the kernels
oneDNN reports with ONEDNN_VERBOSE, and a numpy matrix-product peak. The
machine and code a run measured are benchmarks/provenance.py's.
"""

import collections
import re
import time


# --- FLOPs --------------------------------------------------------------------------------
def _layers(network):
    """Every layer of `network`, nested models' layers included, depth first."""
    for layer in network.layers:
        yield from _layers(layer) if hasattr(layer, "layers") else (layer,)


def _product(values):
    result = 1
    for value in values:
        result *= int(value)
    return result


def layer_macs(layer):
    """Multiply-accumulates per example of a Conv2D, Conv2DTranspose or Dense layer; None for others."""
    import keras

    if not isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose, keras.layers.Dense)):
        return None
    # Shapes of the layer's first call in the functional graph, batch axis dropped.
    inputs, outputs = tuple(layer.input.shape[1:]), tuple(layer.output.shape[1:])
    if isinstance(layer, keras.layers.Conv2DTranspose):
        # Every input pixel is scattered through the whole kernel to every output channel.
        return _product(inputs) * _product(layer.kernel_size) * layer.filters
    if isinstance(layer, keras.layers.Conv2D):
        groups = getattr(layer, "groups", 1)
        return _product(outputs) * _product(layer.kernel_size) * inputs[-1] // groups
    return _product(inputs) * layer.units  # Dense


def forward_flops(network):
    """`(FLOPs per example of a forward pass, per-layer rows)`: 2 x MACs of its Conv2D/Conv2DTranspose/Dense layers."""
    rows = []
    for layer in _layers(network):
        macs = layer_macs(layer)
        if macs is not None:
            rows.append({"layer": layer.name, "kind": type(layer).__name__, "macs": macs})
    return 2 * sum(row["macs"] for row in rows), rows


def step_flops(model, batch_size):
    """FLOPs of one training step at `batch_size`, by the formula of docs/benchmarks.md.

    A differentiated pass costs 3 forward passes. DCGAN: the discriminator update
    runs D on B real and B generated images (G forward only), the generator update
    differentiates G and D on B images: 3*2B*F_D + B*F_G + 3B*(F_G + F_D).
    VAE: 3B*(F_enc + F_dec).
    """
    if hasattr(model, "generator") and hasattr(model, "discriminator"):
        nets = {"generator": model.generator, "discriminator": model.discriminator}
    elif hasattr(model, "encoder") and hasattr(model, "decoder"):
        nets = {"encoder": model.encoder, "decoder": model.decoder}
    else:
        raise ValueError(f"No FLOPs formula for {type(model).__name__}: expected a GAN or a VAE.")
    counted = {name: forward_flops(net) for name, net in nets.items()}
    per_image = {name: flops for name, (flops, _) in counted.items()}
    b = batch_size
    if "generator" in nets:
        f_g, f_d = per_image["generator"], per_image["discriminator"]
        total = 3 * 2 * b * f_d + b * f_g + 3 * b * (f_g + f_d)
    else:
        total = 3 * b * (per_image["encoder"] + per_image["decoder"])
    return {"forward_flops_per_image": per_image, "step_flops": total, "batch_size": b,
            "layers": {name: rows for name, (_, rows) in counted.items()}}


def optimizers(model):
    """`{name: "Adam(learning_rate=..., beta_1=...)"}` of the model's players, as `compile()` made them."""
    described = {}
    for name in getattr(model, "optimizer_names", ("optimizer",)):
        config = getattr(model, name).get_config()
        settings = {key: config[key] for key in ("learning_rate", "beta_1", "beta_2") if key in config}
        described[name] = f"{type(getattr(model, name)).__name__}({settings})"
    return described


# --- kernel data types ----------------------------------------------------------------------
_HLO_DEFINITION = re.compile(r"^\s*(?:ROOT\s+)?%([\w.\-]+)\s*=\s*(\w+)\[")
_HLO_KERNEL = re.compile(r"^\s*(?:ROOT\s+)?%[\w.\-]+\s*=\s*(\w+)\[[^=]*?\s(convolution|dot)\(([^)]*)\)")
_MLIR_KERNEL = re.compile(r"stablehlo\.(convolution|dot_general)\b.*\s:\s*\(([^()]*)\)\s*->\s*(tensor<[^>]*>)")
_MLIR_ELEMENT_TYPE = re.compile(r"tensor<(?:[^>]*x)?(\w+)>")


def optimized_hlo_kernel_types(text):
    """`{"convolution f32(f32,f32)": count, ...}` over the convolutions and dots of an optimized HLO module.

    Operands are printed by name only; their types come from their definitions
    (instruction names are unique in a module).
    """
    types = {}
    for line in text.splitlines():
        match = _HLO_DEFINITION.match(line)
        if match:
            types[match.group(1)] = match.group(2)
    counts = collections.Counter()
    for line in text.splitlines():
        match = _HLO_KERNEL.match(line)
        if match:
            operands = [types.get(part.strip().split()[-1].lstrip("%"), "?") for part in match.group(3).split(",")]
            counts[f"{match.group(2)} {match.group(1)}({','.join(operands)})"] += 1
    return dict(counts)


def stablehlo_kernel_types(text):
    """The same count over the StableHLO the step lowers to, before XLA's CPU passes."""
    counts = collections.Counter()
    for line in text.splitlines():
        match = _MLIR_KERNEL.search(line)
        if match:
            operands = _MLIR_ELEMENT_TYPE.findall(match.group(2))
            result = _MLIR_ELEMENT_TYPE.findall(match.group(3))[0]
            counts[f"{match.group(1)} {result}({','.join(operands)})"] += 1
    return dict(counts)


def kernel_dtype_totals(counts):
    """`{"bf16": n, "f32": m, "bf16+f32": k}`: how many kernels take operands of each type (of both: "+")."""
    totals = collections.Counter()
    for key, count in counts.items():
        operands = sorted(set(key[key.index("(") + 1 : -1].split(",")))
        totals["+".join(operands)] += count
    return dict(totals)


def kernel_types(lowered, optimized):
    """The convolutions and dots of a JAX step by data types: as lowered (StableHLO) and in XLA's optimized HLO."""
    before, after = stablehlo_kernel_types(lowered), optimized_hlo_kernel_types(optimized)
    return {"kernels_lowered": before, "kernels_optimized": after,
            "kernel_types_lowered": kernel_dtype_totals(before), "kernel_types_optimized": kernel_dtype_totals(after)}


def onednn_kernels(verbose_output):
    """Summary of ONEDNN_VERBOSE=1 output: the ISA line and `{"kind impl src-type": count}` of executed primitives."""
    isa, counts = None, collections.Counter()
    for line in verbose_output.splitlines():
        if not line.startswith(("onednn_verbose", "dnnl_verbose")):
            continue
        fields = line.split(",")
        if "isa:" in line and isa is None:
            isa = line.split("isa:", 1)[1].strip()
        if "exec" not in fields:
            continue
        kinds = ("convolution", "deconvolution", "matmul", "inner_product")
        for index, field in enumerate(fields[:-1]):
            if field in kinds:
                source = re.search(r"src_?:?(\w+?)[:\s]", line)
                counts[f"{field} {fields[index + 1]} src={source.group(1) if source else '?'}"] += 1
                break
    joined = " ".join(counts)
    return {"isa": isa, "primitives": dict(counts), "uses_amx": "amx" in joined,
            "uses_avx512_core_bf16": "avx512_core_bf16" in joined}


# --- peak ---------------------------------------------------------------------------
def matmul_peak(size=4096, repeats=5):
    """Best GFLOP/s of a numpy float32 `size` x `size` matrix product over `repeats` runs."""
    import numpy as np

    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((size, size), dtype=np.float32) for _ in range(2))
    a @ b  # the BLAS threads start
    best = min(_seconds(lambda: a @ b) for _ in range(repeats))
    return {"size": size, "repeats": repeats, "best_seconds": best, "gflops": 2 * size**3 / best / 1e9}


def _seconds(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start
