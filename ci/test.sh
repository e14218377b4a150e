#!/usr/bin/env bash
# Fresh virtual environment in a temporary folder, then exactly the README's
# commands: `pip install .`, `python -m fastdiff demo`, `pip install ".[test]"`,
# `pytest`.  Fails on any error.  Run from anywhere: ci/test.sh
set -euo pipefail
# the tests hold CI builds to more (e.g. OpenMP must be on): say this is one
export CI=1

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
python=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/fastdiff-ci.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== fresh venv in $work"
"$python" -m venv "$work/venv"
# shellcheck disable=SC1091
. "$work/venv/bin/activate"
python -m pip install --quiet --upgrade pip

echo "== pip install ."
pip install .
if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
    # the install writes nothing a commit could pick up (src/ layout)
    test -z "$(git -C "$repo" status --porcelain)" || {
        echo "pip install . changed the source tree:"; git -C "$repo" status --porcelain; exit 1; }
fi
echo "== python -m fastdiff demo"
python -m fastdiff demo
echo "== pip install \".[test]\""
pip install ".[test]"
echo "== pytest"
pytest

echo "== the suite again against a FASTDIFF_DEBUG=1 build (bounds checking and assertions on)"
FASTDIFF_DEBUG=1 pip install --force-reinstall --no-deps .
python -c "import fastdiff; assert fastdiff._config.BUILD_INFO['debug'], 'not a debug build'"
pytest -q
