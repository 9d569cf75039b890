"""Every benchmark figure can be traced: the scripts write their JSON with a provenance, and the result files have it.

Fast checks, no training. The scripts are read as source (`ast`), not run;
`benchmarks/provenance.py` and `benchmarks/feature_networks.py` are imported
from their files (benchmarks/ is not a package).
"""

import ast
import dataclasses
import datetime
import glob
import importlib.util
import json
import numbers
import os
import platform
import re
import shlex
import shutil

import keras
import numpy
import pytest
import tensorflow as tf

import keras_gen

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCHMARKS = os.path.join(REPO_ROOT, "benchmarks")
RESULTS = os.path.join(BENCHMARKS, "results")
LEGACY = os.path.join(RESULTS, "LEGACY.md")
SCRIPTS = sorted(glob.glob(os.path.join(BENCHMARKS, "*.py")))


def _load(name):
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", os.path.join(BENCHMARKS, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


provenance = _load("provenance")


def _tree(path):
    with open(path, encoding="utf-8") as f:
        return ast.parse(f.read(), filename=path)


def _dotted(node):
    """`json.dump` for the expression `json.dump`, None for anything but names and attributes."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _calls(node):
    """The dotted names of every call inside `node`."""
    return {_dotted(call.func) for call in ast.walk(node) if isinstance(call, ast.Call)} - {None}


def _flags(tree):
    """The option strings a script's `add_argument` calls define."""
    return {call.args[0].value for call in ast.walk(tree)
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "add_argument"
            and call.args and isinstance(call.args[0], ast.Constant)}


def _main(tree):
    return next((node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "main"), None)


def _name(path):
    return os.path.relpath(path, BENCHMARKS)


