"""The course's MLP, built from a RunConfig, initialised and regularised with the run's own generators."""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from .config import CLASSES, IN_FEATURES, RunConfig


class SeededDropout(nn.Module):
    """Dropout whose masks come from the run's generator, so a seed fixes them even beside other runs."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p
        self.generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        return x * self.mask(x) / (1 - self.p)

    def mask(self, x: torch.Tensor) -> torch.Tensor:
        """1 where a unit of x is kept, 0 where it is dropped: the next draw of the generator."""
        return torch.empty_like(x).bernoulli_(1 - self.p, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class MLP(nn.Module):
    """Linear → [BatchNorm] → ReLU → [Dropout] per hidden layer, then a linear classifier."""

    def __init__(self, hidden=(256, 256), dropout: float = 0.0, batchnorm: bool = False, shared_bn: bool = False):
        super().__init__()
        sizes = (IN_FEATURES, *hidden)
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        # shared_bn reproduces the course's slip: bn1 normalises every hidden layer.
        norm_count = (1 if shared_bn else len(hidden)) if batchnorm else 0
        self.norms = nn.ModuleList(nn.BatchNorm1d(h) for h in hidden[:norm_count])
        self.dropout = SeededDropout(dropout) if dropout > 0 else None
        self.out = nn.Linear(sizes[-1], CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)
        for i, linear in enumerate(self.hidden):
            x = linear(x)
            if self.norms:
                x = self.norms[self.norm_index(i)](x)
            x = F.relu(x)
            if self.dropout is not None:
                x = self.dropout(x)
        return self.out(x)

    def norm_index(self, layer: int) -> int | None:
        """Which of self.norms follows hidden layer `layer`: its own, bn1 for all under the shared-bn slip, or None."""
        return min(layer, len(self.norms) - 1) if self.norms else None

    def forward_backward(self, x: torch.Tensor, y: torch.Tensor, keep_graph: bool = False):
        """One training step's forward, cross-entropy and backward, written out: (logits, loss, gradients).

        The gradients, in parameters() order, are those F.cross_entropy(self(x), y).backward() leaves, bit for bit:
        the same kernels on the same tensors, always in training mode whatever self.training says (dropout masks
        drawn, BatchNorm statistics updated). Checked on CPU and on CUDA (BENCHMARKS.md, "GPU").
        Without autograd's engine they take ~25 % less time on CPU, a whole training step 6–18 % (BENCHMARKS.md).
        keep_graph records the forward's autograd graph on the loss, as the course's `loss_train += loss` needs, and
        runs autograd's backward through it, which frees the graph's tensors as the course's loss.backward() does.
        """
        # Each module's tensors fetched once: nn.Module's attribute lookups, ModuleList indexing and parameters(),
        # repeated in both passes, cost 40–70 µs of a ~500 µs call on CPU at batch 64 (BENCHMARKS.md).
        layers = [(linear.weight, linear.bias, self.norm_index(i)) for i, linear in enumerate(self.hidden)]
        norms, dropout, out_weight, out_bias = list(self.norms), self.dropout, self.out.weight, self.out.bias
        with torch.set_grad_enabled(keep_graph):
            a, saved = x.flatten(1), []  # per hidden layer: its input, BatchNorm statistics, ReLU output, dropout mask
            for weight, bias, j in layers:
                h, statistics = torch.addmm(bias, a, weight.t()), None  # F.linear's own call
                if j is not None:  # nn.BatchNorm1d's training step: count the batch, normalise, update the stats
                    if len(h) < 2:
                        raise ValueError("BatchNorm cannot train on a batch of one row: choose a batch size that "
                                         "does not leave one row over at the end of an epoch")
                    norm = norms[j]
                    norm.num_batches_tracked.add_(1)
                    h_in, (h, mean, invstd) = h, torch.native_batch_norm(
                        h, norm.weight, norm.bias, norm.running_mean, norm.running_var, True, norm.momentum, norm.eps)
                    statistics = (h_in, mean, invstd)
                r = torch.relu(h)
                keep = None if dropout is None else dropout.mask(r)
                saved.append((a, statistics, r, keep))
                a = r if keep is None else r * keep / (1 - dropout.p)
            logits = torch.addmm(out_bias, a, out_weight.t())
            log_p = torch.log_softmax(logits, 1)
            loss, total_weight = torch.ops.aten.nll_loss_forward(log_p, y, None, 1, -100)  # the batch's mean
        if keep_graph:  # autograd's backward, as the course's: it frees the tensors, the summed loss keeps the nodes
            return logits, loss, list(torch.autograd.grad(loss, list(self.parameters())))
        with torch.no_grad():
            g = torch.ops.aten.nll_loss_backward(torch.ones_like(loss), log_p, y, None, 1, -100, total_weight)
            g = torch._log_softmax_backward_data(g, log_p, 1, log_p.dtype)  # ∂loss/∂logits
            out_gradients = [g.t().mm(a), g.sum(0)]
            g = g.mm(out_weight)
            hidden_gradients, norm_gradients = [None] * len(layers), [None] * len(norms)
            for i in reversed(range(len(layers))):
                (weight, _, j), (a, statistics, r, keep) = layers[i], saved[i]
                if keep is not None:
                    g = g / (1 - dropout.p) * keep
                g = torch.ops.aten.threshold_backward(g, r, 0)
                if statistics is not None:
                    norm, (h_in, mean, invstd) = norms[j], statistics
                    g, *affine = torch.ops.aten.native_batch_norm_backward(
                        g, h_in, norm.weight, norm.running_mean, norm.running_var, mean, invstd, True, norm.eps,
                        [True, True, True])
                    if norm_gradients[j] is not None:  # bn1 after every layer (shared-bn): summed, as by autograd
                        affine = [earlier + later for earlier, later in zip(norm_gradients[j], affine)]
                    norm_gradients[j] = affine
                hidden_gradients[i] = (g.t().mm(a), g.sum(0))
                if i > 0:
                    g = g.mm(weight)
        # parameters() order is __init__'s: the hidden layers', the norms', the output layer's
        return logits, loss, [t for pair in hidden_gradients + norm_gradients for t in pair] + out_gradients


def build_model(config: RunConfig, generator: torch.Generator | None = None) -> MLP:
    """The model a config describes, its weights drawn from `generator` (PyTorch's default init law)."""
    model = MLP(config.hidden, config.dropout, config.batchnorm, shared_bn="shared-bn" in config.slips)
    if generator is not None:
        with torch.no_grad():
            for linear in [*model.hidden, model.out]:
                bound = 1 / math.sqrt(linear.in_features)  # what nn.Linear's kaiming_uniform(a=√5) amounts to
                linear.weight.uniform_(-bound, bound, generator=generator)
                linear.bias.uniform_(-bound, bound, generator=generator)
    return model
