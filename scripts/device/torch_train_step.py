#!/usr/bin/env python3
"""PyTorch's dense training step of a Sparrow zoo MLP on the CPU, the peer of `sparrow bench train` (issue 13).

Same step as Sparrow's: forward, cross-entropy, backward, SGD with momentum 0.9 and weight decay 5e-4, on a random
batch shaped like Fashion-MNIST (784 features, 10 classes). Warm-up, then the median of timed steps. One JSON line:
{"peer": "torch", "model": ..., "batch": ..., "threads": ..., "median_ms": ...}.
"""
import argparse, json, statistics, time

import torch

SIZES = {"mlp": [784, 300, 100, 10], "mlp-wide": [784, 2048, 2048, 10]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="mlp-wide", choices=sorted(SIZES))
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup-s", type=float, default=2.0)
    p.add_argument("--steps", type=int, default=60)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    sizes = SIZES[a.model]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.rand(a.batch, sizes[0])
    y = torch.randint(0, sizes[-1], (a.batch,))

    def step():
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    end = time.perf_counter() + a.warmup_s
    while time.perf_counter() < end:
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"peer": "torch", "version": torch.__version__, "model": a.model, "batch": a.batch,
                      "threads": a.threads, "median_ms": round(statistics.median(times), 3),
                      "min_ms": round(min(times), 3), "steps": a.steps}))


if __name__ == "__main__":
    main()
