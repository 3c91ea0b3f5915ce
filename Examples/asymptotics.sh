#!/usr/bin/env bash
# The m → ∞ theories drawn over finite-m DMFT runs on their own time axes
# (docs/asymptotics.md): lazy regime 1 (t·m), lazy regime 2 (t), the p-spin regime of pure
# noise (t/√m) and the fixed-ᾱ infinite-width limit (t/m). Writes docs/figures/asymptotics/.
# Takes a few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
swift build -c release --product dmft
dmft=.build/release/dmft
out=docs/figures/asymptotics
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# Lazy, single index h = φ̂ = 0.9q + q³/6, τ = 0.5, γ₀ = 1, α = 0.3, second layer frozen.
lazy=(--init lazy --gamma0 1 --h 0.9,0,0.1666667 --phihat 0.9,0,0.1666667 --noise 0.5 --alpha 0.3)
$dmft asymptotics lazy-1 "${lazy[@]}" --tmax 4 --out "$work/lazy1-inf.csv"
$dmft asymptotics lazy-2 "${lazy[@]}" --tmax 6 --out "$work/lazy2-inf.csv"
for m in 10 20 40; do
  $dmft solve "${lazy[@]}" --width $m --freeze-second-layer --solver long --tolerance 1e-4 --tmax 6 \
      --out "$work/lazy-m$m.csv"
done
for m in 25 100; do
  $dmft solve "${lazy[@]}" --width $m --freeze-second-layer --tmax "$(python3 -c "print(4/$m)")" \
      --dt "$(python3 -c "print(0.01/$m)")" --out "$work/lazy1-m$m.csv"
done
$dmft plot "$work"/lazy1-m{25,100}.csv "$work/lazy1-inf.csv" --time-axis 't*m' --panels error \
    --out "$out/lazy-regime1.svg" --png
$dmft plot "$work"/lazy-m{10,20,40}.csv "$work/lazy2-inf.csv" --panels error,Cd_t0 \
    --out "$out/lazy-regime2.svg" --png

# Pure noise, mean-field a₀ = 1, h = 0.5q + 0.5q³ (h̃ = 0.5q³), τ = 1, α = 0.5.
pspin=(--h 0.5,0,0.5 --noise 1 --alpha 0.5)
$dmft asymptotics pspin "${pspin[@]}" --tmax 3 --out "$work/pspin-inf.csv"
for m in 16 64 256; do
  $dmft solve "${pspin[@]}" --width $m --solver long --tolerance 1e-4 \
      --tmax "$(python3 -c "print(3*$m**0.5)")" --out "$work/pspin-m$m.csv"
done
$dmft plot "$work"/pspin-m{16,64,256}.csv "$work/pspin-inf.csv" --time-axis 't/sqrt(m)' --panels Cd_t0 \
    --out "$out/pspin-regime.svg" --png

# Fixed ᾱ = αm = 3, single index, mean-field a₀ = 1.
for m in 10 40; do
  $dmft solve --phihat 0.9,0,0.1666667 --noise 0.5 --alpha "$(python3 -c "print(3/$m)")" --width $m \
      --solver long --tolerance 1e-4 --tmax $((3 * m)) --out "$work/iw-m$m.csv"
done
$dmft asymptotics infinite-width --phihat 0.9,0,0.1666667 --noise 0.5 --alpha 0.3 --width 10 --tmax 3 \
    --out "$work/iw-inf.csv"
$dmft plot "$work"/iw-m{10,40}.csv "$work/iw-inf.csv" --time-axis t/m --panels error,v,Cd_t0 \
    --out "$out/infinite-width.svg" --png
