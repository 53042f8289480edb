"""Train a small GPT, a decoder-only transformer, to sort digits or to make up first names.

    python examples/gpt.py --task sort     # sort 8 digits: 99.85% held-out exact match measured
    python examples/gpt.py --task names    # first names: held-out loss 1.89 against the bigram model's 2.34
    python examples/gpt.py --task names --save names.safetensors --plot loss.png

sort: the model reads 8 random digits and writes them in order, one token at a time. It is trained on
random sequences and scored on 2,000 held-out ones it never saw: a sequence counts only when all 8 tokens
it writes are right. names: the 5,163 distinct first names that the `names` package ships (its
dist.male.first and dist.female.first files, installed with the `examples` extra); every tenth, in
alphabetical order, is held out. The model's loss per character on them is compared with a bigram
model's (next-character counts from the training names, add-one smoothed), and a few names are sampled.

The model is minGPT's: token and position embeddings, blocks of causal self-attention and an MLP, each
behind a LayerNorm and added back to its input, then a LayerNorm and a Linear to next-token logits.
"""

import os

# The matrices here are small (a few hundred rows by 64 columns): splitting each product across threads
# costs more than it saves (a training step measured 8x slower on a busy 2-core machine). Set before numpy
# loads OpenBLAS; a value you set yourself wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn

# --- the model -----------------------------------------------------------------------------------------


class CausalSelfAttention(nn.Module):
    """Each position mixes the values of itself and the positions before it, weighted by query-key match.

    weights = softmax(q @ k.T / sqrt(head_size), with the future masked to -inf);  out = weights @ v,
    computed by `heads` heads side by side, each on its own slice of the width, then mixed by `proj`.
    """

    def __init__(self, width, heads, dropout):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)  # queries, keys and values of every head in one product
        self.proj = nn.Linear(width, width)
        self.attention_dropout = nn.Dropout(dropout)
        self.output_dropout = nn.Dropout(dropout)

    def forward(self, x):
        batch, length, width = x.shape
        head_size = width // self.heads
        query, key, value = self.qkv(x).split(width, dim=2)
        # (batch, length, width) -> (batch, heads, length, head_size): the heads become a batch dim
        query, key, value = [
            part.reshape(batch, length, self.heads, head_size).transpose(1, 2) for part in (query, key, value)
        ]
        scores = query @ key.transpose(-2, -1) / math.sqrt(head_size)  # (batch, heads, length, length)
        future = tg.ones(length, length, device=x.device).tril() == 0  # True above the diagonal
        weights = scores.masked_fill(future, float("-inf")).softmax(dim=-1)
        out = self.attention_dropout(weights) @ value
        out = out.transpose(1, 2).reshape(batch, length, width)  # the heads side by side again
        return self.output_dropout(self.proj(out))


