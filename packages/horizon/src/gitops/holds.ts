import { isSeq, parseDocument } from "yaml";
import { z } from "zod";
import { InputError } from "../errors.js";

/** Holds live at the root of the manifests repository, so every clone and every CI run sees them. */
export const HOLDS_FILE = "holds.yaml";

const HoldSchema = z.object({
  environment: z.string().min(1),
  service: z.string().min(1),
  image: z.string().min(1),
  reason: z.string().default(""),
  since: z.string().default(""),
});
export type Hold = z.infer<typeof HoldSchema>;

const HoldsFileSchema = z.object({ holds: z.array(HoldSchema).nullish() }).nullish();

const HEADER = [
  "# Images that must not be deployed again, per environment and service.",
  "# `horizon release rollback` adds a hold; `horizon release unhold` lifts it.",
  "holds: []",
  "",
].join("\n");

export function parseHolds(source: string | undefined): Hold[] {
  if (source === undefined) return [];
  const doc = parseDocument(source, { prettyErrors: true });
  const [error] = doc.errors;
  if (error) throw new InputError(`${HOLDS_FILE} is not valid YAML: ${error.message.split("\n")[0] ?? ""}`);
  const parsed = HoldsFileSchema.safeParse(doc.toJS());
  if (!parsed.success) throw new InputError(`${HOLDS_FILE} is malformed: ${z.prettifyError(parsed.error)}`);
  return parsed.data?.holds ?? [];
}

export function findHold(holds: readonly Hold[], environment: string, service: string, image: string): Hold | undefined {
  return holds.find((h) => h.environment === environment && h.service === service && h.image === image);
}

/** The holds file with `hold` added (comments kept). A hold that already exists is not added twice. */
export function addHold(source: string | undefined, hold: Hold): string {
  const text = source ?? HEADER;
  if (findHold(parseHolds(text), hold.environment, hold.service, hold.image)) return text;
  const doc = parseDocument(text);
  let seq = doc.get("holds", true);
  if (!isSeq(seq)) {
    doc.set("holds", doc.createNode([]));
    seq = doc.get("holds", true);
  }
  if (!isSeq(seq)) throw new InputError(`${HOLDS_FILE}: holds is not a list`);
  seq.flow = false;
  seq.add(doc.createNode(hold));
  return doc.toString({ lineWidth: 0 });
}

/** The holds file without the holds that `matches` selects, and which were removed. */
export function removeHolds(source: string | undefined, matches: (hold: Hold) => boolean): { text: string; removed: Hold[] } {
  const holds = parseHolds(source);
  const removed = holds.filter(matches);
  if (source === undefined || removed.length === 0) return { text: source ?? "", removed };
  const doc = parseDocument(source);
  const seq = doc.get("holds", true);
  if (isSeq(seq)) {
    for (let i = holds.length - 1; i >= 0; i--) if (matches(holds[i])) seq.delete(i);
    if (seq.items.length === 0) seq.flow = true;
  }
  return { text: doc.toString({ lineWidth: 0 }), removed };
}
