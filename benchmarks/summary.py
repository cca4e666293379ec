#!/usr/bin/python3
"""Prints the README's performance summary from benchmarks/results/resnet50.json."""
import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    d = json.load(open(os.path.join(HERE, "results", "resnet50.json")))
    resnet = [r for r in d["layers"] if r["suite"] == "resnet50"]

    def geomean(peer):
        return math.exp(sum(math.log(r[peer + "_gflops"]) for r in resnet) / len(resnet))

    k, kt, o, x, t, a, p = (geomean(peer) for peer in ("kiln", "kiln_tuned", "onednn", "xnnpack", "torch", "adams",
                                                        "python"))

    def against_best(peer):
        ratios = [r[peer + "_gflops"] / r["best_library_gflops"] for r in resnet]
        return math.exp(sum(math.log(q) for q in ratios) / len(ratios)), min(ratios)

    best, worst = against_best("kiln")
    nhwc = geomean("kiln_nhwc") if "kiln_nhwc_gflops" in resnet[0] else None
    tuned_best, tuned_worst = against_best("kiln_tuned")
    tuned_over_adams = min(r["kiln_tuned_gflops"] / r["adams_gflops"] for r in resnet)
    by_name = {r["name"]: r for r in d["layers"]}
    lines = [f"Measured on {d['date']}, {d['machine']}, batch 1, fp32, FMA-loop peak {d['peak_gflops']:.0f} GFLOP/s:", "",
             "| over the 23 distinct convolutions of ResNet-50 | GFLOP/s (geomean) |", "|---|---|",
             f"| Kiln, default schedules | **{k:.1f}** |",
             *([f"| Kiln, default schedules, NHWC in and out (as between kernels) | **{nhwc:.1f}** "
                f"(oneDNN: {nhwc / o:.2f}x; the better library: {against_best('kiln_nhwc')[0]:.2f}x geomean, "
                f"{against_best('kiln_nhwc')[1]:.2f}x at worst) |"] if nhwc else []),
             f"| Kiln, tuned (`schedules/benchmark_layers.jsonl`; NHWC in and out) | **{kt:.1f}** (over the default: "
             f"{kt / (nhwc or k):.2f}x; over Adams2019: {tuned_over_adams:.1f}x at least) |",
             f"| oneDNN 2.6 | {o:.1f} (Kiln: {k / o:.2f}x, tuned {kt / o:.2f}x) |",
             f"| XNNPACK | {x:.1f} (Kiln: {k / x:.2f}x) |",
             f"| the better of oneDNN and XNNPACK, per layer | (Kiln: {best:.2f}x geomean, {worst:.2f}x at worst; "
             f"tuned {tuned_best:.2f}x, {tuned_worst:.2f}x at worst) |",
             f"| PyTorch 1.13 | {t:.1f} (Kiln: {k / t:.2f}x) |",
             f"| Halide Adams2019 (beam 1) | {a:.1f} (Kiln: {k / a:.1f}x) |",
             f"| pure Python | {p:.4f} (Kiln: {k / p:,.0f}x) |", "",
             "| other layers and networks | Kiln | Kiln tuned | oneDNN | XNNPACK | PyTorch |", "|---|---|---|---|---|---|"]
    for name, label in (("mbv2_dw_3x3", "MobileNetV2 depthwise 3x3, 144 ch, 56x56"),
                        ("seed_1ch_1024", "3x3, 1 channel, 1024x1024")):
        r = by_name[name]
        lines.append(f"| {label} | {r['kiln_gflops']:.1f} GFLOP/s | {r['kiln_tuned_gflops']:.1f} | "
                     f"{r['onednn_gflops']:.1f} | {r['xnnpack_gflops']:.1f} | {r['torch_gflops']:.1f} |")
    for n in d.get("networks", []):
        lines.append(f"| {n['name']}, whole network | {n['kiln_ms']:.3f} ms | | | | {n['torch_ms']:.3f} ms "
                     f"(Kiln {n['torch_ms'] / n['kiln_ms']:.2f}x) |")
    print("\n".join(lines))
    if "tuning_seconds" in d:
        print(tuning_table(d, resnet))


def tuning_table(d, resnet):
    """The tuning results of docs/tuning.md: per layer, ms of the default (NHWC),
    Adams2019, tuned and oneDNN, and the time tuning took."""
    lines = [f"`kiln tune --budget {d['tune_budget']:g}` per layer took "
             f"{d['tuning_seconds'].get('resnet50', 0) / 60:.1f} min for ResNet-50's {len(resnet)} layers "
             f"(measured {d['date']}, medians in ms):", "",
             "| layer | default (NHWC) | Halide Adams2019 | tuned | oneDNN | tuned/Adams2019 | tuned/better library |",
             "|---|---|---|---|---|---|---|"]
    for r in resnet:
        lines.append(f"| {r['name']} | {r['kiln_nhwc_ms']:.3f} | {r['adams_ms']:.3f} | {r['kiln_tuned_ms']:.3f} | "
                     f"{r['onednn_ms']:.3f} | {r['adams_ms'] / r['kiln_tuned_ms']:.1f}x | "
                     f"{r['kiln_tuned_gflops'] / r['best_library_gflops']:.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
