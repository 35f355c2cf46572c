// The library entry point: run svcplane inside another Node program (for example in its tests).
export { createServer, type Svcplane } from './server.js';
export { defaults, resolveOptions, ConfigError, type SvcplaneOptions } from './config.js';
export type { Service, ServiceList, ServicePort, ServiceSpec, ServiceStatus } from './model/service.js';
export type { Namespace } from './model/namespace.js';
export type { Status } from './model/meta.js';
export type { Event, EventList, ObjectReference } from './model/event.js';
