// What cannot be expressed in an x86 boot file: a typed error naming the value that cannot.
export type X86ErrorCode =
  | 'CONTROL_CHARACTER' // newline or other control character in a path or command line
  | 'EFI_COMMENT' // '#' in a xen.cfg value: Xen's EFI loader reads it as a comment
  | 'EFI_SPACE_IN_PATH' // xen.cfg's kernel= takes the file name up to the first space
  | 'QEMU_SPACE_IN_PATH' // QEMU's -initrd splits a module's file name from its arguments at a space
  | 'NO_XEN_IMAGE'; // the QEMU command needs Xen's file

export class X86Error extends Error {
  override name = 'X86Error';
  constructor(
    readonly code: X86ErrorCode,
    message: string,
    /** Which value: 'xen.cmdline', 'kernel path', ... */
    readonly where: string,
  ) {
    super(message);
  }
}
