#!/usr/bin/env bash
# The one GPU check, for a machine with an NVIDIA GPU (about 5-8 minutes on one H200-class GPU):
#   1. makes sure CuPy matching the driver's CUDA is importable (installs cupy-cuda12x / cupy-cuda13x from
#      $CUPY_WHEELS, a folder of wheels carried to the machine, or from the registry when it is reachable);
#   2. runs the GPU test subset (the op table and the layer suite on device('cuda'), the tests marked cuda);
#   3. runs benchmarks/bench_gpu.py side by side with PyTorch CUDA and writes benchmarks/results/gpu.md
#      (the machine's description, matmul TFLOP/s, training steps, the CPU-vs-GPU speed-up).
# Usage: bash benchmarks/gpu_check.sh [--dry-run]
#   --dry-run checks the whole script on the CPU with the CuPy stand-in (no install, tiny sizes, output to a
#   temporary folder); the test suite runs it (tests/test_cuda_standin.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
DRY=0
[ "${1:-}" = "--dry-run" ] && DRY=1
OUT=benchmarks/results
LOG=$(mktemp -d)
if [ "$DRY" = 1 ]; then
  export BRICKWORK_CUDA_STANDIN=1
  OUT=$LOG
  TESTS=(tests/test_op_table.py -k "cuda and add_")
else
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$LOG/gpu.txt"
  if ! "$PY" -c "import cupy; cupy.cuda.runtime.getDeviceCount()" 2>/dev/null; then
    cuda=$(nvidia-smi | sed -n 's/.*CUDA Version: \([0-9]*\).*/\1/p' | head -1)
    pkg=cupy-cuda12x; [ "${cuda:-12}" -ge 13 ] && pkg=cupy-cuda13x
    if [ -n "${CUPY_WHEELS:-}" ]; then
      "$PY" -m pip install -q --no-index --find-links "$CUPY_WHEELS" "$pkg"
    else
      "$PY" -m pip install -q "$pkg"
    fi
  fi
  TESTS=(tests/test_op_table.py tests/test_layers.py tests/test_half_precision.py -k cuda)
fi
echo "== GPU tests: ${TESTS[*]}"
set +e
"$PY" -m pytest "${TESTS[@]}" -q -p no:warnings -x 2>&1 | tail -5 | tee "$LOG/tests.txt"
tests_rc=${PIPESTATUS[0]}
set -e
echo "== GPU benchmarks"
args=(--out "$OUT/gpu.md")
[ "$DRY" = 1 ] && args+=(--dry-run)
"$PY" benchmarks/bench_gpu.py "${args[@]}"
{ echo; echo "GPU test subset (${TESTS[*]}): exit status $tests_rc"; cat "$LOG/tests.txt"; } >> "$OUT/gpu.md"
echo "gpu_check: wrote $OUT/gpu.md (tests exit status $tests_rc)"
exit "$tests_rc"
