#!/usr/bin/python3
"""The PyTorch side of tools/perf/compare.sh: the same cases and shapes as the diffusion4j JMH
benchmarks (benchmarks/src/main/java/diffusion4j/benchmarks/), timed the same way (after warm-up,
median over repeats), on 2 threads.

  /usr/bin/python3 tools/perf/torch_bench.py --json out.json      # every case
  /usr/bin/python3 tools/perf/torch_bench.py --rss 200            # peak RSS over 200 UNet-stage steps

  /usr/bin/python3 tools/perf/torch_bench.py --check-blas          # exit 1 unless torch's GEMM is on OpenBLAS

--rss must run in a fresh process (ru_maxrss is the peak of the whole process), so compare.sh calls
it separately. --check-blas exists because Debian's torch links the generic libblas.so.3, whose
default alternative is the netlib reference BLAS: PyTorch's matmul then runs 10-70x slower than
with OpenBLAS and every GEMM-bound ratio is meaningless (docs/performance.md). Run with OPENBLAS_CORETYPE=SKYLAKEX on these machines (compare.sh sets it): Debian's
OpenBLAS otherwise may not pick its AVX-512 kernels under a hypervisor.

Each case mirrors one JMH benchmark: same inputs' distribution, same ops, same work per call.
"""
import argparse
import json
import math
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

THREADS = 2
GROUPS, HEADS = 32, 4


# ---- the UNet stage, layer for layer as diffusion4j.models.unet (DDPM, Ho et al. 2020, App. B) ----

