/**
 * Exit codes of every horizon command (CONVENTIONS): 0 ok, 1 a gate or check
 * failed, 2 usage or bad input, 3 an external system failed; 130 interrupted.
 */
export const ExitCode = {
  Ok: 0,
  CheckFailed: 1,
  Usage: 2,
  External: 3,
  /** Ctrl-C: the shell's convention, 128 + SIGINT. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Thrown anywhere in a command; only the entry point turns it into an exit code. */
export class ExitError extends Error {
  override readonly name: string = "ExitError";
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bad input from the user: a flag, a file, a value. Exit 2. */
export class InputError extends ExitError {
  override readonly name: string = "InputError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(ExitCode.Usage, message, options);
  }
}

/** A gate or check that ran and failed. Exit 1. */
export class CheckFailedError extends ExitError {
  override readonly name: string = "CheckFailedError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(ExitCode.CheckFailed, message, options);
  }
}

/** git, the network, a child process: something outside failed. Exit 3. */
export class ExternalError extends ExitError {
  override readonly name: string = "ExternalError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(ExitCode.External, message, options);
  }
}
