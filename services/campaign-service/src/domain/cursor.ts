/** Keyset pagination position: the last row's (createdAt, id), newest first. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`, "utf8").toString("base64url");
}

/** The cursor, or undefined when `text` is not one we issued. */
export function decodeCursor(text: string): Cursor | undefined {
  const decoded = Buffer.from(text, "base64url").toString("utf8");
  const [iso, id, ...rest] = decoded.split("|");
  if (iso === undefined || id === undefined || rest.length > 0 || !UUID.test(id)) return undefined;
  const createdAt = new Date(iso);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== iso) return undefined;
  return { createdAt, id };
}
