// Jest setup for the "esdb" project: the end-to-end suites run on EventStoreDB (a gRPC double of it).
process.env.E2E_EVENT_STORE = 'esdb';
