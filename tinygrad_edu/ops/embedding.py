"""Embedding lookup: row `i` of a (num_embeddings, dim) table for each integer index `i`.

Forward is plain indexing, `weight[indices]`; backward adds each output row's gradient back into
the row it was read from (an index that appears twice gets both gradients).
"""

from ..array_function import ArrayFunction
from ..backend import backend_of
from .movement import IndexedAdd


class Embedding(ArrayFunction):
    """out[..., :] = weight[indices[...], :];  dweight[i] = sum of g over the positions holding i.

    The row at `padding_idx` (when given) gets no gradient, so it keeps its value while training.
    Plain version of the backward: for each position p, dweight[indices[p]] += g[p].
    """

    @staticmethod
    def forward(ctx, weight, indices, padding_idx):
        ctx.save_for_backward(indices)
        ctx.weight_shape, ctx.padding_idx = weight.shape, padding_idx
        return weight[indices]

    @staticmethod
    def backward(ctx, grad_output):
        (indices,) = ctx.saved_arrays
        if ctx.create_graph:  # the scatter-add as a recorded op; the padding row's gradients masked out first
            rows = grad_output.reshape(-1, ctx.weight_shape[1])
            flat = indices.reshape(-1)
            if ctx.padding_idx is not None:
                rows = rows * (flat != ctx.padding_idx)[:, None]
            return IndexedAdd.apply(rows, ctx.weight_shape, flat), None, None
        backend = backend_of(grad_output)
        grad_weight = backend.xp.zeros(ctx.weight_shape, dtype=grad_output.dtype)
        rows = grad_output.reshape(-1, ctx.weight_shape[1])
        backend.scatter_add(grad_weight, indices.reshape(-1), rows)
        if ctx.padding_idx is not None:
            grad_weight[ctx.padding_idx] = 0
        return grad_weight, None, None
