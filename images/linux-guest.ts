// The Linux test guest's initramfs: Debian's busybox-static and an /init that reports, in one
// machine-readable record, what the guest sees — vCPUs, memory, its command line, whether the Xen
// hypervisor node is in its device tree, its memory banks, reserved-memory (and so static shared
// memory) nodes, and /proc/iomem's System RAM — then parks or powers off. Tests compare that record
// with what the config declared.
//
// Xen's vpl011 prints a guest's output in pieces of at most 127 bytes, so the record (JSON) goes
// out as numbered chunks, one per line: `DOMBUILD-OBSERVE <tag> <i>/<n> <piece>`. The tag names the
// guest, because two guests' lines interleave and Xen 4.20 prints the focus domain unprefixed.
import { type CpioEntry, writeCpio } from './cpio.js';
import { ImageError } from './errors.js';
import { gzip } from './gzip.js';

export const OBSERVE_MARKER = 'DOMBUILD-OBSERVE';
/** JSON bytes per console line; with the marker, tag and counter the line stays under 127. */
export const OBSERVE_CHUNK = 64;
const TAG_RE = /^[A-Za-z0-9_.-]{1,32}$/;

// Linked in the archive so /init works before `busybox --install` has run; --install adds the rest.
const APPLETS = [
  'sh',
  'cat',
  'cut',
  'echo',
  'fold',
  'grep',
  'ls',
  'mkdir',
  'mount',
  'od',
  'poweroff',
  'sed',
  'sleep',
  'tr',
  'wc',
];

export interface LinuxGuestOptions {
  /** The static busybox binary for the guest's architecture (Debian's busybox-static). */
  busybox: Uint8Array;
  /** Names this guest in its report lines: 1..32 of [A-Za-z0-9_.-]. */
  tag: string;
  /** After reporting: stay up (default; the runner stops QEMU) or power the guest off. */
  after?: 'park' | 'poweroff';
  /** Kernel modules /init loads first, in this order (e.g. xen-blkfront, fat, vfat). */
  modules?: readonly { name: string; data: Uint8Array }[];
  /** A disk to mount read-only and report one file of (the report's `disk`). */
  disk?: GuestDisk;
}

/** What the guest mounts, and the file it reports from it. */
export interface GuestDisk {
  /** The block device, e.g. /dev/xvda. */
  device: string;
  /** The file system type mount is given, e.g. vfat. */
  fsType: string;
  /** A path inside the file system whose content goes into the report. */
  file: string;
}

/** Where the module files sit in the initramfs. */
const MODULE_DIR = 'lib/dombuild-modules';
const MODULE_RE = /^[A-Za-z0-9_.-]{1,64}\.ko$/;

/** The /init shell script (busybox ash). */
export function linuxGuestInit(
  tag: string,
  after: 'park' | 'poweroff' = 'park',
  extra: { modules?: readonly string[]; disk?: GuestDisk } = {},
): string {
  checkTag(tag);
  for (const m of extra.modules ?? []) {
    if (!MODULE_RE.test(m))
      throw new ImageError('BADINPUT', undefined, `module name "${m}" is not a .ko file name`);
  }
  if (extra.disk) checkDisk(extra.disk);
  const end = after === 'poweroff' ? 'poweroff -f' : 'while :; do sleep 3600; done';
  const modules = (extra.modules ?? []).map((m) => `insmod /${MODULE_DIR}/${m}\n`).join('');
  const disk = extra.disk ? diskReport(extra.disk) : '';
  return `#!/bin/sh
# dombuild Linux test guest: report what this domain sees, once, then ${after}.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mkdir -p /proc /sys /dev /usr/bin /usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# Kernel messages would land between the report lines on the same console.
echo 1 > /proc/sys/kernel/printk
/bin/busybox --install -s
${modules}
# JSON string from stdin: escape \\ and ", drop control characters.
js() { printf '"%s"' "$(tr -d '\\000-\\037' | sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g')"; }
# A property's bytes as hex; a string-list property with NULs turned into commas.
hex() { od -An -v -tx1 "$1" | tr -d ' \\n'; }
strs() { tr '\\000' ',' < "$1" | sed 's/,*$//' | js; }
# One device-tree node as {"name":..,"reg":..[,"compatible":..][,"xenId":..]}.
node() {
  printf '{"name":%s,"reg":"%s"' "$(basename "$1" | js)" "$( [ -f "$1/reg" ] && hex "$1/reg")"
  [ -f "$1/compatible" ] && printf ',"compatible":%s' "$(strs "$1/compatible")"
  [ -f "$1/xen,id" ] && printf ',"xenId":%s' "$(strs "$1/xen,id")"
  printf '}'
}
nodes() {
  sep=''
  printf '['
  for n in "$@"; do
    [ -d "$n" ] || continue
    printf '%s' "$sep"; node "$n"; sep=','
  done
  printf ']'
}

DT=/proc/device-tree
J='{"tag":"${tag}"'
J="$J,\\"vcpus\\":$(grep -c '^processor' /proc/cpuinfo)"
J="$J,\\"online\\":$(cat /sys/devices/system/cpu/online | js)"
J="$J,\\"memTotalKiB\\":$(grep '^MemTotal:' /proc/meminfo | tr -s ' ' | cut -d' ' -f2)"
J="$J,\\"cmdline\\":$(cat /proc/cmdline | js)"
if [ -d $DT ]; then J="$J,\\"deviceTree\\":true"; else J="$J,\\"deviceTree\\":false"; fi
if [ -d $DT/hypervisor ]; then
  J="$J,\\"hypervisorNode\\":true,\\"hypervisorCompatible\\":$(strs $DT/hypervisor/compatible)"
else
  J="$J,\\"hypervisorNode\\":false"
fi
if [ -f /sys/hypervisor/type ]; then J="$J,\\"hypervisorType\\":$(cat /sys/hypervisor/type | js)"; fi
J="$J,\\"memoryNodes\\":$(nodes $DT/memory*)"
J="$J,\\"reservedMemory\\":$(nodes $DT/reserved-memory/*)"
J="$J,\\"systemRam\\":["
sep=''
for r in $(grep ': System RAM$' /proc/iomem | grep -v '^ ' | cut -d' ' -f1); do
  J="$J$sep\\"$r\\""; sep=','
done
J="$J]"
${disk}J="$J}"

n=$(printf '%s\\n' "$J" | fold -w ${OBSERVE_CHUNK} | wc -l)
i=0
printf '%s\\n' "$J" | fold -w ${OBSERVE_CHUNK} | while IFS= read -r c; do
  i=$((i + 1))
  printf '%s %s/%s %s\\n' '${OBSERVE_MARKER} ${tag}' "$i" "$n" "$c"
done
${end}
`;
}

