// The /init of dombuild's toolstack dom0 (busybox ash). It brings up what Xen's own xencommons
// script would (the Xen driver modules, xenfs, xenstored, xen-init-dom0, init-dom0less for the
// boot-time domains, xenconsoled), runs `xl create` on every runtime domain's config, then reads
// the toolstack's account of every domain for the census. Each step and each read is one record
// (records.ts), so a failure names the step and carries the tool's own message.
import { QemuError } from '../errors.js';
import { DOM0_CHUNK, DOM0_MARKER } from './records.js';

/** The toolstack commands whose output makes the census, in the order the dom0 runs them. */
export const CENSUS_READS = [
  'xl info',
  'xl list',
  'xl list -c',
  'xl list -l',
  'xl vcpu-list',
  'xl cpupool-list',
  'xl cpupool-list -c',
  'xenstore-ls -f /local/domain',
  // Xen's own dump of every domain (debug key q: pages and max_pages; g: grant and maptrack
  // frames in use and their maxima), read back from its console ring.
  'xen_dump',
] as const;

export type CensusRead = (typeof CENSUS_READS)[number];

/** Read after CENSUS_READS with every domain's domid: their virtual block devices. */
export const BLOCK_LIST_READ = 'xl block-list';
/** The same for their network interfaces. */
export const NETWORK_LIST_READ = 'xl network-list';

/** Where xenconsoled logs each guest's console: `guest-<name>[suffix].log`. */
export const CONSOLE_LOG_DIR = '/var/log/xen/console';

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

export interface Dom0InitOptions {
  /** Where the release's binaries are: `/usr/lib/xen-<release>/bin`. */
  xenBin: string;
  /** Module files under /dombuild/modules, in load order. */
  modules: readonly string[];
  /** Runtime domains, in creation order: the config at /etc/dombuild/xl/<name>.cfg. */
  runtime: readonly RuntimeDomainStep[];
  /** The root's multiarch library folders (LD_LIBRARY_PATH); arm64's when not given. */
  libPath?: string;
  /**
   * Whether the toolstack has init-dom0less (default true): Arm's boot-time domains need it; x86
   * builds none at boot and Debian's amd64 xen-utils does not ship it.
   */
  dom0less?: boolean;
}

export interface RuntimeDomainStep {
  name: string;
  /**
   * A basic regular expression (grep) the guest's console log must match before the census is
   * read: what it prints when it is up. None: the guest has no console to print on.
   */
  waitFor?: string;
}

/** How long the dom0 waits for each runtime guest's console to show it is up. */
export const RUNTIME_UP_SECONDS = 150;

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const PATH = /^\/[A-Za-z0-9_./-]{1,200}$/;

/** Where a runtime domain's xl config is in the dom0. */
export function dom0XlConfigPath(domain: string): string {
  return `/etc/dombuild/xl/${domain}.cfg`;
}

export function dom0Init(opts: Dom0InitOptions): string {
  if (!PATH.test(opts.xenBin)) throw new QemuError('BAD_SPEC', `bad toolstack folder ${opts.xenBin}`);
  for (const r of opts.runtime) {
    if (r.waitFor !== undefined && (r.waitFor === '' || /[\n\0]/.test(r.waitFor))) {
      throw new QemuError('BAD_SPEC', `${r.name}: the pattern to wait for must be one non-empty line`);
    }
  }
  for (const n of [...opts.modules, ...opts.runtime.map((r) => r.name)]) {
    // Names go into shell words and JSON strings unquoted: keep them to a safe alphabet.
    if (!NAME.test(n)) throw new QemuError('BAD_SPEC', `"${n}" is not 1..64 of [A-Za-z0-9_.-]`);
  }
  const lines: string[] = [];
  for (const m of opts.modules) {
    lines.push(`step insmod:${m.replace(/\.ko$/, '')} insmod /dombuild/modules/${m}`);
  }
  const body = [
    ...lines,
    'mkdir -p /proc/xen',
    'step mount:xenfs mount -t xenfs xenfs /proc/xen',
    'step start:xenstored xenstored --pid-file /run/xenstored.pid',
    // What xencommons runs next: dom0's own xenstore entries (name, domid).
    'step init:xen-init-dom0 xen-init-dom0',
    // Boot-time guests with xenstore get their connection from the toolstack once it is up.
    ...(opts.dom0less === false ? [] : ['step init:init-dom0less init-dom0less']),
    // It serves the runtime guests' consoles (their vpl011 too) from ptys, and logs what each
    // guest prints, the only place a runtime guest's output can be read.
    'mkdir -p /dev/pts /var/log/xen/console',
    'mount -t devpts devpts /dev/pts',
    `step start:xenconsoled xenconsoled --pid-file /run/xenconsoled.pid --log=guest --log-dir=${CONSOLE_LOG_DIR}`,
    ...opts.runtime.map((d) => `step xl-create:${d.name} xl create ${dom0XlConfigPath(d.name)}`),
    // The census is of domains that are up: wait for each guest that can say so.
    ...opts.runtime
      .filter((d) => d.waitFor !== undefined)
      .map((d) => `step up:${d.name} wait_log ${d.name} ${shellQuote(d.waitFor as string)}`),
    ...CENSUS_READS.map((c) => `read_ ${c}`),
    // Every domain's devices, by domid (boot-time ones too, so both creation paths read alike).
    ...[BLOCK_LIST_READ, NETWORK_LIST_READ].map((c) => `read_ ${c} $(xl list | awk 'NR > 1 { print $2 }')`),
    `for f in ${CONSOLE_LOG_DIR}/*.log; do [ -f "$f" ] && read_ cat "$f"; done`,
    'rec "{\\"done\\":true,\\"failed\\":$failed}"',
  ];
  const libPath = opts.libPath ?? ARM64_LIB_PATH;
  if (!/^\/[A-Za-z0-9_./:-]{1,200}$/.test(libPath))
    throw new QemuError('BAD_SPEC', `bad library path ${libPath}`);
  return `${HEAD.replace('@XENBIN@', opts.xenBin).replace('@LIBPATH@', libPath)}${body.join('\n')}\n${TAIL}`;
}