class Block(nn.Module):
    """x + attention(LayerNorm(x)), then that + MLP(LayerNorm(that)): the residual stream, pre-norm."""

    def __init__(self, width, heads, dropout):
        super().__init__()
        self.ln1 = nn.LayerNorm(width)
        self.attention = CausalSelfAttention(width, heads, dropout)
        self.ln2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(
            nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width), nn.Dropout(dropout)
        )  # fmt: skip

    def forward(self, x):
        x = x + self.attention(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    """Token ids (batch, length) -> next-token logits (batch, length, vocabulary_size)."""

    def __init__(self, vocabulary_size, block_size, layers=2, heads=4, width=64, dropout=0.0):
        super().__init__()
        self.block_size = block_size
        self.token_embedding = nn.Embedding(vocabulary_size, width)
        self.position_embedding = nn.Embedding(block_size, width)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.Sequential(*[Block(width, heads, dropout) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocabulary_size)
        for module in self.modules():  # GPT-2's initialisation: small normal weights, zero biases
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=0.02)
            if isinstance(module, nn.Linear):
                nn.init.zeros_(module.bias)

    def forward(self, tokens):
        length = tokens.shape[1]
        if length > self.block_size:
            raise ValueError(f"GPT: got {length} tokens, but the model was built for at most {self.block_size}")
        positions = tg.arange(length, device=tokens.device)
        x = self.dropout(self.token_embedding(tokens) + self.position_embedding(positions))
        return self.head(self.ln_f(self.blocks(x)))


def generate(model, tokens, steps, rng=None):
    """Append `steps` tokens, each the most likely next one (rng=None) or drawn from the model's probabilities.

    No key-value cache: each step runs the model on the whole sequence so far, which is simple and, at
    these lengths, fast enough.
    """
    with tg.no_grad():
        for _ in range(steps):
            logits = model(tokens[:, -model.block_size :])[:, -1]
            if rng is None:
                next_token = logits.argmax(dim=-1, keepdim=True)
            else:  # inverse-CDF sampling: the first token whose cumulative probability passes a uniform draw
                cumulative = logits.softmax(dim=-1).cpu().numpy().cumsum(axis=1)
                draws = (cumulative < rng.random((len(cumulative), 1))).sum(axis=1, keepdims=True)
                next_token = tg.tensor(np.minimum(draws, cumulative.shape[1] - 1), device=tokens.device)
            tokens = tg.cat([tokens, next_token], dim=1)
    return tokens


# --- the tasks -----------------------------------------------------------------------------------------

IGNORE = -100  # cross_entropy's ignore_index: a target that is not scored


class SortTask:
    """Read `length` random digits, then write them sorted: [3 1 2] -> [3 1 2 1 2 3], scored on the last 3."""

    def __init__(self, length=8, digits=10, held_out_size=2000):
        self.length, self.vocabulary_size, self.block_size = length, digits, 2 * length - 1
        self.held_out = np.random.default_rng(1234).integers(0, digits, (held_out_size, length))  # same for every seed
        self.held_out_codes = np.unique(self.encode(self.held_out))

    def encode(self, sequences):
        """Each sequence as one integer (its digits in base `digits`), to look it up among the held-out ones."""
        return sequences @ self.vocabulary_size ** np.arange(self.length)

    def batch(self, rng, size):
        sequences = rng.integers(0, self.vocabulary_size, (size, self.length))
        held_out = np.isin(self.encode(sequences), self.held_out_codes)
        while held_out.any():  # never train on a held-out sequence
            sequences[held_out] = rng.integers(0, self.vocabulary_size, (held_out.sum(), self.length))
            held_out = np.isin(self.encode(sequences), self.held_out_codes)
        both = np.concatenate([sequences, np.sort(sequences, axis=1)], axis=1)
        inputs, targets = both[:, :-1], both[:, 1:].copy()
        targets[:, : self.length - 1] = IGNORE  # the unsorted digits are random: nothing to learn there
        return inputs, targets

    def describe(self):
        return f"sort {self.length} digits 0-{self.vocabulary_size - 1}, {len(self.held_out)} held-out sequences"

    def report(self, model, device, args):
        """The percentage of held-out sequences whose sorted half the model writes exactly."""
        written = generate(model, tg.tensor(self.held_out, device=device), self.length).cpu().numpy()[:, self.length :]
        exact = (written == np.sort(self.held_out, axis=1)).all(axis=1).mean()
        return [f"held-out exact match: {100 * exact:.2f}%"]


class NamesDataMissing(RuntimeError):
    """The `names` package, whose files hold the first names, is not installed."""


def read_first_names():
    """The distinct first names of the `names` package's two lists, lower-case, sorted."""
    try:
        from importlib.resources import files

        package = files("names")
    except ModuleNotFoundError:
        raise NamesDataMissing(
            "--task names reads the first names that the `names` package ships; install it with "
            "`pip install names` (or `pip install -e '.[examples]'`)"
        ) from None
    names = set()
    for filename in ("dist.male.first", "dist.female.first"):
        for line in (package / filename).read_text(encoding="ascii").splitlines():
            if line.strip():
                names.add(line.split()[0].lower())  # "JAMES  3.318  3.318  1": the name, then its frequencies
    return sorted(names)


class NamesTask:
    """Predict each next character of a name framed by '.': ".emma." -> inputs ".emma", targets "emma."."""

    def __init__(self, names):
        self.characters = ["."] + sorted(set("".join(names)))  # "." starts and ends every name
        self.vocabulary_size = len(self.characters)
        self.block_size = max(len(name) for name in names) + 1
        rows = self.encode(names)
        held_out = np.arange(len(names)) % 10 == 9  # every tenth name, in alphabetical order
        self.train_rows, self.held_out_rows = rows[~held_out], rows[held_out]

    def encode(self, names):
        """Each name as a row of block_size + 1 character ids, '.' at both ends, padded with IGNORE."""
        index = {character: number for number, character in enumerate(self.characters)}
        rows = np.full((len(names), self.block_size + 1), IGNORE)
        for row, name in zip(rows, names):
            row[: len(name) + 2] = [0] + [index[character] for character in name] + [0]
        return rows

    @staticmethod
    def split(rows):
        inputs, targets = rows[:, :-1].copy(), rows[:, 1:]
        inputs[inputs == IGNORE] = 0  # after a name's end: never seen by its scored positions (the causal mask)
        return inputs, targets

    def batch(self, rng, size):
        return self.split(self.train_rows[rng.integers(0, len(self.train_rows), size)])

    def describe(self):
        return f"names: {len(self.train_rows)} training and {len(self.held_out_rows)} held-out first names"

    def bigram_loss(self):
        """The held-out loss per character of next-character counts from the training names, add-one smoothed."""
        inputs, targets = self.split(self.train_rows)
        counts = np.ones((self.vocabulary_size, self.vocabulary_size))
        scored = targets != IGNORE
        np.add.at(counts, (inputs[scored], targets[scored]), 1)
        log_probabilities = np.log(counts / counts.sum(axis=1, keepdims=True))
        inputs, targets = self.split(self.held_out_rows)
        scored = targets != IGNORE
        return -log_probabilities[inputs[scored], targets[scored]].mean()

    def report(self, model, device, args):
        """A few sampled names, then the held-out loss per character beside the bigram model's."""
        inputs, targets = self.split(self.held_out_rows)
        with tg.no_grad():
            logits = model(tg.tensor(inputs, device=device))
            targets = tg.tensor(targets, device=device).reshape(-1)
            loss = nn.functional.cross_entropy(logits.reshape(-1, self.vocabulary_size), targets).item()
        lines = []
        if args.samples:
            starts = tg.zeros(args.samples, 1, dtype=tg.int64, device=device)  # every name starts after a "."
            written = generate(model, starts, self.block_size, np.random.default_rng(args.seed)).cpu().numpy()[:, 1:]
            samples = ["".join(self.characters[token] for token in row).split(".")[0] for row in written]
            lines.append(f"sampled names: {', '.join(samples)}")
        return lines + [f"held-out loss: {loss:.4f} (bigram baseline {self.bigram_loss():.4f})"]


TASKS = {"sort": SortTask, "names": lambda: NamesTask(read_first_names())}

# Per task: (layers, heads, width, dropout, steps, batch size, peak lr). Names are few (4,647 to train on):
# without dropout the model starts to learn them by heart (training loss 1.62, held-out 1.92, seed 0).
# Dropout 0.1 gave the best held-out loss measured, 1.89; 0.2 gave 1.93.
DEFAULTS = {
    "sort": dict(layers=2, heads=4, width=64, dropout=0.0, steps=1000, batch_size=64, lr=3e-3),
    "names": dict(layers=2, heads=4, width=64, dropout=0.1, steps=2000, batch_size=64, lr=3e-3),
}
WARMUP_FRACTION = 0.05  # of the steps


# --- training ------------------------------------------------------------------------------------------


def learning_rate(step, peak, warmup, total):
    """A linear warm-up from 0 to `peak` over `warmup` steps, then half a cosine down to 0 at step `total`."""
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * (1 + math.cos(math.pi * (step - warmup) / (total - warmup))) / 2


def make_optimizer(model, lr, weight_decay):
    """AdamW, decaying the matrices (weights and embeddings) but not the biases and LayerNorm gains."""
    matrices = [parameter for parameter in model.parameters() if parameter.dim() >= 2]
    vectors = [parameter for parameter in model.parameters() if parameter.dim() < 2]
    groups = [{"params": matrices, "weight_decay": weight_decay}, {"params": vectors, "weight_decay": 0.0}]
    return tg.optim.AdamW(groups, lr=lr, betas=(0.9, 0.99))


def progress(steps):
    """A tqdm bar over the steps when tqdm is installed, else the plain range."""
    try:
        from tqdm import tqdm
    except ImportError:
        return range(steps)
    return tqdm(range(steps), desc="training", unit="step", leave=False, file=sys.stderr, dynamic_ncols=True)


class TrainingDiverged(RuntimeError):
    """The loss stopped being a finite number: every later step would only spread NaN through the weights."""


def train(model, task, args):
    """`args.steps` AdamW steps on fresh training batches; returns the loss of each step."""
    optimizer = make_optimizer(model, args.lr, args.weight_decay)
    warmup = max(1, round(WARMUP_FRACTION * args.steps))
    rng = np.random.default_rng(args.seed)
    model.train()
    losses = []
    steps = progress(args.steps)
    for step in steps:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, args.lr, warmup, args.steps)
        inputs, targets = task.batch(rng, args.batch_size)
        logits = model(tg.tensor(inputs, device=args.device))
        loss = nn.functional.cross_entropy(
            logits.reshape(-1, task.vocabulary_size), tg.tensor(targets, device=args.device).reshape(-1)
        )
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            raise TrainingDiverged(f"loss became {losses[-1]} at step {step + 1}: lower --lr")
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)  # one bad batch can't throw the weights far
        optimizer.step()
        if hasattr(steps, "set_postfix") and len(losses) % 10 == 0:
            steps.set_postfix(loss=f"{sum(losses[-50:]) / len(losses[-50:]):.4f}")
    model.eval()
    return losses


