#!/usr/bin/env bash
# Packs .gpu/ for bench/gpu-check.sh: bundles (scripts/bundle.mjs), compresses the bundles and the wasm binaries
# (xz), and runs the shared pack.sh with everything the check reads: bench.js, cli.js, the tfjs .wasm files, koffi.node
# (linux_x64, beside the bundles, where trainer/backend/blas.ts looks first for the FFI to the machine's BLAS),
# gpu-check.sh, the PyTorch peers, the example model files it trains and the four Fashion-MNIST files (from
# $DYNAXX_DATA_DIR, else /usr/share/datasets/fashion-mnist). The carry must stay under 64 MiB: this prints its size.
# Usage, from the project root:  bash bench/gpu-pack.sh      (PACK_SH: pack.sh, default ../shared/device/pack.sh)
# Then call the device tool as bench/gpu-run.md says.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
pack=${PACK_SH:-$root/../shared/device/pack.sh}
[ -x "$pack" ] || [ -f "$pack" ] || { echo "gpu-pack: $pack not found (set PACK_SH)" >&2; exit 1; }

data=${DYNAXX_DATA_DIR:-/usr/share/datasets/fashion-mnist}
[ -d "$data/fashion-mnist" ] && data=$data/fashion-mnist
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  compgen -G "$data/$f*" >/dev/null ||
    { echo "gpu-pack: $data/$f[.gz] not found (set DYNAXX_DATA_DIR to the Fashion-MNIST folder)" >&2; exit 1; }
done

node scripts/bundle.mjs
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
for f in dist/bench.js dist/cli.js dist/*.wasm; do xz -T2 -9 -c "$f" > "$stage/$(basename "$f").xz"; done
cp bench/gpu-check.sh bench/torch_ref.py bench/torch_fashion_mlp.py "$stage/"
# 1.6 MB, not compressed: gpu-check.sh unpacks only the bundles, node and dawn.node
koffi=node_modules/koffi/build/koffi/linux_x64/koffi.node
[ -f "$koffi" ] || { echo "gpu-pack: $koffi not found (npm ci)" >&2; exit 1; }
cp "$koffi" "$stage/"
mkdir -p "$stage/examples" "$stage/fashion-mnist"
cp examples/fashion-mlp.dynaxx.yaml examples/deep-stabilized.dynaxx.yaml examples/two-task-modular.dynaxx.yaml \
  examples/fashion-dna.dynaxx.yaml "$stage/examples/"
for f in "$data"/*-ubyte*; do cp "$f" "$stage/fashion-mnist/"; done

# stale copies from an older pack would shadow the fresh .xz files; unpacked node and dawn.node would not fit the carry
rm -f .gpu/bench.js .gpu/cli.js .gpu/*.wasm .gpu/node .gpu/dawn.node
"$pack" "$stage"/*
size=$(du -sm .gpu | cut -f1)
echo "gpu-pack: .gpu/ holds ${size} MiB (the carry limit is 64 MiB)" >&2
[ "$size" -lt 64 ] || { echo "gpu-pack: too large for one carry" >&2; exit 1; }
