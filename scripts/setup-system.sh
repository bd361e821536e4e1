#!/usr/bin/env bash
# Installs the Debian packages dombuild's tests and `dombuild run` use, and fetches the guest and
# hypervisor binaries the QEMU boots need into dombuild's cache. Idempotent; safe to re-run, and
# does nothing (no apt-get update) when everything is already there.
# Run as root (or with sudo available). Nothing is fetched from anywhere but Debian's archive.
#
# Cache layout (root: ${DOMBUILD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dombuild}):
#   debs/<key>/...           one unpacked .deb per key (`dpkg-deb -x`), e.g.
#                            debs/xen-hypervisor-4.17-arm64-bookworm/boot/xen-4.17-arm64
#   debs/<key>.deb-version   "package<TAB>version" per package unpacked there (also the
#                            "complete" marker)
#   debs/manifest.json       { "packages": [ { key, package, arch, suite, version, path
#                              [, contents: [ { package, version } ]] } ] }
#                            (package/version name a row's first package; contents lists every
#                            package of a multi-package row)
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
log() { echo "setup-system: $*"; }

CACHE_ROOT="${DOMBUILD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dombuild}"
DEBS="$CACHE_ROOT/debs"

# Installed normally: the judges (dtc, mkimage, QEMU, U-Boot) and what other tests compile against
# (the cross compiler for the createdomain probe, bookworm's libxen-dev for libxlutil) and
# xmllint, which judges the JUnit XML `dombuild run --junit` writes. mtools, dosfstools and fdisk
# make and judge disk.img and efi.img without root (mformat/mcopy, mkfs.vfat/fsck.vfat, sfdisk);
# qemu-efi-aarch64 is the EDK2 firmware that boots efi.img.
PACKAGES=(qemu-system-arm qemu-system-x86 qemu-system-misc u-boot-qemu u-boot-tools
  device-tree-compiler cpio gzip gcc gcc-aarch64-linux-gnu libxen-dev libxml2-utils
  libarchive-tools librsvg2-bin grub-common mtools dosfstools fdisk qemu-efi-aarch64)

# Downloaded only, never installed: key|package-specs|suite[|needs]. The key names the cache
# folder; a row of several packages (space-separated, all of one architecture) unpacks them all
# into that one folder, a root of their own. "@linux-arm64" / "@linux-amd64" are resolved to the
# current kernel ABI package below. `needs` is a path inside the folder that must exist for the
# row to count as cached: a cache written before the row asked for it is fetched again.
#
# The dom0 toolstack roots: xl, xenstored, xenconsoled, init-dom0less, the xenstore-* clients, and
# the shared libraries those load (the closure of their readelf NEEDED entries, all from the
# packages `apt-cache depends --no-recommends` names) plus libgcc-s1, which glibc dlopens to unwind
# threads. One root per Xen release, each from its own suite, so the libc the tools were linked
# against is the one in their root. Left out although xen-utils depends on them: python3 (pygrub),
# ncurses (xentop), libext2fs (pygrub's fsimage), udev/ucf/sysvinit (init-script plumbing).
TOOLSTACK_LIBS="libxencall1:arm64 libxenevtchn1:arm64 libxenforeignmemory1:arm64 libxengnttab1:arm64
  libxenstore4:arm64 libxentoollog1:arm64 libxenhypfs1:arm64 libxendevicemodel1:arm64
  libxentoolcore1:arm64 libyajl2:arm64 libc6:arm64 libgcc-s1:arm64 libfdt1:arm64 libuuid1:arm64
  zlib1g:arm64"
TOOLSTACK_4_17="xen-utils-4.17:arm64 xen-utils-common:arm64 xenstore-utils:arm64 libxenmisc4.17:arm64
  $TOOLSTACK_LIBS"
TOOLSTACK_4_20="xen-utils-4.20:arm64 xen-utils-common:arm64 xenstore-utils:arm64 libxenmisc4.20:arm64
  $TOOLSTACK_LIBS"
