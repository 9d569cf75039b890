"""`keras_gen.recipes`: a family's model and data as `keras-gen train` builds them, on the offline digits."""

import numpy as np
import pytest

from keras_gen import families, recipes
from keras_gen.models import SRGAN, ConditionalVAE, ContextEncoder, CycleGAN, Pix2Pix, SRResNet

DATA = "digits"  # 8x8 images, 10 classes
SHAPE = (8, 8, 1)


@pytest.fixture(scope="module")
def models():
    """One tiny model of each batch kind: images, images_labels, pairs (three tasks), unpaired."""
    return {
        "vae": recipes.build_model("vae", SHAPE, seed=0, latent_dim=4, width=4),
        "cvae": recipes.build_model("cvae", SHAPE, seed=0, data=DATA, latent_dim=4, width=4),
        "pix2pix": recipes.build_model("pix2pix", SHAPE, seed=0, width=4),
        "srresnet": recipes.build_model("srresnet", SHAPE, seed=0, factor=2, width=4, num_blocks=1),
        "context_encoder": recipes.build_model("context_encoder", SHAPE, seed=0, width=4, code_dim=8, hole=(4, 4)),
        "cyclegan": recipes.build_model("cyclegan", SHAPE, seed=0, width=4, num_blocks=1),
    }


# --- building -------------------------------------------------------------------------
def test_build_model_uses_the_registry_defaults_and_the_overrides(models):
    vae = models["vae"]
    assert vae.latent_dim == 4 and vae.optimizer.iterations is not None  # compiled
    default = recipes.build_model("vae", SHAPE, seed=0)
    assert default.latent_dim == families.get("vae").builder_defaults["latent_dim"]
    assert isinstance(models["srresnet"], SRResNet) and models["srresnet"].input_image_shape == (4, 4, 1)


def test_a_family_that_trains_on_labels_gets_the_data_sets_classes(models):
    assert isinstance(models["cvae"], ConditionalVAE) and models["cvae"].num_classes == 10
    given = recipes.build_model("cvae", SHAPE, seed=0, num_classes=3, latent_dim=4, width=4)
    assert given.num_classes == 3
    with pytest.raises(ValueError, match="is class-conditional, but the data set has no class labels"):
        recipes.build_model("cvae", SHAPE, seed=0)
    # An images family takes no classes from the data set (PixelCNN stays unconditional).
    pixelcnn = recipes.build_model("pixelcnn", SHAPE, seed=0, data=DATA, filters=4, num_layers=2)
    assert pixelcnn.num_classes is None


def test_build_model_sets_the_optimizers_and_names_unknown_arguments():
    model = recipes.build_model("dcgan", SHAPE, seed=0, latent_dim=4, width=4, lr=1e-4, beta_1=0.3)
    for optimizer in model.players().values():
        inner = getattr(optimizer, "inner_optimizer", optimizer)
        assert np.isclose(float(inner.learning_rate), 1e-4) and np.isclose(float(inner.beta_1), 0.3)
    with pytest.raises(ValueError, match=r"help\(VAE.for_images\)"):
        recipes.build_model("vae", SHAPE, no_such_argument=1)


def test_build_from_settings_is_the_commands_form():
    settings = {"builder": recipes.builder_arguments("cvae", {"latent_dim": 4}, {"width": 4}), "lr": 1e-4}
    model = recipes.build_from_settings("cvae", SHAPE, settings, seed=0, num_classes=5)
    assert model.num_classes == 5 and model.latent_dim == 4
    assert np.isclose(float(model.optimizer.learning_rate), 1e-4)


def test_builder_arguments_and_the_arguments_a_family_takes():
    assert recipes.builder_arguments("dcgan", {"latent_dim": 8}) == {"latent_dim": 8, "width": 32}
    assert recipes.unaccepted_arguments("gan", ["latent_dim", "width", "units"]) == ["width"]
    with pytest.raises(ValueError, match="takes no 'width'"):
        recipes.builder_arguments("gan", {"width": 8})
    assert "content_network" in recipes.accepted_arguments(SRGAN)
    assert "content_network" not in recipes.accepted_arguments(SRResNet)
    assert recipes.parse_option("hole=(4, 4)") == ("hole", (4, 4))
    assert recipes.parse_option("noise=masking") == ("noise", "masking")
    with pytest.raises(ValueError, match="KEY=VALUE"):
        recipes.parse_option("no_equals_sign")


