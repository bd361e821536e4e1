// Turns QEMU's serial stream into lines, attributes them to domains and judges expectations.
// Pure and synchronous so it is tested on recorded consoles; runner.ts feeds it the live stream.
//
// Attribution: Xen 4.17 prefixes every guest line with `(XEN) DOMn: `; Xen 4.20 prints the domain
// holding the console focus without a prefix. So a domain is recognised by its own marker text
// (or regex), and the `DOMn:` prefix, when present, is only used to time a domain's first output
// and to refuse a marker printed by another domain.

/** Splits a byte-decoded stream into lines; handles \n, \r\n, a bare \r and partial chunks. */
export class LineSplitter {
  private partial = '';
  private lastWasCR = false;

  push(chunk: string): string[] {
    const out: string[] = [];
    for (const ch of chunk) {
      if (ch === '\n') {
        // The \n of a \r\n pair: the \r already ended the line.
        if (!this.lastWasCR) out.push(this.partial);
        else if (this.partial !== '') out.push(this.partial);
        this.partial = '';
        this.lastWasCR = false;
      } else if (ch === '\r') {
        out.push(this.partial);
        this.partial = '';
        this.lastWasCR = true;
      } else {
        this.partial += ch;
        this.lastWasCR = false;
      }
    }
    return out;
  }

  /** The line being received, not yet terminated (a prompt waiting for input). */
  peek(): string {
    return this.partial;
  }

  /** The unterminated rest (a prompt, or output cut off by the stop). */
  flush(): string[] {
    const rest = this.partial;
    this.partial = '';
    return rest === '' ? [] : [rest];
  }
}

export interface ConsoleLine {
  /** Seconds since QEMU started. */
  t: number;
  /** The line as printed (no line terminator). */
  text: string;
  /** The domain id from a `DOMn:` or `(dn)` prefix, when the line has one. */
  domid?: number;
  /** The text with Xen's `(XEN) [timestamp] DOMn: ` prefixes removed. */
  payload: string;
}

const XEN_PREFIX = /^\(XEN\)\s?(?:\[[^\]]*\]\s?)?(?:DOM(\d+):\s?|\(d(\d+)\)\s?)?/;
const GUEST_PREFIX = /^\(d(\d+)\)\s?/;

export function parseConsoleLine(text: string, t: number): ConsoleLine {
  const m = XEN_PREFIX.exec(text);
  if (m) {
    const id = m[1] ?? m[2];
    const line: ConsoleLine = { t, text, payload: text.slice(m[0].length) };
    if (id !== undefined) line.domid = Number(id);
    return line;
  }
  const g = GUEST_PREFIX.exec(text);
  if (g) return { t, text, domid: Number(g[1]), payload: text.slice(g[0].length) };
  return { t, text, payload: text };
}

export interface Expectation {
  /** The config's domain name (for reports). */
  domain: string;
  /** Text the domain prints (substring) or a regex, matched against the line without Xen's prefix. */
  match: string | RegExp;
  /** Xen's domain id, when known: times first output and rejects another domain's line. */
  domid?: number;
}

export interface DomainResult {
  domain: string;
  met: boolean;
  /** Seconds from QEMU start to the domain's first attributed line (prefixed or matched). */
  secondsToFirstOutput?: number;
  /** Seconds from QEMU start to the matching line. */
  secondsToMet?: number;
  matchedLine?: string;
  /** The regex captures of the match (empty for a text marker). */
  groups?: string[];
}

export interface ConsoleFailure {
  /** Why the boot is judged failed, e.g. Xen's panic message. */
  reason: string;
  /** The domain the failure belongs to, when it is a guest's. */
  domain?: string;
  t: number;
}

/** Xen panics print a star rule, `Panic on CPU n:`, the message lines, then the rule again. */
const XEN_PANIC = /Panic on CPU \d+/;
const STAR_RULE = /^\*{10,}\s*$/;
const GUEST_PANIC = /Kernel panic - not syncing/;
const MAX_PANIC_LINES = 8;
const BUILDING = /^\(XEN\).*\bLoading d(\d+) kernel\b/;

