import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppendReport, CommandObserver, CommandReport } from '#application';
import type { LedgerStatus } from './ledger-status.js';

/** Appends are fsynced (SQLite) or acknowledged by a server (EventStoreDB): from half a millisecond to seconds. */
const APPEND_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The API's Prometheus metrics, in a registry of its own (several apps may
 * run in one process, as the tests do). Command counters and latencies are
 * fed by the write side through the CommandObserver port; gauges for the
 * store, projections and relay are refreshed from a status snapshot on each
 * scrape; process metrics are prom-client's defaults.
 */
export class LedgerMetrics implements CommandObserver {
  readonly registry = new Registry();

  private readonly commands = new Counter({
    name: 'ledger_commands_total',
    help: 'Commands handled, by command type and outcome (created, replayed, refused, failed); code is the refusal code',
    labelNames: ['command', 'outcome', 'code'] as const,
    registers: [this.registry],
  });
  private readonly commandDuration = new Histogram({
    name: 'ledger_command_duration_seconds',
    help: 'Time from loading the stream to the answer, per command type and outcome',
    labelNames: ['command', 'outcome'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  private readonly appendDuration = new Histogram({
    name: 'ledger_event_store_append_duration_seconds',
    help: 'Latency of appends to the event store as a command sees it (group commit and fsync included), by result',
    labelNames: ['result'] as const,
    buckets: APPEND_BUCKETS,
    registers: [this.registry],
  });
  private readonly appendedEvents = new Counter({
    name: 'ledger_events_appended_total',
    help: 'Events appended by this process',
    registers: [this.registry],
  });
  private readonly httpRequests = new Counter({
    name: 'ledger_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'ledger_http_request_duration_seconds',
    help: 'HTTP request duration, by method and route template',
    labelNames: ['method', 'route'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  private readonly storeUp = gauge(this.registry, 'ledger_event_store_up', '1 when the event store answered the last scrape, else 0');
  private readonly storeHead = gauge(this.registry, 'ledger_event_store_head_position', 'Global position of the last event in the store');
  private readonly projectionCheckpoint = gauge(
    this.registry,
    'ledger_projection_checkpoint_position',
    'Position up to which a projection has applied the log',
    ['projection'],
  );
  private readonly projectionLag = gauge(
    this.registry,
    'ledger_projection_lag_positions',
    'Store head minus the projection checkpoint, in log positions',
    ['projection'],
  );
  private readonly projectionLagSeconds = gauge(
    this.registry,
    'ledger_projection_lag_seconds',
    'Age of the oldest event a projection has not applied yet; 0 when caught up',
    ['projection'],
  );
  private readonly projectionParked = gauge(
    this.registry,
    'ledger_projection_parked_events',
    'Events a projection could not apply and parked; above 0 its read models are degraded',
    ['projection'],
  );
  private readonly relayEnabled = gauge(
    this.registry,
    'ledger_kafka_relay_enabled',
    '1 when KAFKA_BROKERS is set and this process has the relay role (leads or stands by)',
  );
  /** Only registered when the relay runs: no zeros that look like a healthy relay. */
  private readonly relay: RelayGauges | null;
  /** `instanceId`: every series carries it as the `instance_id` label, so a fleet's scrapes tell its processes apart. */
  constructor(options: { readonly relayEnabled: boolean; readonly instanceId: string }) {
    this.registry.setDefaultLabels({ instance_id: options.instanceId });
    collectDefaultMetrics({ register: this.registry });
    this.relay = options.relayEnabled
      ? {
          up: gauge(this.registry, 'ledger_kafka_relay_up', '1 when the relay is not failing and, if it leads, connected to Kafka'),
          leader: gauge(this.registry, 'ledger_kafka_relay_leader', '1 when this process holds the relay lease and publishes'),
          checkpoint: gauge(
            this.registry,
            'ledger_kafka_relay_checkpoint_position',
            "Position up to which the fleet's relay has published the log (the shared checkpoint)",
          ),
          lag: gauge(this.registry, 'ledger_kafka_relay_lag_positions', 'Store head minus the shared relay checkpoint, in log positions'),
          lagSeconds: gauge(
            this.registry,
            'ledger_kafka_relay_lag_seconds',
            'Age of the oldest event the relay has not published yet; 0 when caught up',
          ),
          published: gauge(
            this.registry,
            'ledger_kafka_relay_published_events',
            'Events this process has published since it started (0 on a standby)',
          ),
        }
      : null;
  }

  commandHandled(report: CommandReport): void {
    this.commands.inc({ command: report.command, outcome: report.outcome, code: report.code ?? '' });
    this.commandDuration.observe({ command: report.command, outcome: report.outcome }, report.durationSeconds);
  }

  eventsAppended(report: AppendReport): void {
    this.appendDuration.observe({ result: report.result }, report.durationSeconds);
    if (report.result === 'appended') this.appendedEvents.inc(report.events);
  }

  /**
   * One answered HTTP request; `route` is the route template (`/projects/:projectId`), never the raw URL,
   * so ids do not multiply series.
   */
  requestAnswered(method: string, route: string, status: number, durationSeconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpDuration.observe({ method, route }, durationSeconds);
  }

  /** The Prometheus text exposition, with the ledger gauges set from `status`. */
  async exposition(status: LedgerStatus): Promise<string> {
    this.storeUp.set(status.store.reachable ? 1 : 0);
    if (status.store.head !== null) this.storeHead.set(status.store.head);
    for (const projection of status.projections ?? []) {
      const labels = { projection: projection.name };
      this.projectionCheckpoint.set(labels, projection.checkpoint);
      this.projectionLag.set(labels, projection.lag);
      this.projectionLagSeconds.set(labels, projection.lagSeconds);
      this.projectionParked.set(labels, projection.parked);
    }
    this.relayEnabled.set(status.relay ? 1 : 0);
    if (status.relay && this.relay) {
      this.relay.up.set(status.relay.lastError === null && (status.relay.connected || !status.relay.leader) ? 1 : 0);
      this.relay.leader.set(status.relay.leader ? 1 : 0);
      this.relay.checkpoint.set(status.relay.checkpoint);
      this.relay.published.set(status.relay.published);
      if (status.relay.lag !== null) this.relay.lag.set(status.relay.lag);
      if (status.relay.lagSeconds !== null) this.relay.lagSeconds.set(status.relay.lagSeconds);
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

interface RelayGauges {
  readonly up: Gauge<string>;
  readonly leader: Gauge<string>;
  readonly checkpoint: Gauge<string>;
  readonly lag: Gauge<string>;
  readonly lagSeconds: Gauge<string>;
  readonly published: Gauge<string>;
}

function gauge(registry: Registry, name: string, help: string, labelNames: string[] = []): Gauge<string> {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}
