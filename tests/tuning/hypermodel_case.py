"""The shared base of the HyperModel tests: what every family's HyperModel must do.

Every family's HyperModel test class derives from `HyperModelTestCase` and gets
the same guarantees checked: the space is declared without building a model,
every hyperparameter has a default, `build` makes a compiled model of the
family's class with every player's optimizer state created, and fixed values
narrow the space.
"""

import inspect

import keras_tuner
import pytest

from keras_gen import families


class HyperModelTestCase:
    """Checks shared by every HyperModel. Subclasses set `hypermodel_class` and `tiny_space`."""

    hypermodel_class = None
    image_shape = (8, 8, 1)

    def make_hypermodel(self):
        return self.hypermodel_class(self.image_shape, seed=0)

    def tiny_space(self):
        """Pre-declared hyperparameters that keep the built model tiny."""
        raise NotImplementedError

    def test_space_is_declared_without_building_a_model(self):
        hp = keras_tuner.HyperParameters()
        self.make_hypermodel().declare_hyperparameters(hp)
        assert hp.space
        for parameter in hp.space:
            assert hp.get(parameter.name) is not None, parameter.name

    def test_model_arguments_are_accepted_by_the_builder(self):
        hypermodel = self.make_hypermodel()
        kwargs = hypermodel.model_kwargs(keras_tuner.HyperParameters())
        model_class = hypermodel.model_class
        accepted = set(inspect.signature(model_class.for_images).parameters)
        accepted |= set(inspect.signature(model_class.__init__).parameters)
        assert set(kwargs) <= accepted, set(kwargs) - accepted

    def test_build_compiles_every_player_and_honours_fixed_values(self):
        hp = self.tiny_space()
        model = self.make_hypermodel().build(hp)
        assert isinstance(model, self.make_hypermodel().model_class)
        for name, optimizer in model.players().items():
            assert optimizer.built, name
        for parameter in hp.space:
            if isinstance(parameter, keras_tuner.engine.hyperparameters.Fixed) and hasattr(model, parameter.name):
                assert getattr(model, parameter.name) == parameter.value

    def test_registered_for_its_family(self):
        registered = [f for f in families.families() if f.hypermodel and f.hypermodel_class() is self.hypermodel_class]
        if not registered:
            pytest.skip(f"{self.hypermodel_class.__name__} is not the HyperModel of a registered family")
        assert registered[0].model_class() is self.hypermodel_class.model_class
