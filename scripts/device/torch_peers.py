#!/usr/bin/env python3
# Copied unchanged (apart from this line) from ../shared/bench/torch_peers.py, the project's reference PyTorch peer, so it travels to the device machine with scripts/device/bench-vs-torch.sh.
"""PyTorch peer figures for sparse linear layers, for side-by-side comparison with Sparrow's own
benchmark on the same machine (the lent GPU machine has PyTorch; run both there in one command).

y = x @ W.T with W (out x in) holding a random constant-fan-in mask (every output row keeps
round(in * (1 - s)) weights). Prints one JSON line per (shape, batch); times are medians in
microseconds. CPU: median of --runs calls after warm-up, torch.set_num_threads(--threads).
GPU: triton.testing.do_bench medians.

  python3 torch_peers.py --device cpu --threads 16 --shapes 3072x768,768x3072,4096x4096 \
      --batches 1,256 --sparsities 0.9,0.95
"""
import argparse, json, time
import torch


def const_fanin_mask(out_f, in_f, s, device, gen):
    k = max(1, round(in_f * (1 - s)))
    idx = torch.argsort(torch.rand(out_f, in_f, device=device, generator=gen), dim=1)[:, :k]
    idx = idx.sort(dim=1).values
    return torch.zeros(out_f, in_f, device=device).scatter_(1, idx, 1.0), idx


def timer(device, runs):
    if device == 'cuda':
        from triton.testing import do_bench
        return lambda fn: do_bench(fn, warmup=25, rep=200, return_mode='median') * 1e3

    def cpu(fn):
        for _ in range(5):
            fn()
        ts = []
        for _ in range(runs):
            t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
        ts.sort()
        return ts[len(ts) // 2] * 1e6
    return cpu


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    p.add_argument('--threads', type=int, default=0, help='CPU threads (0: leave PyTorch default)')
    p.add_argument('--shapes', default='3072x768,768x3072,4096x4096', help='OUTxIN,...')
    p.add_argument('--batches', default='1,256')
    p.add_argument('--sparsities', default='0.9,0.95')
    p.add_argument('--runs', type=int, default=50)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    gen = torch.Generator(device=a.device).manual_seed(a.seed)
    bench = timer(a.device, a.runs)
    for shape in a.shapes.split(','):
        out_f, in_f = map(int, shape.split('x'))
        for B in map(int, a.batches.split(',')):
            x = torch.randn(B, in_f, device=a.device, generator=gen)
            W = torch.randn(out_f, in_f, device=a.device, generator=gen)
            row = dict(device=a.device, threads=torch.get_num_threads(), out=out_f, inp=in_f, batch=B,
                       torch=torch.__version__)
            if a.device == 'cuda':
                torch.backends.cuda.matmul.allow_tf32 = False
            row['dense_fp32_us'] = bench(lambda: torch.nn.functional.linear(x, W))
            if a.device == 'cuda':
                torch.backends.cuda.matmul.allow_tf32 = True
                row['dense_tf32_us'] = bench(lambda: torch.nn.functional.linear(x, W))
                torch.backends.cuda.matmul.allow_tf32 = False
            xt = x.t().contiguous()
            for s in map(float, a.sparsities.split(',')):
                mask, idx = const_fanin_mask(out_f, in_f, s, a.device, gen)
                Wm = W * mask
                Wcsr = Wm.to_sparse_csr()
                row[f'csr_s{s}_us'] = bench(lambda: torch.sparse.mm(Wcsr, xt))
            print(json.dumps(row), flush=True)


if __name__ == '__main__':
    main()
