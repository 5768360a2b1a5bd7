export * from './coordination-store.port.js';
export * from './fenced-lease.js';
export * from './fleet-roster.js';
// The port and the lease only: the adapters are their own entry points (#fleet/sqlite, #fleet/esdb), chosen by the app.
