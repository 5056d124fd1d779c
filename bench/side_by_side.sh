#!/usr/bin/env bash
# Run each benchmark suite on an older checkout, then on this one, back to back.
#   git worktree add /tmp/ka-old <commit>
#   bench/side_by_side.sh /tmp/ka-old [suite ...]      (default: every suite)
# Both trees run with this tree's .venv (nats-server on its PATH), or the one on PATH,
# each importing its own kaizen_actors (PYTHONPATH), not the venv's installed copy.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
old="$(cd "${1:?usage: bench/side_by_side.sh OLD_TREE [suite ...]}" && pwd)"
shift
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bench_actors bench_nats bench_team bench_agents bench_cancel)
export PATH="$here/.venv/bin:$PATH"
for suite in "${suites[@]}"; do
    for tree in "$old" "$here"; do
        echo "=== $suite @ $(git -C "$tree" rev-parse --short HEAD) ($tree)"
        (cd "$tree" && PYTHONPATH="$tree" python "bench/$suite.py")
    done
done
