"""Plain numpy optimizers written from the published update rules, so the optimizer tests check behaviour
without PyTorch (the tests that compare with PyTorch check these same option sets, so both agree).

SGD follows the pseudocode of torch.optim.SGD; Adam that of Kingma & Ba (2015, Algorithm 1) with
PyTorch's options: L2 weight decay added to the gradient, or decoupled (Loshchilov & Hutter, 2019);
AMSGrad (Reddi et al., 2018) keeps the largest second moment. RMSprop (Hinton's lecture notes, with
PyTorch's centered and momentum options), Adagrad (Duchi et al., 2011) and Adadelta (Zeiler, 2012,
Algorithm 1) follow their papers. Each `step(params, grads)` updates
float64 arrays in place, one state per position in the list.
"""

import numpy as np


class SGD:
    def __init__(self, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False):
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.weight_decay, self.nesterov, self.maximize = weight_decay, nesterov, maximize
        self.buffers = {}

    def step(self, params, grads):
        for index, (param, grad) in enumerate(zip(params, grads)):
            if self.maximize:  # ascend: PyTorch negates first, then adds the decay
                grad = -grad
            grad = grad + self.weight_decay * param
            if self.momentum:
                if index not in self.buffers:
                    self.buffers[index] = grad.copy()
                else:
                    self.buffers[index] = self.momentum * self.buffers[index] + (1 - self.dampening) * grad
                buffer = self.buffers[index]
                grad = grad + self.momentum * buffer if self.nesterov else buffer
            param -= self.lr * grad


class Adam:
    def __init__(
        self,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        amsgrad=False,
        maximize=False,
        decoupled_weight_decay=False,
    ):
        self.lr, (self.beta1, self.beta2), self.eps = lr, betas, eps
        self.weight_decay, self.amsgrad, self.maximize = weight_decay, amsgrad, maximize
        self.decoupled_weight_decay = decoupled_weight_decay
        self.t = 0
        self.first_moments, self.second_moments, self.largest_second_moments = {}, {}, {}

    def step(self, params, grads):
        self.t += 1
        for index, (param, grad) in enumerate(zip(params, grads)):
            if self.maximize:
                grad = -grad
            if self.decoupled_weight_decay:
                param *= 1 - self.lr * self.weight_decay
            else:
                grad = grad + self.weight_decay * param
            m = self.beta1 * self.first_moments.get(index, 0.0) + (1 - self.beta1) * grad
            v = self.beta2 * self.second_moments.get(index, 0.0) + (1 - self.beta2) * grad**2
            self.first_moments[index], self.second_moments[index] = m, v
            if self.amsgrad:
                v = self.largest_second_moments[index] = np.maximum(self.largest_second_moments.get(index, 0.0), v)
            m_hat = m / (1 - self.beta1**self.t)  # bias corrections: m and v start at 0
            v_hat = v / (1 - self.beta2**self.t)
            param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def AdamW(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False):
    return Adam(lr, betas, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay=True)


class RMSprop:
    def __init__(self, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, maximize=False):
        self.lr, self.alpha, self.eps, self.weight_decay = lr, alpha, eps, weight_decay
        self.momentum, self.centered, self.maximize = momentum, centered, maximize
        self.mean_squares, self.mean_grads, self.buffers = {}, {}, {}

    def step(self, params, grads):
        for index, (param, grad) in enumerate(zip(params, grads)):
            grad = (-grad if self.maximize else grad) + self.weight_decay * param
            v = self.mean_squares[index] = self.alpha * self.mean_squares.get(index, 0.0) + (1 - self.alpha) * grad**2
            if self.centered:  # the variance of the gradient instead of its raw second moment
                m = self.mean_grads[index] = self.alpha * self.mean_grads.get(index, 0.0) + (1 - self.alpha) * grad
                v = v - m**2
            scaled = grad / (np.sqrt(v) + self.eps)
            if self.momentum:
                scaled = self.buffers[index] = self.momentum * self.buffers.get(index, 0.0) + scaled
            param -= self.lr * scaled


class Adagrad:
    def __init__(self, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, maximize=False):
        self.lr, self.lr_decay, self.weight_decay, self.eps, self.maximize = lr, lr_decay, weight_decay, eps, maximize
        self.initial = initial_accumulator_value
        self.sums, self.t = {}, 0

    def step(self, params, grads):
        self.t += 1
        for index, (param, grad) in enumerate(zip(params, grads)):
            grad = (-grad if self.maximize else grad) + self.weight_decay * param
            self.sums[index] = self.sums.get(index, self.initial) + grad**2
            param -= self.lr / (1 + (self.t - 1) * self.lr_decay) * grad / (np.sqrt(self.sums[index]) + self.eps)


class Adadelta:
    def __init__(self, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False):
        self.lr, self.rho, self.eps, self.weight_decay, self.maximize = lr, rho, eps, weight_decay, maximize
        self.mean_squares, self.mean_steps = {}, {}

    def step(self, params, grads):
        for index, (param, grad) in enumerate(zip(params, grads)):
            grad = (-grad if self.maximize else grad) + self.weight_decay * param
            v = self.mean_squares[index] = self.rho * self.mean_squares.get(index, 0.0) + (1 - self.rho) * grad**2
            u = self.mean_steps.get(index, 0.0)
            delta = np.sqrt(u + self.eps) / np.sqrt(v + self.eps) * grad  # RMS of past steps / RMS of gradients
            self.mean_steps[index] = self.rho * u + (1 - self.rho) * delta**2
            param -= self.lr * delta
