"""Plain numpy optimizers written from the published update rules, so the optimizer tests check behaviour
without PyTorch (the tests that compare with PyTorch check these same option sets, so both agree).

SGD follows the pseudocode of torch.optim.SGD; Adam that of Kingma & Ba (2015, Algorithm 1) with
PyTorch's options: L2 weight decay added to the gradient, or decoupled (Loshchilov & Hutter, 2019);
AMSGrad (Reddi et al., 2018) keeps the largest second moment. Each `step(params, grads)` updates
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
