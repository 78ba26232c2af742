#!/usr/bin/env python3
"""PyTorch eager peers for CudaSessionBench's whole models, run in the same device call right after it.

Models (dense: PyTorch has no faster path for 90% unstructured sparsity; random weights, eval mode):
  mlp     784-2048-2048-10 (Linear + ReLU), input 784
  cnn     the Sparrow zoo's "cnn" on 1x28x28: 3 x (conv 3x3 + BatchNorm + ReLU), max-pool 2 after the first two,
          Linear 3136-128 + ReLU, Linear 128-10
  resnet  SmallResNet of scripts/device/make_onnx_fixtures.py (the resnet_pruned90 fixture's net), 3x32x32
  resnet18 ResNet18 of the same script (bench_resnet18_pruned90's net), 3x32x32
Per model and batch, for fp32 (TF32 off), TF32 and bf16 (weights and activations): the time per call from a host
float32 tensor to a host result (.cuda(), forward, .cpu(); as CudaSession.predictBatch is timed), the median over
rounds of about 100 ms; and the forward alone on the device (CUDA events around 10 forwards queued behind
torch.cuda._sleep, median of 20 rounds). fp32 also with the forward captured in a CUDA graph (host to host).
usage: torch_models.py [--models mlp,cnn,resnet,resnet18] [--batches 1,256] [--batches-resnet18 1,64]
"""
import argparse, os, statistics, sys, time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser()
ap.add_argument("--models", default="mlp,cnn,resnet,resnet18")
ap.add_argument("--batches", default="1,256")
ap.add_argument("--batches-resnet18", default="1,64")
a = ap.parse_args()
dev = torch.device("cuda")
torch.backends.cudnn.benchmark = True
print(f"torch {torch.__version__} cudnn {torch.backends.cudnn.version()} on {torch.cuda.get_device_name(0)}", flush=True)


def zoo_cnn():
    def stage(cin, cout):
        return [nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
    return nn.Sequential(*stage(1, 32), nn.MaxPool2d(2), *stage(32, 64), nn.MaxPool2d(2), *stage(64, 64),
                         nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def build(name):
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 2048), nn.ReLU(), nn.Linear(2048, 2048), nn.ReLU(), nn.Linear(2048, 10)), (784,)
    if name == "cnn":
        return zoo_cnn(), (1, 28, 28)
    from make_onnx_fixtures import SmallResNet, ResNet18  # needs onnx/onnxruntime importable, as on the device
    return (SmallResNet() if name == "resnet" else ResNet18()), (3, 32, 32)


def host_to_host(fn, x_host):
    fn(x_host)
    t0 = time.perf_counter(); fn(x_host); first = time.perf_counter() - t0
    n = max(1, min(200, int(0.1 / max(first, 1e-6))))
    for _ in range(n):
        fn(x_host)
    r = []
    for _ in range(7 if first < 0.05 else 3):
        t0 = time.perf_counter()
        for _ in range(n):
            fn(x_host)
        r.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(r)


def device_only(model, x):
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    r = []
    for k in range(-3, 20):
        torch.cuda._sleep(1_000_000)
        s.record()
        for _ in range(10):
            model(x)
        e.record()
        e.synchronize()
        if k >= 0:
            r.append(1000.0 * s.elapsed_time(e) / 10)
    return statistics.median(r)


torch.manual_seed(0)
for name in a.models.split(","):
    base, shape = build(name)
    base = base.eval()
    batches = a.batches_resnet18 if name == "resnet18" else a.batches
    for batch in map(int, batches.split(",")):
        x_host = torch.rand(batch, *shape)
        row = {}
        with torch.inference_mode():
            for mode in ("fp32", "tf32", "bf16"):
                torch.backends.cuda.matmul.allow_tf32 = mode == "tf32"
                torch.backends.cudnn.allow_tf32 = mode == "tf32"
                dtype = torch.bfloat16 if mode == "bf16" else torch.float32
                model = base.to(dev).to(dtype)
                call = lambda xh: model(xh.to(dev, non_blocking=False).to(dtype)).float().cpu()
                row[mode] = host_to_host(call, x_host)
                row[mode + " fwd"] = device_only(model, x_host.to(dev).to(dtype))
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
            model = base.to(dev).float()
            static_x = x_host.to(dev)
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(stream):
                for _ in range(3):
                    model(static_x)
            torch.cuda.current_stream().wait_stream(stream)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                static_y = model(static_x)

            def graphed(xh):
                static_x.copy_(xh)
                graph.replay()
                return static_y.cpu()
            row["fp32 graph"] = host_to_host(graphed, x_host)
        print(f"torch model {name} batch {batch} | " + " | ".join(f"{k}: {v:.1f} us" for k, v in row.items()), flush=True)
