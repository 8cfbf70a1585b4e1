#!/usr/bin/env bash
# Installs what building and testing dualiter needs on Debian 12, when it is missing.
set -eu
# clang-19 with libc++ is the third toolchain; googletest is GoogleTest's sources, compiled by the
# tests under libc++ (the libgtest package is built against libstdc++); git fetches the wrap
# file the consumer test checks; libasio-dev is standalone Asio, for <dualiter/asio.hpp> (Boost.Asio,
# for <dualiter/boost_asio.hpp>, comes with libboost-dev).
packages=(meson ninja-build g++ clang libclang-rt-14-dev clang-19 libc++-19-dev libc++abi-19-dev
          python3 pkg-config git libgtest-dev googletest libbenchmark-dev libboost-dev
          clang-format-19 libasio-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "dualiter: missing packages: ${missing[*]}; run as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "dualiter: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
