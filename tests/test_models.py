import torch
from torch import nn

from mnistlab.config import preset
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


def test_the_same_dropout_generator_seed_gives_the_same_masks_whatever_else_draws_meanwhile():
    config = preset("dropout")
    first, second = (build_model(config, torch.Generator().manual_seed(0)) for _ in range(2))
    first.dropout.generator, second.dropout.generator = (torch.Generator().manual_seed(1) for _ in range(2))
    x = torch.rand(16, 784)
    out = first(x)
    torch.rand(1000)  # the global generator moves; the run's own does not
    assert torch.equal(out, second(x))
