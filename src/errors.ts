// Errors that reach the user as one line and exit status 2 (DESIGN.md "Conventions").

/** Bad input: a file, an instruction or a tree that jitgen cannot use. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/**
 * Bad input located at one BPF instruction:
 * `<file>: insn <n> (<hex>): <what is wrong>`.
 */
export class InsnError extends InputError {
  constructor(
    readonly file: string,
    readonly index: number,
    readonly hex: string,
    readonly what: string,
  ) {
    super(`${file}: insn ${index} (${hex}): ${what}`);
    this.name = 'InsnError';
  }
}

/** Wrong use of the command line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
