import getPort from "get-port";

/**
 * A loopback port that is free right now, for a server a test starts
 * (get-port: a port it returned is not returned again for a while, so
 * parallel callers get different ones).
 */
export function freePort(): Promise<number> {
  return getPort({ host: "127.0.0.1" });
}