export class ConsoleMonitor {
  private readonly results: DomainResult[];
  private panic: { t: number; lines: string[]; done: boolean } | undefined;
  private failed: ConsoleFailure | undefined;
  /** The domid Xen was constructing last (`Loading dN kernel ...`), to name it in a panic. */
  private building: number | undefined;

  constructor(private readonly expectations: readonly Expectation[]) {
    const names = new Set<string>();
    for (const e of expectations) {
      if (names.has(e.domain)) throw new Error(`two expectations for domain ${e.domain}`);
      names.add(e.domain);
    }
    this.results = expectations.map((e) => ({ domain: e.domain, met: false }));
  }

  /** Feeds one complete line. */
  line(line: ConsoleLine): void {
    const loading = line.domid === undefined ? BUILDING.exec(line.text) : null;
    if (loading) this.building = Number(loading[1]);
    this.watchPanic(line);
    let claimed = false;
    this.expectations.forEach((e, i) => {
      const r = this.results[i] as DomainResult;
      const own = e.domid !== undefined && line.domid === e.domid;
      if (own && r.secondsToFirstOutput === undefined) r.secondsToFirstOutput = line.t;
      if (r.met || claimed) return;
      // A marker printed under another domain's prefix is not this domain coming up.
      if (e.domid !== undefined && line.domid !== undefined && line.domid !== e.domid) return;
      const groups = matchLine(e.match, line.payload);
      if (!groups) return;
      claimed = true;
      r.met = true;
      r.secondsToMet = line.t;
      r.matchedLine = line.text;
      r.groups = groups;
      if (r.secondsToFirstOutput === undefined) r.secondsToFirstOutput = line.t;
    });
    if (!this.failed && GUEST_PANIC.test(line.payload)) {
      const owner = this.expectations.find((e) => e.domid !== undefined && e.domid === line.domid);
      this.failed = { reason: line.payload.trim(), t: line.t };
      if (owner) this.failed.domain = owner.domain;
    }
  }

  private watchPanic(line: ConsoleLine): void {
    if (this.failed) return;
    if (!this.panic) {
      if (XEN_PANIC.test(line.payload)) this.panic = { t: line.t, lines: [], done: false };
      return;
    }
    if (STAR_RULE.test(line.payload) || this.panic.lines.length >= MAX_PANIC_LINES) {
      this.finishPanic();
      return;
    }
    const text = line.payload.trim();
    if (text !== '') this.panic.lines.push(text);
  }

  private finishPanic(): void {
    if (!this.panic || this.failed) return;
    const message = this.panic.lines.join(' / ') || 'Xen panicked (no message)';
    this.failed = { reason: `Xen panic: ${message}`, t: this.panic.t };
    // Xen names the domain in some panics; otherwise it is the one it was loading.
    const m = /Could not set up domain (\S+)/.exec(message);
    const building = this.expectations.find((e) => e.domid !== undefined && e.domid === this.building);
    if (m?.[1]) this.failed.domain = m[1];
    else if (building) this.failed.domain = building.domain;
  }

  /** Every expectation is met (never, with none: such a run lasts until QEMU exits or times out). */
  get allMet(): boolean {
    return this.results.length > 0 && this.results.every((r) => r.met);
  }

  /** A complete failure (a finished panic message, a guest kernel panic). */
  get failure(): ConsoleFailure | undefined {
    return this.failed;
  }

  /** At the end of the run: a panic whose message was cut off still counts. */
  finish(): void {
    if (this.panic && !this.failed) this.finishPanic();
  }

  domainResults(): DomainResult[] {
    return this.results.map((r) => ({ ...r }));
  }
}

function matchLine(match: string | RegExp, payload: string): string[] | undefined {
  if (typeof match === 'string') return payload.includes(match) ? [] : undefined;
  // Stateless: a /g or /y regex would carry lastIndex from one line to the next.
  const re =
    match.global || match.sticky ? new RegExp(match.source, match.flags.replace(/[gy]/g, '')) : match;
  const m = re.exec(payload);
  return m ? m.slice(1).map((g) => g ?? '') : undefined;
}
