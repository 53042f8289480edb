"""A tiny next-token model in the style of a PyTorch language-model script: Embedding, LayerNorm, a causal
self-attention made with `tril` and `masked_fill`, GELU, gradient clipping with `clip_grad_norm_`, and
decoding under `inference_mode` with `topk`, `sort` and `one_hot`; trained with RMSprop, Adagrad or Adadelta.
"""

import math

import numpy as np
import pytest

import tinygrad_edu

VOCABULARY, WIDTH = 7, 8
TOKENS = [[0, 3, 1, 4, 1, 5], [2, 6, 5, 3, 5, 0]]


def make_model(lib):
    nn, F = lib.nn, lib.nn.functional

    class TinyLanguageModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCABULARY, WIDTH)
            self.norm = nn.LayerNorm(WIDTH)
            self.mix = nn.Linear(WIDTH, WIDTH)
            self.act = nn.GELU()
            self.head = nn.Linear(WIDTH, VOCABULARY)

        def forward(self, tokens):
            h = self.norm(self.embedding(tokens))
            length = tokens.shape[1]
            scores = h @ h.transpose(-2, -1) / math.sqrt(WIDTH)
            future = lib.tril(lib.ones(length, length, device=tokens.device)) == 0
            weights = F.softmax(scores.masked_fill(future, float("-inf")), dim=-1)
            return self.head(h + self.act(self.mix(weights @ h)))

    return TinyLanguageModel()


def train_and_decode(lib, optimizer_name, initial_state=None, steps=8, **optimizer_arguments):
    device = lib.accelerator.current_accelerator() if lib.accelerator.is_available() else "cpu"
    model = make_model(lib).to(device)
    if initial_state is not None:
        model.load_state_dict({name: lib.tensor(array) for name, array in initial_state.items()})
    start = {name: value.detach().numpy().copy() for name, value in model.state_dict().items()}
    optimizer = getattr(lib.optim, optimizer_name)(model.parameters(), **optimizer_arguments)
    tokens = lib.tensor(TOKENS, device=device)
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    losses, norms = [], []
    for _ in range(steps):
        logits = model(inputs)
        loss = lib.nn.functional.cross_entropy(logits.reshape(-1, VOCABULARY), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        norms.append(lib.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5).item())
        optimizer.step()
        losses.append(loss.item())
    with lib.inference_mode():
        probabilities = lib.nn.functional.softmax(model(inputs), dim=-1)
        best, best_tokens = probabilities.topk(3, dim=-1)
        ranked, order = probabilities.sort(dim=-1, descending=True)
        guesses = lib.nn.functional.one_hot(best_tokens[..., 0], VOCABULARY)
        assert not probabilities.requires_grad
    results = [losses, norms, best.numpy(), best_tokens.numpy(), ranked.numpy(), order.numpy(), guesses.numpy()]
    return start, results


OPTIMIZERS = [
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "centered": True}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.1}),
    ("Adadelta", {"lr": 1.0, "rho": 0.8}),
]


@pytest.mark.parametrize(("name", "arguments"), OPTIMIZERS, ids=[name for name, _ in OPTIMIZERS])
def test_the_model_learns_and_decodes(name, arguments):
    tinygrad_edu.manual_seed(0)
    _, (losses, norms, best, best_tokens, ranked, order, guesses) = train_and_decode(tinygrad_edu, name, **arguments)
    assert losses[-1] < losses[0]
    assert all(norm > 0 for norm in norms)
    np.testing.assert_array_equal(best, ranked[..., :3])  # topk's values come sorted, as sort's first three
    np.testing.assert_array_equal(guesses.argmax(-1), best_tokens[..., 0])
    assert guesses.sum() == best_tokens[..., 0].size


@pytest.mark.parametrize(("name", "arguments"), OPTIMIZERS, ids=[name for name, _ in OPTIMIZERS])
def test_the_model_matches_pytorch(name, arguments, torch):
    tinygrad_edu.manual_seed(0)
    start, ours = train_and_decode(tinygrad_edu, name, **arguments)
    _, theirs = train_and_decode(torch, name, initial_state=start, **arguments)
    labels = ["losses", "gradient norms", "topk values", "topk indices", "sorted", "sort order", "one_hot"]
    for label, mine, reference in zip(labels, ours, theirs):
        np.testing.assert_allclose(mine, reference, rtol=1e-4, atol=1e-6, err_msg=label)
