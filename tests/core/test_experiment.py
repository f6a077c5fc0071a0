import json

import numpy as np
import pytest

from playground.core.errors import SpecError
from playground.core.experiment import Experiment, load_preset, preset_names, resolve
from playground.core.network import Network, describe_stack


def test_presets_exist_and_round_trip_through_json():
    assert {"xor", "circle", "spiral"} <= set(preset_names())
    for name in preset_names():
        exp = load_preset(name)
        again = Experiment.from_dict(json.loads(exp.to_json()))
        assert again == exp


def test_save_and_load_round_trip_bit_exactly(tmp_path):
    exp = load_preset("xor")
    exp.layers[0]["penalty"] = {"name": "l2", "rate": 0.001}
    trainer = exp.build()
    trainer.fit(3)
    path = tmp_path / "run.json"
    exp.save(path, trainer.network)
    loaded = Experiment.load(path)
    assert loaded == exp
    rebuilt = loaded.build(weights=path.with_suffix(".npz"))
    assert np.array_equal(rebuilt.network.theta, trainer.network.theta)
    X = trainer.split.test.X
    assert np.array_equal(rebuilt.predict(X), trainer.predict(X))


def test_batchnorm_running_statistics_are_saved_with_the_weights(tmp_path):
    layers = [{"name": "dense", "units": 4, "activation": "linear"}, {"name": "batchnorm"},
              {"name": "dense", "units": 1, "activation": "sigmoid"}]
    net = Network(layers, (2,), seed=1)
    net.layers[1].buffers["running_mean"][:] = [1, 2, 3, 4]
    net.save_weights(tmp_path / "w.npz")
    other = Network(layers, (2,), seed=2)
    other.load_weights(tmp_path / "w.npz")
    assert np.array_equal(other.layers[1].buffers["running_mean"], [1, 2, 3, 4])
    assert np.array_equal(other.theta, net.theta)


def test_weights_load_into_a_new_stack_with_matching_layers_and_freeze(tmp_path):
    source = load_preset("circle").build()
    source.fit(5)
    source.network.save_weights(tmp_path / "w.npz")
    exp = load_preset("circle")
    exp.layers.append(dict(exp.layers[-1]))  # one more layer than the saved stack
    exp.layers[-2] = {"name": "dense", "units": 8, "activation": "tanh"}
    target = exp.build()
    with pytest.raises(SpecError, match="Dense #2"):
        target.network.load_weights(tmp_path / "w.npz")
    loaded = target.network.load_weights(tmp_path / "w.npz", strict=False)
    assert loaded == ["1.dense.weight", "1.dense.bias"]
    first = target.network.layers[0].params["weight"]
    assert np.array_equal(first, source.network.layers[0].params["weight"])
    target.freeze(1)
    kept = first.copy()
    target.fit(3)
    assert np.array_equal(target.network.layers[0].params["weight"], kept)


def test_a_broken_weights_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "w.npz"
    bad.write_bytes(b"not a zip")
    net = load_preset("xor").build().network
    with pytest.raises(SpecError, match="cannot read"):
        net.load_weights(bad)


@pytest.mark.parametrize("change, field", [
    ({"layers": []}, "layers"),
    ({"batch_size": 0}, "batch_size"),
    ({"epochs": "ten"}, "epochs"),
    ({"optimizer": {"name": "adamm"}}, "optimizer"),
    ({"optimizer": {"name": "adam", "learning_rate": -1}}, "learning_rate"),
    ({"schedule": {"name": "step", "drop": 2}}, "step.drop"),
    ({"loss": "cross"}, "loss"),
    ({"layers": [{"name": "dense", "units": 8, "activation": "swishy"}]}, "layers[0]"),
    ({"dataset": {"name": "moons_of_jupiter"}}, "dataset.name"),
    ({"colour": "red"}, "colour"),
    ({"format": "something/else"}, "format"),
    ({"split": {"train": 0.5, "validation": 0.2, "test": 0.1}}, "split"),
    ({"early_stopping": {"patience": 0}}, "early_stopping.patience"),
    ({"dtype": "float16"}, "dtype"),
])
def test_bad_documents_name_the_field(change, field):
    doc = load_preset("xor").to_dict()
    doc.update(change)
    with pytest.raises(SpecError, match=field.replace("[", r"\[").replace("]", r"\]")):
        Experiment.from_dict(doc).build()


