import { isIPv4, isIPv6 } from "node:net";
import { parseDuration as parseDurationMs } from "../../core/duration.js";
import { InputError } from "../../errors.js";

/** Whether a URL's host is this machine: localhost, 127.0.0.0/8 or ::1 (by name, without a DNS lookup). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIPv4(host)) return host.startsWith("127.");
  if (isIPv6(host)) return host === "::1" || /^::ffff:127\./.test(host) || host === "0:0:0:0:0:0:0:1";
  return false;
}

/**
 * The URL to load, refusing anything but this machine unless the user says
 * `--allow-remote`: a load test against someone else's server is an attack.
 */
export function parseTarget(raw: string, allowRemote: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new InputError(`--url ${raw}: not a URL (expected e.g. http://127.0.0.1:3000/health)`, { cause: error });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InputError(`--url ${raw}: only http: and https: URLs can be load-tested`);
  }
  if (!allowRemote && !isLoopbackHost(url.hostname)) {
    throw new InputError(`--url ${raw}: ${url.hostname} is not a loopback address; pass --allow-remote to load-test another machine`);
  }
  return url;
}

/**
 * `30s`, `2m`, `500ms` or a bare number of seconds, as seconds, longer than
 * zero. `flag` names the option in the message, so another command's option
 * (e.g. `horizon pipeline --load-duration`) can be checked the same way.
 */
export function parseDuration(raw: string, flag = "--duration"): number {
  // A bare number is seconds; the sign is read so that -5s is told it must be longer than zero, not that it is no duration.
  const ms = parseDurationMs(/^\s*-?\d+(?:\.\d+)?\s*$/.test(raw) ? `${raw.trim()}s` : raw, ["ms", "s", "m"]);
  if (ms === undefined) throw new InputError(`${flag} ${raw}: expected a duration like 30s, 2m or 500ms`);
  if (ms <= 0) throw new InputError(`${flag} ${raw}: must be longer than zero`);
  return ms / 1000;
}

/**
 * A request timeout, in seconds. autocannon refuses one under a second
 * (lib/validate.js) only once the run starts, which read as a failed run
 * (exit 3) rather than a bad option.
 */
export function parseTimeout(raw: string): number {
  const seconds = parseDuration(raw, "--timeout");
  if (seconds < 1) throw new InputError(`--timeout ${raw}: must be at least 1s (autocannon cannot time out sooner)`);
  return seconds;
}

/** A number above zero (a whole one if `integer`); `flag` names the option in the message. */
export function parsePositive(raw: string, flag: string, integer: boolean): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new InputError(`${flag} ${raw}: expected a positive ${integer ? "whole number" : "number"}`);
  }
  return value;
}
