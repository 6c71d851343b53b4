"""The course's MLP, built from a RunConfig, initialised and regularised with the run's own generators."""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from .config import RunConfig

IN_FEATURES = 28 * 28
CLASSES = 10


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
                x = self.norm_of(i)(x)
            x = F.relu(x)
            if self.dropout is not None:
                x = self.dropout(x)
        return self.out(x)

    def norm_of(self, layer: int) -> nn.BatchNorm1d | None:
        """The BatchNorm after hidden layer `layer`: its own, bn1 for all under the shared-bn slip, or None."""
        return self.norms[min(layer, len(self.norms) - 1)] if self.norms else None

    def forward_backward(self, x: torch.Tensor, y: torch.Tensor, keep_graph: bool = False):
        """One training step's forward, cross-entropy and backward, written out: (logits, loss, gradients).

        The gradients, in parameters() order, are those F.cross_entropy(self(x), y).backward() leaves, bit for bit:
        the same kernels on the same tensors, always in training mode whatever self.training says (dropout masks
        drawn, BatchNorm statistics updated).
        Without autograd's engine they take ~25 % less time on CPU, a whole training step 6–18 % (BENCHMARKS.md).
        keep_graph records the forward's autograd graph on the loss, as the course's `loss_train += loss` needs, and
        runs autograd's backward through it, which frees the graph's tensors as the course's loss.backward() does.
        On CUDA, BatchNorm runs torch's native kernel where nn.BatchNorm1d would pick cuDNN's.
        """
        with torch.set_grad_enabled(keep_graph):
            a, saved = x.flatten(1), []  # per hidden layer: its input, BatchNorm statistics, ReLU output, dropout mask
            for i, linear in enumerate(self.hidden):
                h = torch.addmm(linear.bias, a, linear.weight.t())  # F.linear's own call
                norm, statistics = self.norm_of(i), None
                if norm is not None:  # nn.BatchNorm1d's training step: count the batch, normalise, update the stats
                    if len(h) < 2:
                        raise ValueError("BatchNorm cannot train on a batch of one row: choose a batch size that "
                                         "does not leave one row over at the end of an epoch")
                    norm.num_batches_tracked.add_(1)
                    h_in, (h, mean, invstd) = h, torch.native_batch_norm(
                        h, norm.weight, norm.bias, norm.running_mean, norm.running_var, True, norm.momentum, norm.eps)
                    statistics = (h_in, mean, invstd)
                r = torch.relu(h)
                keep = None if self.dropout is None else self.dropout.mask(r)
                saved.append((a, statistics, r, keep))
                a = r if keep is None else r * keep / (1 - self.dropout.p)
            logits = torch.addmm(self.out.bias, a, self.out.weight.t())
            log_p = torch.log_softmax(logits, 1)
            loss, total_weight = torch.ops.aten.nll_loss_forward(log_p, y, None, 1, -100)  # the batch's mean
        if keep_graph:  # autograd's backward, as the course's: it frees the tensors, the summed loss keeps the nodes
            return logits, loss, list(torch.autograd.grad(loss, list(self.parameters())))
        with torch.no_grad():
            grads = {}

            def add(parameter, gradient):  # a parameter used twice (shared-bn) gets the sum, as from autograd
                grads[parameter] = grads[parameter] + gradient if parameter in grads else gradient

            g = torch.ops.aten.nll_loss_backward(torch.ones_like(loss), log_p, y, None, 1, -100, total_weight)
            g = torch._log_softmax_backward_data(g, log_p, 1, log_p.dtype)  # ∂loss/∂logits
            add(self.out.weight, g.t().mm(a))
            add(self.out.bias, g.sum(0))
            g = g.mm(self.out.weight)
            for i in reversed(range(len(self.hidden))):
                a, statistics, r, keep = saved[i]
                if keep is not None:
                    g = g / (1 - self.dropout.p) * keep
                g = torch.ops.aten.threshold_backward(g, r, 0)
                if statistics is not None:
                    norm, (h_in, mean, invstd) = self.norm_of(i), statistics
                    g, weight_grad, bias_grad = torch.ops.aten.native_batch_norm_backward(
                        g, h_in, norm.weight, norm.running_mean, norm.running_var, mean, invstd, True, norm.eps,
                        [True, True, True])
                    add(norm.weight, weight_grad)
                    add(norm.bias, bias_grad)
                add(self.hidden[i].weight, g.t().mm(a))
                add(self.hidden[i].bias, g.sum(0))
                if i > 0:
                    g = g.mm(self.hidden[i].weight)
        return logits, loss, [grads[p] for p in self.parameters()]


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
