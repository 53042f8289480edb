"""The benchmarks' yardstick: each computation written by hand in numpy (or CuPy), with no autograd.

This is the practical limit of a numpy framework: layer by layer, as a framework runs them (no
fusing of one layer into the next), but each layer as fast as numpy allows: convolution by im2col
(one strided view, one copy, one BLAS matmul) and col2im with kh*kw strided slice adds, max pooling
from four strided corner views, in-place parameter updates, float32 throughout. Every function
takes `xp` (numpy or cupy), so the same code is the reference on a GPU.
"""

import math


def softmax_cross_entropy(logits, target, xp):
    """Mean cross-entropy of (N, classes) logits against class indices, and its gradient wrt the logits."""
    count = logits.shape[0]
    rows = xp.arange(count)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = xp.exp(shifted)
    sums = exp.sum(axis=1, keepdims=True)
    loss = (xp.log(sums[:, 0]) - shifted[rows, target]).mean()
    grad = exp / sums
    grad[rows, target] -= 1
    grad /= count
    return loss, grad


def linear_forward(x, weight, bias):
    out = x @ weight.T
    out += bias
    return out


def linear_backward(grad_out, x, weight, need_input_grad=True):
    """(dx, dweight, dbias) of y = x @ W.T + b."""
    grad_input = grad_out @ weight if need_input_grad else None
    return grad_input, grad_out.T @ x, grad_out.sum(axis=0)


def relu_backward(grad_out, out):
    return grad_out * (out > 0)


def conv2d_forward(x, weight, bias, padding, xp):
    """Stride-1 convolution by im2col. Returns the (N, C_out, H_out, W_out) output and the columns for backward.

    The columns are a (C*kh*kw, N*H_out*W_out) matrix: one strided view of the padded input, copied
    once; the output is then one matmul with the (C_out, C*kh*kw) weight matrix.
    """
    batch, channels, height, width = x.shape
    out_channels, _, kernel_h, kernel_w = weight.shape
    padded = xp.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out_h, out_w = height + 2 * padding - kernel_h + 1, width + 2 * padding - kernel_w + 1
    stride_n, stride_c, stride_h, stride_w = padded.strides
    windows = xp.lib.stride_tricks.as_strided(
        padded,
        (channels, kernel_h, kernel_w, batch, out_h, out_w),
        (stride_c, stride_h, stride_w, stride_n, stride_h, stride_w),
    )
    columns = windows.reshape(channels * kernel_h * kernel_w, batch * out_h * out_w)
    out = weight.reshape(out_channels, -1) @ columns
    out += bias[:, None]
    return out.reshape(out_channels, batch, out_h, out_w).transpose(1, 0, 2, 3), columns


def conv2d_backward(grad_out, columns, weight, input_shape, padding, xp, need_input_grad=True):
    """(dx, dweight, dbias): dW = dY @ columns.T; dcolumns = W.T @ dY, added back into place (col2im)."""
    batch, channels, height, width = input_shape
    out_channels, _, kernel_h, kernel_w = weight.shape
    out_h, out_w = grad_out.shape[2:]
    grad_matrix = grad_out.transpose(1, 0, 2, 3).reshape(out_channels, -1)
    grad_weight = (grad_matrix @ columns.T).reshape(weight.shape)
    grad_bias = grad_matrix.sum(axis=1)
    if not need_input_grad:
        return None, grad_weight, grad_bias
    grad_columns = (weight.reshape(out_channels, -1).T @ grad_matrix).reshape(
        channels, kernel_h, kernel_w, batch, out_h, out_w
    )
    grad_padded = xp.zeros((channels, batch, height + 2 * padding, width + 2 * padding), dtype=grad_out.dtype)
    for i in range(kernel_h):
        for j in range(kernel_w):
            grad_padded[:, :, i : i + out_h, j : j + out_w] += grad_columns[:, i, j]
    grad_input = grad_padded[:, :, padding : padding + height, padding : padding + width].transpose(1, 0, 2, 3)
    return grad_input, grad_weight, grad_bias


CORNERS = [(0, 0), (0, 1), (1, 0), (1, 1)]  # PyTorch's scan order inside a 2x2 window: the first maximum wins


def max_pool2x2_forward(x, xp):
    """2x2 max pooling with stride 2 (even H and W): the elementwise maximum of four strided corner views."""
    corners = [x[:, :, i::2, j::2] for i, j in CORNERS]
    return xp.maximum(xp.maximum(corners[0], corners[1]), xp.maximum(corners[2], corners[3]))


def max_pool2x2_backward(grad_out, x, out, xp):
    """The gradient goes to the first maximum of each window (one element per window on ties, as PyTorch)."""
    grad_input = xp.empty(x.shape, dtype=grad_out.dtype)
    taken = None
    for i, j in CORNERS:
        is_max = x[:, :, i::2, j::2] == out
        if taken is None:
            taken = is_max
        else:
            is_max &= ~taken
            taken |= is_max
        grad_input[:, :, i::2, j::2] = grad_out * is_max
    return grad_input


def sgd_update(params, grads, lr):
    for param, grad in zip(params, grads):
        param -= lr * grad


