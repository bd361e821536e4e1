// ImageBuilder config → dombuild config. The file is parsed as data (parse.ts); each variable is
// then either mapped to config fields, with ImageBuilder's own defaults written out so the
// imported system is the one ImageBuilder would have booted, or reported as not imported with a
// reason. Per-domain controls go through the registry entry that names the variable.
import { readDtb } from '../../devicetree/dtb.js';
import type { Diagnostic } from '../../schema/diagnostic.js';
import { parseRangeList } from '../../schema/fields.js';
import { editDistance } from '../../schema/params.js';
import { type Feature, registry } from '../../schema/registry.js';
import { releaseAtLeast, XEN_RELEASES, type XenRelease } from '../../schema/releases.js';
import { emptyReport, type ImportReport, type SourceSpan } from '../report.js';
import { cpuNodeNames, dtbSummary, knownBoard } from './board.js';
import { decodeDomainValue } from './domain-values.js';
import { type IbAssignment, type IbParseResult, parseImageBuilderConfig } from './parse.js';
import { hex, readColorRange, readCount, readFlag, readInt, readPairs, sizeText, words } from './values.js';
import {
  DOMAIN_VARIABLES,
  GLOBAL_ARRAYS,
  GLOBAL_VARIABLES,
  type GlobalRule,
  IB_DEFAULTS,
  LOAD_ALIASES,
  SCHEDULERS,
} from './variables.js';

export interface ImageBuilderImportOptions {
  /** The config's name in messages. */
  file?: string;
  /**
   * Reads a file the config names (DEVICE_TREE for cpupool CPUs, APPEND_EXTRA_CMDS), by the path
   * as written; undefined when it cannot be read.
   */
  readFile?: (path: string) => Uint8Array | undefined;
  /** Rewrites a path as written in the config (relative to ImageBuilder's -d folder) for the YAML. */
  rebasePath?: (path: string) => string;
  /** Target Xen release; default: the oldest one that has everything the config uses. */
  release?: XenRelease;
}

export interface ImageBuilderImportResult {
  /** The config as plain data (YAML-ready: sizes and addresses as strings); absent on errors. */
  config?: Record<string, unknown>;
  report: ImportReport;
  /** Why this release was picked (for the YAML header). */
  releaseReason?: string;
}

