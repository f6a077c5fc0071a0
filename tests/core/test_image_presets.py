import numpy as np

from playground.core.experiment import load_preset
from playground.core.gradcheck import check_gradients


def test_lenet_preset_learns_digits_in_one_epoch():
    exp = load_preset("lenet")
    trainer = exp.build()
    assert trainer.network.summary()[0].output_shape == (6, 28, 28)
    assert len(trainer.split.test) == 2000  # the official MNIST test images of the subset
    trainer.fit(1)
    assert trainer.evaluate("test")["accuracy"] > 0.9


def test_conv_autoencoder_preset_reconstructs_its_inputs():
    exp = load_preset("conv_autoencoder")
    trainer = exp.build()
    assert trainer.network.output_shape == (1, 28, 28)
    before = trainer.evaluate("test")
    trainer.fit(1)
    after = trainer.evaluate("test")
    assert after["loss"] < 0.5 * before["loss"] and after["r2"] > 0.3
    X = trainer.split.test.X[:4]
    assert trainer.predict(X).shape == (4, 784)


def test_lenet_gradients_check_out():
    exp = load_preset("lenet")
    exp.dtype = "float64"
    exp.dataset = {"name": "mnist", "samples": 100}
    trainer = exp.build()
    # MNIST's background is exactly 0, so zero biases put conv1's pre-activations on ReLU's
    # kink, where finite differences read 1/2: move the biases off it
    rng = np.random.default_rng(0)
    for layer in trainer.network.layers:
        if "bias" in layer.params:
            layer.params["bias"][...] = rng.normal(0.0, 0.1, layer.params["bias"].shape)
    d = trainer.train_data
    results = check_gradients(trainer.network, trainer.loss, d.X[:4], d.Y[:4], d.SW[:4],
                              max_per_array=12)
    assert all(r.passed() for r in results)
    assert np.isfinite([r.relative_error for r in results]).all()