/**
 * The report's `disk` member. A frontend sees its backend a moment after the module loads, so the
 * device is awaited (20 s); DISKDIR moves the mount point (the test runs this part on the host).
 */
function diskReport(d: GuestDisk): string {
  return `# disk: mount ${d.device} read-only and report ${d.file}
D=${d.device}; DISKDIR=\${DISKDIR:-/mnt/disk}; k=0
while [ ! -e "$D" ] && [ $k -lt 20 ]; do sleep 1; k=$((k + 1)); done
mkdir -p "$DISKDIR"
if [ -e "$D" ] && mount -t ${d.fsType} -o ro "$D" "$DISKDIR"; then
  J="$J,\\"disk\\":{\\"device\\":\\"$D\\",\\"mounted\\":true,\\"file\\":\\"${d.file}\\""
  if [ -f "$DISKDIR/${d.file}" ]; then J="$J,\\"content\\":$(js < "$DISKDIR/${d.file}")"; fi
  J="$J}"
else
  J="$J,\\"disk\\":{\\"device\\":\\"$D\\",\\"mounted\\":false}"
fi
# end of disk
`;
}

function checkDisk(d: GuestDisk): void {
  const ok =
    /^\/dev\/[a-z0-9]{1,16}$/.test(d.device) &&
    /^[a-z0-9]{1,16}$/.test(d.fsType) &&
    /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(d.file) &&
    !d.file.split('/').includes('..') &&
    d.file.length <= 200;
  if (!ok)
    throw new ImageError(
      'BADINPUT',
      undefined,
      `disk ${JSON.stringify(d)}: the device is /dev/<name>, the type a word, the file a relative path`,
    );
}

/** The gzipped newc initramfs: /bin/busybox, applet links, /dev/console, /init. */
export function linuxGuestInitramfs(opts: LinuxGuestOptions): Uint8Array {
  if (opts.busybox.length < 4 || opts.busybox[0] !== 0x7f || opts.busybox[1] !== 0x45) {
    throw new ImageError('BADINPUT', 0, 'busybox is not an ELF binary', 'pass the busybox-static binary');
  }
  const dir = (path: string): CpioEntry => ({ path, type: 'dir', mode: 0o755 });
  const entries: CpioEntry[] = [
    dir('bin'),
    dir('dev'),
    { path: 'dev/console', type: 'chardev', mode: 0o600, major: 5, minor: 1 },
    dir('proc'),
    dir('sbin'),
    dir('sys'),
    dir('usr'),
    dir('usr/bin'),
    dir('usr/sbin'),
    { path: 'bin/busybox', type: 'file', mode: 0o755, data: opts.busybox },
    ...APPLETS.map(
      (a): CpioEntry => ({ path: `bin/${a}`, type: 'symlink', mode: 0o777, linkTarget: 'busybox' }),
    ),
    {
      path: 'init',
      type: 'file',
      mode: 0o755,
      data: new TextEncoder().encode(
        linuxGuestInit(opts.tag, opts.after, {
          modules: (opts.modules ?? []).map((m) => m.name),
          ...(opts.disk ? { disk: opts.disk } : {}),
        }),
      ),
    },
  ];
  if (opts.modules?.length) {
    entries.push(dir('lib'), dir(MODULE_DIR));
    for (const m of opts.modules)
      entries.push({ path: `${MODULE_DIR}/${m.name}`, type: 'file', mode: 0o644, data: m.data });
  }
  return gzip(writeCpio(entries));
}

