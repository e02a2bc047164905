#!/usr/bin/python3
"""Joins the JMH JSON (diffusion4j) and torch_bench.py's JSON of one or more rounds into the
markdown comparison table printed by tools/perf/compare.sh.

  join.py --jmh J1.json [J2.json ...] --torch T1.json [T2.json ...] [--rss JAVA_RSS.json TORCH_RSS.json]
  join.py JMH.json TORCH.json [JAVA_RSS.json TORCH_RSS.json]      (one round, the old form)

Jn and Tn are round n's two sides, measured one after the other. Per round: diffusion4j's figure
is the median call of JMH's sample-time mode (compare.sh runs it so), the statistic PyTorch's side
gives (the median of single timed calls); in average-time mode, which gives one mean per measured
iteration, the median of those means instead. The round's ratio is PyTorch ms /
diffusion4j ms (above 1: diffusion4j is faster). The table gives, per case, the median over the
rounds of each side's figure, the median of the rounds' ratios (what "met" is decided on) and
their range, so a round spoiled by a slow spell of a shared machine shows as an outlier instead of
moving the result.
"""
import argparse
import json
import statistics
import sys

# JMH benchmark method -> (case label, name of its shape @Param[, the PyTorch case it is compared with])
METHODS = {
    "GemmBenchmark.matmul": ("gemm", "size"),
    # The output's array recycled through a TensorScope instead of a new one the JVM zeroes first.
    "GemmBenchmark.matmulScoped": ("gemm in scope", "size", "gemm"),
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
TARGETS = {"gemm": 0.9, "gemm in scope": 0.9, "conv2d fwd": 1.0, "conv2d fwd+bwd": 1.0, "groupnorm fwd+bwd": 1.5,
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
        if r.get("mode") == "sample":  # every call timed: the median call, PyTorch's statistic too
            median = r["primaryMetric"]["scorePercentiles"]["50.0"]
        else:  # one mean per iteration: their median
            median = statistics.median(v for fork in r["primaryMetric"]["rawData"] for v in fork)
        gflops = r.get("secondaryMetrics", {}).get("gflops", {}).get("score")
        if method == "FmaPeakBenchmark.fmaPeak":
            peak = gflops
            continue
        if method not in METHODS:
            continue
        label, param, *peer = METHODS[method]
        shape = r['params'][param]
        cases[f"{label} {shape}"] = {"median_ms": median, "gflops": gflops,
                                     "torch": f"{peer[0] if peer else label} {shape}"}
    return cases, peak


def fmt(v, spec):
    return "n/a" if v is None else format(v, spec)


def parse(argv):
    if argv and not argv[0].startswith("--"):  # the one-round positional form
        if len(argv) not in (2, 4):
            sys.exit("join.py: expected JMH.json TORCH.json [JAVA_RSS.json TORCH_RSS.json]")
        return argparse.Namespace(jmh=[argv[0]], torch=[argv[1]], rss=argv[2:] or None)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jmh", nargs="+", required=True, help="JMH JSON of each round, in round order")
    ap.add_argument("--torch", nargs="+", required=True, help="torch_bench.py JSON of each round, in the same order")
    ap.add_argument("--rss", nargs=2, metavar=("JAVA_RSS", "TORCH_RSS"), help="the two peak-RSS JSON files")
    args = ap.parse_args(argv)
    if len(args.jmh) != len(args.torch):
        ap.error(f"{len(args.jmh)} JMH files but {len(args.torch)} PyTorch files: one of each per round")
    return args


def main(argv):
    args = parse(argv[1:])
    rounds = [(jmh_cases(j), json.load(open(t))["cases"]) for j, t in zip(args.jmh, args.torch)]
    peaks = [peak for (_, peak), _ in rounds if peak is not None]
    peak = statistics.median(peaks) if peaks else None
    n = len(rounds)
    print(f"Measured FMA peak (FmaPeakBenchmark, all backend threads; median of {len(peaks)} round(s)): {fmt(peak, '.1f')} GFLOP/s\n")
    print(f"Rounds: {n}. Each side's figure is the median over the rounds of its per-round median; the ratio is the median "
          f"of the {n} per-round ratios (PyTorch ms / diffusion4j ms), with their range.\n")
    print("| case | diffusion4j median ms | PyTorch median ms | ratio PyTorch/d4j | ratio range | target | met | d4j GFLOP/s | % of FMA peak |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | :---: | ---: | ---: |")
    keys = []
    for (d4j, _), torch in rounds:
        keys += [k for k in d4j if k not in keys]
    for (d4j, _), torch in rounds:
        keys += [k for k in torch if k not in keys and not any(k == a.get("torch") for (d, _), _ in rounds for a in d.values())]
    for k in keys:
        ours, theirs, ratios, rates = [], [], [], []
        for (d4j, _), torch in rounds:
            a = d4j.get(k, {})
            b = torch.get(a.get("torch", k), {})
            ms_a, ms_b = a.get("median_ms"), b.get("median_ms")
            if ms_a:
                ours.append(ms_a)
            if ms_b:
                theirs.append(ms_b)
            if ms_a and ms_b:
                ratios.append(ms_b / ms_a)
            if a.get("gflops"):
                rates.append(a["gflops"])
        med = lambda xs: statistics.median(xs) if xs else None
        ratio, g = med(ratios), med(rates)
        spread = f"{min(ratios):.2f}-{max(ratios):.2f}" if len(ratios) > 1 else "n/a"
        met = "n/a" if ratio is None else ("yes" if ratio >= target(k) else "no")
        pct = 100 * g / peak if g and peak else None
        # conv2d counts the direct convolution's flops; Winograd does fewer, so it can pass 100%.
        mark = "*" if k.startswith("conv2d") and g else ""
        print(f"| {k} | {fmt(med(ours), '.2f')} | {fmt(med(theirs), '.2f')} | {fmt(ratio, '.2f')} | {spread} | >= {target(k):.1f} "
              f"| {met} | {fmt(g, '.1f')}{mark} | {fmt(pct, '.0f')}{'%' if pct is not None else ''}{mark} |")
    print("\n\\* conv2d GFLOP/s count the direct convolution's multiply-adds (2 N O C 9 H W per pass). Layers that run "
          "Winograd F(2x2, 3x3) do 2.25x fewer, so their effective rate can exceed the FMA peak.")
    if args.rss:
        jr, tr = json.load(open(args.rss[0])), json.load(open(args.rss[1]))
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
