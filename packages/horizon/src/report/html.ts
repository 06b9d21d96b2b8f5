/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string | number | boolean | null | undefined): string {
  return String(value ?? "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** Tagged template that escapes every interpolated value unless it is `raw(...)`. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): RawHtml {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? "");
  });
  return raw(out);
}

export interface RawHtml {
  readonly __html: string;
}

export function raw(text: string): RawHtml {
  return { __html: text };
}

function render(value: unknown): string {
  if (Array.isArray(value)) return value.map(render).join("");
  if (value !== null && typeof value === "object" && "__html" in value) return (value as RawHtml).__html;
  if (typeof value === "string" || typeof value === "number" || value === true) return escapeHtml(value);
  return "";
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  // Round once, then split, so 119.6 s reads "2 min 0 s", never "1 min 60 s".
  const total = Math.round(seconds);
  return `${Math.floor(total / 60)} min ${total % 60} s`;
}
