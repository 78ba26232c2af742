#!/usr/bin/env python3
"""Both directions of Sparrow's interop, checked with PyTorch and Python's onnxruntime (see check-interop.sh).

  SPARROW="java ... -jar sparrow-cli-all.jar" python3 check_interop.py OUT_DIR [MODEL ...]

For each model: a torch.nn module with random weights (some pruned) -> state dict -> `sparrow import` ->
`sparrow export --format onnx|torch --write-sample 8` -> onnxruntime on the .onnx, the module rebuilt from the
exported state dict, and the original module, each on Sparrow's inputs, against Sparrow's outputs.
"""
import json, math, os, shlex, subprocess, sys

import numpy as np
import onnxruntime as ort
import torch
import torch.nn.utils.prune  # a submodule: `import torch` alone does not load it
from safetensors import safe_open
from safetensors.torch import load_file, save_file

nn = torch.nn
MAX_RELATIVE_ERROR = 1e-4


# ---- the torch.nn side of Sparrow's models (docs/interop.md shows the same code) ----

class KWinners(nn.Module):
    """Sparrow's k-winners-take-all at evaluation: the k largest of each group pass unchanged, the rest become 0.
    k = floor(max(1, round(group * density)) * k_inference_factor), at most the group; a group is a sample's
    values, or with local=True the channels at one location. (torch.topk does not promise which of several
    values tied at the k-th largest wins; Sparrow and ONNX take the lower indices.)"""

    def __init__(self, density, k_inference_factor=1.5, local=False):
        super().__init__()
        self.density, self.factor, self.local = density, k_inference_factor, local

    def forward(self, x):
        group = x.shape[1] if self.local else x[0].numel()
        k = min(group, math.floor(max(1, min(group, math.floor(group * self.density + 0.5))) * self.factor))
        if k >= group:
            return x
        if k <= 0:
            return torch.zeros_like(x)
        if self.local:
            values, indices = x.topk(k, dim=1)
            return torch.zeros_like(x).scatter(1, indices, values)
        flat = x.flatten(1)
        values, indices = flat.topk(k, dim=1)
        return torch.zeros_like(flat).scatter(1, indices, values).view_as(x)


class BasicBlock(nn.Module):
    """Sparrow's ResidualBlock, named as torchvision's BasicBlock."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                           if stride != 1 or cin != cout else None)

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + (x if self.downsample is None else self.downsample(x)))


def build(spec):
    """The torch.nn module described by a state dict's "sparrow.torch_module" metadata."""
    t = spec["type"]
    if t == "Sequential":
        return nn.Sequential(*[build(s) for s in spec["layers"]])
    if t == "Linear":
        return nn.Linear(spec["in"], spec["out"], bias=spec["bias"])
    if t == "Conv2d":
        return nn.Conv2d(spec["in"], spec["out"], tuple(spec["kernel"]), spec["stride"], spec["padding"], bias=spec["bias"])
    if t in ("BatchNorm1d", "BatchNorm2d"):
        return getattr(nn, t)(spec["features"], eps=spec["eps"])
    if t == "ReLU":
        return nn.ReLU()
    if t == "MaxPool2d":
        return nn.MaxPool2d(spec["kernel"], spec["stride"])
    if t == "GlobalAvgPool2d":
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
    if t == "Flatten":
        return nn.Flatten()
    if t == "Dropout":
        return nn.Dropout(spec["p"])
    if t == "KWinners":
        return KWinners(spec["density"], spec["k_inference_factor"], spec["local"])
    if t == "BasicBlock":
        return BasicBlock(spec["in"], spec["out"], spec["stride"])
    raise ValueError("unknown layer type " + t)


def load(path):
    """A Sparrow-exported state dict as a ready torch module, in eval mode."""
    with safe_open(path, "pt") as f:
        spec = json.loads(f.metadata()["sparrow.torch_module"])
    module = build(spec)
    module.load_state_dict(load_file(path))
    return module.eval()


