import { readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";

const SKIP = new Set(["node_modules", ".git", "dist", "coverage", ".data", ".horizon", "reports"]);

/** Files under `dir` (recursively) whose name passes `accept`, as paths relative to `root` with forward slashes, sorted. */
export async function listFiles(root: string, dir: string, accept: (name: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const walk = async (current: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name)) await walk(join(current, entry.name));
      } else if (entry.isFile() && accept(entry.name)) {
        out.push(relative(root, join(current, entry.name)).split(sep).join("/"));
      }
    }
  };
  await walk(join(root, dir));
  return out.sort();
}

export const isYaml = (name: string): boolean => /\.ya?ml$/.test(name);
