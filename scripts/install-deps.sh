#!/usr/bin/env bash
# Install what quire needs to build and test, from Debian's packages.
# Run as root (or with sudo available). Idempotent.
set -euo pipefail
packages=(
  build-essential cmake pkg-config   # compiler and build
  zlib1g-dev                         # gzip input, CRC-32
  libdeflate-dev                     # stored text compression
  libzstd-dev                        # stored text compression with a dictionary (format 4)
  libisal-dev                        # gzip input (ISA-L's inflater)
  libstemmer-dev                     # Snowball stemmers
  libcriterion-dev                   # unit tests
  clang libclang-rt-14-dev           # fuzz targets (libFuzzer, sanitizer runtimes)
  openmpi-bin libopenmpi-dev         # shard sets across processes and hosts (mpirun, MPI)
  libmicrohttpd-dev                  # quire-serve's HTTP server
  python3 chromium                   # quire-serve's tests: HTTP client, a real browser
  mandoc                             # lints the man pages (tests/man_lint.sh)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
