export type { EventBus, EventHandler, SubscribeOptions, Subscription } from "./events/bus.js";
