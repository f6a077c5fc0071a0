import itertools

import numpy as np
import pytest

from playground.core import losses
from playground.core.errors import ShapeError
from playground.core.excite import maximize_unit
from playground.core.gradcheck import check_gradients
from playground.core.network import Network, describe_stack
from playground.core.trainer import Trainer
from playground.data.dataset import Dataset, split_dataset

RNG = np.random.default_rng(7)


def pads_for(n, f, s, padding):
    """Independent statement of the padding rules: (out, pad_before)."""
    if padding == "same":
        out = -(-n // s)
        total = max((out - 1) * s + f - n, 0)
        return out, total // 2
    p = 0 if padding == "valid" else padding
    return (n + 2 * p - f) // s + 1, p


def conv_reference(x, w, b, stride, padding):
    """Direct loops: out[n, f, y, x] = b[f] + sum_c,i,j w[f,c,i,j] x[n,c,y*s+i-p,x*s+j-p]."""
    n_, c_, h, wd = x.shape
    f_, _, kh, kw = w.shape
    oh, ph = pads_for(h, kh, stride[0], padding)
    ow, pw = pads_for(wd, kw, stride[1], padding)
    out = np.zeros((n_, f_, oh, ow))
    for n, f, y, xo in itertools.product(range(n_), range(f_), range(oh), range(ow)):
        acc = b[f]
        for c, i, j in itertools.product(range(c_), range(kh), range(kw)):
            yy, xx = y * stride[0] + i - ph, xo * stride[1] + j - pw
            if 0 <= yy < h and 0 <= xx < wd:
                acc += w[f, c, i, j] * x[n, c, yy, xx]
        out[n, f, y, xo] = acc
    return out


def transpose_reference(x, w, b, stride, pad):
    """Direct scatter: every input pixel stamps its weighted kernel onto the output."""
    n_, c_, h, wd = x.shape
    _, f_, kh, kw = w.shape
    oh = (h - 1) * stride + kh - 2 * pad
    ow = (wd - 1) * stride + kw - 2 * pad
    out = np.zeros((n_, f_, oh, ow)) + b[None, :, None, None]
    for n, c, y, xo, f, i, j in itertools.product(range(n_), range(c_), range(h), range(wd),
                                                  range(f_), range(kh), range(kw)):
        yy, xx = y * stride + i - pad, xo * stride + j - pad
        if 0 <= yy < oh and 0 <= xx < ow:
            out[n, f, yy, xx] += w[c, f, i, j] * x[n, c, y, xo]
    return out


def linear_net(layer, shape):
    net = Network([{**layer, "activation": "linear"}], shape, seed=3, dtype=np.float64)
    net.layers[0].params["weight"][...] = RNG.normal(size=net.layers[0].params["weight"].shape)
    if "bias" in net.layers[0].params:
        net.layers[0].params["bias"][...] = RNG.normal(size=net.layers[0].params["bias"].shape)
    return net


CONV_CASES = [((1, 7, 7), 2, (3, 3), (1, 1), "valid"), ((2, 8, 6), 3, (3, 2), (2, 1), "same"),
              ((3, 5, 9), 2, (2, 4), (1, 3), 1), ((2, 6, 6), 4, (1, 1), (2, 2), "valid"),
              ((1, 9, 4), 1, (4, 3), (3, 2), "same"), ((2, 5, 5), 2, (5, 5), (1, 1), 2)]


@pytest.mark.parametrize("shape, filters, kernel, stride, padding", CONV_CASES)
def test_conv2d_forward_matches_direct_loops(shape, filters, kernel, stride, padding):
    layer = {"name": "conv2d", "filters": filters, "kernel_size": list(kernel),
             "stride": list(stride), "padding": padding}
    net = linear_net(layer, shape)
    x = RNG.normal(size=(2, *shape))
    conv = net.layers[0]
    expected = conv_reference(x, conv.params["weight"], conv.params["bias"], stride, padding)
    got = net.forward(x)
    assert got.shape == expected.shape == (2, *net.output_shape)
    assert np.allclose(got, expected, atol=1e-12)


@pytest.mark.parametrize("shape, filters, kernel, stride, pad", [
    ((2, 3, 4), 3, 3, 2, 0), ((1, 4, 4), 2, 4, 2, 1), ((3, 2, 5), 1, 2, 1, 0),
    ((2, 5, 3), 2, 3, 3, 1)])
def test_conv2d_transpose_matches_direct_scatter(shape, filters, kernel, stride, pad):
    layer = {"name": "conv2d_transpose", "filters": filters, "kernel_size": kernel,
             "stride": stride, "padding": pad}
    net = linear_net(layer, shape)
    x = RNG.normal(size=(2, *shape))
    t = net.layers[0]
    expected = transpose_reference(x, t.params["weight"], t.params["bias"], stride, pad)
    assert np.allclose(net.forward(x), expected, atol=1e-12)


@pytest.mark.parametrize("shape, filters, kernel, stride, padding",
                         [case for case in CONV_CASES if case[4] != "same"])
def test_conv2d_transpose_is_the_adjoint_of_conv2d(shape, filters, kernel, stride, padding):
    conv = linear_net({"name": "conv2d", "filters": filters, "kernel_size": list(kernel),
                       "stride": list(stride), "padding": padding, "use_bias": False}, shape)
    out_shape = conv.output_shape
    pad = 0 if padding == "valid" else padding
    # the rows a strided convolution skipped come back as output padding
    extra = [(n + 2 * pad - k) % s for n, k, s in zip(shape[1:], kernel, stride, strict=True)]
    trans = Network([{"name": "conv2d_transpose", "filters": shape[0],
                      "kernel_size": list(kernel), "stride": list(stride), "padding": pad,
                      "output_padding": extra, "activation": "linear", "use_bias": False}],
                    out_shape, dtype=np.float64)
    assert trans.output_shape == shape
    trans.layers[0].params["weight"][...] = conv.layers[0].params["weight"]
    x = RNG.normal(size=(1, *shape))
    y = RNG.normal(size=(1, *out_shape))
    assert np.vdot(conv.forward(x), y) == pytest.approx(np.vdot(x, trans.forward(y)), rel=1e-10)


def test_output_shapes_follow_the_formula_and_impossible_ones_are_named():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n, f, s, p = (int(rng.integers(1, 12)), int(rng.integers(1, 7)), int(rng.integers(1, 4)),
                      int(rng.integers(0, 3)))
        stack = [{"name": "conv2d", "filters": 2, "kernel_size": f, "stride": s, "padding": p}]
        summary = describe_stack(stack, (1, n, n))[0]
        if n + 2 * p < f:
            assert summary.error == (f"Conv2D #1: a {f}×{f} kernel does not fit the {n}×{n} "
                                     f"input" + (f" even with padding {p}" if p else ""))
        else:
            side = (n - f + 2 * p) // s + 1
            assert summary.output_shape == (2, side, side) and summary.error is None
    bad = describe_stack([{"name": "conv2d", "filters": 6, "kernel_size": 5},
                          {"name": "maxpool2d", "size": 4},
                          {"name": "conv2d", "filters": 16, "kernel_size": 5}], (1, 20, 20))
    assert bad[2].error == ("Conv2D #3: a 5×5 kernel does not fit the 4×4 input left by "
                            "MaxPool2D #2")
    with pytest.raises(ShapeError, match="Flatten"):
        Network([{"name": "conv2d"}, {"name": "dense"}], (1, 8, 8))
    with pytest.raises(ShapeError, match="Reshape #1: cannot reshape 10 "):
        Network([{"name": "reshape", "shape": [1, 3, 3]}], (10,))
    with pytest.raises(ShapeError, match="needs an image input"):
        Network([{"name": "maxpool2d"}], (16,))


def test_parameter_counts_show_parameter_sharing():
    summary = describe_stack([{"name": "conv2d", "filters": 6, "kernel_size": 5},
                              {"name": "flatten"}, {"name": "dense", "units": 10}], (1, 28, 28))
    assert summary[0].params == 6 * 25 + 6  # the same 5×5 kernels everywhere
    assert summary[2].params == 6 * 24 * 24 * 10 + 10


def test_residual_block_with_zero_inner_weights_is_the_identity():
    zeros = {"weight_init": "zeros", "bias_init": "zeros"}
    block = {"name": "residual", "layers": [
        {"name": "conv2d", "filters": 3, "kernel_size": 3, "padding": "same",
         "activation": "relu", **zeros},
        {"name": "conv2d", "filters": 3, "kernel_size": 3, "padding": "same",
         "activation": "tanh", **zeros}]}
    net = Network([block], (3, 6, 5))
    x = RNG.normal(size=(4, 3, 6, 5)).astype(np.float32)
    assert np.array_equal(net.forward(x), x)
    dense_block = {"name": "residual", "layers": [{"name": "dense", "units": 4, **zeros},
                                                  {"name": "dense", "units": 4, **zeros}]}
    net = Network([dense_block], (4,))
    x = RNG.normal(size=(3, 4)).astype(np.float32)
    assert np.array_equal(net.forward(x), x)


def test_residual_projection_when_shapes_differ_and_impossible_blocks():
    block = {"name": "residual", "layers": [
        {"name": "conv2d", "filters": 8, "kernel_size": 3, "padding": 1, "stride": 2}]}
    net = Network([block], (3, 8, 8))
    assert net.output_shape == (8, 4, 4)
    names = [s.name for s in net.segments]
    assert names == ["1.weight", "1.bias", "projection.weight", "projection.bias"]
    with pytest.raises(ShapeError, match=r"Residual #1: the block turns 3×8×8 into 12"):
        Network([{"name": "residual", "layers": [{"name": "flatten"},
                                                 {"name": "dense", "units": 12}]}], (3, 8, 8))


def test_penalties_and_freezing_reach_layers_inside_a_residual_block():
    block = {"name": "residual", "layers": [
        {"name": "dense", "units": 4, "penalty": {"name": "l2", "rate": 0.5}, "max_norm": 2.0},
        {"name": "dense", "units": 4}]}
    net = Network([block, {"name": "dense", "units": 1, "activation": "sigmoid"}], (4,))
    assert net.seg_f[0].tolist() == [0.0, 0.5, 2.0]
    assert net.seg_f[2].tolist() == [0.0, 0.0, 0.0]
    net.freeze(1)
    assert net.seg_i[:4, 2].tolist() == [0, 0, 0, 0]


def _gradcheck(layers, shape, classes=3):
    head = [{"name": "flatten"}, {"name": "dense", "units": classes, "activation": "softmax"}]
    net = Network([*layers, *head], shape, seed=1, dtype=np.float64)
    net.layers[-1].logits_output = True
    X = RNG.normal(size=(3, *shape))
    Y = np.eye(classes)[RNG.integers(0, classes, 3)]
    return check_gradients(net, losses.get("softmax_crossentropy"), X, Y)


IMAGE_STACKS = [
    ([{"name": "conv2d_transpose", "filters": 3, "kernel_size": 4, "stride": 2,
       "padding": "same", "activation": "sigmoid"}], (2, 3, 3)),
    ([{"name": "avgpool2d", "size": [2, 3], "stride": 1},
      {"name": "conv2d_transpose", "filters": 2, "kernel_size": 3, "stride": 2,
       "activation": "tanh"}], (2, 5, 6)),
    ([{"name": "upsample2d", "factor": [2, 3]},
      {"name": "conv2d", "filters": 2, "kernel_size": 2, "activation": "silu"}], (2, 3, 3)),
    ([{"name": "conv2d", "filters": 4, "kernel_size": 3, "activation": "linear"},
      {"name": "batchnorm"}, {"name": "activation", "activation": "prelu"},
      {"name": "spatial_dropout", "rate": 0.5}], (2, 6, 6)),
    ([{"name": "residual", "layers": [
        {"name": "conv2d", "filters": 2, "kernel_size": 3, "padding": "same",
         "activation": "tanh"},
        {"name": "conv2d", "filters": 2, "kernel_size": 3, "padding": "same",
         "activation": "linear", "penalty": {"name": "l2", "rate": 0.1}}]}], (2, 5, 5)),
    ([{"name": "residual", "layers": [
        {"name": "conv2d", "filters": 3, "kernel_size": 3, "padding": 1, "stride": 2,
         "activation": "elu"}, {"name": "batchnorm"}]}], (2, 6, 6)),
    ([{"name": "global_avgpool"}, {"name": "reshape", "shape": [1, 1, 2]},
      {"name": "conv2d", "filters": 2, "kernel_size": 1}], (2, 4, 4)),
]


@pytest.mark.parametrize("layers, shape", IMAGE_STACKS)
def test_image_stacks_pass_gradient_checks(layers, shape):
    results = _gradcheck(layers, shape)
    assert all(r.passed(1e-6) for r in results), [(r.layer, r.param, r.relative_error)
                                                   for r in results if not r.passed(1e-6)]


def test_random_convolution_and_pooling_combinations_pass_gradient_checks():
    rng = np.random.default_rng(11)
    activations = ["tanh", "relu", "elu", "sigmoid", "leaky_relu", "gelu", "prelu", "linear"]
    checked = 0
    while checked < 12:
        c, h, w = int(rng.integers(1, 4)), int(rng.integers(5, 10)), int(rng.integers(5, 10))
        k = [int(rng.integers(1, 4)), int(rng.integers(1, 4))]
        s = [int(rng.integers(1, 3)), int(rng.integers(1, 3))]
        pad = [int(rng.integers(0, 2)), "same", "valid"][int(rng.integers(0, 3))]
        pool = ["maxpool2d", "avgpool2d"][int(rng.integers(0, 2))]
        layers = [{"name": "conv2d", "filters": int(rng.integers(1, 4)), "kernel_size": k,
                   "stride": s, "padding": pad,
                   "activation": activations[int(rng.integers(0, len(activations)))],
                   "use_bias": bool(rng.integers(0, 2)),
                   "penalty": {"name": "l1_l2", "l1": 0.01, "l2": 0.02}},
                  {"name": pool, "size": 2, "stride": 1}]
        if describe_stack(layers, (c, h, w))[-1].error:
            continue
        results = _gradcheck(layers, (c, h, w))
        assert all(r.passed(1e-6) for r in results), (layers, (c, h, w))
        checked += 1


def test_max_pooling_sends_the_gradient_to_the_first_of_tied_maxima():
    net = Network([{"name": "maxpool2d", "size": 2}], (1, 2, 4), dtype=np.float64)
    x = np.array([[[[1.0, 1.0, 0.0, 2.0], [1.0, 0.5, 2.0, 2.0]]]])
    assert net.forward(x).tolist() == [[[[1.0, 2.0]]]]
    dx = net.layers[0].backward(np.array([[[[3.0, 5.0]]]]), need_dx=True)
    assert dx.tolist() == [[[[3.0, 0.0, 0.0, 5.0], [0.0, 0.0, 0.0, 0.0]]]]
    avg = Network([{"name": "avgpool2d", "size": 2}], (1, 2, 4), dtype=np.float64)
    assert avg.forward(x).tolist() == [[[[0.875, 1.5]]]]


def test_feature_maps_of_every_layer_for_one_image():
    stack = [{"name": "conv2d", "filters": 6, "kernel_size": 5, "padding": 2},
             {"name": "maxpool2d"}, {"name": "conv2d", "filters": 16, "kernel_size": 5},
             {"name": "maxpool2d"}, {"name": "flatten"}, {"name": "dense", "units": 10,
                                                          "activation": "softmax"}]
    net = Network(stack, (1, 28, 28))
    maps = net.forward_all(RNG.random((1, 1, 28, 28)))
    assert [m.shape[1:] for m in maps] == [s.output_shape for s in net.summary()]
    assert maps[0].shape == (1, 6, 28, 28) and maps[2].shape == (1, 16, 10, 10)


def test_gradient_ascent_finds_an_input_that_excites_the_unit():
    net = Network([{"name": "conv2d", "filters": 4, "kernel_size": 3},
                   {"name": "conv2d", "filters": 3, "kernel_size": 3}], (1, 10, 10), seed=2)
    before = net.grad.copy()
    found = maximize_unit(net, 2, unit=1, steps=60, step_size=0.05, l2=0.01)
    assert found.image.shape == (1, 10, 10)
    random_inputs = RNG.normal(0, np.linalg.norm(found.image) / 10, (50, 1, 10, 10))
    typical = net.forward(random_inputs)[:, 1].mean(axis=(1, 2)).max()
    assert found.activation > typical
    assert found.history[-1] > found.history[0]
    assert np.array_equal(net.grad, before)  # the training gradient is left alone


def bars(samples, size=12, seed=0):
    """Horizontal, vertical and diagonal bars at random places, with noise."""
    rng = np.random.default_rng(seed)
    labels = np.arange(samples) % 3
    X = rng.normal(0, 0.15, (samples, 1, size, size))
    for k, label in enumerate(labels):
        at, length = rng.integers(2, size - 2), rng.integers(size // 2, size - 1)
        start = rng.integers(0, size - length + 1)
        span = np.arange(start, start + length)
        if label == 0:
            X[k, 0, at, span] += 1
        elif label == 1:
            X[k, 0, span, at] += 1
        else:
            X[k, 0, span, span] += 1
    return X.astype(np.float32), labels


def test_a_small_cnn_learns_generated_images_to_97_percent():
    X, labels = bars(900)
    split = split_dataset(Dataset("bars", X, labels, class_names=["-", "|", "\\\\"]), seed=0)
    net = Network([{"name": "conv2d", "filters": 6, "kernel_size": 3, "activation": "relu"},
                   {"name": "maxpool2d"}, {"name": "flatten"},
                   {"name": "dense", "units": 3, "activation": "softmax"}], (1, 12, 12), seed=0)
    trainer = Trainer(net, "softmax_crossentropy", {"name": "adam", "learning_rate": 0.01},
                      split, batch_size=32, seed=0)
    trainer.fit(15)
    assert trainer.evaluate("test")["accuracy"] >= 0.97


def test_convolutional_autoencoder_reconstructs_and_denoises():
    X, labels = bars(300, size=8, seed=1)
    X = np.clip(X, 0, 1)
    data = Dataset("bars", X, labels, values=X.reshape(len(X), -1), class_names=["a", "b", "c"])
    split = split_dataset(data, seed=0)
    stack = [{"name": "conv2d", "filters": 4, "kernel_size": 3, "padding": "same"},
             {"name": "maxpool2d"}, {"name": "flatten"},
             {"name": "dense", "units": 8, "activation": "relu"},
             {"name": "dense", "units": 64, "activation": "relu"},
             {"name": "reshape", "shape": [4, 4, 4]}, {"name": "upsample2d"},
             {"name": "conv2d_transpose", "filters": 1, "kernel_size": 3, "stride": 1,
              "padding": 1, "activation": "sigmoid"}]
    net = Network(stack, (1, 8, 8), seed=0)
    trainer = Trainer(net, "mse", {"name": "adam", "learning_rate": 0.01}, split,
                      batch_size=16, input_noise=0.1)
    first = trainer.evaluate("test")["loss"]
    trainer.fit(40)
    assert not trainer.classification
    assert trainer.evaluate("test")["loss"] < 0.5 * first
