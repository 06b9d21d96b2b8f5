import type { DomainEvent } from "@blessed-horizon/contracts";
import { processOnce, subscribeDomainEvents, type EventBus, type SqlDatabase, type Subscription } from "@blessed-horizon/service-kit";
import type { FastifyBaseLogger } from "fastify";
import { enqueueIntents } from "./db/notifications.js";
import type { WriteEvent } from "./db/types.js";
import { CONSUMED_EVENTS, planNotifications } from "./domain/plan.js";

export const CONSUMER = "notification-service";

export interface ConsumerDeps {
  db: SqlDatabase;
  writeEvent: WriteEvent;
  now?: () => Date;
}

/** Plans and queues the messages of one event, once however often it is delivered. Resolves true if it was new. */
export function handleEvent(deps: ConsumerDeps, event: DomainEvent): Promise<boolean> {
  return processOnce(deps.db, CONSUMER, event, async (tx) => {
    await enqueueIntents(tx, deps.writeEvent, event.eventId, planNotifications(event), deps.now?.() ?? new Date());
  });
}

/** Subscribes to donation and campaign events; an event that breaks its contract is logged and skipped. */
export function subscribeNotificationEvents(bus: EventBus, deps: ConsumerDeps & { log: FastifyBaseLogger; onQueued: () => void }): Promise<Subscription> {
  return subscribeDomainEvents(bus, {
    consumer: CONSUMER,
    types: CONSUMED_EVENTS,
    log: deps.log,
    handle: async (event) => {
      if (await handleEvent(deps, event)) deps.onQueued();
    },
  });
}
