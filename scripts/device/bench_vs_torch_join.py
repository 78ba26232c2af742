#!/usr/bin/env python3
"""Joins `sparrow bench kernels --json` lines with torch_peers.py lines measured on the same CPU and
prints, per shape / batch / threads: Sparrow's fastest weight-sparse format (median), the fastest of the
constant-fan-in formats (csr, condensed, csc: the mask PyTorch's CSR row gets), PyTorch's faster of its
dense and CSR paths, and the ratios (PyTorch time / Sparrow time, > 1 means Sparrow is faster).

  python3 bench_vs_torch_join.py --sparsity 0.9 --out joined.jsonl sparrow-*.jsonl torch-*.jsonl

Lines of either kind may be in any file; other lines (logs) are skipped. Sparse-input rows are left out:
PyTorch gets dense inputs. Sparrow's dense rows give our best dense kernel beside PyTorch's dense.
"""
import argparse, json, sys

CONST_FANIN = ('csr', 'condensed', 'csc')


def read(paths):
    ours, torch = [], []
    for p in paths:
        with open(p) as f:
            for line in f:
                line = line.strip()
                if not line.startswith('{'):
                    continue
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if 'median_us' in row and 'kind' in row:
                    ours.append(row)
                elif 'dense_fp32_us' in row:
                    torch.append(row)
    return ours, torch


def fastest(rows):
    return min(rows, key=lambda r: r['median_us']) if rows else None


def join(ours, torch, sparsity):
    key = f'csr_s{sparsity}_us'
    out = []
    for t in torch:
        shape = f"{t['out']}x{t['inp']}"
        same = [r for r in ours if r['shape'] == shape and r['batch'] == t['batch'] and r['threads'] == t['threads']]
        if not same:
            print(f"bench_vs_torch_join: no Sparrow rows for {shape} batch {t['batch']} threads {t['threads']}",
                  file=sys.stderr)
        for residency in sorted({r['residency'] for r in same}):
            rows = [r for r in same if r['residency'] == residency]
            sparse = [r for r in rows if r['kind'] == 'sparse']
            best = fastest(sparse)
            fanin = fastest([r for r in sparse if r['format'] in CONST_FANIN])
            dense = fastest([r for r in rows if r['kind'] == 'dense'])
            torch_csr = t.get(key)
            torch_best = min(v for v in (t['dense_fp32_us'], torch_csr) if v is not None)
            torch_path = 'csr' if torch_csr is not None and torch_csr < t['dense_fp32_us'] else 'dense'
            out.append(dict(
                shape=shape, batch=t['batch'], threads=t['threads'], residency=residency, sparsity=sparsity,
                torch=t.get('torch'), torch_dense_us=t['dense_fp32_us'], torch_csr_us=torch_csr,
                torch_best_us=torch_best, torch_best_path=torch_path,
                sparrow_dense_us=dense and dense['median_us'], sparrow_dense_format=dense and dense['format'],
                sparrow_best_format=best and best['format'], sparrow_best_sparsity=best and best['sparsity'],
                sparrow_best_us=best and best['median_us'],
                sparrow_fanin_format=fanin and fanin['format'], sparrow_fanin_us=fanin and fanin['median_us'],
                ratio_best=best and torch_best / best['median_us'],
                ratio_fanin=fanin and torch_best / fanin['median_us'],
                ratio_dense=dense and t['dense_fp32_us'] / dense['median_us']))
    out.sort(key=lambda r: (r['threads'], r['shape'], r['batch'], r['residency']))
    return out


def fmt(v, spec):
    return '-' if v is None else format(v, spec)


def table(rows):
    head = (f"{'shape':>10} {'batch':>5} {'thr':>3} {'weights':>8}  {'sparrow best':>22} {'us':>9}  "
            f"{'const fan-in':>12} {'us':>9}  {'torch best':>10} {'us':>9}  {'x best':>6} {'x fanin':>7} {'dense x':>7}")
    lines = [head]
    for r in rows:
        best = '-' if r['sparrow_best_format'] is None else \
            f"{r['sparrow_best_format']} ({100 * r['sparrow_best_sparsity']:.1f}%)"
        lines.append(
            f"{r['shape']:>10} {r['batch']:>5} {r['threads']:>3} {r['residency']:>8}  {best:>22} "
            f"{fmt(r['sparrow_best_us'], '9.1f')}  {r['sparrow_fanin_format'] or '-':>12} "
            f"{fmt(r['sparrow_fanin_us'], '9.1f')}  {r['torch_best_path']:>10} {r['torch_best_us']:9.1f}  "
            f"{fmt(r['ratio_best'], '5.2f')}x {fmt(r['ratio_fanin'], '6.2f')}x {fmt(r['ratio_dense'], '6.2f')}x")
    lines.append("x best / x fanin: PyTorch's faster path (dense or CSR) / Sparrow's fastest format (any / constant "
                 "fan-in); > 1: Sparrow faster.")
    lines.append("dense x: PyTorch dense / Sparrow's best dense kernel. PyTorch reuses one W (cached); compare with "
                 "Sparrow's cached rows, streamed rows are the harder case.")
    return '\n'.join(lines)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--sparsity', type=float, default=0.9, help='the torch_peers.py sparsity to compare (its CSR key)')
    p.add_argument('--out', help='also write the joined rows here, one JSON object a line')
    p.add_argument('files', nargs='+')
    a = p.parse_args(argv)
    ours, torch = read(a.files)
    if not ours or not torch:
        print(f"bench_vs_torch_join: {len(ours)} Sparrow rows and {len(torch)} PyTorch rows; need both", file=sys.stderr)
        return 1
    rows = join(ours, torch, a.sparsity)
    print(table(rows))
    if a.out:
        with open(a.out, 'w') as f:
            for r in rows:
                f.write(json.dumps(r) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
