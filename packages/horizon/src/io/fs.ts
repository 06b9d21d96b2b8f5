import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ExternalError, InputError } from "../errors.js";

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory, not a file";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Reads a UTF-8 file the user named. A missing or unreadable file is bad
 * input (exit 2) and the message names the file and what is wrong with it.
 */
export async function readUserFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new InputError(`cannot read ${what} ${path}: ${describeFsError(error)}`, { cause: error });
  }
}

/**
 * Writes a file atomically: a temporary file beside it, then a rename, so a
 * reader never sees half a file and a failed write leaves the old one intact.
 * A path that cannot hold a file (no such folder, a directory in the way) is
 * the user's to fix, exit 2; a write the file system refuses or fails at a
 * good path (permission, read-only, disk full) is an external failure, exit 3.
 */
export async function writeFileAtomic(path: string, content: string, what: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(temporary, content, { encoding: "utf8", flag: "wx" });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    const message = `cannot write ${what} ${path}: ${describeFsError(error)}`;
    const badPath = ["ENOENT", "ENOTDIR", "EISDIR"].includes((error as NodeJS.ErrnoException).code ?? "");
    throw badPath ? new InputError(message, { cause: error }) : new ExternalError(message, { cause: error });
  }
}
