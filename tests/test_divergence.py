"""The divergence advice names the loss in words and points to a rate that trains."""
import pytest

from mnistlab.messages import divergence_message


@pytest.mark.parametrize("lr", [10.0, 3.0, 0.01])
def test_a_too_high_rate_is_sent_to_the_courses_rate_not_one_notch_down(lr):
    message = str(divergence_message(1.234e8, 0, 1, lr))
    assert message.startswith("The training loss grew to 1.2 × 10⁸ at epoch 1 (step 2): the run diverged.")
    assert f"The learning rate {lr:g} is too high" in message and "try 1e-3, the course's rate" in message


@pytest.mark.parametrize("value, words", [(float("nan"), "became NaN (not a number)"),
                                          (float("inf"), "became infinite"),
                                          (9960.0, "grew to 1.0 × 10⁴"), (2.5e12, "grew to 2.5 × 10¹²")])
def test_the_loss_is_said_in_words(value, words):
    assert f"The training loss {words} at epoch 3 (step 11)" in str(divergence_message(value, 2, 10, 3.0))


def test_a_rate_at_or_below_the_courses_steps_down_tenfold():
    assert str(divergence_message(float("nan"), 0, 0, 1e-3)).endswith("too high for this model: try 10⁻⁴.")