@pytest.mark.parametrize("path", [p for p in SCRIPTS if not p.endswith("provenance.py")], ids=_name)
def test_a_script_writes_json_only_through_provenance(path):
    tree = _tree(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "json":
            assert not {alias.name for alias in node.names} & {"dump", "dumps"}, (
                f"{_name(path)} imports json's writers by name; call json.dumps/provenance.write_json instead")
        if isinstance(node, ast.Import):
            assert all(alias.asname is None for alias in node.names if alias.name == "json"), (
                f"{_name(path)} renames the json module")
        if isinstance(node, ast.Call):
            assert _dotted(node.func) != "json.dump", (
                f"{_name(path)} line {node.lineno}: json.dump writes a file without provenance; "
                "use provenance.write_json(path, results, run)")
            # Writing `json.dumps(...)` to a file is json.dump by another name.
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("write", "write_text"):
                assert "json.dumps" not in _calls(node), (
                    f"{_name(path)} line {node.lineno} writes JSON text to a file; use provenance.write_json")
    calls = _calls(tree)
    if "--json" in _flags(tree):
        assert "provenance.write_json" in calls, f"{_name(path)} takes --json but never calls provenance.write_json"
    if "provenance.write_json" in calls:
        main = _main(tree)
        assert main is not None and "provenance.start" in _calls(main), (
            f"{_name(path)} writes a result but its main() does not start the provenance record")


@pytest.mark.parametrize("path", SCRIPTS, ids=_name)
def test_a_script_with_a_time_budget_also_takes_a_number_of_images(path):
    tree = _tree(path)
    flags = _flags(tree)
    if "budget.add_arguments" in _calls(tree):
        return  # benchmarks/budget.py adds both
    if "--budget-minutes" in flags:
        assert "--images" in flags, f"{_name(path)} has --budget-minutes but no --images"


def test_the_dirty_tree_leaves_out_ignored_paths_such_as_the_results_file_being_written(monkeypatch):
    status = " M benchmarks/results/example_times.json\n M keras_gen/cli/sample.py\n"
    monkeypatch.setattr(provenance, "_output", lambda command: status if "status" in command else "abc\n")
    assert provenance.git() == {"commit": "abc", "dirty": True, "dirty_paths": 2}
    assert provenance.git(ignore=["benchmarks/results/example_times.json"])["dirty_paths"] == 1
    assert provenance.git(ignore=["benchmarks/results/example_times.json", "keras_gen/cli/sample.py"])["dirty"] is False


def test_a_run_appending_to_its_results_file_is_not_dirty_for_that_file_alone(monkeypatch):
    status = " M benchmarks/results/likelihood.json\n"
    monkeypatch.setattr(provenance, "_output", lambda command: status if "status" in command else "abc\n")
    assert provenance.start([])["dirty"] is True
    results_file = os.path.join(provenance.ROOT, "benchmarks", "results", "likelihood.json")
    assert provenance.start([], results_file=results_file)["dirty"] is False


def test_start_and_finish_give_every_field_with_plausible_values():
    argv = ["benchmarks/quality.py", "--images", "1000", "--json", "a file.json"]
    run = provenance.finish(provenance.start(argv))
    assert set(provenance.FIELDS) <= set(run)
    assert shlex.split(run["command"])[1:] == argv
    if os.path.isdir(os.path.join(REPO_ROOT, ".git")) and shutil.which("git"):
        assert re.fullmatch(r"[0-9a-f]{40}", run["commit"]), run["commit"]
    assert isinstance(run["dirty"], bool)
    started, finished = (datetime.datetime.fromisoformat(run[key]) for key in ("started", "finished"))
    assert started.tzinfo is not None and started <= finished
    assert run["python"] == platform.python_version()
    assert (run["tensorflow"], run["keras"], run["numpy"]) == (tf.__version__, keras.__version__, numpy.__version__)
    assert run["backend"] == os.environ.get("KERAS_BACKEND", "tensorflow")
    assert isinstance(run["cores"], int) and run["cores"] >= 1
    for key in ("load_average_start", "load_average_end"):
        assert set(run[key]) == {"1min", "5min"}
        assert all(isinstance(v, numbers.Real) and v >= 0 for v in run[key].values())
    assert set(run["processor"]) == {"model_name", "flags"}
    assert set(run["processor"]["flags"]) == set(provenance.CPU_FLAGS)
    assert all(isinstance(v, bool) for v in run["processor"]["flags"].values())
    if shutil.which("lscpu"):
        assert isinstance(run["processor"]["model_name"], str) and run["processor"]["model_name"]


def test_write_json_puts_the_provenance_first_and_refuses_a_provenance_of_the_results(tmp_path):
    path = tmp_path / "nested" / "result.json"
    provenance.write_json(str(path), {"fid": 1.5}, provenance.start([]))
    with open(path) as f:
        written = json.load(f)
    assert list(written) == ["provenance", "fid"] and provenance.missing_fields(written) == []
    refused = tmp_path / "refused.json"
    with pytest.raises(ValueError, match="provenance"):
        provenance.write_json(str(refused), {"provenance": {"commit": "made up"}}, provenance.start([]))
    assert not refused.exists()


def _result_files():
    return sorted(os.path.relpath(path, RESULTS)
                  for path in glob.glob(os.path.join(RESULTS, "**", "*.json"), recursive=True))


def _legacy_files():
    """The files LEGACY.md's table lists: the first cell of each row, a path under benchmarks/results/."""
    with open(LEGACY, encoding="utf-8") as f:
        return [match.group(1) for match in re.finditer(r"^\| `([^`]+)` \|", f.read(), re.MULTILINE)]


def _missing(name):
    with open(os.path.join(RESULTS, name), encoding="utf-8") as f:
        return provenance.missing_fields(json.load(f))


def test_every_result_file_has_provenance_or_is_listed_as_legacy():
    legacy = set(_legacy_files())
    missing = {name: _missing(name) for name in _result_files() if name not in legacy}
    unexplained = {name: fields for name, fields in missing.items() if fields}
    assert not unexplained, (
        f"result files without (all of) the provenance fields, and not in benchmarks/results/LEGACY.md: {unexplained}. "
        "Write results with provenance.write_json, or list an old file in LEGACY.md with why its provenance "
        "is unknown.")


def test_legacy_lists_only_existing_files_without_provenance():
    listed = _legacy_files()
    assert listed, "LEGACY.md lists no files: has its table changed form?"
    assert len(listed) == len(set(listed)), "LEGACY.md lists a file twice"
    missing = [name for name in listed if not os.path.isfile(os.path.join(RESULTS, name))]
    assert not missing, f"LEGACY.md lists files that do not exist: {missing}"
    complete = [name for name in listed if not _missing(name)]
    assert not complete, f"LEGACY.md lists files that have their provenance: {complete}"


def test_the_independent_feature_network_differs_from_the_default_in_recipe_and_seed():
    feature_networks = _load("feature_networks")
    default, independent = keras_gen.evaluation.ClassifierRecipe(), feature_networks.independent_recipe()
    assert independent.seed != default.seed
    assert dataclasses.replace(independent, seed=default.seed) != default
    # Not the class-accuracy judge (`ClassifierRecipe.accurate()`, seed 0) either: a third network.
    assert independent != keras_gen.evaluation.ClassifierRecipe.accurate()
    assert independent.cache_stem("fashion_mnist") != default.cache_stem("fashion_mnist")


def test_the_video_voxels_benchmark_runs_in_smoke_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GEN_FEATURE_CACHE", str(tmp_path / "cache"))
    from keras_gen.data import registry

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))  # the smoke data sets stay in this test
    video_voxels = _load("video_voxels")
    path = tmp_path / "result.json"
    video_voxels.main(["--smoke", "--rows", "cross_conv_deterministic,voxel_gan_paper_rates,voxel_marginals,test_shapes",
                       "--json", str(path), "--figures", str(tmp_path / "figures")])
    with open(path) as f:
        written = json.load(f)
    assert provenance.missing_fields(written) == [] and written["smoke"] is True
    rows = written["rows"]
    assert set(rows) == {"real_clips", "cross_conv_deterministic", "voxel_gan_paper_rates", "voxel_marginals",
                         "test_shapes"}
    assert rows["voxel_gan_paper_rates"]["learning_rates"] == pytest.approx({"generator": 2.5e-3, "discriminator": 1e-5})
    assert (tmp_path / "figures" / "voxel_gan_paper_rates_samples.png").exists()
    assert rows["real_clips"]["still_share"] == 0.0  # the stand-in sprites move 1-3 px/frame
    assert rows["cross_conv_deterministic"]["real_moving_share"] > 0.5
    assert rows["test_shapes"]["connected_share"] == 1.0 and rows["test_shapes"]["near_copy_share"] < 1.0
    assert rows["voxel_marginals"]["connected_share"] < 1.0