class Adam:
    """torch.optim.Adam with its defaults, in place: m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g**2,

    p -= lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps).
    """

    def __init__(self, params, lr, xp, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr, self.betas, self.eps, self.xp = params, lr, betas, eps, xp
        self.exp_avg = [xp.zeros_like(param) for param in params]
        self.exp_avg_sq = [xp.zeros_like(param) for param in params]
        self.steps = 0

    def update(self, grads):
        self.steps += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1 - beta1**self.steps)
        correction = math.sqrt(1 - beta2**self.steps)
        for param, grad, exp_avg, exp_avg_sq in zip(self.params, grads, self.exp_avg, self.exp_avg_sq):
            exp_avg *= beta1
            exp_avg += (1 - beta1) * grad
            exp_avg_sq *= beta2
            exp_avg_sq += (1 - beta2) * grad * grad
            param -= step_size * exp_avg / (self.xp.sqrt(exp_avg_sq) / correction + self.eps)


class MLPStep:
    """One SGD step of Linear-ReLU-Linear with cross-entropy: `step()` returns the loss (before the update)."""

    def __init__(self, weights, x, target, lr, xp):
        self.params = weights  # [w1, b1, w2, b2], updated in place
        self.x, self.target, self.lr, self.xp = x, target, lr, xp

    def step(self):
        w1, b1, w2, b2 = self.params
        hidden_pre = linear_forward(self.x, w1, b1)
        hidden = self.xp.maximum(hidden_pre, 0)
        logits = linear_forward(hidden, w2, b2)
        loss, grad_logits = softmax_cross_entropy(logits, self.target, self.xp)
        grad_hidden, grad_w2, grad_b2 = linear_backward(grad_logits, hidden, w2)
        _, grad_w1, grad_b1 = linear_backward(relu_backward(grad_hidden, hidden), self.x, w1, need_input_grad=False)
        sgd_update(self.params, [grad_w1, grad_b1, grad_w2, grad_b2], self.lr)
        return loss


class CNNStep:
    """One step of Conv(3x3, p1)-ReLU-Pool-Conv(3x3, p1)-ReLU-Pool-Flatten-Linear, any channel counts.

    SGD by default (case B: Conv 1->16, 16->32); optimizer="adam" for examples/mnist.py's CNN (case F:
    Conv 1->32, 32->64, Adam).
    """

    def __init__(self, weights, x, target, lr, xp, optimizer="sgd"):
        self.params = weights  # [conv1 w, b, conv2 w, b, linear w, b], updated in place
        self.x, self.target, self.lr, self.xp = x, target, lr, xp
        self.adam = Adam(weights, lr, xp) if optimizer == "adam" else None

    def step(self):
        xp = self.xp
        conv1_w, conv1_b, conv2_w, conv2_b, fc_w, fc_b = self.params
        conv1, columns1 = conv2d_forward(self.x, conv1_w, conv1_b, 1, xp)
        relu1 = xp.maximum(conv1, 0)
        pool1 = max_pool2x2_forward(relu1, xp)
        conv2, columns2 = conv2d_forward(pool1, conv2_w, conv2_b, 1, xp)
        relu2 = xp.maximum(conv2, 0)
        pool2 = max_pool2x2_forward(relu2, xp)
        flat = pool2.reshape(pool2.shape[0], -1)
        logits = linear_forward(flat, fc_w, fc_b)
        loss, grad_logits = softmax_cross_entropy(logits, self.target, xp)

        grad_flat, grad_fc_w, grad_fc_b = linear_backward(grad_logits, flat, fc_w)
        grad_relu2 = max_pool2x2_backward(grad_flat.reshape(pool2.shape), relu2, pool2, xp)
        grad_conv2 = relu_backward(grad_relu2, relu2)
        grad_pool1, grad_conv2_w, grad_conv2_b = conv2d_backward(grad_conv2, columns2, conv2_w, pool1.shape, 1, xp)
        grad_relu1 = max_pool2x2_backward(grad_pool1, relu1, pool1, xp)
        grad_conv1 = relu_backward(grad_relu1, relu1)
        _, grad_conv1_w, grad_conv1_b = conv2d_backward(
            grad_conv1, columns1, conv1_w, self.x.shape, 1, xp, need_input_grad=False
        )
        grads = [grad_conv1_w, grad_conv1_b, grad_conv2_w, grad_conv2_b, grad_fc_w, grad_fc_b]
        if self.adam is None:
            sgd_update(self.params, grads, self.lr)
        else:
            self.adam.update(grads)
        return loss


def xor_training(weights, x, target, lr, steps, xp):
    """`steps` SGD steps of Linear(2,8)-Tanh-Linear(8,1)-Sigmoid with MSE loss; returns the last loss."""
    w1, b1, w2, b2 = weights
    for _ in range(steps):
        hidden = xp.tanh(linear_forward(x, w1, b1))
        out = 1 / (1 + xp.exp(-linear_forward(hidden, w2, b2)))
        error = out - target
        loss = (error * error).mean()
        grad_pre_out = (2 / error.size) * error * out * (1 - out)
        grad_hidden, grad_w2, grad_b2 = linear_backward(grad_pre_out, hidden, w2)
        _, grad_w1, grad_b1 = linear_backward(grad_hidden * (1 - hidden * hidden), x, w1, need_input_grad=False)
        sgd_update(weights, [grad_w1, grad_b1, grad_w2, grad_b2], lr)
    return loss
