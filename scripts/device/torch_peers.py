#!/usr/bin/env python3
"""PyTorch peers for CudaKernelBench, run in the same device call right after it (scripts/device/cuda-tests-bench.sh).

y = x W^T for the same shapes (out x in), batches and sparsity as the Java bench: torch dense fp32 (TF32 off),
TF32, bf16 (weights and activations bf16, as torch runs it), and torch.sparse CSR (cuSPARSE, fp32) on a constant
fan-in mask. Timing as the Java bench: per round and candidate, 10 launches between two CUDA events queued behind
a sleep kernel (torch.cuda._sleep) so the events see GPU time of back-to-back launches; weights rotate over copies
worth > 150 MB (cold L2); median of 100 rounds after 10 warm-up rounds.
usage: torch_peers.py [--shapes 768x3072,3072x768,4096x4096] [--batches 1,256] [--sparsity 0.9]
"""
import argparse, statistics, torch

ap = argparse.ArgumentParser()
ap.add_argument("--shapes", default="768x3072,3072x768,4096x4096")
ap.add_argument("--batches", default="1,256")
ap.add_argument("--sparsity", type=float, default=0.9)
ap.add_argument("--rounds", type=int, default=100)
ap.add_argument("--warmup", type=int, default=10)
ap.add_argument("--launches", type=int, default=10)
a = ap.parse_args()
dev = torch.device("cuda")
print(f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}")


def fanin_mask(rows, cols, sparsity, gen):
    k = max(1, round(cols * (1 - sparsity)))
    idx = torch.rand(rows, cols, generator=gen, device=dev).argsort(dim=1)[:, :k]
    m = torch.zeros(rows, cols, dtype=torch.bool, device=dev)
    m.scatter_(1, idx, True)
    return m


def bench(fn_list):
    """fn_list: list of (name, [callables over weight copies]) -> median us per launch for each."""
    times = {n: [] for n, _ in fn_list}
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    i = 0
    for r in range(-a.warmup, a.rounds):
        for name, fns in fn_list:
            torch.cuda._sleep(1_000_000)  # ~0.5 ms of GPU cycles: the launches below queue behind it
            s.record()
            for _ in range(a.launches):
                fns[i % len(fns)]()
                i += 1
            e.record()
            e.synchronize()
            if r >= 0:
                times[name].append(1000.0 * s.elapsed_time(e) / a.launches)
    return {n: statistics.median(t) for n, t in times.items()}


gen = torch.Generator(device=dev)
gen.manual_seed(1)
rows_out = []
for shape in a.shapes.split(","):
    rows, cols = map(int, shape.split("x"))
    mask = fanin_mask(rows, cols, a.sparsity, gen)
    w = (torch.rand(rows, cols, generator=gen, device=dev) * 2 - 1) * mask
    ncopy = max(1, min(16, (150 << 20) // (rows * cols * 4) + 1))
    w32 = [w.clone() for _ in range(ncopy)]
    w16 = [w.to(torch.bfloat16) for _ in range(ncopy)]
    ncsr = max(1, min(64, (150 << 20) // (rows * cols * 4 // 10 * 2) + 1))
    wcsr = [w.to_sparse_csr() for _ in range(ncsr)]
    for b in map(int, a.batches.split(",")):
        x = torch.rand(b, cols, generator=gen, device=dev) * 2 - 1
        xb = x.to(torch.bfloat16)
        xt = x.t().contiguous()
        ref = (x.double() @ w.double().t())

        def mm32(W):
            return lambda: torch.matmul(x, W.t())

        def mmbf(W):
            return lambda: torch.matmul(xb, W.t())

        def csr(W):
            return lambda: torch.sparse.mm(W, xt)

        torch.backends.cuda.matmul.allow_tf32 = False
        res = {}
        res.update(bench([("torch fp32", [mm32(W) for W in w32]),
                          ("torch bf16", [mmbf(W) for W in w16]),
                          ("torch CSR fp32", [csr(W) for W in wcsr])]))
        err32 = ((torch.matmul(x, w.t()).double() - ref).norm() / ref.norm()).item()
        torch.backends.cuda.matmul.allow_tf32 = True
        res.update(bench([("torch tf32", [mm32(W) for W in w32])]))
        err_tf = ((torch.matmul(x, w.t()).double() - ref).norm() / ref.norm()).item()
        torch.backends.cuda.matmul.allow_tf32 = False
        errbf = ((torch.matmul(xb, w16[0].t()).double() - ref).norm() / ref.norm()).item()
        errs = ((torch.sparse.mm(wcsr[0], xt).t().double() - ref).norm() / ref.norm()).item()
        errs_map = {"torch fp32": err32, "torch tf32": err_tf, "torch bf16": errbf, "torch CSR fp32": errs}
        for n in ["torch fp32", "torch tf32", "torch bf16", "torch CSR fp32"]:
            rows_out.append(f"{shape:<10} {b:5d} {n:<16} {res[n]:10.2f} {errs_map[n]:9.1e}")
        del x, xb, xt, ref
    del w32, w16, wcsr
    torch.cuda.empty_cache()
print()
print(f"{'out x in':<10} {'batch':>5} {'peer':<16} {'median us':>10} {'rel.err':>9}")
print("\n".join(rows_out))