def test_content_network_for_a_family_with_a_perceptual_loss():
    srgan, srresnet = families.get("srgan"), families.get("srresnet")
    assert recipes.content_network_for(srgan, {"content_network": None}, DATA, (-1.0, 1.0)) is None
    assert recipes.content_network_for(srresnet, {}, DATA, (-1.0, 1.0)) is None  # takes none
    assert recipes.content_network_for(srgan, {}, None, (-1.0, 1.0)) is None  # no data set to train one on


# --- data -----------------------------------------------------------------------------
def test_data_options_follow_the_batch_kind(models):
    assert recipes.data_options(models["vae"]) == {}
    assert recipes.data_options(models["srresnet"]) == {"task": "superres", "factor": 2}
    assert recipes.data_options(models["pix2pix"], task="superres") == {"task": "superres"}
    assert recipes.data_options(models["context_encoder"]) == {"task": "inpaint", "hole": (4, 4), "masks": "centre"}
    assert recipes.data_options(models["cyclegan"]) == {"domain_a": [5], "domain_b": [7]}
    assert recipes.data_options(models["cyclegan"], domain_a=[1], domain_b=["7"]) == {"domain_a": [1], "domain_b": ["7"]}
    with pytest.raises(ValueError, match="does not train on \\(input, target\\) pairs"):
        recipes.data_options(models["vae"], "vae", task="edges")
    with pytest.raises(ValueError, match="does not train on two domains"):
        recipes.data_options(models["pix2pix"], domain_a=[1])
    assert recipes.task_options(models["cyclegan"]) == {}
    assert recipes.task_options(models["pix2pix"]) == {"task": "edges"}


@pytest.mark.parametrize("name, expected", [("vae", 1), ("cvae", 2), ("srresnet", 2), ("cyclegan", 2)])
def test_load_training_data_makes_the_models_batches(models, name, expected):
    model = models[name]
    options = {"domain_a": [1], "domain_b": [7]} if name == "cyclegan" else {}
    batch = next(iter(recipes.load_training_data(model, DATA, batch_size=4, limit=16, **options)))
    parts = (batch,) if expected == 1 else batch
    assert len(parts) == expected
    assert float(np.min(parts[-1])) >= model.data_scale[0]


def test_load_training_data_refuses_few_labels_for_fully_labelled_models(models):
    with pytest.raises(ValueError, match="semi-supervised families"):
        recipes.load_training_data(models["cvae"], DATA, batch_size=4, labelled=20)


def test_held_out_and_translation_examples(models):
    images, labels = recipes.load_held_out_images(models["vae"], DATA, count=5)
    assert images.shape == (5, *SHAPE) and labels.shape == (5,) and images.min() >= 0.0
    low, high = recipes.load_translation_examples(models["srresnet"], DATA, count=3)
    assert low.shape == (3, 4, 4, 1) and high.shape == (3, *SHAPE)
    ones, sevens = recipes.load_translation_examples(models["cyclegan"], DATA, count=3, domain_a=[1], domain_b=[7])
    assert ones.shape == sevens.shape == (3, *SHAPE)
    (holed, masks), targets = recipes.load_translation_inputs(models["context_encoder"], DATA, count=2)
    assert holed.shape == masks.shape == (2, 8, 8, 1) and masks.sum() == 2 * 16
    inputs, targets = recipes.load_translation_inputs(models["cyclegan"], DATA, count=2)
    assert inputs.shape == (2, *SHAPE) and targets is None
    edges, _ = recipes.load_translation_inputs(models["pix2pix"], DATA, count=2, task="edges")
    assert set(np.unique(edges)) <= {-1.0, 1.0}


def test_translation_options_read_the_models_translate(models):
    assert recipes.translation_options(models["cyclegan"]) == {"direction"}
    assert recipes.translation_options(models["pix2pix"]) == {"stochastic"}
    assert recipes.translation_options(models["context_encoder"]) == {"masks"}
    assert recipes.translation_options(models["srresnet"]) == set()
    assert isinstance(models["pix2pix"], Pix2Pix) and isinstance(models["cyclegan"], CycleGAN)
    assert isinstance(models["context_encoder"], ContextEncoder)


def test_snapshot_examples_follow_the_grids_the_model_can_show(models):
    examples = recipes.snapshot_examples(models["vae"], DATA, ("samples", "reconstructions"))
    assert set(examples) == {"reconstruction_images"}
    assert len(examples["reconstruction_images"]) == recipes.RECONSTRUCTION_IMAGES
    examples = recipes.snapshot_examples(models["pix2pix"], DATA, ("translations",), task="edges")
    inputs, targets = examples["translation_images"]
    assert inputs.shape == targets.shape == (recipes.RECONSTRUCTION_IMAGES, *SHAPE)
    assert recipes.snapshot_examples(models["vae"], DATA, ("completions", "translations")) == {}
