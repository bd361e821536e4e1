// DTS sources that exercise the source language, each compiled by dtc 1.6.1 and by us. `symbols`
// cases are also compiled with -@. `files` are extra files next to the main one (for /include/
// and /incbin/). `invalid` cases must be rejected by both; `code` is our error code, and the
// line:col we report must be where dtc's message starts.

export interface CorpusCase {
  name: string;
  dts: string;
  symbols?: boolean;
  files?: Record<string, string>;
  /** Why `dtc -I dts -O dts` prints this source differently from printDts(parseDts(...)). */
  dtsOutDiffers?: string;
}

export interface InvalidCase {
  name: string;
  dts: string;
  code: string;
  /** dtc dies without a position here (its "FATAL ERROR"s); otherwise our line:col must be dtc's. */
  noDtcPos?: boolean;
  files?: Record<string, string>;
}

const H = '/dts-v1/;\n';
const wide = Array.from({ length: 16 }, (_, i) => ` k${i} { };`).join('\n');

export const validCases: CorpusCase[] = [
  { name: 'empty root', dts: `${H}/ { };` },
  {
    name: 'basic properties',
    dts: `${H}/ {
  model = "acme,board";
  compatible = "acme,board", "acme,soc";
  #address-cells = <2>;
  #size-cells = <0x2>;
  empty-prop;
  memory@40000000 { device_type = "memory"; reg = <0x0 0x40000000 0x0 0x80000000>; };
};`,
  },
  {
    name: 'memreserve with labels',
    dts: `${H}r1: /memreserve/ 0x10000000 0x4000;\nr2: r3: /memreserve/ 0x20000000 0x100000;\n/memreserve/ (0x1 << 33) (1024 * 4);\n/ { };`,
  },
  {
    name: 'cells of every width',
    dts: `${H}/ {
  a = /bits/ 8 <0x12 0x34 255 'a'>;
  b = /bits/ 16 <0x1234 0xffff (-1)>;
  c = /bits/ 32 <0xdeadbeef (-2) 0>;
  d = /bits/ 64 <0x123456789abcdef0 (-1) 1>;
  e = <>;
  f = /bits/ 8 <>;
  g = <1ULL 2U 3L 4UL 5LL 017 0X1F>;
};`,
  },
  {
    name: 'integer expressions with C precedence',
    dts: `${H}/ {
  p = <(1 + 2 * 3) (10 - 4 - 3) (100 / 7) (100 % 7) (1 << 4 >> 2) (0xf0 & 0x3c | 0x1 ^ 0x3)>;
  q = <(~0) (!0) (!5) (-1) (1 && 0) (1 || 0) (2 > 1) (2 < 1) (2 >= 2) (2 <= 1) (3 == 3) (3 != 3)>;
  r = <(1 ? 2 : 3) (0 ? 2 : 0 ? 4 : 5) ((((7)))) ('a' + 1) ('\\n') ('\\x41') ('\\101') ('\\'')>;
  s = /bits/ 64 <(1 << 63) (1 << 64) (0xffffffffffffffff + 2) (0 - 1) (5 / 2 * 2)>;
  t = <(1 < 2 == 1) (6 & 3 == 2) (-(-3)) (~~5)>;
};`,
  },
  {
    name: 'strings with escapes',
    dtsOutDiffers: 'dtc prints non-ASCII bytes sign-extended (\\xffffffe2); our printer prints \\xe2',
    dts: `${H}/ {
  a = "tab\\there", "nl\\n", "quote\\"q", "back\\\\slash";
  b = "hex\\x41\\x4a\\x7", "oct\\101\\1\\0011", "other\\q\\a\\b\\v\\f\\r";
  c = "";
  d = "multi
line";
  e = "utf8 ✓";
};`,
  },
  {
    name: 'byte strings and mixed values',
    dtsOutDiffers: 'a value mixing strings, cells and bytes has no single ValueHint, so it prints as guessed',
    dts: `${H}/ {
  a = [00 11 22 33 aA Bb];
  b = [];
  c = [0011 2233];
  mixed = "str", <1 2>, [ab cd], /bits/ 16 <3>, "end";
};`,
  },
  {
    name: 'labels everywhere',
    dtsOutDiffers: 'labels inside values are not kept in the Tree model',
    symbols: true,
    dts: `${H}/ {
  l1: l2: node@1 {
    reg = <1>;
    pl: p = vs: "a", vm: <va: 1 vb: 2 vc:> ve:, [vd: 01 vf: 02 vg:];
  };
  l3: other { };
};`,
  },
  {
    name: 'phandle references and allocation order',
    symbols: true,
    dts: `${H}/ {
  intc: interrupt-controller { #interrupt-cells = <1>; };
  clk: clock { #clock-cells = <0>; };
  dev { interrupt-parent = <&intc>; clocks = <&clk &{/clock}>; other = <&{/dev2}>; };
  dev2 { x = <&dev2_self>; };
  dev3: dev3 { y = <&clk>; };
};
&{/dev2} { dev2_self: inner { }; };`,
  },
  {
    name: 'explicit phandles are avoided by allocation',
    dts: `${H}/ {
  a { phandle = <1>; };
  b { linux,phandle = <3>; };
  c: c { };
  d: d { };
  e: e { phandle = <&e>; };
  f: f { linux,phandle = <&f>; };
  u { refs = <&c &d &{/a} &e &f>; };
};`,
  },
  {
    name: 'path references outside cells',
    dtsOutDiffers:
      'dtc prints a path reference with an extra space; references are not kept in the Tree model',
    dts: `${H}/ {
  aliases { serial0 = &uart; root = &{/}; soc = &{/soc}; };
  chosen { stdout-path = &uart, "extra", &{/soc/uart@1000}; };
  soc { uart: uart@1000 { reg = <0x1000>; }; };
};`,
  },
  {
    name: 'node merging by path, label and repeated root',
    symbols: true,
    dts: `${H}/ {
  soc { uart: serial@1 { status = "disabled"; reg = <1>; }; };
};
/ { soc { serial@1 { status = "okay"; clock = <10>; }; extra { }; }; };
&uart { newprop; l9: sub { }; };
&{/soc/extra} { added = "yes"; };
x1: &{/soc} { more; };
x2: &uart { };`,
  },
  {
    name: 'deleting properties and nodes',
    symbols: true,
    dts: `${H}/ {
  a = <1>; b = <2>; c = <3>;
  keep: n1 { x; y; sub { }; };
  gone: n2 { z; };
  n3 { w; };
};
/ { /delete-property/ b; /delete-node/ n3; n1 { /delete-property/ x; /delete-node/ sub; }; };
/delete-node/ &gone;
/ { b = <22>; n3 { again; }; };
/delete-node/ &{/n1};
/ { n1 { revived; }; };`,
  },
  {
    name: 'delete-property in the same block keeps the property',
    dts: `${H}/ { a = <1>; /delete-property/ a; b; };`,
  },
  {
    name: 'omit-if-no-ref',
    dts: `${H}/ {
  /omit-if-no-ref/ unused { };
  /omit-if-no-ref/ used: used { };
  pinctrl { p1: pins1 { }; p2: pins2 { }; p3: pins3 { }; };
  dev { pinctrl-0 = <&used>; path = &p3; };
};
/omit-if-no-ref/ &p1;
/omit-if-no-ref/ &p3;`,
  },
  {
    name: 'omit-if-no-ref keeps labelled nodes under -@',
    symbols: true,
    dts: `${H}/ { /omit-if-no-ref/ l: unused { }; /omit-if-no-ref/ gone { }; };`,
  },
  {
    name: 'includes and comments',
    files: {
      'inc/common.dtsi': '/* shared */ / { common = "yes"; soc { }; };\n/include/ "more.dtsi"\n',
      'inc/more.dtsi': '// nested\n&{/soc} { nested; };\n',
    },
    dts: `/dts-v1/; // header\n/* block\n comment */\n/include/ "inc/common.dtsi"\n/ { own; /* inline */ x = <1 /* in cells */ 2>; };`,
  },
  {
    name: 'cpp line markers',
    dts: `# 1 "board.dts"\n# 1 "<built-in>" 1\n#line 7 "x.dtsi"\n/dts-v1/;\n/ { a; };`,
  },
  {
    name: 'boot cpu from /cpus',
    dts: `${H}/ { cpus { #address-cells = <1>; #size-cells = <0>; cpu@3 { reg = <3>; }; cpu@0 { reg = <0>; }; }; };`,
  },
  {
    name: 'name property matching the node is dropped',
    dts: `${H}/ { node@10 { name = "node"; reg = <0x10>; }; };`,
  },
  {
    name: 'escaped names and odd characters',
    dts: `${H}/ { \\model = "x"; #a,b+c.d_e-f?g* = <1>; 1node-name,x_y+z.w@1,2 { }; node { \\delete-me; }; };`,
  },
  {
    name: 'multiple dts-v1 headers',
    dts: `${H}${H}/ { };`,
  },
  {
    name: 'label on a deleted then revived node still allocates a phandle under -@',
    symbols: true,
    dts: `${H}/ { l: n { }; m: k { }; };\n/delete-node/ &l;\n/ { n { p; }; };`,
  },
  {
    name: 'incbin',
    dtsOutDiffers: 'dtc -O dts resolves /incbin/ against the working directory only',
    files: { 'blob.bin': 'ABCDEFGH' },
    dts: `${H}/ { all = /incbin/("blob.bin"); part = /incbin/("blob.bin", 2, 3); mix = "x", /incbin/("blob.bin", 6, 100); };`,
  },
  {
    name: 'overlay with label and path targets',
    dtsOutDiffers: 'a value of several <...> groups has no single ValueHint',
    symbols: true,
    dts: `/dts-v1/;\n/plugin/;\n&base_uart { status = "okay"; local: child { ref = <&local &base_clk>; }; };\n&{/soc/bus} { dev { clocks = <&base_clk 1>, <&local>; }; };\n&base_uart { second; };`,
  },
  {
    name: 'overlay with explicit fragments',
    symbols: true,
    dts: `/dts-v1/;\n/plugin/;\n/ { fragment@0 { target = <&foo>; __overlay__ { x = <&bar>; }; }; fragment@1 { target-path = "/"; __overlay__ { l: n { }; }; }; };`,
  },
  {
    name: 'overlay merging into its own labelled node',
    dts: `/dts-v1/;\n/plugin/;\n/ { mine: m { }; };\n&mine { merged; };\n&other { p = <&mine>; };`,
  },
  {
    name: 'overlay starting with a reference',
    dts: `/dts-v1/;\n/plugin/;\n&a { };\n&{/b} { };\n&a { c; };`,
  },
];

