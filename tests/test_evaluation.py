import torch
from torch import nn

from mnistlab.evaluation import evaluate


class FixedLogits(nn.Module):
    """A 'model' that returns the logits it was given for each row index."""

    def __init__(self, logits):
        super().__init__()
        self.logits = logits

    def forward(self, x):
        return self.logits[x[:, 0].long()]


def test_metrics_match_a_hand_count():
    logits = torch.tensor([[5.0, 0, 0], [0, 5.0, 0], [0, 0, 5.0], [0, 3.0, 0], [0, 0, 1.0], [2.0, 0, 0]])
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    x = torch.arange(6.0).unsqueeze(1)
    result = evaluate(FixedLogits(logits), x, y, classes=3, batch_size=4)
    assert result.accuracy == 50.0
    assert result.confusion == [[1, 1, 0], [0, 1, 1], [1, 0, 1]]
    assert result.per_class_accuracy == [50.0, 50.0, 50.0]
    assert [m["index"] for m in result.misclassified] == [3, 5, 4]  # sorted by loss, worst first
    worst = result.misclassified[0]
    assert (worst["true"], worst["predicted"]) == (0, 1)
    assert abs(worst["probability"] - torch.softmax(logits[3], 0)[1].item()) < 1e-4
    expected_loss = nn.functional.cross_entropy(logits, y).item()
    assert abs(result.loss - expected_loss) < 1e-6


def test_evaluation_leaves_the_model_in_eval_mode_and_computes_no_gradient():
    model = nn.Sequential(nn.Linear(3, 2))
    result = evaluate(model.train(), torch.rand(10, 3), torch.randint(0, 2, (10,)), classes=2)
    assert not model.training
    assert all(p.grad is None for p in model.parameters())
    assert sum(map(sum, result.confusion)) == 10
