#!/usr/bin/env bash
# Installs what building and testing dualiter needs on Debian 12, when it is missing.
set -eu
packages=(meson ninja-build g++ clang libclang-rt-14-dev python3 pkg-config
          libgtest-dev libbenchmark-dev libboost-dev)
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
