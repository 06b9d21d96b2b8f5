import type { DomainEvent } from "@blessed-horizon/contracts";
import type { SqlQueryable } from "@blessed-horizon/service-kit";

/** What queries take: the database, or a transaction (also the one `processOnce` opens). */
export type Queryable = SqlQueryable;

/** Records an event in the same transaction as the change that caused it (the kit's `writeOutbox`). */
export type WriteEvent = (tx: Queryable, event: DomainEvent) => Promise<void>;
