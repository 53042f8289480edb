"""tinygrad_edu.accelerator answers as torch.accelerator, and agrees with tinygrad_edu.cuda."""

import tinygrad_edu as tg


def test_accelerator_agrees_with_cuda():
    assert tg.accelerator.is_available() == tg.cuda.is_available()
    assert tg.accelerator.device_count() == tg.cuda.device_count()
    expected = tg.device("cuda") if tg.cuda.is_available() else None
    assert tg.accelerator.current_accelerator() == expected


def test_the_pytorch_idiom_gives_a_usable_device():
    device = tg.accelerator.current_accelerator() if tg.accelerator.is_available() else "cpu"
    assert tg.ones(2, device=device).sum().item() == 2.0


def test_same_answers_as_torch_on_a_machine_without_gpus(torch):
    if tg.cuda.is_available() or torch.accelerator.is_available():
        return  # the machines differ in what they see; the comparison means something only without GPUs
    assert tg.accelerator.is_available() == torch.accelerator.is_available()
    assert tg.accelerator.device_count() == torch.accelerator.device_count()
    assert tg.accelerator.current_accelerator() is torch.accelerator.current_accelerator() is None