# x86: bookworm is the only suite with an amd64 Xen (4.17); the same packages at amd64, plus the
# decompressors amd64's libxenguest links (liblzma, libzstd: readelf NEEDED, absent on arm64).
TOOLSTACK_4_17_AMD64="$(echo "$TOOLSTACK_4_17" | sed 's/:arm64/:amd64/g') liblzma5:amd64 libzstd1:amd64"
DOWNLOADS=(
  "xen-hypervisor-4.17-arm64-bookworm|xen-hypervisor-4.17-arm64:arm64|bookworm"
  "xen-hypervisor-4.20-arm64-trixie|xen-hypervisor-4.20-arm64:arm64|trixie"
  "libxen-dev-trixie|libxen-dev:amd64|trixie"
  "linux-image-arm64-bookworm|@linux-arm64|bookworm|lib/modules/*/kernel/drivers/block/xen-blkback"
  "busybox-static-arm64-bookworm|busybox-static:arm64|bookworm"
  "xen-hypervisor-4.17-amd64-bookworm|xen-hypervisor-4.17-amd64:amd64|bookworm"
  "linux-image-amd64-bookworm|@linux-amd64|bookworm|lib/modules"
  "busybox-static-amd64-bookworm|busybox-static:amd64|bookworm"
  "xen-toolstack-4.17-arm64-bookworm|$(echo $TOOLSTACK_4_17)|bookworm"
  "xen-toolstack-4.20-arm64-trixie|$(echo $TOOLSTACK_4_20)|trixie"
  "xen-toolstack-4.17-amd64-bookworm|$(echo $TOOLSTACK_4_17_AMD64)|bookworm|usr/lib/x86_64-linux-gnu/libzstd.so.1"
)

updated=0
apt_update() {
  if [ "$updated" -eq 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq
    updated=1
  fi
}

# 1. Installed packages.
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt_update
  log "installing ${missing[*]}"
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
else
  log "Debian packages present (${PACKAGES[*]})"
fi

# Which downloads are not yet in the cache?
todo=()
for entry in "${DOWNLOADS[@]}"; do
  IFS='|' read -r key _ _ needs <<<"$entry"
  # `needs` may hold a glob (the kernel's ABI folder): compgen -G is true when it matches a path.
  [ -f "$DEBS/$key.deb-version" ] && [ -d "$DEBS/$key" ] && { [ -z "$needs" ] || compgen -G "$DEBS/$key/$needs" >/dev/null; } ||
    todo+=("$entry")
done

if [ "${#todo[@]}" -gt 0 ]; then
  # 2. The arm64 architecture, so apt knows arm64 packages (downloads only).
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    log "dpkg --add-architecture arm64"
    $SUDO dpkg --add-architecture arm64
    updated=0
  fi
  # 3. A trixie source for Xen 4.20 and its headers, pinned low so it never upgrades this machine.
  if [ ! -f /etc/apt/sources.list.d/trixie.sources ]; then
    if [ ! -f /etc/apt/sources.list.d/debian.sources ]; then
      echo "setup-system: /etc/apt/sources.list.d/debian.sources not found; add a trixie source by hand" >&2
      exit 1
    fi
    log "adding /etc/apt/sources.list.d/trixie.sources (downloads only, pinned to priority 100)"
    awk 'BEGIN{RS="";ORS="\n\n"} NR==1' /etc/apt/sources.list.d/debian.sources |
      sed 's/^Suites:.*/Suites: trixie/' | $SUDO tee /etc/apt/sources.list.d/trixie.sources >/dev/null
    updated=0
  fi
  if [ ! -f /etc/apt/preferences.d/trixie-download-only ]; then
    printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' |
      $SUDO tee /etc/apt/preferences.d/trixie-download-only >/dev/null
  fi
  apt_update

  mkdir -p "$DEBS"
  work="$(mktemp -d "$DEBS/.download.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  # apt drops privileges to _apt for downloads; let it write here.
  chmod 0777 "$work"
  for entry in "${todo[@]}"; do
    IFS='|' read -r key specs suite _ <<<"$entry"
    rm -rf "${DEBS:?}/$key" "$DEBS/$key.deb-version"
    mkdir -p "$DEBS/$key"
    : >"$work/version"
    for spec in $specs; do
      case "$spec" in
        @linux-*)
          arch="${spec#@linux-}"
          # linux-image-<arch> is a metapackage; its first dependency is the current ABI package.
          abi="$(apt-cache depends "linux-image-$arch:$arch" | awk '/Depends: linux-image-/{print $2; exit}')"
          [ -n "$abi" ] || { echo "setup-system: cannot resolve linux-image-$arch" >&2; exit 1; }
          spec="${abi%%:*}:$arch"
          ;;
      esac
      # Bookworm packages come from the default candidate (which includes -updates/-security);
      # trixie ones are asked for by suite, since the pin keeps them from being candidates.
      target="$spec"
      [ "$suite" = trixie ] && target="$spec/trixie"
      log "apt-get download $target"
      (cd "$work" && apt-get download -qq "$target" 2>&1 | grep -v 'unsandboxed as root' || true)
      deb="$(ls "$work"/*.deb 2>/dev/null | head -n1)"
      [ -n "$deb" ] || { echo "setup-system: apt-get download $target gave no .deb" >&2; exit 1; }
      version="$(dpkg-deb -f "$deb" Version)"
      case "$spec" in
        # A kernel package is mostly modules: keep the kernel image in boot/, and of the modules
        # only the Xen drivers a dom0 loads (drivers/xen) with the index files modprobe reads.
        # arm64: also the upstream DTBs of the boards dombuild has presets for (test/boards/), and
        # the block and network backends and frontends with loop, FAT and its code pages: a dom0
        # serving a guest's disk loads xen-blkback and loop, the Linux test guest xen-blkfront
        # and vfat (Debian builds them all as modules).
        linux-image-*)
          dtbs=()
          case "$spec" in
            *:arm64) dtbs=('./usr/lib/linux-image-*/xilinx/zynqmp-zcu102-rev1.0.dtb'
              './usr/lib/linux-image-*/broadcom/bcm2711-rpi-4-b.dtb'
              './lib/modules/*/kernel/drivers/block/xen-blkback' './lib/modules/*/kernel/drivers/block/xen-blkfront.ko'
              './lib/modules/*/kernel/drivers/block/loop.ko' './lib/modules/*/kernel/drivers/net/xen-netback'
              './lib/modules/*/kernel/drivers/net/xen-netfront.ko' './lib/modules/*/kernel/fs/fat'
              './lib/modules/*/kernel/fs/nls') ;;
          esac
          dpkg-deb --fsys-tarfile "$deb" |
            tar -x -C "$DEBS/$key" --wildcards ./boot './lib/modules/*/kernel/drivers/xen' './lib/modules/*/modules.*' \
              "${dtbs[@]}"
          ;;
        *) dpkg-deb -x "$deb" "$DEBS/$key" ;;
      esac
      printf '%s\t%s\n' "${spec%%:*}" "$version" >>"$work/version"
      log "unpacked $(basename "$deb") into $DEBS/$key"
      rm -f "$deb"
    done
    mv "$work/version" "$DEBS/$key.deb-version"
  done