def plot_losses(losses, baseline, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4))
    steps = range(1, len(losses) + 1)
    axis.plot(steps, losses, lw=0.5, alpha=0.4, label="per step")
    window = min(50, len(losses))
    smoothed = [sum(losses[end - window : end]) / window for end in range(window, len(losses) + 1)]
    axis.plot(steps[window - 1 :], smoothed, color="C0", label=f"mean of the last {window} steps")
    if baseline is not None:
        axis.axhline(baseline, color="C3", linestyle="--", label="bigram model, held-out")
    axis.set(xlabel="step", ylabel="training loss (per token)", yscale="log", title="GPT training loss")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def run(args):
    tg.manual_seed(args.seed)
    task = TASKS[args.task]()
    model = GPT(task.vocabulary_size, task.block_size, args.layers, args.heads, args.width, args.dropout)
    model = model.to(args.device)
    print(
        f"{task.describe()}; GPT of {args.layers} layers, {args.heads} heads, width {args.width}: "
        f"{sum(parameter.numel() for parameter in model.parameters())} parameters; AdamW lr {args.lr:g}, "
        f"{args.steps} steps of {args.batch_size}, device {args.device}"
    )
    start = time.perf_counter()
    losses = train(model, task, args)
    window = losses[-50:]
    print(f"trained in {time.perf_counter() - start:.1f} s: loss {sum(window) / len(window):.4f} over the last steps")
    if args.save:
        tg.save(model.state_dict(), args.save)
        print(f"model saved to {args.save}")
    if args.plot:
        plot_losses(losses, task.bigram_loss() if isinstance(task, NamesTask) else None, args.plot)
        print(f"loss curve saved to {args.plot}")
    for line in task.report(model, args.device, args):
        print(line)


