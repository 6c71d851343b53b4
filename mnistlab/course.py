"""The course's first model and loop as the course writes them (its `loss_train += loss` included), seeded.

The reference the engine is measured against: the bench times it (mnistlab.bench), and tests/test_reference.py checks
that train() with the course's Adam computes its weights bit for bit. It reads MNIST through torchvision, as the
course does; the app never imports this module.
"""
from __future__ import annotations

import time

import torch
import torchvision.transforms as T
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader
from torchvision import datasets


class mlp(nn.Module):  # noqa: N801 — the course's class, under the course's name
    """The course's first model, as it writes it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 256)
        self.fc3 = nn.Linear(256, 10)

    def forward(self, x):
        x = x.view(-1, 28 * 28)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def course_loaders(root, download: bool) -> tuple[DataLoader, DataLoader, DataLoader]:
    """The course's MNIST through torchvision: an 80/20 train/validation split, batches of 64, both shuffled."""
    transform = T.ToTensor()
    dataset = datasets.MNIST(root=str(root), train=True, download=download, transform=transform)
    test_dataset = datasets.MNIST(root=str(root), train=False, transform=transform)
    train_dataset, validation_dataset = torch.utils.data.random_split(dataset, [0.8, 0.2])
    train_loader = DataLoader(train_dataset, batch_size=64, shuffle=True)
    val_loader = DataLoader(validation_dataset, batch_size=64, shuffle=True)
    test_loader = DataLoader(test_dataset, batch_size=64, shuffle=False)
    return train_loader, val_loader, test_loader


def course_loop(root, seed: int, epochs: int, download: bool, threads: int) -> dict:
    """The course's training of its first model, seeded: each epoch's train and validation passes timed, the lines it
    prints kept, the test accuracy (%) and the trained model returned."""
    torch.set_num_threads(threads)  # what the course's process would have: torch's choice unless --threads
    torch.manual_seed(seed)
    train_loader, val_loader, test_loader = course_loaders(root, download)
    model = mlp()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    seconds, printed = [], []  # the course prints these lines; the benchmark keeps them quiet
    for i in range(epochs):
        start = time.perf_counter()
        loss_train = 0
        for images, labels in train_loader:
            preds = model(images)
            loss = criterion(preds, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_train += loss
        printed.append(f"step {i} train loss {loss_train / len(train_loader)}")
        loss_val = 0
        for images, labels in val_loader:
            with torch.no_grad():
                preds = model(images)
                loss = criterion(preds, labels)
                loss_val += loss
        printed.append(f"step {i} val loss {loss_val / len(val_loader)}")
        seconds.append(time.perf_counter() - start)
    return {"seconds": seconds, "printed": printed, "accuracy": accuracy_on(model, test_loader), "model": model}


def accuracy_on(model: nn.Module, test_loader: DataLoader) -> float:
    """The course's test pass: the share of test images whose highest logit is their label, in %."""
    correct = total = 0
    for images, labels in test_loader:
        with torch.no_grad():
            preds = model(images)
            _, predicted = torch.max(preds.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return 100 * correct / total
