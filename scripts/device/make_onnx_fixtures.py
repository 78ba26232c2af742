"""Makes the ONNX test fixtures of sparrow-onnx: small real models exported by PyTorch, some pruned.

Runs where torch, onnx and onnxruntime are installed (the lent device machine has torch 2.11, onnx 1.23,
onnxruntime 1.30):  python3 scripts/device/make_onnx_fixtures.py OUT_DIR [--bench]
(--bench makes the larger benchmark models of docs/benchmarks.md instead of the test fixtures.)
For each model NAME it writes NAME.onnx (plus NAME.onnx.data for the external-data fixture), NAME.input.npy
(a seeded batch) and NAME.output.npy (what onnxruntime computes on it), and MANIFEST.txt with the sizes,
opsets, operators and the largest |torch - onnxruntime| difference. Every model is built from seed 0, so a rerun
gives the same weights on the same torch version.
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.prune as prune


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                         nn.Linear(64, 10))


class SmallCnn(nn.Module):
    """Two conv + BatchNorm + ReLU + max-pool stages, then two linear layers (1x28x28 input)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class SmallResNet(nn.Module):
    """A ResNet-style net on 3x32x32: stem, three basic blocks (two downsample), global average pool, linear."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.layer1 = BasicBlock(16, 16, 1)
        self.layer2 = BasicBlock(16, 32, 2)
        self.layer3 = BasicBlock(32, 64, 2)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class ResNet18(nn.Module):
    """ResNet-18 for 3x32x32 inputs (CIFAR style: 3x3 stem, no max-pool), about 11.2M parameters."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        blocks, cin = [], 64
        for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            blocks += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
            cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(512, 10)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def wide_mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 2048), nn.ReLU(), nn.Linear(2048, 2048), nn.ReLU(),
                         nn.Linear(2048, 10))


class OpsZoo(nn.Module):
    """Many of the operators the importer must know, on a 3x16x16 input."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.depthwise = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.grouped = nn.Conv2d(8, 8, 1, groups=2)
        self.bn = nn.BatchNorm2d(8)
        self.fc1 = nn.Linear(16 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        x = (x - 0.5) / 0.25
        x = F.leaky_relu(self.bn(self.conv(x)), 0.1)
        a = torch.sigmoid(self.depthwise(x)) * 2.0
        b = torch.tanh(self.grouped(x))
        x = torch.cat([a, b], dim=1)                      # 16 x 16 x 16
        x = F.avg_pool2d(x, 2)                            # 16 x 8 x 8
        x = F.max_pool2d(F.hardtanh(x, 0.0, 6.0), 2)      # Clip; 16 x 4 x 4
        x = x.transpose(2, 3).contiguous()
        x = x.reshape(x.shape[0], -1).unsqueeze(1).squeeze(1)
        x = F.gelu(self.drop(self.fc1(x)))
        return torch.softmax(self.fc2(x), dim=1)


def prune_unstructured(model, amount):
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            prune.l1_unstructured(m, "weight", amount=amount)
            prune.remove(m, "weight")
    return model


def prune_rows(model, keep_of_row):
    """Keeps the largest |w| in each output row: keep_of_row(fan_in) of them (constant fan-in)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                w = m.weight
                k = keep_of_row(w.shape[1])
                idx = w.abs().topk(k, dim=1).indices
                mask = torch.zeros_like(w).scatter_(1, idx, 1.0)
                w.mul_(mask)
    return model


def prune_n_of_m(model, n, m_):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                w = m.weight
                g = w.reshape(w.shape[0], -1, m_)
                idx = g.abs().topk(n, dim=2).indices
                mask = torch.zeros_like(g).scatter_(2, idx, 1.0)
                w.copy_((g * mask).reshape(w.shape))
    return model