/** What the guest reported. Register values are hex strings of the raw big-endian cells. */
export interface Observation {
  tag: string;
  vcpus: number;
  /** /sys/devices/system/cpu/online, e.g. "0-1". */
  online: string;
  memTotalKiB: number;
  cmdline: string;
  deviceTree: boolean;
  hypervisorNode: boolean;
  hypervisorCompatible?: string;
  hypervisorType?: string;
  memoryNodes: ObservedNode[];
  reservedMemory: ObservedNode[];
  /** /proc/iomem top-level System RAM ranges, "start-end" in hex. */
  systemRam: string[];
  /** With a disk to mount: whether it mounted, and the file's content (control characters dropped). */
  disk?: { device: string; mounted: boolean; file?: string; content?: string };
}

export interface ObservedNode {
  name: string;
  reg: string;
  compatible?: string;
  xenId?: string;
}

/** The regex a runner waits for: this guest's last report chunk (i equals n). */
export function observationPattern(tag: string): RegExp {
  checkTag(tag);
  return new RegExp(`${OBSERVE_MARKER} ${tag.replace(/\./g, '\\.')} (\\d+)/\\1 `);
}

const MAX_CHUNKS = 4096;

/**
 * Reassembles a guest's report from console lines (any prefix before the marker is ignored, so
 * Xen's `(XEN) DOMn: ` and the unprefixed focus form both work). Returns undefined when the report
 * is incomplete; throws BADVALUE when its chunks disagree or the JSON is not a report.
 */
export function readObservation(lines: Iterable<string>, tag: string): Observation | undefined {
  checkTag(tag);
  const head = `${OBSERVE_MARKER} ${tag} `;
  const chunks = new Map<number, string>();
  let total: number | undefined;
  for (const line of lines) {
    const at = line.indexOf(head);
    if (at < 0) continue;
    const m = /^(\d{1,4})\/(\d{1,4}) /.exec(line.slice(at + head.length));
    if (!m) continue;
    const i = Number(m[1]);
    const n = Number(m[2]);
    if (n < 1 || n > MAX_CHUNKS || i < 1 || i > n || (total !== undefined && total !== n)) {
      throw new ImageError('BADVALUE', undefined, `report chunk ${i}/${n} does not fit the others`);
    }
    total = n;
    // Trailing blanks are the console's, not the JSON's: a chunk only ends in a space mid-string,
    // and fold keeps those, so take the line exactly.
    chunks.set(i, line.slice(at + head.length + m[0].length));
  }
  if (total === undefined || chunks.size !== total) return undefined;
  let json = '';
  for (let i = 1; i <= total; i++) json += chunks.get(i);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ImageError(
      'BADVALUE',
      undefined,
      `guest ${tag} reported malformed JSON: ${json.slice(0, 200)}`,
    );
  }
  const o = value as Partial<Observation> | null;
  if (
    !o ||
    o.tag !== tag ||
    typeof o.vcpus !== 'number' ||
    typeof o.memTotalKiB !== 'number' ||
    typeof o.cmdline !== 'string' ||
    !Array.isArray(o.reservedMemory) ||
    !Array.isArray(o.systemRam)
  ) {
    throw new ImageError('BADVALUE', undefined, `guest ${tag} reported an incomplete record`);
  }
  return o as Observation;
}

/** Splits a reg hex string into (address, size) pairs of the given cell counts. */
export function regPairs(reg: string, addressCells = 2, sizeCells = 2): Array<[bigint, bigint]> {
  const width = (addressCells + sizeCells) * 8;
  if (!/^[0-9a-f]*$/.test(reg) || reg.length % width !== 0) {
    throw new ImageError(
      'BADVALUE',
      undefined,
      `reg "${reg}" is not a list of ${addressCells}+${sizeCells} cells`,
    );
  }
  const out: Array<[bigint, bigint]> = [];
  for (let o = 0; o < reg.length; o += width) {
    const a = reg.slice(o, o + addressCells * 8);
    const s = reg.slice(o + addressCells * 8, o + width);
    out.push([BigInt(`0x${a || '0'}`), BigInt(`0x${s || '0'}`)]);
  }
  return out;
}

function checkTag(tag: string): void {
  if (!TAG_RE.test(tag)) {
    throw new ImageError('BADINPUT', undefined, `guest tag "${tag}" is not 1..32 of [A-Za-z0-9_.-]`);
  }
}
