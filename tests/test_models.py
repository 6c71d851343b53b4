import copy

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from mnistlab.config import RunConfig, preset
from mnistlab.models import build_model


def test_course_mlp_shapes_and_parameter_count():
    model = build_model(preset("baseline"))
    assert model(torch.rand(5, 784)).shape == (5, 10)
    assert model(torch.rand(5, 1, 28, 28)).shape == (5, 10)
    assert sum(p.numel() for p in model.parameters()) == 269322  # the course's count


def test_each_hidden_layer_has_its_own_batchnorm():
    model = build_model(preset("batchnorm"))
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm1d)]
    assert len(norms) == 2 and norms[0] is not norms[1]
    model.train()
    model(torch.rand(32, 784))
    assert not torch.equal(norms[0].running_mean, norms[1].running_mean)


def test_shared_bn_slip_uses_one_batchnorm_for_both_layers():
    model = build_model(preset("batchnorm", slips=("shared-bn",)))
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm1d)]
    assert len(norms) == 1
    calls = []
    norms[0].register_forward_hook(lambda *args: calls.append(1))
    model(torch.rand(8, 784))
    assert len(calls) == 2


def test_dropout_is_active_in_training_and_off_in_eval():
    config = preset("dropout", dropout=0.5)
    model = build_model(config, torch.Generator().manual_seed(0))
    reference = build_model(config.replace(dropout=0.0))
    reference.load_state_dict(model.state_dict())
    x = torch.rand(16, 784)
    model.eval()
    assert torch.equal(model(x), reference.eval()(x))
    model.train()
    assert not torch.allclose(model(x), model(x))


def test_generator_fixes_the_initial_weights_with_pytorchs_init_law():
    config = preset("baseline")
    first = build_model(config, torch.Generator().manual_seed(7)).state_dict()
    second = build_model(config, torch.Generator().manual_seed(7)).state_dict()
    assert all(torch.equal(first[k], second[k]) for k in first)
    weight = first["hidden.0.weight"]
    bound = 1 / 784 ** 0.5
    assert float(weight.abs().max()) <= bound and float(weight.abs().max()) > 0.99 * bound


@pytest.mark.parametrize("config", [
    preset("baseline"), preset("dropout"), preset("batchnorm"), preset("batchnorm", slips=("shared-bn",)),
    RunConfig(hidden=(64, 32, 16), dropout=0.5, batchnorm=True)], ids=["baseline", "dropout", "batchnorm",
                                                                       "shared-bn", "three-layers"])
@pytest.mark.parametrize("device", ["cpu"] + ["cuda"] * torch.cuda.is_available())  # CUDA where there is one
def test_forward_backward_gives_autograds_gradients_bit_for_bit(config, device):
    # The reference: the model's forward, the course's loss and loss.backward(), three steps of plain SGD apart.
    reference = build_model(config, torch.Generator().manual_seed(0)).to(device)
    ours = copy.deepcopy(reference)
    for model in (reference, ours):
        if model.dropout is not None:
            model.dropout.generator = torch.Generator(device).manual_seed(1)
    generator = torch.Generator().manual_seed(2)
    for _ in range(3):
        x, y = torch.rand(32, 1, 28, 28, generator=generator), torch.randint(0, 10, (32,), generator=generator)
        x, y = x.to(device), y.to(device)
        logits = reference(x)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        our_logits, our_loss, gradients = ours.forward_backward(x, y)
        assert torch.equal(our_logits, logits) and torch.equal(our_loss, loss)
        assert all(torch.equal(p.grad, g) for p, g in zip(reference.parameters(), gradients))
        assert all(torch.equal(a, b) for a, b in zip(reference.state_dict().values(), ours.state_dict().values()))
        with torch.no_grad():  # move both, so that the next step starts from other weights and statistics
            for p, q, g in zip(reference.parameters(), ours.parameters(), gradients):
                p -= 0.1 * p.grad
                q -= 0.1 * g
                p.grad = None


def test_forward_backward_keeps_the_graph_only_when_asked_and_frees_its_tensors_as_backward_does():
    model = build_model(preset("batchnorm"), torch.Generator().manual_seed(0))
    twin = copy.deepcopy(model)
    x, y = torch.rand(8, 784), torch.randint(0, 10, (8,))
    _, plain, gradients = model.forward_backward(x, y)
    _, kept, kept_gradients = twin.forward_backward(x, y, keep_graph=True)
    assert plain.grad_fn is None and kept.grad_fn.name() == "NllLossBackward0"
    assert all(torch.equal(a, b) for a, b in zip(gradients, kept_gradients))
    with pytest.raises(RuntimeError, match="[Ss]aved .*freed"):  # what the course's loss.backward() leaves behind
        kept.backward()


def test_batchnorm_refuses_a_training_batch_of_one_row_with_advice():
    model = build_model(preset("batchnorm"))
    with pytest.raises(ValueError, match="batch of one row: choose a batch size"):
        model.forward_backward(torch.rand(1, 784), torch.tensor([3]))
