#!/usr/bin/env bash
# Creates target/py-venv with what python/roundtrip.py needs: numpy, safetensors, torch.
#
#     python/setup-venv.sh            # create (or complete) target/py-venv
#     PYTHON=python3.12 python/setup-venv.sh
#
# Everything comes from PyPI, as bench/compare.py does for target/bench-venv. PyPI's Linux
# x86_64 torch wheel pulls the CUDA runtime wheels (several GB); the CPU-only wheels live on
# download.pytorch.org, which this project does not assume is reachable. The test
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
    "$py" -m pip install -q --upgrade pip
    "$py" -m pip install -q numpy safetensors torch
    echo "installed in $(( $(date +%s) - start )) s"
fi
"$py" -c "import numpy, safetensors, torch; print('numpy', numpy.__version__, '| safetensors', safetensors.__version__, '| torch', torch.__version__)"
echo "python: $py"
