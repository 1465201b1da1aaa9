#!/usr/bin/env bash
# The GPU check: one run on the GPU machine, under 6 minutes, of everything issue 13 measures there:
#   backends          which adapter WebGPU gets (dynaxx backends --json)
#   bench             the case benchmark on webgpu beside PyTorch on CUDA (one process per case, host cost per step)
#   e2e               dynaxx train examples/fashion-mlp.dynaxx.yaml --epochs 3 on webgpu and wasm, and PyTorch CUDA
#   deep-stabilized   a few steps of examples/deep-stabilized.dynaxx.yaml (302 layers) on webgpu
#   modular           a short examples/two-task-modular.dynaxx.yaml run on webgpu (with its end-of-run analysis)
#   dna               a few steps of examples/fashion-dna.dynaxx.yaml on webgpu
#   overhead          step time with and without stabilize: auto, modularity and monitors on webgpu
#   wasm-threads-N    the case benchmark on wasm (mlp, cnn at batch 256) on 1, 4 and 16 cores (issue 19): N BLAS threads
#                     and min(N, 8) wasm threads (tfjs's build starts at most 8); the device line says whether a BLAS ran
# Each part runs under `timeout` (its own limit, never past the overall budget) and fails alone. JSON and logs go to
# $OUT; the last thing printed is one table (bench.js --summarize "$OUT").
#
# Usage, in .gpu/ (filled by bench/gpu-pack.sh), after the prefix pack.sh prints:  bash gpu-check.sh [--tiny]
#   --tiny  small sizes, PyTorch on the CPU: proves the script end to end without a GPU (lavapipe and wasm)
# Environment: OUT (default ./check-out), PYTHON (default: python3, then /usr/bin/python3), BUDGET (seconds; default
# 345, --tiny 1500), NODE (default ./node).
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
tiny=0
[ "${1:-}" = "--tiny" ] && tiny=1
OUT=${OUT:-$here/check-out}
mkdir -p "$OUT"
: > "$OUT/parts.jsonl"

# what gpu-pack.sh compressed (and node, dawn.node when the prefix did not unpack them)
for f in bench.js cli.js tfjs-backend-wasm.wasm tfjs-backend-wasm-simd.wasm tfjs-backend-wasm-threaded-simd.wasm; do
  if [ -f "$f.xz" ]; then xz -dkf "$f.xz"; fi
done
if [ ! -x node ] && [ -f node.xz ]; then xz -dkf node.xz && chmod +x node; fi
if [ ! -f dawn.node ] && [ -f dawn.node.xz ]; then xz -dkf dawn.node.xz; fi
NODE=${NODE:-$here/node}
[ -x "$NODE" ] || NODE=$(command -v node)
export DAWN_NODE=${DAWN_NODE:-$here/dawn.node}
export DYNAXX_DATA_DIR=${DYNAXX_DATA_DIR:-$here/fashion-mnist}
py=()
[ -n "${PYTHON:-}" ] && py=(--python "$PYTHON")
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT

