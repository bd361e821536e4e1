// The EFI system partition for Arm (boot.method: efi). Xen's arm64 Image is also a PE/COFF UEFI
// application, so it goes where UEFI firmware looks on removable media, \EFI\BOOT\BOOTAA64.EFI,
// with its configuration beside it under the same stem (BOOTAA64.cfg: Xen looks for
// <own name>.cfg). That file gives Xen's command line and names the device tree; in the tree
// each module node carries `xen,uefi-binary` (its file name, relative to Xen's folder) and no
// `reg`: Xen's EFI stub loads the files wherever UEFI allocates and writes `reg` itself
// (xen docs/misc/efi.pandoc, "UEFI boot and dom0less on ARM").
import { readDtb, writeDtb } from '../../devicetree/dtb.js';
import type { Node } from '../../devicetree/tree.js';
import { read, value } from '../../devicetree/tree.js';
import type { Diagnostic } from '../../schema/diagnostic.js';
import type { FatEntry } from './layout.js';

/** Where UEFI firmware boots removable media from on arm64 (UEFI spec, "Removable Media Boot Behavior"). */
export const EFI_BOOT_DIR = 'EFI/BOOT';
export const EFI_XEN = `${EFI_BOOT_DIR}/BOOTAA64.EFI`;
export const EFI_XEN_CFG = `${EFI_BOOT_DIR}/BOOTAA64.cfg`;
export const EFI_DTB = 'system.dtb';

export interface EfiModule {
  /** The module node in system.dtb (its path). */
  node: string;
  /** The file's name in the ESP, beside Xen. */
  file: string;
  source: FatEntry['source'];
  configPath?: string;
}

export interface EfiInput {
  /** The finished system.dtb (modules with planned `reg`). */
  systemDtb: Uint8Array;
  xen: FatEntry['source'];
  modules: readonly EfiModule[];
}

/** The ESP's files, or the reasons there are none. */
export function efiPartitionFiles(input: EfiInput): { files?: FatEntry[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const tree = readDtb(input.systemDtb);
  for (const m of input.modules) {
    const node: Node | undefined = tree.lookup(m.node);
    if (!node) {
      diagnostics.push({
        id: 'efi-module-node',
        severity: 'error',
        message: `no module node ${m.node} in system.dtb`,
        path: m.configPath ?? '',
        hint: 'this is a dombuild bug: every planned module has a node',
      });
      continue;
    }
    node.deleteProp('reg');
    node.setProp('xen,uefi-binary', value.string(m.file));
  }
  if (diagnostics.length > 0) return { diagnostics };
  const chosen = tree.lookup('/chosen');
  const args = chosen?.prop('xen,xen-bootargs');
  const options = args ? read.string(args) : '';
  // xen.cfg is read as one ASCII line per value (the efi-xen-cmdline check keeps it so).
  const cfg = ['[global]', 'default=xen', '', '[xen]', `options=${options}`, `dtb=${EFI_DTB}`, ''].join('\n');
  const files: FatEntry[] = [
    { name: EFI_XEN, source: input.xen, configPath: 'xen.image' },
    { name: EFI_XEN_CFG, source: { kind: 'bytes', bytes: new TextEncoder().encode(cfg) } },
    { name: `${EFI_BOOT_DIR}/${EFI_DTB}`, source: { kind: 'bytes', bytes: writeDtb(tree) } },
  ];
  for (const m of input.modules)
    files.push({
      name: `${EFI_BOOT_DIR}/${m.file}`,
      source: m.source,
      ...(m.configPath !== undefined ? { configPath: m.configPath } : {}),
    });
  return { files, diagnostics };
}
