#!/bin/sh
# setup-debian.sh - installs what building, testing and running glbuf needs on
# Debian 12 / Ubuntu 22.04+: compilers, CMake, Check, GLFW, EGL + Mesa
# (llvmpipe gives GL 4.5 core with no GPU and no display), python3-glad,
# Xvfb for the windowed demo, clang for the fuzzers. Idempotent; quiet when
# everything is there already.
set -eu
packages="build-essential cmake pkg-config clang check python3-glad libglfw3-dev
  libclang-rt-dev valgrind libegl-dev libegl1-mesa-dev libgl-dev libgl1-mesa-dri libpng-dev xvfb xauth"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup-debian: installing$missing"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