class ResBlock(nn.Module):
    """h = conv1(silu(norm1(x))) + temb_proj(silu(temb)); h = conv2(silu(norm2(h))); x + h."""

    def __init__(self, c, temb_dim):
        super().__init__()
        self.norm1 = nn.GroupNorm(GROUPS, c)
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.temb_proj = nn.Linear(temb_dim, c)
        self.norm2 = nn.GroupNorm(GROUPS, c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.temb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return x + h


class AttentionBlock(nn.Module):
    """x + out_proj(attention over the H*W pixels of norm(x)), 4 heads, as diffusion4j's
    MultiHeadAttention (q_proj, k_proj, v_proj, out_proj Linears). torch 1.13 has no fused
    scaled_dot_product_attention, so the scores are materialised, as torch 1.13 users do."""

    def __init__(self, c):
        super().__init__()
        self.norm = nn.GroupNorm(GROUPS, c)
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(c, c) for _ in range(4))
        self.c = c

    def forward(self, x):
        n, c, h, w = x.shape
        t = self.norm(x).reshape(n, c, h * w).permute(0, 2, 1)          # (N, HW, C)
        split = lambda y: y.reshape(n, h * w, HEADS, c // HEADS).permute(0, 2, 1, 3)
        q, k, v = split(self.q_proj(t)), split(self.k_proj(t)), split(self.v_proj(t))
        p = torch.softmax(q @ k.transpose(-1, -2) * (1 / math.sqrt(c // HEADS)), dim=-1)
        o = (p @ v).permute(0, 2, 1, 3).reshape(n, h * w, c)
        return x + self.out_proj(o).permute(0, 2, 1).reshape(n, c, h, w)


class UNetStage(nn.Module):
    def __init__(self, c, temb_dim):
        super().__init__()
        self.res0, self.res1, self.attn = ResBlock(c, temb_dim), ResBlock(c, temb_dim), AttentionBlock(c)

    def forward(self, x, temb):
        return self.attn(self.res1(self.res0(x, temb), temb))


def unet_step_fn(shape):
    """One training step as diffusion4j's UNetStep: MSE to a fixed target, backward, AdamW(lr 1e-3)."""
    n, c, h, w = shape
    torch.manual_seed(5)
    stage = UNetStage(c, 4 * c)
    opt = torch.optim.AdamW(stage.parameters(), lr=1e-3)
    x, temb, target = torch.randn(n, c, h, w), torch.randn(n, 4 * c), torch.randn(n, c, h, w)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(stage(x, temb), target)
        loss.backward()
        opt.step()
        return loss
    return step


# ---- kernel cases ----------------------------------------------------------------------------------

def gemm(n):
    a, b = torch.randn(n, n), torch.randn(n, n)
    return lambda: a @ b


def conv(shape, backward):
    n, c, h, w = shape
    x = torch.randn(n, c, h, w, requires_grad=backward)
    wt = (torch.randn(c, c, 3, 3) / math.sqrt(9 * c)).requires_grad_(backward)
    dy = torch.randn(n, c, h, w)
    if not backward:
        def fwd():
            with torch.no_grad():
                return F.conv2d(x, wt, None, 1, 1)
        return fwd

    def fwd_bwd():  # forward, then the input and weight gradients from a fixed dy
        x.grad = wt.grad = None
        F.conv2d(x, wt, None, 1, 1).backward(dy)
    return fwd_bwd


def group_norm(shape):
    n, c, h, w = shape
    x = (0.5 + 2 * torch.randn(n, c, h, w)).requires_grad_()
    gamma, beta = torch.randn(c, requires_grad=True), torch.randn(c, requires_grad=True)
    dy = torch.randn(n, c, h, w)

    def fwd_bwd():
        x.grad = gamma.grad = beta.grad = None
        F.group_norm(x, GROUPS, gamma, beta, 1e-5).backward(dy)
    return fwd_bwd


def attention(shape):
    b, l, d = shape
    q, k, v = (torch.randn(b, l, d, requires_grad=True) for _ in range(3))
    dout = torch.randn(b, l, d)

    def fwd_bwd():
        q.grad = k.grad = v.grad = None
        p = torch.softmax(q @ k.transpose(1, 2) * (1 / math.sqrt(d)), dim=-1)
        (p @ v).backward(dout)
    return fwd_bwd


def cases():
    """(key, callable); keys are the ones tools/perf/join.py gives the JMH results."""
    out = [(f"gemm {n}", lambda n=n: gemm(n)) for n in (1024, 2048)]
    for s in ((32, 64, 32, 32), (32, 128, 16, 16), (32, 256, 8, 8)):
        key = "x".join(map(str, s))
        out.append((f"conv2d fwd {key}", lambda s=s: conv(s, False)))
        out.append((f"conv2d fwd+bwd {key}", lambda s=s: conv(s, True)))
    for s in ((32, 128, 16, 16), (32, 256, 8, 8)):
        out.append((f"groupnorm fwd+bwd {'x'.join(map(str, s))}", lambda s=s: group_norm(s)))
    for s in ((128, 256, 32), (128, 64, 64)):
        out.append((f"attention fwd+bwd {'x'.join(map(str, s))}", lambda s=s: attention(s)))
    out.append(("unet step 32x128x16x16", lambda: unet_step_fn((32, 128, 16, 16))))
    return out


def median_ms(fn, warmup_s=1.0, measure_s=3.0, min_reps=5, max_reps=200):
    """Warm up for warmup_s (at least 2 calls), then time single calls until measure_s has passed
    (at least min_reps); the median of the per-call times, in ms."""
    t_end = time.perf_counter() + warmup_s
    for i in range(1000):
        fn()
        if i >= 1 and time.perf_counter() > t_end:
            break
    times = []
    t_end = time.perf_counter() + measure_s
    while len(times) < min_reps or (time.perf_counter() < t_end and len(times) < max_reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), len(times)


def blas_report():
    """(loaded BLAS library, GFLOP/s of a 1024^3 matmul on THREADS threads). The library is read from
    /proc/self/maps after a matmul has run, since libblas.so.3 is an alternatives symlink whose name
    says nothing about which implementation it is."""
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(5))
    libs = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.split()[-1]})
    return libs, 2 * n ** 3 / best / 1e9


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# The reference BLAS gives ~6 GFLOP/s here and OpenBLAS 200-420 on 2 cores: far apart, so a loose
# threshold tells them apart even on a busy shared machine.
MIN_BLAS_GFLOPS = 40.0


def check_blas():
    libs, gflops = blas_report()
    # liblapack.so.3 may map libopenblas even while libblas.so.3 is the reference one, so look for
    # the reference library itself (Debian puts it under .../blas/).
    reference = any("/blas/libblas" in lib for lib in libs)
    openblas = any("openblas" in lib for lib in libs) and not reference
    print(f"torch BLAS: {', '.join(libs) or 'none found in /proc/self/maps'}; matmul 1024: {gflops:.1f} GFLOP/s "
          f"on {torch.get_num_threads()} threads", flush=True)
    if not openblas or gflops < MIN_BLAS_GFLOPS:
        print("torch_bench.py: PyTorch is not on OpenBLAS (or its GEMM is far too slow: "
              f"{gflops:.1f} < {MIN_BLAS_GFLOPS} GFLOP/s). Install it with "
              "`apt-get install -y libopenblas0-pthread` and select it with `update-alternatives --set "
              "libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3`; "
              "comparing against the reference BLAS would make every GEMM ratio meaningless.", file=sys.stderr)
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", help="write results here (default: stdout)")
    ap.add_argument("--rss", type=int, metavar="STEPS", help="only run STEPS UNet-stage steps and report peak RSS")
    ap.add_argument("--only", help="run only cases whose key contains this text")
    ap.add_argument("--check-blas", action="store_true", help="only check that torch's GEMM runs on OpenBLAS")
    args = ap.parse_args()
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    if args.check_blas:
        sys.exit(check_blas())

    if args.rss:
        step = unet_step_fn((32, 128, 16, 16))
        times = []
        for _ in range(args.rss):
            t0 = time.perf_counter()
            loss = step().item()
            times.append((time.perf_counter() - t0) * 1e3)
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        print(json.dumps({"steps": args.rss, "shape": "32x128x16x16", "peak_rss_mib": round(peak_kib / 1024, 1),
                          "median_step_ms": round(statistics.median(times), 2), "last_loss": loss}))
        return

    results = {}
    for key, make in cases():
        if args.only and args.only not in key:
            continue
        ms, reps = median_ms(make())
        results[key] = {"median_ms": ms, "reps": reps}
        print(f"# torch {key}: median {ms:.3f} ms over {reps} calls", file=sys.stderr, flush=True)
    libs, gflops = blas_report()
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": libs,
           "blas_gemm1024_gflops": round(gflops, 1), "cases": results}
    text = json.dumps(out, indent=1)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
