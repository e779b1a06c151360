#!/usr/bin/env bash
# Clean build time of a crate that depends on weight-init, with default features and with each
# integration feature: what a user pays. Each configuration is a fresh scratch crate under
# target/build-cost/<name> with its own target directory, built from clean (`cargo build`,
# dev profile, the registry already downloaded). Prints a Markdown table.
#
# Run: bash bench/build_cost.sh [feature-set ...]   (default: all of the list below)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/target/build-cost"
mkdir -p "$out"

configs=("default" "burn" "burn-flex" "candle" "nalgebra" "half" "safetensors,npy")
[ $# -gt 0 ] && configs=("$@")

cargo fetch --quiet
printf '| features | clean `cargo build` (s) | units built (cargo fingerprints) |\n|---|---:|---:|\n'
for c in "${configs[@]}"; do
  name=${c//,/_}
  dir="$out/$name"
  rm -rf "$dir"
  mkdir -p "$dir/src"
  if [ "$c" = default ]; then
    dep="weight-init = { path = \"$root\" }"
  else
    feats=$(printf '"%s",' ${c//,/ })
    dep="weight-init = { path = \"$root\", features = [${feats%,}] }"
  fi
  cat > "$dir/Cargo.toml" <<TOML
[package]
name = "build-cost-$name"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
$dep

[workspace]
TOML
  echo 'fn main() { let _ = weight_init::Init::he_normal(); }' > "$dir/src/main.rs"
  cp "$root/Cargo.lock" "$dir/Cargo.lock"
  start=$(date +%s.%N)
  (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo build --quiet 2> "$dir/build.log")
  end=$(date +%s.%N)
  n=$(ls "$dir/target/debug/.fingerprint" | wc -l)
  printf '| %s | %.0f | %s |\n' "$c" "$(echo "$end - $start" | bc)" "$n"
done
