export type { EventBus, EventHandler, SubscribeOptions, Subscription } from "./bus.js";
export { BusClosedError, InProcessEventBus, type InProcessBusOptions } from "./in-process.js";
export { durableName, NatsEventBus, type NatsBusOptions } from "./nats.js";
export { createEventBus } from "./factory.js";
export { natsSettingsSchema, readNatsSettings, type NatsSettings } from "./settings.js";
export { outboxValues, startOutboxRelay, writeOutbox, type OutboxRelay, type OutboxRelayOptions } from "./outbox.js";
export { processOnce } from "./inbox.js";
export { subscribeDomainEvents, type DomainEventSubscription } from "./subscribe.js";
export type { SqlDatabase, SqlQueryable } from "./sql.js";
