import type { DomainEvent } from "@blessed-horizon/contracts";
import type { Database, Queryable } from "@blessed-horizon/service-kit";

export type { Queryable };

/** Runs a function in one transaction: the kit's `Database`. */
export type Transactor = Pick<Database, "query" | "transaction">;

/** Records an event in the same transaction as the change that caused it (the outbox: the kit's `writeOutbox`). */
export type WriteEvent = (tx: Queryable, event: DomainEvent) => Promise<void>;
