#!/usr/bin/python3
"""Joins the JMH JSON (diffusion4j) and torch_bench.py's JSON into the markdown comparison table
printed by tools/perf/compare.sh. Usage: join.py JMH.json TORCH.json [JAVA_RSS.json TORCH_RSS.json]

Median: JMH's average-time mode gives one mean per measured iteration; the median of those
iterations is the diffusion4j figure. PyTorch's is the median of single timed calls.
Ratio = PyTorch ms / diffusion4j ms: above 1 means diffusion4j is faster.
"""
import json
import statistics
import sys

# JMH benchmark method -> (case label, name of its shape @Param[, the PyTorch case it is compared with])
METHODS = {
    "GemmBenchmark.matmul": ("gemm", "size"),
    "Conv2dBenchmark.forward": ("conv2d fwd", "convShape"),
    "Conv2dBenchmark.forwardBackward": ("conv2d fwd+bwd", "convShape"),
    "GroupNormBenchmark.forwardBackward": ("groupnorm fwd+bwd", "normShape"),
    # Outputs recycled through a TensorScope, as PyTorch's caching allocator recycles its own.
    "GroupNormBenchmark.forwardBackwardScoped": ("groupnorm fwd+bwd in scope", "normShape", "groupnorm fwd+bwd"),
    "AttentionBenchmark.forwardBackward": ("attention fwd+bwd", "attnShape"),
    "AttentionBenchmark.forwardBackwardScoped": ("attention fwd+bwd in scope", "attnShape", "attention fwd+bwd"),
    "UNetStepBenchmark.trainStep": ("unet step", "stageShape"),
}
# The performance issue's CPU targets: the ratio PyTorch time / diffusion4j time each case must reach.
TARGETS = {"gemm": 0.9, "conv2d fwd": 1.0, "conv2d fwd+bwd": 1.0, "groupnorm fwd+bwd": 1.5,
           "groupnorm fwd+bwd in scope": 1.5, "attention fwd+bwd": 2.0, "attention fwd+bwd in scope": 2.0, "unet step": 1.0}
# Peak resident memory over the UNet-stage steps: at most this multiple of PyTorch's.
MEMORY_TARGET = 1.5


def target(case):
    return TARGETS[case.rsplit(" ", 1)[0]]


def jmh_cases(path):
    cases, peak = {}, None
    for r in json.load(open(path)):
        method = r["benchmark"].rsplit(".", 2)
        method = method[-2] + "." + method[-1]
        raw = [v for fork in r["primaryMetric"]["rawData"] for v in fork]
        gflops = r.get("secondaryMetrics", {}).get("gflops", {}).get("score")
        if method == "FmaPeakBenchmark.fmaPeak":
            peak = gflops
            continue
        if method not in METHODS:
            continue
        label, param, *peer = METHODS[method]
        shape = r['params'][param]
        cases[f"{label} {shape}"] = {"median_ms": statistics.median(raw), "gflops": gflops,
                                     "torch": f"{peer[0] if peer else label} {shape}"}
    return cases, peak


def fmt(v, spec):
    return "n/a" if v is None else format(v, spec)


def main(argv):
    d4j, peak = jmh_cases(argv[1])
    torch = json.load(open(argv[2]))["cases"]
    print(f"Measured FMA peak (FmaPeakBenchmark, all backend threads): {fmt(peak, '.1f')} GFLOP/s\n")
    print("| case | diffusion4j median ms | PyTorch median ms | ratio PyTorch/d4j | target | met | d4j GFLOP/s | % of FMA peak |")
    print("| --- | ---: | ---: | ---: | ---: | :---: | ---: | ---: |")
    keys = list(d4j) + [k for k in torch if k not in d4j]
    for k in keys:
        a = d4j.get(k, {})
        b = torch.get(a.get("torch", k), {})
        ms_a, ms_b = a.get("median_ms"), b.get("median_ms")
        ratio = ms_b / ms_a if ms_a and ms_b else None
        met = "n/a" if ratio is None else ("yes" if ratio >= target(k) else "no")
        g = a.get("gflops")
        pct = 100 * g / peak if g and peak else None
        # conv2d counts the direct convolution's flops; Winograd does fewer, so it can pass 100%.
        mark = "*" if k.startswith("conv2d") and g else ""
        print(f"| {k} | {fmt(ms_a, '.2f')} | {fmt(ms_b, '.2f')} | {fmt(ratio, '.2f')} | >= {target(k):.1f} | {met} "
              f"| {fmt(g, '.1f')}{mark} | {fmt(pct, '.0f')}{'%' if pct is not None else ''}{mark} |")
    print("\n\\* conv2d GFLOP/s count the direct convolution's multiply-adds (2 N O C 9 H W per pass). Layers that run "
          "Winograd F(2x2, 3x3) do 2.25x fewer, so their effective rate can exceed the FMA peak.")
    if len(argv) > 4:
        jr, tr = json.load(open(argv[3])), json.load(open(argv[4]))
        print(f"\nPeak resident memory over {jr['steps']} UNet-stage training steps ({jr['shape']}), each in a fresh process:\n")
        print("| | peak RSS MiB | median step ms (in that run) |")
        print("| --- | ---: | ---: |")
        heap = jr.get("max_heap_mib")
        setting = f", max heap {heap:.0f} MiB" if heap else ""
        print(f"| diffusion4j (VmHWM{setting}) | {jr['peak_rss_mib']:.0f} | {jr['median_step_ms']:.1f} |")
        print(f"| PyTorch (ru_maxrss) | {tr['peak_rss_mib']:.0f} | {tr['median_step_ms']:.1f} |")
        mem = jr['peak_rss_mib'] / tr['peak_rss_mib']
        print(f"| ratio d4j/PyTorch | {mem:.2f} (target <= {MEMORY_TARGET}: {'met' if mem <= MEMORY_TARGET else 'not met'}) | |")


if __name__ == "__main__":
    main(sys.argv)