# --tiny: the first 2000 training and 500 test samples as a Fashion-MNIST folder of their own (IDX: a big-endian
# header with the counts, then one byte per pixel or label), so that every evaluation is small too
be32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
idx_head() { # FILE COUNT BYTES_PER_SAMPLE HEADER HEADER_BYTES: the first COUNT samples of an IDX file, COUNT in its header
  local src
  src=$(ls "$DYNAXX_DATA_DIR/$1" "$DYNAXX_DATA_DIR/$1.gz" 2>/dev/null | head -1)
  { printf "$4"; { case $src in *.gz) gzip -dc "$src" ;; *) cat "$src" ;; esac; } | tail -c +$(($5 + 1)) | head -c $(($2 * $3)); } > "$runs/fashion-mnist/$1"
}
if [ $tiny = 1 ]; then
  mkdir -p "$runs/fashion-mnist"
  for s in train:2000 t10k:500; do
    n=${s#*:}
    idx_head "${s%:*}-images-idx3-ubyte" "$n" 784 "\x00\x00\x08\x03$(be32 "$n")\x00\x00\x00\x1c\x00\x00\x00\x1c" 16
    idx_head "${s%:*}-labels-idx1-ubyte" "$n" 1 "\x00\x00\x08\x01$(be32 "$n")" 8
  done
  export DYNAXX_DATA_DIR=$runs/fashion-mnist
fi
if [ $tiny = 1 ]; then BUDGET=${BUDGET:-1500}; else BUDGET=${BUDGET:-345}; fi
start=$(date +%s)
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$OUT/nvidia-smi.csv" 2>&1

# part NAME KIND LIMIT STDOUT -- COMMAND...: runs COMMAND under timeout; STDOUT `json` keeps its stdout as NAME.json
# (the CLI's --json summary), `log` sends it to NAME.log with stderr. One line per part goes to parts.jsonl.
part() {
  local name=$1 kind=$2 limit=$3 stdout=$4
  shift 5
  local left=$((BUDGET - ($(date +%s) - start)))
  if [ "$left" -lt 15 ]; then
    printf '{"part":"%s","kind":"%s","json":"%s.json","rc":125,"seconds":0,"limit":0,"skipped":true}\n' "$name" "$kind" "$name" >> "$OUT/parts.jsonl"
    echo "== $name: skipped, ${left} s left of the ${BUDGET} s budget" >&2
    return
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  echo "== $name (at most ${limit} s): $*" >&2
  local t0 rc
  t0=$(date +%s%N)
  if [ "$stdout" = json ]; then
    timeout -k 10 "$limit" "$@" > "$OUT/$name.json" 2> "$OUT/$name.log"
  else
    timeout -k 10 "$limit" "$@" > "$OUT/$name.log" 2>&1
  fi
  rc=$?
  local ms=$((($(date +%s%N) - t0) / 1000000))
  printf '{"part":"%s","kind":"%s","json":"%s.json","rc":%d,"seconds":%d.%03d,"limit":%d}\n' \
    "$name" "$kind" "$name" "$rc" $((ms / 1000)) $((ms % 1000)) "$limit" >> "$OUT/parts.jsonl"
  echo "== $name: exit $rc after $((ms / 1000)) s" >&2
}

train=("$NODE" cli.js train --json --runs-dir "$runs")

part backends backends 60 json -- "$NODE" cli.js backends --json
if [ $tiny = 1 ]; then
  part bench bench 400 log -- "$NODE" bench.js --backends webgpu --models mlp,cnn --batch 16 --quick --torch-device cpu "${py[@]}" --timeout 200 --out "$OUT/bench.json"
  part e2e e2e 300 log -- "$NODE" bench.js --e2e fashion-mlp --backends webgpu,wasm --epochs 1 --torch-device cpu "${py[@]}" --timeout 80 --out "$OUT/e2e.json"
  part deep-stabilized train 200 json -- "${train[@]}" examples/deep-stabilized.dynaxx.yaml --backend webgpu --steps 2 --batch-size 8
  part modular train 150 json -- "${train[@]}" examples/two-task-modular.dynaxx.yaml --backend webgpu --steps 20
  part dna train 200 json -- "${train[@]}" examples/fashion-dna.dynaxx.yaml --backend webgpu --steps 2 --batch-size 8
  part overhead overhead 300 log -- "$NODE" bench.js --overhead --backends webgpu --quick --batch 16 --timeout 60 --out "$OUT/overhead.json"
else
  part bench bench 110 log -- "$NODE" bench.js --backends webgpu --torch-device cuda "${py[@]}" --timeout 45 --out "$OUT/bench.json"
  part e2e e2e 130 log -- "$NODE" bench.js --e2e fashion-mlp --backends webgpu,wasm --epochs 3 --torch-device cuda "${py[@]}" --timeout 40 --out "$OUT/e2e.json"
  part deep-stabilized train 40 json -- "${train[@]}" examples/deep-stabilized.dynaxx.yaml --backend webgpu --steps 10
  part modular train 40 json -- "${train[@]}" examples/two-task-modular.dynaxx.yaml --backend webgpu --steps 100
  part dna train 60 json -- "${train[@]}" examples/fashion-dna.dynaxx.yaml --backend webgpu --steps 20
  part overhead overhead 90 log -- "$NODE" bench.js --overhead --backends webgpu --timeout 45 --out "$OUT/overhead.json"
  # issue 19: the wasm backend's scaling with threads on this machine's cores (tfjs's pool caps at 8), last so that
  # it only takes what the GPU parts left of the budget
  for t in 1 4 16; do
    part "wasm-threads-$t" bench 60 log -- env DYNAXX_WASM_THREADS=$((t < 8 ? t : 8)) DYNAXX_BLAS_THREADS=$t "$NODE" bench.js --backends wasm --models mlp,cnn --batch 256 --no-torch --timeout 50 --out "$OUT/wasm-threads-$t.json"
  done
fi

timeout 30 "$NODE" bench.js --summarize "$OUT" | tee "$OUT/summary.txt"
