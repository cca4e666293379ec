"""Kiln's semantics written with PyTorch, shared by the golden-data and
conformance scripts: activations by name, and pooling with any padding."""
import torch
import torch.nn.functional as F


def activation(x, name, alpha=0.01):
    return {"none": lambda t: t, "relu": F.relu, "relu6": F.relu6, "sigmoid": torch.sigmoid,
            "tanh": torch.tanh, "silu": F.silu, "hardswish": F.hardswish, "hardsigmoid": F.hardsigmoid,
            "gelu": lambda t: F.gelu(t, approximate="none"),
            "leaky_relu": lambda t: F.leaky_relu(t, alpha)}[name](x)


def torch_padding(padding):
    """Kiln's (top, left, bottom, right) as F.pad's (left, right, top, bottom)."""
    t, l, b, r = padding
    return (l, r, t, b)


def pool(kind, x, kernel, stride, padding, dilation=(1, 1), ceil_mode=False, count_include_pad=True):
    """maxpool/avgpool with any padding: PyTorch's own pooling where it can
    express it (symmetric padding of at most half the kernel), otherwise the
    padded input pooled without padding, the average divided by the count of
    positions that count."""
    (kh, kw), (t, l, b, r) = kernel, padding
    if t == b and l == r and t <= kh // 2 and l <= kw // 2:
        if kind == "maxpool":
            return F.max_pool2d(x, kernel, stride, (t, l), dilation, ceil_mode)
        return F.avg_pool2d(x, kernel, stride, (t, l), ceil_mode, count_include_pad)
    assert not ceil_mode, "PyTorch has no ceil_mode with this padding"
    if kind == "maxpool":
        return F.max_pool2d(F.pad(x, torch_padding(padding), value=float("-inf")), kernel, stride, 0, dilation)
    sums = F.avg_pool2d(F.pad(x, torch_padding(padding)), kernel, stride) * (kh * kw)
    counted = F.pad(torch.ones_like(x), torch_padding(padding), value=1.0 if count_include_pad else 0.0)
    return sums / (F.avg_pool2d(counted, kernel, stride) * (kh * kw))