else
  log "cached Debian binaries present in $DEBS"
fi

# 4. The manifest, rewritten every run from the markers so it always matches the folders.
manifest="$DEBS/manifest.json.tmp"
{
  printf '{\n  "packages": [\n'
  first=1
  for entry in "${DOWNLOADS[@]}"; do
    IFS='|' read -r key specs suite _ <<<"$entry"
    spec="${specs%% *}"
    IFS=$'\t' read -r pkg version <"$DEBS/$key.deb-version"
    arch="${spec#*:}"
    case "$spec" in @linux-*) arch="${spec#@linux-}" ;; esac
    [ "$first" -eq 1 ] || printf ',\n'
    first=0
    printf '    { "key": "%s", "package": "%s", "arch": "%s", "suite": "%s", "version": "%s", "path": "%s"' \
      "$key" "$pkg" "$arch" "$suite" "$version" "$key"
    if [ "$(wc -l <"$DEBS/$key.deb-version")" -gt 1 ]; then
      printf ',\n      "contents": ['
      sep=''
      while IFS=$'\t' read -r p v; do
        printf '%s\n        { "package": "%s", "version": "%s" }' "$sep" "$p" "$v"
        sep=','
      done <"$DEBS/$key.deb-version"
      printf '\n      ]'
    fi
    printf ' }'
  done
  printf '\n  ]\n}\n'
} >"$manifest"
mv "$manifest" "$DEBS/manifest.json"
log "manifest: $DEBS/manifest.json"
