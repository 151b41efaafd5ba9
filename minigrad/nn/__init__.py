"""minigrad.nn: modules, parameters, layers and containers (the torch.nn vocabulary GANs need).

One file per family, as in torch.nn:

    module.py       Module, Parameter, StateDictError (registration, train/eval, state_dict)
    linear.py       Linear
    embedding.py    Embedding
    maxout.py       Maxout
    activation.py   ReLU, LeakyReLU, Tanh, Sigmoid
    dropout.py      Dropout, Dropout2d
    norm.py         BatchNorm1d, BatchNorm2d, LayerNorm
    conv.py         Conv2d, ConvTranspose2d
    pooling.py      MaxPool2d, AvgPool2d
    upsampling.py   Upsample
    flatten.py      Flatten, Unflatten
    container.py    Sequential, MLP
    loss.py         BCEWithLogitsLoss, BCELoss, MSELoss, CrossEntropyLoss
"""
from .module import Module, Parameter, StateDictError
from .linear import Linear
from .embedding import Embedding
from .maxout import Maxout
from .activation import LeakyReLU, ReLU, Sigmoid, Tanh
from .dropout import Dropout, Dropout2d
from .norm import BatchNorm1d, BatchNorm2d, LayerNorm
from .conv import Conv2d, ConvTranspose2d
from .pooling import AvgPool2d, MaxPool2d
from .upsampling import Upsample
from .flatten import Flatten, Unflatten
from .container import MLP, Sequential
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss

__all__ = ["Module", "Parameter", "StateDictError", "Linear", "Embedding", "Maxout", "ReLU", "LeakyReLU", "Tanh", "Sigmoid",
           "Dropout", "Dropout2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "Conv2d", "ConvTranspose2d",
           "MaxPool2d", "AvgPool2d", "Upsample", "Flatten", "Unflatten", "Sequential", "MLP",
           "BCEWithLogitsLoss", "BCELoss", "MSELoss", "CrossEntropyLoss"]