const DOMAIN_PREFIX = 'DOMU_';
/** Registry controls by the ImageBuilder variable that sets them. */
const BY_IB_NAME: ReadonlyMap<string, Feature> = new Map(
  registry.flatMap((f) =>
    (f.imagebuilder ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((name) => [name, f] as const),
  ),
);

/** Every per-domain name ImageBuilder reads: the registry's and the structural ones. */
export function domainVariableNames(): string[] {
  return [...new Set([...BY_IB_NAME.keys(), ...Object.keys(DOMAIN_VARIABLES)])].sort();
}

/** Every name the importer knows (for typo hints and the coverage tests). */
export function knownVariableNames(): string[] {
  return [...Object.keys(GLOBAL_VARIABLES), ...Object.keys(GLOBAL_ARRAYS), ...domainVariableNames()].sort();
}

export function importImageBuilderConfig(
  text: string,
  opts: ImageBuilderImportOptions = {},
): ImageBuilderImportResult {
  const file = opts.file ?? 'imagebuilder.cfg';
  const parsed = parseImageBuilderConfig(text);
  return new Importer(parsed, file, opts).run();
}

class Importer {
  private readonly report: ImportReport;
  /** Assignments already accounted for (mapped or dropped), by identity. */
  private readonly done = new Set<IbAssignment>();
  private readonly need: { release: XenRelease; why: string }[] = [];
  private readonly rebase: (p: string) => string;

  constructor(
    private readonly parsed: IbParseResult,
    private readonly file: string,
    private readonly opts: ImageBuilderImportOptions,
  ) {
    this.report = emptyReport('imagebuilder', file);
    this.rebase = opts.rebasePath ?? ((p) => p);
  }

  // ---- bookkeeping -------------------------------------------------------------------------

  private span(a: IbAssignment): SourceSpan {
    return { file: this.file, line: a.line, col: a.col, range: a.range };
  }

  private key(a: IbAssignment): string {
    return a.index === undefined ? a.name : `${a.name}[${a.index}]`;
  }

  private get(name: string, index?: string): IbAssignment | undefined {
    const v = this.parsed.variables.get(name);
    return v?.elements.get(index ?? '0');
  }

  /** The value of a set, non-empty variable (ImageBuilder tests `test "$X"`, so empty is unset). */
  private val(name: string, index?: string): string | undefined {
    const a = this.get(name, index);
    return a && a.value !== '' ? a.value : undefined;
  }

  private mapped(a: IbAssignment | undefined, targets: string[], note?: string): void {
    if (a) this.done.add(a);
    const e: ImportReport['mapped'][number] = { source: a ? this.key(a) : '(default)', targets };
    if (a) e.at = this.span(a);
    if (note) e.note = note;
    this.report.mapped.push(e);
  }

  /** A default ImageBuilder applies for a variable the file leaves unset. */
  private defaulted(source: string, targets: string[], note: string): void {
    this.report.mapped.push({ source, targets, note });
  }

  private dropped(a: IbAssignment, reason: GlobalRule & { kind: 'dropped' }, extra?: string): void;
  private dropped(a: IbAssignment, reason: ImportReport['dropped'][number]['reason'], message: string): void;
  private dropped(a: IbAssignment, r: unknown, message?: string): void {
    this.done.add(a);
    const rule =
      typeof r === 'string'
        ? { reason: r as ImportReport['dropped'][number]['reason'], doc: '' }
        : (r as { reason: ImportReport['dropped'][number]['reason']; doc: string });
    const text = typeof r === 'string' ? message! : message ? `${rule.doc}; ${message}` : rule.doc;
    this.report.dropped.push({ source: this.key(a), at: this.span(a), reason: rule.reason, message: text });
  }

  private diag(
    severity: 'error' | 'warning',
    id: string,
    message: string,
    a?: IbAssignment,
    hint?: string,
  ): void {
    const d: Diagnostic = { id, severity, message, path: '', file: this.file };
    if (a) {
      d.line = a.line;
      d.col = a.col;
      d.range = a.range;
    }
    if (hint) d.hint = hint;
    this.report.diagnostics.push(d);
  }

  /** An unreadable value: an error diagnostic and an `invalid` report entry. */
  private invalid(a: IbAssignment, reason: string, hint?: string): void {
    this.diag('error', 'ib-invalid-value', `${this.key(a)}: ${reason}`, a, hint);
    this.dropped(a, 'invalid', reason);
  }

  private needs(release: XenRelease, why: string): void {
    this.need.push({ release, why });
  }

  private path(a: IbAssignment): string {
    return this.rebase(a.value);
  }

  // ---- the mapping ---------------------------------------------------------------------------

  run(): ImageBuilderImportResult {
    for (const p of this.parsed.problems) {
      const d: Diagnostic = {
        id: `ib-${p.code}`,
        severity: p.severity,
        message: p.message,
        path: '',
        file: this.file,
        line: p.line,
        col: p.col,
        range: p.range,
      };
      if (p.hint) d.hint = p.hint;
      this.report.diagnostics.push(d);
    }
    this.overridden();

    const config: Record<string, unknown> = {};
    const xen: Record<string, unknown> = {};
    const boot: Record<string, unknown> = {};
    let arch: 'arm64' | 'arm32' = 'arm64';

    // Bare-metal Linux mode is ImageBuilder's other personality; there is no Xen system to import.
    const xenA = this.get('XEN');
    if (!this.val('XEN')) {
      const linux = this.get('LINUX');
      this.diag(
        'error',
        'ib-no-xen',
        linux
          ? 'LINUX without XEN is bare-metal Linux; dombuild builds Xen systems'
          : 'the config sets no XEN (the hypervisor binary)',
        linux ?? xenA,
        'set XEN="xen" to the Xen binary',
      );
    }

    // Board and boot.
    const dt = this.get('DEVICE_TREE');
    const board: Record<string, unknown> = {};
    let dtbBytes: Uint8Array | undefined;
    if (dt && dt.value !== '') {
      board.dtb = this.path(dt);
      this.mapped(dt, ['board.dtb']);
      dtbBytes = this.opts.readFile?.(dt.value);
    } else {
      this.diag(
        'error',
        'ib-no-device-tree',
        'the config sets no DEVICE_TREE; ImageBuilder refuses it too',
        dt,
        "set DEVICE_TREE to the board's DTB",
      );
    }
    const bootCmd = this.get('BOOT_CMD');
    if (bootCmd && bootCmd.value !== '') {
      const v = bootCmd.value.trim();
      if (!['booti', 'bootm', 'bootz', 'bootefi', 'none'].includes(v)) {
        this.invalid(bootCmd, `"${v}" is not booti, bootm, bootz, bootefi or none`);
      } else {
        boot.command = v;
        if (v === 'bootz') arch = 'arm32';
        this.mapped(
          bootCmd,
          v === 'bootz' ? ['boot.command', 'board.arch'] : ['boot.command'],
          v === 'bootz' ? 'bootz boots a 32-bit zImage: the board is arm32' : undefined,
        );
      }
    }
    if (arch === 'arm32') board.arch = 'arm32';
    this.recognizeBoard(board, dtbBytes, dt, arch);
    for (const [name, target] of [
      ['MEMORY_START', 'memoryStart'],
      ['MEMORY_END', 'memoryEnd'],
    ] as const) {
      const a = this.get(name);
      if (!a || a.value === '') continue;
      const r = readInt(a.value);
      if (!r.ok) this.invalid(a, r.reason);
      else {
        boot[target] = hex(r.value);
        this.mapped(a, [`boot.${target}`]);
      }
    }
    const load = this.get('LOAD_CMD');
    if (load && load.value.trim() !== '') {
      boot.load = load.value.trim();
      const alias = LOAD_ALIASES[load.value.trim()];
      this.mapped(load, ['boot.load']);
      if (alias)
        this.diag(
          'warning',
          'ib-load-alias',
          `LOAD_CMD="${load.value.trim()}" is used as written (only the -t option expands it to "${alias}")`,
          load,
          `write LOAD_CMD="${alias}" if that is what you mean`,
        );
    } else {
      this.defaulted(
        'LOAD_CMD',
        [],
        "not set (ImageBuilder then needs -t): the board's load command is used",
      );
    }

    // Xen.
    if (xenA && xenA.value !== '') {
      const xl = this.val('XEN_LOAD');
      xen.image = xl ? { path: this.path(xenA), load: xl } : this.path(xenA);
      this.mapped(xenA, ['xen.image']);
      const xla = this.get('XEN_LOAD');
      if (xla && xl) this.mapped(xla, ['xen.image.load']);
    }
    const heap = this.get('XEN_STATIC_HEAP');
    if (heap && heap.value !== '') {
      const r = readPairs(heap.value);
      if (!r.ok) this.invalid(heap, r.reason);
      else {
        xen.staticHeap = r.value.map((b) => ({ base: hex(b.base), size: sizeText(b.size) }));
        this.mapped(heap, ['xen.staticHeap']);
      }
    }
    const policy = this.get('XEN_POLICY');
    if (policy && policy.value !== '') {
      xen.xsmPolicy = this.path(policy);
      this.mapped(policy, ['xen.xsmPolicy']);
    }

    // Dom0.
    const dom0Kernel = this.get('DOM0_KERNEL');
    const hasDom0 = !!(dom0Kernel && dom0Kernel.value !== '');
    let dom0: Record<string, unknown> | undefined;
    if (hasDom0) {
      dom0 = {};
      const dl = this.val('DOM0_LOAD');
      const withLoad = (p: string) => (dl ? { path: p, load: dl } : p);
      dom0.kernel = withLoad(this.path(dom0Kernel!));
      this.mapped(dom0Kernel!, ['dom0.kernel']);
      const rd = this.get('DOM0_RAMDISK');
      if (rd && rd.value !== '') {
        dom0.ramdisk = withLoad(this.path(rd));
        this.mapped(rd, ['dom0.ramdisk']);
      }
      const dla = this.get('DOM0_LOAD');
      if (dla && dl) this.mapped(dla, rd ? ['dom0.kernel.load', 'dom0.ramdisk.load'] : ['dom0.kernel.load']);
      dom0.cmdline = this.dom0Cmdline();
    } else {
      const stray = [
        'DOM0_MEM',
        'DOM0_VCPUS',
        'DOM0_COLORS',
        'DOM0_CMD',
        'DOM0_RAMDISK',
        'DOM0_ROOTFS',
        'DOM0_VIOMMU',
      ]
        .map((n) => this.get(n))
        .filter((a): a is IbAssignment => !!a && a.value !== '');
      for (const a of stray) {
        this.diag(
          'error',
          'ib-dom0-without-kernel',
          `${a.name} is set but DOM0_KERNEL is not; ImageBuilder refuses dom0 settings in a system without dom0`,
          a,
          'remove it, or set DOM0_KERNEL',
        );
        this.dropped(a, 'invalid', 'a dom0 setting without DOM0_KERNEL');
      }
    }

    const xenCmd = this.get('XEN_CMD');
    const xenCmdSet = !!xenCmd && xenCmd.value !== '';
    const cmdWords = this.xenCommandLine(hasDom0);
    if (dom0) this.dom0Resources(dom0, xenCmdSet);
    let coloured = this.colours(xen, dom0, xenCmdSet);

    // Domains.
    const domains = this.domains(hasDom0);
    for (const d of domains) if (d.llcColors !== undefined) coloured = true;
    if (coloured && !cmdWords.some((w) => /^llc-coloring(=|$)/.test(w))) {
      cmdWords.push('llc-coloring=on');
      this.defaulted(
        'XEN_CMD',
        ['xen.cmdline'],
        'llc-coloring=on added: upstream Xen reads colours only with it',
      );
    }
    xen.cmdline = cmdWords.join(' ');

    // Cpupools, and the domains' references to them.
    const cpupools = this.cpupools(dtbBytes, domains);

    this.bootExtras(boot);

    // Everything not accounted for: a rule says why it is dropped, or it is not an ImageBuilder name.
    this.leftovers();

    const { release, releaseReason } = this.pickRelease();
    xen.release = release;

    if (this.report.diagnostics.some((d) => d.severity === 'error')) return { report: this.report };

    config.xen = orderKeys(xen, ['release', 'image', 'cmdline', 'staticHeap', 'xsmPolicy', 'llcColors']);
    config.board = board;
    if (Object.keys(boot).length > 0) config.boot = boot;
    if (dom0) config.dom0 = orderKeys(dom0, ['kernel', 'ramdisk', 'cmdline', 'memory', 'vcpus', 'llcColors']);
    if (cpupools.length > 0) config.cpupools = cpupools;
    config.domains = domains;
    return { config, report: this.report, releaseReason };
  }

  /** Xen's command line as words: XEN_CMD, or ImageBuilder's default when it is unset. */
  private xenCommandLine(hasDom0: boolean): string[] {
    const xenCmd = this.get('XEN_CMD');
    let cmdWords: string[];
    if (xenCmd && xenCmd.value !== '') {
      cmdWords = words(xenCmd.value);
      const memA = this.get('DOM0_MEM');
      const vcpuA = this.get('DOM0_VCPUS');
      for (const a of [memA, vcpuA]) {
        if (a && a.value !== '' && hasDom0)
          this.diag(
            'warning',
            'ib-xen-cmd-and-dom0',
            `${a.name} is set together with XEN_CMD; ImageBuilder stops without a script here`,
            a,
            `put dom0_mem=/dom0_max_vcpus= in XEN_CMD instead; imported as dom0.${a.name === 'DOM0_MEM' ? 'memory' : 'vcpus'} (XEN_CMD's own word wins)`,
          );
      }
      let note: string | undefined;
      if (!hasDom0) {
        const kept = cmdWords.filter((w) => !w.startsWith('dom0'));
        if (kept.length !== cmdWords.length)
          note = 'the dom0… words were removed: there is no dom0 (as ImageBuilder does)';
        cmdWords = kept;
      }
      this.mapped(xenCmd, ['xen.cmdline'], note);
    } else {
      cmdWords = words(IB_DEFAULTS.xenCmd);
      this.defaulted(
        'XEN_CMD',
        ['xen.cmdline'],
        `ImageBuilder's default "${IB_DEFAULTS.xenCmd}"${hasDom0 ? ' with dom0_mem and dom0_max_vcpus from dom0.memory/vcpus' : ''}`,
      );
    }
    return cmdWords;
  }

  /** dom0's memory and vCPUs: DOM0_MEM/DOM0_VCPUS, or ImageBuilder's defaults when XEN_CMD is unset. */
  private dom0Resources(dom0: Record<string, unknown>, xenCmdSet: boolean): void {
    const mem = this.get('DOM0_MEM');
    if (mem && mem.value !== '') {
      const r = readCount(mem.value, 1 << 24);
      if (!r.ok) this.invalid(mem, r.reason);
      else {
        dom0.memory = `${r.value}M`;
        this.mapped(mem, ['dom0.memory'], 'MB');
      }
    } else if (!xenCmdSet) {
      dom0.memory = `${IB_DEFAULTS.dom0MemMB}M`;
      this.defaulted('DOM0_MEM', ['dom0.memory'], `ImageBuilder's default ${IB_DEFAULTS.dom0MemMB} MB`);
    }
    const vc = this.get('DOM0_VCPUS');
    if (vc && vc.value !== '') {
      const r = readCount(vc.value, 4096);
      if (!r.ok || r.value < 1) this.invalid(vc, r.ok ? 'dom0 needs at least one vCPU' : r.reason);
      else {
        dom0.vcpus = r.value;
        this.mapped(vc, ['dom0.vcpus']);
      }
    } else if (!xenCmdSet) {
      dom0.vcpus = IB_DEFAULTS.dom0Vcpus;
      this.defaulted('DOM0_VCPUS', ['dom0.vcpus'], `ImageBuilder's default ${IB_DEFAULTS.dom0Vcpus}`);
    }
  }

  /**
   * Xen's and dom0's colours. ImageBuilder writes the Xilinx branch's xen_colors=/dom0_colors=;
   * upstream Xen (4.20+) reads xen-llc-colors=/dom0-llc-colors=, and only with llc-coloring=on.
   */
  private colours(
    xen: Record<string, unknown>,
    dom0: Record<string, unknown> | undefined,
    xenCmdSet: boolean,
  ): boolean {
    let coloured = false;
    const colour = (
      a: IbAssignment | undefined,
      target: Record<string, unknown> | undefined,
      path: string,
    ) => {
      if (!a || a.value === '' || this.done.has(a) || !target) return;
      if (xenCmdSet) {
        this.dropped(
          a,
          'ignored-by-source',
          'ImageBuilder adds colours only to its default command line, which XEN_CMD replaces',
        );
        return;
      }
      const r = readColorRange(a.value);
      if (!r.ok) return this.invalid(a, r.reason);
      target.llcColors =
        r.value.start === r.value.end ? `${r.value.start}` : `${r.value.start}-${r.value.end}`;
      coloured = true;
      this.mapped(
        a,
        [path],
        "upstream Xen's spelling (xen-llc-colors=/dom0-llc-colors=, with llc-coloring=on)",
      );
      this.needs('4.20', `${a.name} (LLC colouring)`);
    };
    colour(this.get('XEN_COLORS'), xen, 'xen.llcColors');
    colour(this.get('DOM0_COLORS'), dom0, 'dom0.llcColors');
    return coloured;
  }

  /** Overlays, bitstream, extra commands, FIT: what the boot loads besides the domains. */
  private bootExtras(boot: Record<string, unknown>): void {
    const overlays = this.counted('DT_OVERLAY').map(({ a, k }) => {
      this.mapped(a, [`boot.overlays[${k}]`]);
      return this.path(a);
    });
    if (overlays.length > 0) boot.overlays = overlays;
    const bit = this.get('BITSTREAM');
    if (bit && bit.value !== '') {
      boot.bitstream = this.path(bit);
      this.mapped(bit, ['boot.bitstream']);
    }
    const extra = this.get('APPEND_EXTRA_CMDS');
    if (extra && extra.value !== '') {
      const bytes = this.opts.readFile?.(extra.value);
      if (!bytes) {
        this.diag(
          'error',
          'ib-file-unreadable',
          `APPEND_EXTRA_CMDS names ${extra.value}, which cannot be read; its commands are the value`,
          extra,
        );
        this.dropped(extra, 'invalid', 'the file cannot be read');
      } else {
        const lines = new TextDecoder()
          .decode(bytes)
          .split('\n')
          .map((l) => l.replace(/\r$/, ''))
          .filter((l) => l.trim() !== '');
        boot.extraCommands = lines;
        this.mapped(extra, ['boot.extraCommands'], `the ${lines.length} line(s) of ${extra.value}`);
      }
    }
    const fit = this.get('FIT');
    if (fit && fit.value !== '') {
      boot.fit = true;
      this.mapped(fit, ['boot.fit'], 'dombuild writes the FIT as boot.itb');
    }
  }

  /** The release: the oldest that has everything used, unless one was asked for. */
  private pickRelease(): { release: XenRelease; releaseReason: string } {
    let release: XenRelease;
    let releaseReason: string;
    const needed = this.need.reduce<{ release: XenRelease; why: string } | undefined>(
      (m, n) => (!m || !releaseAtLeast(m.release, n.release) ? n : m),
      undefined,
    );
    if (this.opts.release) {
      release = this.opts.release;
      releaseReason = `asked for`;
      if (needed && !releaseAtLeast(release, needed.release))
        this.diag(
          'warning',
          'ib-release-too-old',
          `Xen ${release} was asked for, but ${needed.why} needs ${needed.release}`,
        );
    } else {
      release = needed?.release ?? XEN_RELEASES[0];
      releaseReason =
        needed && needed.release !== XEN_RELEASES[0]
          ? `the oldest release with ${needed.why}`
          : 'the oldest release dombuild supports; nothing the config uses needs a newer one';
    }
    return { release, releaseReason };
  }

  /**
   * A board dombuild knows, recognised by the DTB's root compatible, so the import gets its U-Boot
   * defaults (script address, relocation) that ImageBuilder leaves to MEMORY_START; otherwise the
   * board stays inline, which validates but cannot be built for U-Boot.
   */
  private recognizeBoard(
    board: Record<string, unknown>,
    dtb: Uint8Array | undefined,
    dt: IbAssignment | undefined,
    arch: 'arm64' | 'arm32',
  ): void {
    if (!dt || board.dtb === undefined) return;
    let facts: ReturnType<typeof dtbSummary> | undefined;
    try {
      facts = dtb ? dtbSummary(readDtb(dtb)) : undefined;
    } catch {
      facts = undefined;
    }
    if (!facts) {
      this.diag(
        'warning',
        'ib-board-unread',
        `DEVICE_TREE ${dt.value} cannot be read here, so the board stays inline (no U-Boot defaults: validate works, build does not)`,
        dt,
        'run the import where the DTB is (--root), or set board: to a built-in board',
      );
      return;
    }
    const known = knownBoard(facts.compatible, arch);
    if (!known) {
      this.diag(
        'warning',
        'ib-board-inline',
        `the DTB (${facts.compatible.join(', ') || 'no compatible'}) is not a board dombuild knows; it stays inline, without U-Boot defaults, so build refuses it`,
        dt,
        'write a board YAML with uboot: { scriptAddress } and set board: to it',
      );
      return;
    }
    const dtbPath = board.dtb;
    delete board.dtb;
    delete board.arch;
    board.name = known;
    if (known === 'qemu-virt-arm64') {
      // The QEMU board's own descriptor must agree with the dumped DTB: take the machine's shape from it.
      if (facts.gic) board.gic = facts.gic;
      if (facts.cpus > 0) board.cpus = facts.cpus;
      if (facts.ram > 0n) board.memory = sizeText(facts.ram);
    }
    board.dtb = dtbPath;
    const idx = this.report.mapped.findIndex((m) => m.source === 'DEVICE_TREE');
    if (idx >= 0) {
      this.report.mapped[idx]!.targets = ['board'];
      this.report.mapped[idx]!.note = `recognised as ${known} by its compatible`;
    }
  }

  /** Assignments set more than once: the last counts, as in bash; the earlier ones are noted. */
  private overridden(): void {
    const last = new Set<IbAssignment>();
    for (const v of this.parsed.variables.values()) for (const a of v.elements.values()) last.add(a);
    for (const a of this.parsed.assignments) {
      if (last.has(a)) continue;
      this.diag(
        'warning',
        'ib-set-twice',
        `${this.key(a)} is set again later; the last value counts, as in bash`,
        a,
      );
    }
  }

  private dom0Cmdline(): string {
    const a = this.get('DOM0_CMD');
    let cmd = a && a.value !== '' ? a.value : IB_DEFAULTS.dom0Cmd;
    let note: string | undefined;
    if (!/root=/.test(cmd)) {
      const rootfs = this.get('DOM0_ROOTFS');
      let dev = '/dev/ram0';
      if (rootfs && rootfs.value !== '') {
        const derived = rootDevice(this.val('LOAD_CMD') ?? '');
        if (derived) dev = derived;
        else
          this.diag(
            'error',
            'ib-root-device',
            'DOM0_ROOTFS is set and DOM0_CMD has no root=; ImageBuilder derives it only from an mmc or scsi LOAD_CMD',
            rootfs,
            'add root=… to DOM0_CMD',
          );
        this.dropped(rootfs, GLOBAL_VARIABLES.DOM0_ROOTFS as GlobalRule & { kind: 'dropped' }, `root=${dev}`);
      }
      cmd = `${cmd} root=${dev}`;
      note = `root=${dev} added, as ImageBuilder does`;
    }
    if (a && a.value !== '') this.mapped(a, ['dom0.cmdline'], note);
    else this.defaulted('DOM0_CMD', ['dom0.cmdline'], `ImageBuilder's default "${cmd}"`);
    return cmd;
  }

  /** Elements 0..count-1 of an array bounded by a count variable; later ones are ignored by ImageBuilder. */
  private counted(name: string): { a: IbAssignment; k: number }[] {
    const spec = GLOBAL_ARRAYS[name]!;
    const countA = this.get(spec.count);
    let count = 0;
    if (countA && countA.value !== '') {
      const r = readCount(countA.value, 64);
      if (!r.ok) this.invalid(countA, r.reason);
      else {
        count = r.value;
        if (spec.rule.kind === 'mapped') this.mapped(countA, [], `${count} ${name} entries`);
      }
    }
    const out: { a: IbAssignment; k: number }[] = [];
    for (let k = 0; k < count; k++) {
      const a = this.get(name, String(k));
      if (!a || a.value === '') {
        if (spec.rule.kind === 'mapped')
          this.diag(
            'error',
            'ib-missing-element',
            `${spec.count}=${count} but ${name}[${k}] is not set`,
            countA,
          );
        continue;
      }
      out.push({ a, k });
    }
    return out;
  }

  private domains(hasDom0: boolean): Record<string, unknown>[] {
    const numA = this.get('NUM_DOMUS');
    let n = 0;
    if (numA && numA.value !== '') {
      const r = readCount(numA.value, 64);
      if (!r.ok) this.invalid(numA, r.reason);
      else {
        n = r.value;
        this.mapped(
          numA,
          ['domains'],
          `${n} domain(s), named domU0…domU${Math.max(0, n - 1)} as ImageBuilder's nodes`,
        );
      }
    }
    if (n === 0 && !hasDom0 && this.val('XEN'))
      this.diag(
        'error',
        'ib-no-domains',
        'neither DOM0_KERNEL nor any domU (NUM_DOMUS) is set; ImageBuilder refuses it',
        numA,
      );
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < n; i++) out.push(this.domain(i, hasDom0));
    return out;
  }

  private domain(i: number, hasDom0: boolean): Record<string, unknown> {
    const idx = String(i);
    const at = `domains[${i}]`;
    const d: Record<string, unknown> = { name: `domU${i}` };
    const load = this.val('DOMU_LOAD', idx);
    const withLoad = (p: string) => (load ? { path: p, load } : p);
    const kernel = this.get('DOMU_KERNEL', idx);
    if (!kernel || kernel.value === '')
      this.diag(
        'error',
        'ib-missing-element',
        `NUM_DOMUS includes domU${i}, but DOMU_KERNEL[${i}] is not set`,
        this.get('NUM_DOMUS'),
      );
    else {
      d.kernel = withLoad(this.path(kernel));
      this.mapped(kernel, [`${at}.kernel`]);
    }
    const ramdisk = this.get('DOMU_RAMDISK', idx);
    if (ramdisk && ramdisk.value !== '') {
      d.ramdisk = withLoad(this.path(ramdisk));
      this.mapped(ramdisk, [`${at}.ramdisk`]);
    }
    const cmd = this.get('DOMU_CMD', idx);
    if (cmd && cmd.value !== '') {
      d.cmdline = cmd.value;
      this.mapped(cmd, [`${at}.cmdline`]);
    } else {
      d.cmdline = IB_DEFAULTS.domuCmd;
      this.defaulted(`DOMU_CMD[${i}]`, [`${at}.cmdline`], `ImageBuilder's default "${IB_DEFAULTS.domuCmd}"`);
    }
    const loadA = this.get('DOMU_LOAD', idx);
    if (loadA && load)
      this.mapped(loadA, [`${at}.kernel.load`], 'the load command of every image of the domain');

    // How it starts: NOBOOT and ROOTFS domains are left out of the dom0less tree by ImageBuilder.
    const noboot = this.get('DOMU_NOBOOT', idx);
    const rootfs = this.get('DOMU_ROOTFS', idx);
    if (noboot && noboot.value !== '') {
      d.boot = false;
      this.mapped(noboot, [`${at}.boot`], 'created later from dom0 (an xl config)');
    }
    if (rootfs && rootfs.value !== '') {
      d.boot = false;
      this.mapped(
        rootfs,
        [`${at}.boot`],
        'ImageBuilder leaves a domain with a rootfs out of the dom0less tree; its rootfs partition is for disk_image',
      );
    }

    // Registry controls, each decoded from its variable.
    const pt: Record<string, unknown> = {};
    const staticA = this.get('DOMU_STATIC_MEM', idx);
    let staticSum: bigint | undefined;
    for (const [name, f] of BY_IB_NAME) {
      if (name === 'DOMU_PASSTHROUGH_DTB' || name === 'DOMU_PASSTHROUGH_PATHS') continue;
      const a = this.get(name, idx);
      const target = `${at}.${f.key}`;
      if (name === 'DOMU_VCPU_HARD_AFFINITY') {
        this.affinity(i, d, f);
        continue;
      }
      if (!a || a.value === '') {
        // A domain left out of the dom0less tree gets none of the tree's own defaults (vpl011,
        // xen,enhanced, direct-map); memory and vCPUs are defaulted for every domain.
        if (d.boot !== false || name === 'DOMU_MEM' || name === 'DOMU_VCPUS')
          this.domainDefault(name, f, i, d, hasDom0, staticA);
        continue;
      }
      const r = decodeDomainValue(name, a.value);
      if (!r.ok) {
        this.invalid(a, r.reason);
        continue;
      }
      if (r.value === undefined) {
        this.mapped(a, [], r.note ?? 'the default: nothing to write');
        continue;
      }
      if (name === 'DOMU_STATIC_MEM') {
        const banks = r.value as { base: bigint; size: bigint }[];
        staticSum = banks.reduce((s, b) => s + b.size, 0n);
        d[f.key] = banks.map((b) => ({ base: hex(b.base), size: sizeText(b.size) }));
        this.mapped(a, [target]);
        continue;
      }
      d[f.key] = r.value;
      this.mapped(a, [target], r.note);
      this.gate(f, r.value, `${name}[${i}]`);
    }
    // ImageBuilder sizes a static-memory domain by its banks, whatever DOMU_MEM says.
    if (staticSum !== undefined) {
      const memA = this.get('DOMU_MEM', idx);
      const kib = staticSum >> 10n;
      d.memory = sizeText(kib << 10n);
      if (memA && memA.value !== '') {
        const given = readCount(memA.value, 1 << 24);
        const note =
          given.ok && BigInt(given.value) << 20n !== kib << 10n
            ? 'ImageBuilder ignores DOMU_MEM here and uses the static-memory total'
            : 'the static-memory total';
        const idxOf = this.report.mapped.findIndex((m) => m.source === `DOMU_MEM[${i}]`);
        if (idxOf >= 0) this.report.mapped[idxOf]!.note = note;
      } else {
        const idxOf = this.report.mapped.findIndex((m) => m.source === `DOMU_MEM[${i}]` && !m.at);
        if (idxOf >= 0) this.report.mapped[idxOf]!.note = 'the static-memory total, as ImageBuilder writes';
      }
    }

    // Xen before 4.21 cannot give a static-memory domain its xenstore page (check
    // xenstore-legacy-static-mem), so such a system needs 4.21 to boot as ImageBuilder describes it.
    if (d.boot !== false && d.staticMemory !== undefined && d.xenstore === 'enabled')
      this.needs('4.21', `domU${i}'s xenstore with static memory`);

    // Passthrough: a partial DTB module, and the host nodes hidden from dom0.
    const ptDtb = this.get('DOMU_PASSTHROUGH_DTB', idx);
    const ptPaths = this.get('DOMU_PASSTHROUGH_PATHS', idx);
    if (ptDtb && ptDtb.value !== '') {
      pt.dtb = withLoad(this.path(ptDtb));
      this.mapped(ptDtb, [`${at}.passthrough.dtb`]);
    }
    if (ptPaths && ptPaths.value !== '') {
      const paths = words(ptPaths.value);
      const bad = paths.find((p) => !/^\/[^\s"'\\;$`]*$/.test(p));
      if (bad) this.invalid(ptPaths, `"${bad}" is not a host device-tree path`);
      else {
        pt.devices = paths;
        this.mapped(
          ptPaths,
          [`${at}.passthrough.devices`],
          pt.dtb
            ? undefined
            : 'without DOMU_PASSTHROUGH_DTB dombuild generates the partial device tree from these nodes (ImageBuilder only marks them xen,passthrough)',
        );
      }
    }
    if (Object.keys(pt).length > 0) d.passthrough = pt;

    // Per-domain variables outside the registry.
    const vuart = this.get('DOMU_VUART_PL011', idx);
    if (vuart && vuart.value !== '') {
      const r = readFlag(vuart.value);
      if (!r.ok) this.invalid(vuart, r.reason);
      else {
        d.vpl011 = true;
        this.mapped(
          vuart,
          [`${at}.vpl011`],
          r.value
            ? 'upstream Xen reads an empty vpl011'
            : 'the Xilinx branch then emulates an SBSA UART, which is vpl011',
        );
      }
    }
    for (const name of ['DOMU_VIOMMU', 'DOMU_DOMID']) {
      const a = this.get(name, idx);
      if (a) this.dropped(a, DOMAIN_VARIABLES[name] as GlobalRule & { kind: 'dropped' });
    }
    return orderKeys(d, ['name', 'boot', 'kernel', 'ramdisk', 'cmdline', 'memory', 'vcpus']);
  }

  /** What ImageBuilder writes for a control the file leaves unset. */
  private domainDefault(
    name: string,
    f: Feature,
    i: number,
    d: Record<string, unknown>,
    hasDom0: boolean,
    staticA: IbAssignment | undefined,
  ): void {
    const at = `domains[${i}].${f.key}`;
    switch (name) {
      case 'DOMU_MEM':
        d[f.key] = `${IB_DEFAULTS.domuMemMB}M`;
        this.defaulted(`DOMU_MEM[${i}]`, [at], `ImageBuilder's default ${IB_DEFAULTS.domuMemMB} MB`);
        return;
      case 'DOMU_VCPUS':
        d[f.key] = IB_DEFAULTS.domuVcpus;
        this.defaulted(`DOMU_VCPUS[${i}]`, [at], `ImageBuilder's default ${IB_DEFAULTS.domuVcpus}`);
        return;
      case 'DOMU_VPL011':
        if (this.val('DOMU_VUART_PL011', String(i))) return;
        d[f.key] = true;
        this.defaulted(`DOMU_VPL011[${i}]`, [at], 'ImageBuilder gives every domU a vpl011');
        return;
      case 'DOMU_ENHANCED':
        if (!hasDom0) return;
        d[f.key] = 'enabled';
        this.defaulted(`DOMU_ENHANCED[${i}]`, [at], 'ImageBuilder enables xenstore when there is a dom0');
        return;
      case 'DOMU_DIRECT_MAP':
        if (!staticA || staticA.value === '') return;
        d[f.key] = true;
        this.defaulted(`DOMU_DIRECT_MAP[${i}]`, [at], 'ImageBuilder direct-maps a static-memory domain');
        return;
      default:
        return;
    }
  }

  /** DOMU_VCPU_HARD_AFFINITY[n,v] (an associative array). */
  private affinity(i: number, d: Record<string, unknown>, f: Feature): void {
    const v = this.parsed.variables.get('DOMU_VCPU_HARD_AFFINITY');
    if (!v) return;
    const list: { vcpu: number; cpus: string }[] = [];
    for (const [key, a] of v.elements) {
      const m = /^(\d+),(\d+)$/.exec(key);
      if (!m) {
        if (!this.done.has(a)) this.invalid(a, `key "${key}" is not "domain,vcpu"`);
        continue;
      }
      if (Number(m[1]) !== i) continue;
      const r = parseRangeList(a.value);
      if (!r.ok) {
        this.invalid(a, r.reason);
        continue;
      }
      list.push({ vcpu: Number(m[2]), cpus: a.value.trim() });
      this.mapped(a, [`domains[${i}].${f.key}`]);
    }
    if (list.length > 0) {
      d[f.key] = list.sort((x, y) => x.vcpu - y.vcpu);
      this.gate(f, list, `DOMU_VCPU_HARD_AFFINITY[${i},…]`);
    }
  }

  /** The release a control needs (its own, its DT property's, its value's). */
  private gate(f: Feature, v: unknown, what: string): void {
    let since = f.since;
    if (f.dt?.since && !releaseAtLeast(since, f.dt.since)) since = f.dt.since;
    const vs = typeof v === 'string' ? f.valueSince?.[v] : undefined;
    if (vs && !releaseAtLeast(since, vs)) since = vs;
    this.needs(since, what);
  }

  private cpupools(
    dtb: Uint8Array | undefined,
    domains: Record<string, unknown>[],
  ): Record<string, unknown>[] {
    const pools = this.counted('CPUPOOL');
    const out: Record<string, unknown>[] = [];
    let cpuNames: string[] | undefined;
    if (pools.length > 0) {
      try {
        cpuNames = dtb ? cpuNodeNames(readDtb(dtb)) : undefined;
      } catch {
        cpuNames = undefined;
      }
    }
    const names = new Map<number, string>();
    for (const { a, k } of pools) {
      const w = words(a.value);
      const cpus = (w[0] ?? '').split(',').filter((c) => c !== '');
      const sched = w.length > 1 ? w[w.length - 1] : undefined;
      if (cpus.length === 0) {
        this.invalid(a, 'no CPU named');
        continue;
      }
      if (!cpuNames) {
        this.diag(
          'error',
          'ib-cpupool-cpus',
          `CPUPOOL[${k}] names CPUs by their /cpus node, and the DEVICE_TREE cannot be read to number them`,
          a,
          'make DEVICE_TREE readable (a path relative to the config, or --root)',
        );
        this.dropped(a, 'invalid', 'the device tree cannot be read');
        continue;
      }
      const numbers: number[] = [];
      const missing = cpus.filter((c) => !cpuNames!.includes(c));
      if (missing.length > 0) {
        this.invalid(
          a,
          `${missing.map((m) => `/cpus/${m}`).join(', ')} is not in the device tree (ImageBuilder stops too)`,
        );
        continue;
      }
      for (const c of cpus) numbers.push(cpuNames.indexOf(c));
      if (sched !== undefined && !(SCHEDULERS as readonly string[]).includes(sched)) {
        this.invalid(a, `scheduler "${sched}" is not one of ${SCHEDULERS.join(', ')}`);
        continue;
      }
      const pool: Record<string, unknown> = { name: `cpupool${k}`, cpus: numbers };
      if (sched) pool.scheduler = sched;
      names.set(k, pool.name as string);
      out.push(pool);
      this.mapped(
        a,
        [`cpupools[${out.length - 1}]`],
        `CPUs by number: ${cpus.map((c, j) => `${c} is ${numbers[j]}`).join(', ')}`,
      );
    }
    domains.forEach((d, i) => {
      if (typeof d.cpupool !== 'number') return;
      const name = names.get(d.cpupool);
      const a = this.get('DOMU_CPUPOOL', String(i))!;
      if (name === undefined) {
        delete d.cpupool;
        const idxOf = this.report.mapped.findIndex((m) => m.source === `DOMU_CPUPOOL[${i}]`);
        if (idxOf >= 0) this.report.mapped.splice(idxOf, 1);
        this.done.delete(a);
        this.dropped(
          a,
          'ignored-by-source',
          `no CPUPOOL[${a.value.trim()}] within NUM_CPUPOOLS, so ImageBuilder assigns no pool`,
        );
      } else d.cpupool = name;
    });
    return out;
  }

  private leftovers(): void {
    const known = knownVariableNames();
    const numDomus = readCount(this.val('NUM_DOMUS') ?? '0', 64);
    for (const v of this.parsed.variables.values()) {
      for (const [index, a] of v.elements) {
        if (this.done.has(a)) continue;
        const rule = GLOBAL_VARIABLES[v.name] ?? GLOBAL_ARRAYS[v.name]?.rule ?? DOMAIN_VARIABLES[v.name];
        const isDomain =
          v.name.startsWith(DOMAIN_PREFIX) && (BY_IB_NAME.has(v.name) || DOMAIN_VARIABLES[v.name]);
        if (isDomain) {
          const n = Number(index.split(',')[0]);
          if (numDomus.ok && n >= numDomus.value) {
            this.dropped(
              a,
              'ignored-by-source',
              `index ${n} is past NUM_DOMUS=${numDomus.value}; ImageBuilder ignores it`,
            );
            continue;
          }
        }
        if (GLOBAL_ARRAYS[v.name] && rule?.kind === 'mapped') {
          this.dropped(
            a,
            'ignored-by-source',
            `index ${index} is past ${GLOBAL_ARRAYS[v.name]!.count}; ImageBuilder ignores it`,
          );
          continue;
        }
        if (rule?.kind === 'dropped') {
          this.dropped(a, rule);
          continue;
        }
        if (rule) {
          // A known variable whose value made no difference (e.g. an empty one, which ImageBuilder treats as unset).
          this.mapped(a, [], a.value === '' ? 'empty: ImageBuilder treats it as unset' : undefined);
          continue;
        }
        const near = known
          .map((k) => ({ k, d: editDistance(k, v.name) }))
          .filter((x) => x.d <= 2)
          .sort((x, y) => x.d - y.d)[0];
        const e = {
          source: this.key(a),
          at: this.span(a),
          reason: 'unknown' as const,
          message: 'ImageBuilder reads no variable of this name',
          ...(near ? { hint: `did you mean ${near.k}?` } : {}),
        };
        this.done.add(a);
        this.report.dropped.push(e);
      }
    }
  }
}

/** The root= device ImageBuilder derives from a LOAD_CMD like "load mmc 0:1" (find_root_dev). */
function rootDevice(loadCmd: string): string | undefined {
  const m = /(\S+)\s+(\d+):(\d+)\s*$/.exec(loadCmd.trim());
  if (!m) return undefined;
  const dev = Number(m[2]);
  const part = Number(m[3]) + 1;
  if (/mmc/.test(loadCmd)) return `/dev/mmcblk${dev}p${part}`;
  if (/scsi/.test(loadCmd)) return `/dev/sd${String.fromCharCode(97 + dev)}${part}`;
  return undefined;
}

function orderKeys(o: Record<string, unknown>, first: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of first) if (o[k] !== undefined) out[k] = o[k];
  for (const [k, v] of Object.entries(o)) if (!(k in out) && v !== undefined) out[k] = v;
  return out;
}
