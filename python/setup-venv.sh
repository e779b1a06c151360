#!/usr/bin/env bash
# Creates target/py-venv with what python/roundtrip.py needs: numpy, safetensors, torch.
#
#     python/setup-venv.sh            # create (or complete) target/py-venv
#     PYTHON=python3.12 python/setup-venv.sh
#
# Everything comes from PyPI, as bench/compare.py does for target/bench-venv. PyPI's Linux
# x86_64 torch wheel pulls the CUDA runtime wheels (3 GB installed, which torch loads even on a
# machine without a GPU); the CPU-only wheels live on download.pytorch.org, which this project
# does not assume is reachable. Triton is left out and nothing is cached: the venv is 4.4 GB. The test
# tests/python_roundtrip.rs finds the venv by this path (or WEIGHT_INIT_PYTHON).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/target/py-venv"
python="${PYTHON:-python3}"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "creating $venv with $("$python" --version 2>&1)"
    "$python" -m venv "$venv"
fi
py="$venv/bin/python"

if "$py" -c "import numpy, safetensors, torch" 2>/dev/null; then
    echo "target/py-venv already has numpy, safetensors and torch"
else
    start=$(date +%s)
    # --no-cache-dir: the wheels are not kept a second time in ~/.cache/pip (3 GB).
    "$py" -m pip install -q --no-cache-dir --upgrade pip
    "$py" -m pip install -q --no-cache-dir numpy safetensors
    # torch without triton, its compiler for torch.compile (1 GB, never imported here): torch
    # itself first, then the requirements its metadata declares for this platform, but triton.
    "$py" -m pip install -q --no-cache-dir --no-deps torch
    mapfile -t deps < <("$py" - <<'EOF'
from importlib.metadata import requires
from pip._vendor.packaging.requirements import Requirement
for line in requires("torch") or []:
    req = Requirement(line)
    if req.name == "triton" or (req.marker and not req.marker.evaluate({"extra": ""})):
        continue
    print(str(req).split(";")[0].strip())
EOF
)
    "$py" -m pip install -q --no-cache-dir "${deps[@]}"
    echo "installed in $(( $(date +%s) - start )) s"
fi
"$py" -c "import numpy, safetensors, torch; print('numpy', numpy.__version__, '| safetensors', safetensors.__version__, '| torch', torch.__version__)"
echo "python: $py"
