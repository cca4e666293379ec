#!/usr/bin/python3
"""Trains the digits CNN with PyTorch on scikit-learn's load_digits.

Run with Debian's interpreter: /usr/bin/python3 examples/digits/train.py
Writes, next to this file: digits.safetensors (state_dict names, as
digits.kiln expects), test_images.npy [N, 1, 8, 8], test_labels.npy [N],
torch_predictions.npy [N] (PyTorch's own classes, which Kiln must match) and
calibration_images.npy [256, 1, 8, 8] (training images, for kiln quantize).
Run with --calibration-only to write the last alone (no training).
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_digits

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
from kiln_io import save_npy, save_safetensors  # noqa: E402


class Digits(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 2 * 2, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)


def split():
    """The images, labels and the training and test indices."""
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]  # [N, 1, 8, 8] in [0, 1]
    labels = digits.target.astype(np.int64)
    order = np.random.RandomState(0).permutation(len(labels))
    cut = int(0.8 * len(labels))
    return images, labels, order[:cut], order[cut:]


def save_calibration(images, train):
    save_npy(os.path.join(HERE, "calibration_images.npy"), images[train[:256]])


def main():
    torch.manual_seed(0)
    images, labels, train, test = split()
    save_calibration(images, train)
    if "--calibration-only" in sys.argv:
        return

    model = Digits()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    x, y = torch.from_numpy(images[train]), torch.from_numpy(labels[train])
    for epoch in range(30):
        for batch in torch.randperm(len(y)).split(64):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
            optimizer.step()

    model.eval()
    with torch.no_grad():
        predictions = model(torch.from_numpy(images[test])).argmax(1).numpy()
    accuracy = (predictions == labels[test]).mean()
    save_safetensors(os.path.join(HERE, "digits.safetensors"),
                     {k: v.numpy() for k, v in model.state_dict().items()})
    save_npy(os.path.join(HERE, "test_images.npy"), images[test])
    save_npy(os.path.join(HERE, "test_labels.npy"), labels[test])
    save_npy(os.path.join(HERE, "torch_predictions.npy"), predictions)
    print(f"PyTorch accuracy on {len(test)} test digits: {accuracy:.4f}")


if __name__ == "__main__":
    main()