def positive(kind):
    def parse(text):
        value = kind(text)
        if not 0 < value < math.inf:  # also false for NaN
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def fraction(text):
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must lie in [0, 1), got {text}")
    return value


def non_negative(kind):
    def parse(text):
        value = kind(text)
        if not 0 <= value < math.inf:  # also false for NaN
            raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def seed(text):
    value = int(text)
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must lie in 0 .. 2**63 - 1, got {text}")
    return value


def check_output_path(parser, flag, path):
    """Fail before training, not after it, when `path` can't be written."""
    path = Path(path).expanduser()
    if path.is_dir():
        parser.error(f"{flag} {path}: is a directory; give a file name")
    if not path.parent.is_dir():
        parser.error(f"{flag} {path}: the directory {path.parent} does not exist")
    if not os.access(path if path.exists() else path.parent, os.W_OK):
        parser.error(f"{flag} {path}: {'the file' if path.exists() else 'its directory'} is not writable")


def check_plot_format(parser, path):
    """matplotlib picks the image format from the extension: check it knows this one before training."""
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        parser.error("--plot needs matplotlib: install it with `pip install matplotlib`")
    extension = Path(path).suffix.lstrip(".").lower()
    formats = FigureCanvasBase.get_supported_filetypes()
    if extension and extension not in formats:
        parser.error(f"--plot {path}: matplotlib can't write .{extension} files; use one of .{', .'.join(formats)}")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", choices=sorted(TASKS), default="sort", help="(default: sort)")

    def tuned(flag):  # "(default: 2 for sort, 2 for names)"
        return f"(default: {DEFAULTS['sort'][flag]} for sort, {DEFAULTS['names'][flag]} for names)"

    parser.add_argument("--layers", type=positive(int), help=f"transformer blocks {tuned('layers')}")
    parser.add_argument("--heads", type=positive(int), help=f"attention heads per block {tuned('heads')}")
    parser.add_argument("--width", type=positive(int), help=f"embedding width {tuned('width')}")
    parser.add_argument("--dropout", type=fraction, help=f"dropout probability {tuned('dropout')}")
    parser.add_argument("--steps", type=positive(int), help=f"training steps {tuned('steps')}")
    parser.add_argument("--batch-size", type=positive(int), help=f"sequences per step {tuned('batch_size')}")
    parser.add_argument("--lr", type=positive(float), help=f"peak learning rate {tuned('lr')}")
    parser.add_argument(
        "--weight-decay", type=non_negative(float), default=0.1, help="AdamW's, on the matrices (default: 0.1)"
    )
    parser.add_argument(
        "--samples", type=non_negative(int), default=10, help="names to sample after training (default: 10)"
    )
    parser.add_argument("--seed", type=seed, default=0, help="seed for the initial weights and batches (default: 0)")
    parser.add_argument("--save", metavar="PATH", help="save the trained weights (tinygrad_edu.save, safetensors)")
    parser.add_argument("--plot", metavar="PATH", help="save the training loss curve as a PNG (needs matplotlib)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (needs CuPy) (default: cpu)")
    args = parser.parse_args(argv)
    for flag, value in DEFAULTS[args.task].items():
        if getattr(args, flag) is None:
            setattr(args, flag, value)
    if args.width % args.heads:
        parser.error(f"--width {args.width} must be a multiple of --heads {args.heads}: each head takes a slice")
    for flag, path in [("--save", args.save), ("--plot", args.plot)]:
        if path:
            check_output_path(parser, flag, path)
    if args.plot:
        check_plot_format(parser, args.plot)
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        tg.zeros(1, device=args.device)  # fail now, not after building the model, if the device is unusable
    except (RuntimeError, ValueError) as error:
        sys.exit(f"error: --device {args.device}: {error}")
    try:
        run(args)
    except (OSError, NamesDataMissing, TrainingDiverged) as error:
        sys.exit(f"error: {error}")
    except KeyboardInterrupt:
        sys.exit("interrupted")


if __name__ == "__main__":
    main()
