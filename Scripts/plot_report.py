#!/usr/bin/env python3
"""Draws the pictures of an evaluation report (matplotlib, pinned by plot_report.sh).

  plot_report.py DIR                 DIR/report.json -> DIR/det.png, DIR/histogram.png
  plot_report.py --overlay OUT.png DIR [DIR ...]   every series of every DIR on one DET plot

report.json: {"title": str, "kind": "verification" | "pad",
              "series": [{"label": str, "genuine": [scores], "impostor": [scores]}], ...}
For "pad" the genuine scores are bona fide presentations and the impostor scores attacks;
the trade-off plotted is BPCER against APCER.
"""
import json, os, sys
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

def scores(values):
    """Scores as floats; null (a pair that could not be compared) is -inf: a non-match."""
    return np.asarray([-np.inf if v is None else v for v in values], dtype=np.float64)

def rates(genuine, impostor):
    """FMR and FNMR at every distinct threshold (a match is score >= t)."""
    g = np.sort(scores(genuine)); i = np.sort(scores(impostor))
    t = np.unique(np.concatenate([g, i[np.isfinite(i)], [np.inf]]))
    fmr = 1 - np.searchsorted(i, t, side="left") / max(1, len(i))
    fnmr = np.searchsorted(g, t, side="left") / max(1, len(g))
    return fmr, np.minimum(1, fnmr)

def axes_names(kind):
    return ("APCER", "BPCER") if kind == "pad" else ("FMR", "FNMR")

def det(ax, report, label_prefix=""):
    xname, yname = axes_names(report.get("kind", "verification"))
    for s in report["series"]:
        fmr, fnmr = rates(s["genuine"], s["impostor"])
        n = len(s["impostor"])
        floor = 0.5 / max(1, n)  # where an FMR of 0 is drawn on a log axis
        ax.plot(np.maximum(fmr, floor), np.maximum(fnmr, 0.5 / max(1, len(s["genuine"]))), drawstyle="steps-post",
                label=f"{label_prefix}{s['label']} ({len(s['genuine'])} gen., {n} imp.)")
    ax.set_xscale("log"); ax.set_yscale("log")
    ax.set_xlabel(f"{xname} (log)"); ax.set_ylabel(f"{yname} (log)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)

def draw(directory):
    report = json.load(open(os.path.join(directory, "report.json")))
    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    det(ax, report)
    ax.set_title(f"DET — {report['title']}", fontsize=10)
    fig.tight_layout(); fig.savefig(os.path.join(directory, "det.png"), dpi=110); plt.close(fig)
    series = report["series"]
    fig, axes = plt.subplots(1, len(series), figsize=(5.2 * len(series), 4.2), squeeze=False)
    gname, iname = ("bona fide", "attack") if report.get("kind") == "pad" else ("genuine", "impostor")
    for ax, s in zip(axes[0], series):
        g = scores(s["genuine"]); g = g[np.isfinite(g)]; i = scores(s["impostor"]); i = i[np.isfinite(i)]
        lo = min(g.min() if len(g) else 0, i.min() if len(i) else 0); hi = max(g.max() if len(g) else 1, i.max() if len(i) else 1)
        bins = np.linspace(lo, hi, 60)
        ax.hist(i, bins=bins, density=True, alpha=0.6, label=f"{iname} ({len(i)})")
        ax.hist(g, bins=bins, density=True, alpha=0.6, label=f"{gname} ({len(g)})")
        for key, t in sorted(s.get("thresholds", {}).items()):
            ax.axvline(t, color="black", lw=0.8, ls="--"); ax.text(t, ax.get_ylim()[1] * 0.9, f" {key}", fontsize=7, rotation=90, va="top")
        ax.set_title(s["label"], fontsize=10); ax.set_xlabel("score"); ax.set_ylabel("density"); ax.legend(fontsize=8)
    fig.suptitle(f"Score distributions — {report['title']}", fontsize=10)
    fig.tight_layout(); fig.savefig(os.path.join(directory, "histogram.png"), dpi=110); plt.close(fig)
    print(os.path.join(directory, "det.png")); print(os.path.join(directory, "histogram.png"))

def overlay(out, directories):
    fig, ax = plt.subplots(figsize=(6.8, 5.4))
    for d in directories:
        report = json.load(open(os.path.join(d, "report.json")))
        det(ax, report, label_prefix=f"{report['title']}: " if len(report["series"]) > 1 or len(directories) > 1 else "")
    ax.set_title("DET — " + ", ".join(os.path.basename(os.path.normpath(d)) for d in directories), fontsize=10)
    fig.tight_layout(); fig.savefig(out, dpi=110); plt.close(fig)
    print(out)

if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) >= 3 and args[0] == "--overlay":
        overlay(args[1], args[2:])
    elif len(args) == 1:
        draw(args[0])
    else:
        sys.exit(__doc__)
