"""Optimizers that update parameters from their gradients, and learning-rate schedules (`optim.lr_scheduler`)."""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD
