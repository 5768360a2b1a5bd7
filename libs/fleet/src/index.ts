export * from './coordination-store.port.js';
export * from './fenced-lease.js';
// The port and the lease only: the adapters are their own entry points (#fleet/sqlite, #fleet/esdb), chosen by the app.