def test_every_examples_docstring_states_its_measured_full_run_time_or_that_it_is_not_measured(monkeypatch):
    monkeypatch.syspath_prepend(BENCHMARKS)  # example_times imports provenance
    example_times = _load("example_times")
    with open(example_times.RESULTS) as f:
        rows = json.load(f)["examples"]
    for name in example_times.available():
        with open(os.path.join(REPO_ROOT, "examples", name + ".py")) as f:
            text = f.read()
        paragraph = text[text.index(example_times.FULL_RUN):]
        paragraph = " ".join(paragraph[:paragraph.index("\n\n")].split())
        row = rows.get(name)
        if row is not None and row["returncode"] == 0:
            assert paragraph == example_times.full_run_line(row), (
                f"examples/{name}.py's docstring disagrees with {example_times.RESULTS}: run "
                "`python benchmarks/example_times.py --write-docstrings`")
            assert row["cores"] == 2 and row["date"] in paragraph
        else:
            assert "not measured yet" in paragraph, name


def test_the_conditioning_measures_against_values_worked_by_hand():
    conditioning = _load("conditioning")
    # Class 0 in the same order (rho 1); class 1 with ranks (2, 1, 3) against (3, 1, 2) (rho 1/2).
    mean, per_class = conditioning.within_class_spearman([0.1, 0.2, 0.3, 0.5, 0.4, 0.6], [1, 2, 3, 3, 1, 2],
                                                         [0, 0, 0, 1, 1, 1])
    assert per_class == pytest.approx({0: 1.0, 1: 0.5}) and mean == pytest.approx(0.75)
    assert conditioning.within_class_spearman([0.1, 0.1, 0.1], [1, 2, 3], [0, 0, 0])[1] == {}  # a constant side
    # Region 0 matches; regions 1 and 2 overlap on one cell of two.
    layouts, references = numpy.array([[[0, 1], [2, 2]]]), numpy.array([[[0, 1], [1, 2]]])
    assert conditioning.layout_iou(layouts, references) == pytest.approx(2 / 3)
    assert conditioning.layout_iou(references, references) == 1.0
    masks = numpy.zeros((2, 4, 4), bool)
    truth = masks.copy()
    masks[0, :2], truth[0, :1] = True, True  # 4 of 8 pixels; the second pair both empty
    assert conditioning.mask_iou(masks, truth) == pytest.approx((0.5 + 1.0) / 2)
    image = numpy.full((1, 4, 4, 1), 0.2, "float32")
    image[0, 1:3, 1:3] = 0.9
    assert conditioning.mask_iou(conditioning.otsu_masks(image), image[..., 0] > 0.5) == 1.0


def test_the_conditioning_benchmark_runs_in_smoke_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GEN_FEATURE_CACHE", str(tmp_path / "cache"))
    from keras_gen.data import registry

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))  # the smoke data sets stay in this test
    conditioning = _load("conditioning")
    path = tmp_path / "result.json"
    conditioning.main(["--smoke", "--rows", "gan_cls,al_cgan,ppgn", "--json", str(path)])
    with open(path) as f:
        written = json.load(f)
    assert provenance.missing_fields(written) == [] and written["smoke"] is True
    rows = written["rows"]
    assert set(rows) == {"gan_cls", "al_cgan", "dcgan", "ppgn"}  # the DCGAN that PPGN walks is a row too
    assert not [name for name, row in rows.items() if "error" in row]
    for name in ("gan_cls", "al_cgan"):
        assert rows[name]["training"]["images_seen"] == 128
        for split in ("test", "heldout"):
            measured = rows[name][split]
            assert measured["samples"] == 32 and 0 <= measured["class_agreement"] <= 1
            assert 0 <= measured["word_agreement"] <= 1 and 0 <= measured["layout_iou"] <= 1
    assert rows["al_cgan"]["edit"]["images"] == 16 and 0 <= rows["al_cgan"]["edit"]["brightness_raised_share"] <= 1
    assert rows["ppgn"]["chains"] == 10 and rows["ppgn"]["kid_over_unguided"] == pytest.approx(
        rows["ppgn"]["kid"] / rows["dcgan"]["unguided"]["kid"])
    assert all(set(goal) == {"met", "value", "goal"} for goal in written["goals"].values())
