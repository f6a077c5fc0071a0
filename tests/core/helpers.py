"""Small builders shared by the core tests."""

import numpy as np

from playground.core.network import Network
from playground.core.trainer import EarlyStopping, Trainer
from playground.data.dataset import Dataset, split_dataset
from playground.data.toy2d import generate


def dense(units, activation="tanh", **kw):
    return {"name": "dense", "units": units, "activation": activation, **kw}


def toy_split(name="circle", samples=200, noise=0.0, seed=0, fractions=(0.7, 0.2, 0.1)):
    X, labels = generate(name, samples, noise, seed)
    return split_dataset(Dataset(name, X, labels, class_names=["0", "1"]), *fractions, seed=seed)


def toy_trainer(layers=None, name="circle", samples=200, optimizer=None, batch_size=10, seed=0,
                loss="binary_crossentropy", dtype=np.float32, noise=0.0, fractions=(0.7, 0.2, 0.1),
                early_stopping: EarlyStopping | None = None, **kw):
    layers = layers or [dense(8), dense(1, "sigmoid")]
    split = toy_split(name, samples, noise, seed, fractions)
    net = Network(layers, (2,), seed=seed, dtype=dtype)
    return Trainer(net, loss, optimizer or {"name": "sgd", "learning_rate": 0.1}, split,
                   batch_size=batch_size, seed=seed, early_stopping=early_stopping, **kw)
