import type { DomainEvent } from "@blessed-horizon/contracts";

/** The one thing the queries need: a pool, a client or a transaction. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** Runs `fn` in one transaction: all of its writes, or none. */
export interface Transactor extends Queryable {
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

/** Records an event in the same transaction as the change that caused it (the outbox). */
export type WriteEvent = (tx: Queryable, event: DomainEvent) => Promise<void>;
