#!/usr/bin/env python3
"""Checks that Python's safetensors and PyTorch read a Sparrow checkpoint as Sparrow meant it.

Loads a `sparrow train --model cnn` checkpoint with safetensors, copies it into the same network built
in PyTorch (Sparrow uses PyTorch's layouts and names: "0.weight" = Conv2d weight [out, in, kh, kw],
BatchNorm running_mean/running_var, Linear weight [out, in]), evaluates it on the Fashion-MNIST test set
and prints the accuracy, which must match what Sparrow printed for the same checkpoint.

  python3 torch_reads_checkpoint.py CHECKPOINT DATA_DIR
"""
import gzip, json, os, struct, sys

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file


def idx(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(data_dir, name):
    for candidate in (name, name + '.gz'):
        p = os.path.join(data_dir, candidate)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(name)


def cnn(classes=10):
    n = torch.nn
    return n.Sequential(
        n.Conv2d(1, 32, 3, padding=1, bias=False), n.BatchNorm2d(32), n.ReLU(), n.MaxPool2d(2),
        n.Conv2d(32, 64, 3, padding=1, bias=False), n.BatchNorm2d(64), n.ReLU(), n.MaxPool2d(2),
        n.Conv2d(64, 64, 3, padding=1, bias=False), n.BatchNorm2d(64), n.ReLU(),
        n.Flatten(),
        n.Linear(64 * 7 * 7, 128), n.ReLU(), n.Dropout(0.3),
        n.Linear(128, classes))


def main():
    ckpt, data_dir = sys.argv[1], sys.argv[2]
    with safe_open(ckpt, framework='pt') as f:
        meta = f.metadata()
    tensors = load_file(ckpt)
    print('metadata keys:', sorted(meta))
    print('config:', json.loads(meta['sparrow.config']))
    model = cnn()
    state = {k: v for k, v in tensors.items() if not k.startswith('optim.') and not k.endswith('.mask')}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith('num_batches_tracked')]
    print('missing:', missing, 'unexpected:', unexpected)
    assert not missing and not unexpected
    model.eval()
    x = torch.from_numpy(idx(find(data_dir, 't10k-images-idx3-ubyte')).astype(np.float32) / 255.0)
    x = ((x - 0.2860) / 0.3530).unsqueeze(1)
    y = torch.from_numpy(idx(find(data_dir, 't10k-labels-idx1-ubyte')).astype(np.int64))
    with torch.no_grad():
        logits = torch.cat([model(x[i:i + 1000]) for i in range(0, len(x), 1000)])
    acc = (logits.argmax(1) == y).float().mean().item()
    print(json.dumps({'pytorch_test_accuracy': acc, 'tensors': len(tensors)}))


if __name__ == '__main__':
    main()
