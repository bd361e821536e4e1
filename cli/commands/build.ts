import type { CommandSpec } from '../command.js';

export const buildCommand: CommandSpec = {
  command: 'build <config>',
  describe:
    'Write the boot files. Arm: system.dtb, chosen.dtsi/.dtbo, boot.source/.scr, boot.itb, createdomain.bin, xl/<domain>.cfg, plan.json. x86_64: grub.cfg, xen.cfg, createdomain.bin, xl/<domain>.cfg, plan.json',
  builder: (y) =>
    y
      .positional('config', { type: 'string', describe: 'System config (YAML)', demandOption: true })
      .option('o', {
        alias: 'out',
        type: 'string',
        describe:
          'Output folder, replaced as a whole: it must be new, empty or an earlier dombuild output (marked by its .dombuild-output file)',
        demandOption: true,
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe:
          'Replace the output folder even if dombuild did not write it, deleting what is in it (never the current folder, home or a folder holding the config)',
      })
      .option('board', {
        type: 'string',
        describe: 'Board name[:ram=2G,cpus=4,gic=2] or board YAML; overrides the config',
      })
      .option('board-dtb', { type: 'string', describe: "Use this DTB as the board's device tree" })
      .option('only', {
        type: 'string',
        describe:
          "Comma-separated outputs (plan.json is always written). Arm: dtb (system.dtb, chosen.dtsi/.dtbo), uboot (boot.source/.scr), fit (boot.itb), blob (createdomain.bin), xl (xl/<domain>.cfg and the probe images they name), disk (disk.img: partition table and FAT boot partition for U-Boot), efi (efi.img: GPT and EFI system partition for boot.method efi); default all five, boot.itb only when every image is on disk, disk.img when the config has media:, efi.img with boot.method efi. x86_64: x86 (grub.cfg, xen.cfg), blob, xl, hyperlaunch; default x86,blob,xl. Another arch's output is a usage error",
      })
      .option('hyperlaunch', {
        type: 'boolean',
        describe:
          'x86_64, EXPERIMENTAL: also write hyperlaunch.dts/.dtb, the proposed x86 boot-domain tree (unmerged Xen patches; no Xen release reads it). Same as adding hyperlaunch to --only',
      })
      .option('validate', {
        type: 'boolean',
        default: true,
        describe:
          'FOR TESTS: --no-validate reports the checks as warnings and writes the outputs anyway (a tree real Xen may refuse)',
      })
      .option('dynamic', {
        type: 'boolean',
        describe: 'The script computes sizes and addresses at boot from the loaded files (setexpr)',
      }),
  run: async (args, io) => {
    await (await import('./build.output.js')).checkOutput(args, io, String(args.config));
    return (await import('./build.run.js')).runBuild(args, io);
  },
};