export const invalidCases: InvalidCase[] = [
  { name: 'no header', dts: '/ { };', code: 'SYNTAX' },
  { name: 'missing semicolon', dts: `${H}/ { a = <1> };`, code: 'SYNTAX' },
  { name: 'property after subnode', dts: `${H}/ { n { }; a; };`, code: 'SYNTAX' },
  { name: 'bad /bits/', dts: `${H}/ { a = /bits/ 7 <1>; };`, code: 'VALUE' },
  { name: 'value too big for 8 bits', dts: `${H}/ { a = /bits/ 8 <256>; };`, code: 'VALUE' },
  { name: 'value too big for 32 bits', dts: `${H}/ { a = <0x100000000>; };`, code: 'VALUE' },
  { name: 'reference in 16-bit array', dts: `${H}/ { l: n { }; a = /bits/ 16 <&l>; };`, code: 'VALUE' },
  { name: 'division by zero', dts: `${H}/ { a = <(1 / 0)>; };`, code: 'VALUE' },
  { name: 'modulo by zero', dts: `${H}/ { a = <(1 % (2 - 2))>; };`, code: 'VALUE' },
  { name: 'bad octal literal', dts: `${H}/ { a = <08>; };`, code: 'LEX' },
  { name: 'literal out of range', dts: `${H}/ { a = /bits/ 64 <0x10000000000000000>; };`, code: 'LEX' },
  { name: 'empty char literal', dts: `${H}/ { a = <''>; };`, code: 'LEX' },
  { name: 'long char literal', dts: `${H}/ { a = <'ab'>; };`, code: 'LEX' },
  { name: 'missing label', dts: `${H}/ { a = <&nope>; };`, code: 'REF' },
  { name: 'missing path', dts: `${H}/ { a = &{/nope}; };`, code: 'REF' },
  { name: 'override of missing label', dts: `${H}/ { };\n&nope { };`, code: 'REF' },
  { name: 'delete of missing label', dts: `${H}/ { };\n/delete-node/ &nope;`, code: 'REF' },
  { name: 'reference first without plugin', dts: `${H}&a { };`, code: 'REF' },
  { name: 'duplicate label', dts: `${H}/ { l: a { }; l: b { }; };`, code: 'DUPLICATE' },
  { name: 'duplicate label on property and node', dts: `${H}/ { l: p; l: b { }; };`, code: 'DUPLICATE' },
  { name: 'duplicate node name', dts: `${H}/ { a { }; a { }; };`, code: 'DUPLICATE' },
  // More than 16 children: the check finds duplicates by name; dtc's first pair must still win.
  {
    name: 'duplicate node names in a wide node',
    dts: `${H}/ {\n${wide}\n a { };\n b { };\n b { };\n a { };\n};`,
    code: 'DUPLICATE',
  },
  {
    name: 'duplicate node names in a wide node, first one deleted',
    dts: `${H}/ {\n${wide}\n /delete-node/ a;\n b { };\n a { };\n b { };\n};`,
    code: 'DUPLICATE',
  },
  {
    name: 'duplicate node name in a wide node, the later one deleted',
    dts: `${H}/ {\n${wide}\n a { };\n b { };\n /delete-node/ a;\n};`,
    code: 'DUPLICATE',
  },
  { name: 'duplicate property name', dts: `${H}/ { p = <1>; p = <2>; };`, code: 'DUPLICATE' },
  { name: 'delete-node in the defining block', dts: `${H}/ { b { }; /delete-node/ b; };`, code: 'DUPLICATE' },
  { name: 'bad node name character', dts: `${H}/ { a#b { }; };`, code: 'NAME' },
  { name: 'two @ in node name', dts: `${H}/ { a@1@2 { }; };`, code: 'NAME' },
  { name: 'bad property name character', dts: `${H}/ { a@b; };`, code: 'NAME' },
  { name: 'wrong name property', dts: `${H}/ { n { name = "m"; }; };`, code: 'VALUE' },
  { name: 'name property not a string', dts: `${H}/ { n { name = <1>; }; };`, code: 'VALUE' },
  { name: 'zero phandle', dts: `${H}/ { n { phandle = <0>; }; };`, code: 'PHANDLE' },
  {
    name: 'duplicated phandle',
    dts: `${H}/ { n { phandle = <1>; }; m { phandle = <1>; }; };`,
    code: 'PHANDLE',
  },
  { name: 'phandle of another node', dts: `${H}/ { l: n { }; m { phandle = <&l>; }; };`, code: 'PHANDLE' },
  { name: 'long phandle', dts: `${H}/ { n { phandle = <1 2>; }; };`, code: 'PHANDLE' },
  {
    name: 'mismatched phandles',
    dts: `${H}/ { n { phandle = <1>; linux,phandle = <2>; }; };`,
    code: 'PHANDLE',
  },
  { name: 'unterminated string', dts: `${H}/ { a = "abc; };`, code: 'SYNTAX' },
  { name: 'unterminated comment', dts: `${H}/ { }; /* x`, code: 'SYNTAX' },
  { name: 'line comment at end of file without newline', dts: `${H}/ { }; // x`, code: 'SYNTAX' },
  { name: 'missing include', dts: `${H}/include/ "nope.dtsi"\n/ { };`, code: 'INCLUDE', noDtcPos: true },
  { name: 'hex escape without digits', dts: `${H}/ { a = "\\xg"; };`, code: 'LEX', noDtcPos: true },
  { name: 'odd byte string', dts: `${H}/ { a = [abc]; };`, code: 'SYNTAX' },
  { name: 'expression outside parentheses', dts: `${H}/ { a = <1 + 2>; };`, code: 'SYNTAX' },
  { name: 'header mismatch', dts: `${H}/dts-v1/;\n/plugin/;\n/ { };`, code: 'SYNTAX' },
  {
    name: 'path reference to missing node in overlay',
    dts: `/dts-v1/;\n/plugin/;\n&a { p = &nope; };`,
    code: 'REF',
  },
  { name: 'nothing after header', dts: `${H}`, code: 'SYNTAX' },
  { name: 'trailing garbage', dts: `${H}/ { }; x`, code: 'SYNTAX' },
];