const ARM64_LIB_PATH = '/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu';

// Shell, kept free of `${`: the template below interpolates only this module's constants.
const HEAD = `#!/bin/sh
# dombuild toolstack dom0: start Xen's toolstack, create the runtime domains, report Xen's account.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:@XENBIN@
export LD_LIBRARY_PATH=@LIBPATH@
mkdir -p /proc /sys /dev /run /tmp /var/run/xen /var/log/xen /var/lib/xen /var/lib/xenstored
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# Kernel messages would land between the record lines on the same console.
echo 1 > /proc/sys/kernel/printk
/bin/busybox --install -s

seq=0
failed=0
# A file's text as a JSON string: control characters dropped, tabs and newlines escaped.
jstr() {
  printf '%s\\n' "$(cat "$1")" | tr -d '\\000-\\010\\013-\\037' |
    sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g' -e 's/\\t/\\\\t/g' |
    sed -e ':a' -e '$!N' -e '$!ba' -e 's/\\n/\\\\n/g' -e 's/^/"/' -e 's/$/"/'
}
# One record, as numbered chunks of at most ${DOM0_CHUNK} bytes.
rec() {
  seq=$((seq + 1))
  printf '%s\\n' "$1" | fold -w ${DOM0_CHUNK} > /tmp/rec.txt
  n=$(wc -l < /tmp/rec.txt)
  i=0
  while IFS= read -r c; do
    i=$((i + 1))
    printf '%s %s %s/%s %s\\n' '${DOM0_MARKER}' "$seq" "$i" "$n" "$c"
  done < /tmp/rec.txt
}
# step NAME CMD...: run it; report ok, or the exit status and everything it printed.
step() {
  name=$1
  shift
  "$@" > /tmp/out 2>&1
  rc=$?
  if [ "$rc" -eq 0 ]; then
    rec "{\\"step\\":\\"$name\\",\\"ok\\":true}"
  else
    failed=$((failed + 1))
    rec "{\\"step\\":\\"$name\\",\\"ok\\":false,\\"rc\\":$rc,\\"out\\":$(jstr /tmp/out)}"
  fi
}
# Xen's debug-key dumps alone: the ring is cleared first so the boot log does not crowd them out.
xen_dump() {
  xl dmesg -c > /dev/null && xl debug-keys q && xl debug-keys g && xl dmesg
}
# wait_log NAME BRE: until one of NAME's console logs matches; else fail with what they hold.
wait_log() {
  n=0
  while [ "$n" -lt ${RUNTIME_UP_SECONDS} ]; do
    cat ${CONSOLE_LOG_DIR}/guest-"$1".log ${CONSOLE_LOG_DIR}/guest-"$1"-*.log 2>/dev/null | grep -q -e "$2" && return 0
    sleep 1
    n=$((n + 1))
  done
  cat ${CONSOLE_LOG_DIR}/guest-"$1".log ${CONSOLE_LOG_DIR}/guest-"$1"-*.log 2>/dev/null | tail -n 20
  return 1
}
# read_ CMD...: run it and report its output verbatim, whatever its status.
read_() {
  "$@" > /tmp/out 2>&1
  rc=$?
  rec "{\\"cmd\\":\\"$*\\",\\"rc\\":$rc,\\"out\\":$(jstr /tmp/out)}"
}

`;

const TAIL = `while :; do sleep 3600; done
`;
