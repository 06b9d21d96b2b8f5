import type { DomainEvent } from "@blessed-horizon/contracts";
import type { Database, EventConsumer } from "@blessed-horizon/service-kit";
import { enqueueIntents } from "../db/notifications.js";
import { CONSUMED_EVENTS, planNotifications } from "../domain/plan.js";

export const CONSUMER = "notification-service";

export interface ConsumerDeps {
  db: Database;
  now?: () => Date;
}

/** Plans and queues the messages of one event, once however often it is delivered. Resolves true if it was new. */
export function handleEvent(deps: ConsumerDeps, event: DomainEvent): Promise<boolean> {
  return enqueueIntents(deps.db, { consumer: CONSUMER, eventId: event.eventId }, planNotifications(event), deps.now?.() ?? new Date());
}

/** Queues the messages of donation and campaign events; `onQueued` hears of each new one (the dispatcher looks now). */
export function notificationConsumer(deps: ConsumerDeps & { onQueued: () => void }): EventConsumer {
  return {
    consumer: CONSUMER,
    types: CONSUMED_EVENTS,
    handle: async (event) => {
      const queued = await handleEvent(deps, event);
      if (queued) deps.onQueued();
      return queued;
    },
  };
}
