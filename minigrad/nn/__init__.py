"""minigrad.nn: modules, parameters, layers and containers (the torch.nn vocabulary GANs need).

One file per family, as in torch.nn:

    module.py       Module, Parameter, StateDictError (registration, train/eval, state_dict)
    linear.py       Linear
    activation.py   ReLU, LeakyReLU, Tanh, Sigmoid
    dropout.py      Dropout
    norm.py         BatchNorm1d
    container.py    Sequential, MLP
"""
from .module import Module, Parameter, StateDictError
from .linear import Linear
from .activation import LeakyReLU, ReLU, Sigmoid, Tanh
from .dropout import Dropout
from .norm import BatchNorm1d
from .container import MLP, Sequential

__all__ = ["Module", "Parameter", "StateDictError", "Linear", "ReLU", "LeakyReLU", "Tanh", "Sigmoid",
           "Dropout", "BatchNorm1d", "Sequential", "MLP"]
