#!/usr/bin/env bash
# Installs the Debian packages dombuild's tests and `dombuild run` use. Idempotent; safe to re-run.
# Run as root (or with sudo available). Nothing is fetched from anywhere but Debian's archive.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

PACKAGES=(device-tree-compiler u-boot-tools)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup-system: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "setup-system: Debian packages present"
fi
