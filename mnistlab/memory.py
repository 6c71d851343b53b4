"""What the loss-graph slip keeps alive: the autograd nodes behind a summed loss, and the heap bytes they hold."""
from __future__ import annotations

import ctypes
import ctypes.util

import torch


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                     "fsmblks", "uordblks", "fordblks", "keepcost")]


def _mallinfo2():
    """glibc's mallinfo2 (Linux), or None where the C library has none (macOS, musl, Windows)."""
    try:
        function = ctypes.CDLL(ctypes.util.find_library("c")).mallinfo2
    except (OSError, AttributeError, TypeError):
        return None
    function.restype = _MallInfo2
    return function


_MALLINFO2 = _mallinfo2()


def heap_in_use() -> int | None:
    """Bytes the C allocator has handed out and not yet had back (where torch keeps autograd nodes); None if unknown."""
    if _MALLINFO2 is None:
        return None
    info = _MALLINFO2()
    return info.uordblks + info.hblkhd


def graph_nodes(tensor: torch.Tensor) -> int:
    """How many autograd nodes are reachable from tensor's grad_fn."""
    seen, stack = set(), [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in seen:
            seen.add(node)
            stack.extend(next_node for next_node, _ in node.next_functions)
    return len(seen)


def release_graph(loss_sum) -> dict:
    """Under the loss-graph slip, free the summed loss's graph and say what it held: {graph_nodes, graph_bytes}.

    graph_bytes is the heap given back by the release (process-wide, so other threads add a little noise);
    None where the allocator cannot be asked. A plain float (no slip) holds nothing and gives {}.
    """
    if not isinstance(loss_sum, torch.Tensor) or loss_sum.grad_fn is None:
        return {}
    nodes = graph_nodes(loss_sum)
    before = heap_in_use()
    loss_sum.detach_()  # drops the only reference to the chain: every node behind it is freed now
    after = heap_in_use()
    return {"graph_nodes": nodes, "graph_bytes": None if before is None or after is None else before - after}
