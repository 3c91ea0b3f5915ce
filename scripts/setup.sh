#!/usr/bin/env bash
# Installs what the project needs on a Debian machine: GSL, FFTW, OpenBLAS (and
# pkg-config) to build; rsvg-convert (librsvg2-bin) and the DejaVu fonts to turn the SVG
# figures into PNG. Swift itself is expected at /opt/swift or on PATH.
set -euo pipefail
packages=(libgsl-dev libfftw3-dev libopenblas-dev pkg-config librsvg2-bin fonts-dejavu-core)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! command -v swift >/dev/null 2>&1 && [ ! -x /opt/swift/usr/bin/swift ]; then
  echo "setup: no Swift toolchain found (expected 'swift' on PATH or /opt/swift/usr/bin/swift)" >&2
  exit 1
fi