def randomise_batchnorm(model, gen):
    """Gives BatchNorm layers non-trivial statistics, as a trained model has (init is mean 0, var 1)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)
                m.weight.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.1)
    return model


def export(model, sample, path, opset, dynamo, external):
    model.eval()
    kwargs = dict(input_names=["input"], output_names=["output"], opset_version=opset)
    if dynamo:
        torch.onnx.export(model, (sample,), path, dynamo=True,
                          dynamic_shapes=({0: torch.export.Dim("batch", min=1, max=4096)},), **kwargs)
    else:
        torch.onnx.export(model, (sample,), path, dynamo=False, dynamic_axes={"input": {0: "batch"}}, **kwargs)
    proto = onnx.load(path)
    if external:
        name = os.path.basename(path) + ".data"
        onnx.save_model(proto, path, save_as_external_data=True, all_tensors_to_one_file=True, location=name,
                        size_threshold=1024)
    else:
        onnx.save_model(proto, path)   # one file, whatever the exporter chose
    onnx.checker.check_model(path)
    return onnx.load(path, load_external_data=False)


BENCH_SPECS = [
    # the benchmark models of docs/benchmarks.md (too large to commit; made where they are measured)
    ("bench_mlp2048_pruned90", wide_mlp, (1, 1, 28, 28), ("unstructured", 0.9), 17, False, False),
    ("bench_mlp2048_fanin10", wide_mlp, (1, 1, 28, 28), ("fanin", 10), 17, False, False),
    ("bench_mlp2048_nm1of8", wide_mlp, (1, 1, 28, 28), ("nm", 1, 8), 17, False, False),
    ("bench_resnet18_pruned90", ResNet18, (1, 3, 32, 32), ("unstructured", 0.9), 17, False, False),
]


def main(out, bench):
    os.makedirs(out, exist_ok=True)
    manifest = []
    specs = BENCH_SPECS if bench else [
        # name, builder, input shape, prune, opset, dynamo exporter, external data
        ("mlp", mlp, (3, 1, 28, 28), None, 13, False, False),
        ("mlp_pruned90", mlp, (3, 1, 28, 28), ("unstructured", 0.9), 13, False, False),
        ("mlp_pruned90_opset18", mlp, (3, 1, 28, 28), ("unstructured", 0.9), 18, True, False),
        ("mlp_fanin10", mlp, (3, 1, 28, 28), ("fanin", 10), 17, False, False),
        ("mlp_nm1of8", mlp, (3, 1, 28, 28), ("nm", 1, 8), 17, False, False),
        ("mlp_external", mlp, (2, 1, 28, 28), ("unstructured", 0.9), 13, False, True),
        ("cnn_bn", SmallCnn, (3, 1, 28, 28), None, 13, False, False),
        ("cnn_bn_pruned90", SmallCnn, (3, 1, 28, 28), ("unstructured", 0.9), 15, False, False),
        ("resnet", SmallResNet, (2, 3, 32, 32), None, 17, False, False),
        ("resnet_pruned90", SmallResNet, (2, 3, 32, 32), ("unstructured", 0.9), 17, False, False),
        ("resnet_pruned90_opset18", SmallResNet, (2, 3, 32, 32), ("unstructured", 0.9), 18, True, False),
        ("ops_zoo", OpsZoo, (2, 3, 16, 16), None, 17, False, False),
    ]
    for name, build, shape, pruning, opset, dynamo, external in specs:
        torch.manual_seed(0)
        gen = torch.Generator().manual_seed(1)
        model = randomise_batchnorm(build(), gen).eval()
        if pruning is not None:
            if pruning[0] == "unstructured":
                prune_unstructured(model, pruning[1])
            elif pruning[0] == "fanin":
                prune_rows(model, lambda fan_in, d=pruning[1]: max(1, fan_in // d))
            else:
                prune_n_of_m(model, pruning[1], pruning[2])
        x = torch.randn(*shape, generator=torch.Generator().manual_seed(2))
        path = os.path.join(out, name + ".onnx")
        try:
            proto = export(model, x, path, opset, dynamo, external)
        except Exception as e:  # the dynamo exporter needs onnxscript; say so and go on
            manifest.append(f"{name}: export failed: {type(e).__name__}: {str(e)[:300]}")
            continue
        with torch.no_grad():
            expected = model(x).numpy()
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        got = sess.run(None, {sess.get_inputs()[0].name: x.numpy()})[0]
        np.save(os.path.join(out, name + ".input.npy"), x.numpy().astype(np.float32))
        np.save(os.path.join(out, name + ".output.npy"), got.astype(np.float32))
        ops = sorted({n.op_type for n in proto.graph.node})
        zeros = sum(int((np.asarray(onnx.numpy_helper.to_array(t, base_dir=out)) == 0).sum())
                    for t in onnx.load(path).graph.initializer)
        manifest.append(f"{name}: opset {proto.opset_import[0].version}, {os.path.getsize(path)} bytes, "
                        f"input {list(shape)}, ops {ops}, zero weights {zeros}, "
                        f"max |torch - ort| {float(np.abs(expected - got).max()):.3g}")
    with open(os.path.join(out, "MANIFEST.txt"), "w") as f:
        f.write(f"torch {torch.__version__}, onnx {onnx.__version__}, onnxruntime {ort.__version__}\n")
        f.write("\n".join(manifest) + "\n")
    print(open(os.path.join(out, "MANIFEST.txt")).read())


if __name__ == "__main__":
    main(sys.argv[1], "--bench" in sys.argv[2:])
