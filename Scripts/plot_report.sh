#!/usr/bin/env bash
# Draws an evaluation report's PNGs with matplotlib from a pinned private virtual
# environment (.venv-report, made on first use from PyPI). See plot_report.py for usage.
# matplotlib: the well-kept standard for scientific plots (log-log DET axes, histograms),
# and its PNG output needs no other converter.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-report"
reqs="matplotlib==3.9.2 numpy==2.1.3"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import matplotlib, numpy" 2>/dev/null; then
  echo "plot_report: making $venv ($reqs)" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" || { echo "plot_report: error: python3 -m venv failed (install python3-venv)" >&2; exit 1; }
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: $reqs \
    || { echo "plot_report: error: pip could not install $reqs (is PyPI reachable?)" >&2; exit 1; }
fi
exec "$venv/bin/python" "$root/Scripts/plot_report.py" "$@"