def test_missing_file_and_bad_json(tmp_path):
    with pytest.raises(SpecError, match="cannot read"):
        resolve(str(tmp_path / "none.json"))
    broken = tmp_path / "broken.json"
    broken.write_text('{"layers": [', encoding="utf-8")
    with pytest.raises(SpecError, match="not valid JSON"):
        resolve(str(broken))
    with pytest.raises(SpecError, match="unknown preset"):
        resolve("no-such-preset")


def test_shapes_and_parameter_counts_before_any_data():
    summary = describe_stack([{"name": "dense", "units": 8}, {"name": "maxout", "units": 4,
                                                               "pieces": 3},
                              {"name": "dense", "units": 2, "activation": "prelu"}], (2,))
    assert [s.output_shape for s in summary] == [(8,), (4,), (2,)]
    assert [s.params for s in summary] == [2 * 8 + 8, 8 * 12 + 12, 4 * 2 + 2 + 2]
    assert all(s.error is None for s in summary)
    bad = describe_stack([{"name": "flatten"}, {"name": "dense", "units": 3},
                          {"name": "dense", "units": 2}], (1, 4, 4))
    assert bad[0].output_shape == (16,) and bad[1].error is None
    broken = describe_stack([{"name": "dense", "units": 3}], (1, 4, 4))
    assert broken[0].error == ("Dense #1: needs a flat vector of features but gets 1×4×4; "
                               "add a Flatten layer before it")


def test_hand_made_features_let_a_linear_model_solve_the_circle():
    doc = load_preset("circle").to_dict()
    doc["layers"] = [{"name": "dense", "units": 1, "activation": "sigmoid"}]
    doc["epochs"] = 40
    plain = Experiment.from_dict(doc).build()
    plain.fit(40)
    doc["dataset"] = {**doc["dataset"], "features": ["x1_sq", "x2_sq"],
                      "preprocessing": "standardize"}
    featured = Experiment.from_dict(doc).build()
    assert featured.network.input_shape == (2,)
    stats = featured.prepared.preprocessor.stats
    assert np.allclose(stats["mean"], featured.prepared.raw.train.X.__pow__(2).mean(axis=0))
    featured.fit(40)
    assert plain.evaluate("test")["accuracy"] < 0.8 < 0.97 <= featured.evaluate("test")[
        "accuracy"]


def test_augmentation_from_the_document_reaches_the_training_batches():
    doc = {"dataset": {"name": "digits", "augmentation": {"shift": 1, "noise": 0.05}},
           "layers": [{"name": "flatten"}, {"name": "dense", "units": 10,
                                            "activation": "softmax"}],
           "loss": "softmax_crossentropy", "optimizer": {"name": "adam", "learning_rate": 0.01},
           "batch_size": 32, "epochs": 3}
    trainer = Experiment.from_dict(doc).build()
    assert trainer.augmenter is not None and not trainer._fused
    seen = []
    original = trainer.augmenter.apply
    trainer.augmenter.apply = lambda batch, rng: seen.append(batch.shape) or original(batch, rng)
    trainer.fit(3)
    assert len(seen) == trainer.step_count and seen[0][1:] == (1, 8, 8)
    assert trainer.evaluate("test")["accuracy"] > 0.6  # chance is 0.1


def test_frozen_layers_keep_their_weights_and_bad_numbers_are_named():
    import numpy as np
    import pytest

    from playground.core.errors import SpecError
    from playground.core.experiment import Experiment, load_preset

    doc = load_preset("xor").to_dict()
    doc["frozen"] = [1]
    trainer = Experiment.from_dict(doc).build()
    first = trainer.network.layers[0].params["weight"].copy()
    last = trainer.network.layers[-1].params["weight"].copy()
    trainer.run_steps(50)
    assert np.array_equal(trainer.network.layers[0].params["weight"], first)
    assert not np.array_equal(trainer.network.layers[-1].params["weight"], last)
    doc["frozen"] = [len(doc["layers"]) + 1]
    with pytest.raises(SpecError, match="frozen"):
        Experiment.from_dict(doc)