def zoo(name, classes=10):
    """Sparrow's model zoo for 1x28x28 inputs, written directly in torch.nn."""
    act = (lambda n: KWinners(0.1)) if name.endswith("kwta") else (lambda n: nn.ReLU())
    if name in ("mlp", "mlp-kwta"):
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 300), act(300), nn.Linear(300, 100), act(100), nn.Linear(100, classes))
    if name == "lenet5":
        return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                             nn.Linear(84, classes))
    if name in ("cnn", "cnn-kwta"):
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.Flatten(),
            nn.Linear(3136, 128), act(128), nn.Dropout(0.3), nn.Linear(128, classes))
    if name == "resnet":
        return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                             BasicBlock(16, 16), BasicBlock(16, 32, 2), BasicBlock(32, 64, 2),
                             nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten()), nn.Linear(64, classes))
    raise ValueError(name)


# ---- the checks ----

def randomize(module, seed):
    """Random batch-norm statistics and affine terms; every other weight pruned 90% by magnitude, the first of
    them left as weight_orig / weight_mask (torch.nn.utils.prune's form), the others made permanent."""
    g = torch.Generator().manual_seed(seed)
    prune = torch.nn.utils.prune
    pruned = 0
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.running_mean.copy_(torch.rand(m.num_features, generator=g) * 0.2 - 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.rand(m.num_features, generator=g) * 0.4 - 0.2)
            elif isinstance(m, (nn.Linear, nn.Conv2d)) and m.bias is not None:
                m.bias.copy_(torch.rand(m.bias.shape, generator=g) * 0.4 - 0.2)
    weighted = [m for m in module.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    for i, m in enumerate(weighted):
        if i % 2 == 0:
            prune.l1_unstructured(m, "weight", amount=0.9)
            if pruned > 0:
                prune.remove(m, "weight")
            pruned += 1
    return module


def rel_error(a, b):
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    scale = np.abs(b).max() if b.size else 0.0
    return float((np.abs(a - b) / np.maximum(np.abs(b), 1e-3 * scale + 1e-12)).max())


def sparrow(*args):
    cmd = shlex.split(os.environ.get("SPARROW", "./sparrow")) + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("sparrow " + " ".join(args) + " failed: " + r.stderr.strip())
    return r.stdout.strip()


def check(name, out):
    torch.manual_seed(7)
    original = randomize(zoo(name), 11).eval()
    state = out + "/" + name + ".torch-in.safetensors"
    save_file({k: v.contiguous() for k, v in original.state_dict().items()}, state)
    ckpt = out + "/" + name + ".checkpoint.safetensors"
    print(" ", sparrow("import", state, "--model", name, "-o", ckpt))
    onnx_file = out + "/" + name + ".onnx"
    torch_file = out + "/" + name + ".torch-out.safetensors"
    sparrow("export", ckpt, "--format", "onnx", "-o", onnx_file, "--write-sample", "8")
    sparrow("export", ckpt, "--format", "torch", "-o", torch_file)
    x = np.load(out + "/" + name + ".input.npy")
    expected = np.load(out + "/" + name + ".output.npy")
    session = ort.InferenceSession(onnx_file, providers=["CPUExecutionProvider"])
    by_ort = session.run(["logits"], {"input": x})[0]
    with torch.no_grad():
        by_rebuilt = load(torch_file)(torch.from_numpy(x)).numpy()
        by_original = original(torch.from_numpy(x)).numpy()
    errors = {"onnxruntime": rel_error(by_ort, expected), "torch from export": rel_error(by_rebuilt, expected),
              "torch original (import)": rel_error(by_original, expected)}
    ok = all(e <= MAX_RELATIVE_ERROR for e in errors.values())
    print("%-9s %s  %s" % (name, "ok  " if ok else "FAIL", "  ".join("%s %.2e" % kv for kv in errors.items())))
    return ok


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/check-interop"
    models = sys.argv[2:] or ["mlp", "lenet5", "cnn", "resnet", "mlp-kwta", "cnn-kwta"]
    os.makedirs(out, exist_ok=True)
    failed = [m for m in models if not check(m, out)]
    print("all %d models match" % len(models) if not failed else "FAILED: " + ", ".join(failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
