/** Longest query string a log line carries; the rest is counted, not logged. */
export const MAX_LOGGED_QUERY_LENGTH = 256;

/**
 * Query parameters whose values never reach the logs (case-insensitive), besides
 * any name ending in "token". Services add their own with `redactQueryParams`.
 */
const REDACTED_QUERY_PARAMS: readonly string[] = [
  "token",
  "access_token",
  "refresh_token",
  "id_token",
  "signature",
  "sig",
  "api_key",
  "apikey",
  "password",
  "secret",
  "client_secret",
  "jwt",
];

const CENSOR = "[REDACTED]";

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll("+", " ")).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/** Pure: a request URL as it may be logged, credentials in its query redacted and the query capped. */
export function loggableUrl(url: string, redacted: ReadonlySet<string>, maxQueryLength = MAX_LOGGED_QUERY_LENGTH): string {
  const start = url.indexOf("?");
  if (start === -1) return url;
  const query = url
    .slice(start + 1)
    .split("&")
    .map((pair) => {
      const equals = pair.indexOf("=");
      const name = equals === -1 ? pair : pair.slice(0, equals);
      const decoded = decodedName(name);
      return redacted.has(decoded) || decoded.endsWith("token") ? `${name}=${CENSOR}` : pair;
    })
    .join("&");
  const capped = query.length > maxQueryLength ? `${query.slice(0, maxQueryLength)}…[${query.length - maxQueryLength} more characters]` : query;
  return `${url.slice(0, start + 1)}${capped}`;
}

/** The redacted names for one service: the kit's and its own, lower-cased. */
export function redactedQueryParams(extra: readonly string[] = []): ReadonlySet<string> {
  return new Set([...REDACTED_QUERY_PARAMS, ...extra].map((name) => name.toLowerCase()));
}
