import {
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerWritableStream,
  status,
} from '@grpc/grpc-js';
import serverFeaturesGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import serverFeaturesPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import statusPb from '@eventstore/db-client/generated/status_pb.js';
import anyPb from 'google-protobuf/google/protobuf/any_pb.js';
import emptyPb from 'google-protobuf/google/protobuf/empty_pb.js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';

type ReadReq = InstanceType<typeof streamsPb.ReadReq>;
type ReadResp = InstanceType<typeof streamsPb.ReadResp>;
type AppendReq = InstanceType<typeof streamsPb.AppendReq>;
type AppendResp = InstanceType<typeof streamsPb.AppendResp>;
type BatchAppendReq = InstanceType<typeof streamsPb.BatchAppendReq>;
type BatchAppendResp = InstanceType<typeof streamsPb.BatchAppendResp>;

/** What an append asks for, whichever RPC carried it. */
interface AppendRequest {
  readonly streamName: string;
  /** 'any' | 'no_stream' | 'stream_exists' | an exact revision. */
  readonly expected: 'any' | 'no_stream' | 'stream_exists' | number;
  readonly proposed: ReadonlyArray<Pick<StoredEvent, 'id' | 'type' | 'contentType' | 'data' | 'customMetadata'>>;
}

type AppendOutcome = { readonly ok: StoredEvent } | { readonly current: number } | 'corrupted';

interface StoredEvent {
  readonly id: InstanceType<typeof sharedPb.UUID>;
  readonly streamName: string;
  readonly revision: number;
  /** Log position: commit and prepare are equal outside explicit transactions, which gRPC clients cannot open. */
  readonly position: number;
  readonly type: string;
  readonly contentType: string;
  readonly created: bigint;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
}

/**
 * A TEST DOUBLE of an EventStoreDB server: the Streams service's Append,
 * BatchAppend and Read (stream reads, $all reads, filtered $all
 * subscriptions) on the gRPC service definitions shipped in
 * @eventstore/db-client, holding events in memory. By default it answers
 * ServerFeatures as a current server does, advertising BatchAppend, so the
 * client appends through BatchAppend; with `{ serverFeatures: false }` it
 * answers UNIMPLEMENTED, as an older server would, and the client falls back
 * to Append. Other services answer UNIMPLEMENTED.
 *
 * It follows EventStoreDB's documented semantics where the adapter relies on
 * them: 0-based stream revisions; expected revision any / no_stream /
 * stream_exists / exact, failing with WrongExpectedVersion and the current
 * revision; idempotent appends of already-written event ids at the same
 * revisions; $all positions that grow with the log's byte size (not dense,
 * like real log positions), with system events ($-prefixed) at the start of
 * the log; reads past the end are empty; stream_not_found for unknown streams.
 */
export class EsdbDouble {
  private readonly events: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly subscribers = new Set<() => void>();
  private readonly subscriptionCalls = new Set<ServerWritableStream<ReadReq, ReadResp>>();
  /** Which append RPCs the client used, for tests of both client paths. */
  readonly calls = { append: 0, batchAppend: 0 };
  /** Where each $all subscription asked to start (-1: from the start), for tests of resubscription. */
  readonly subscriptionStarts: number[] = [];
  private logEnd = 0;
  private server: Server;
  private port = 0;

  private constructor(private readonly serverFeatures: boolean) {
    this.server = this.newServer();
    // A real server starts with system events in its log; readers must skip them.
    this.write('$settings', [
      { id: uuid(), type: '$settings', contentType: 'application/json', data: Buffer.from('{}'), customMetadata: Buffer.alloc(0) },
    ]);
  }

  /** A gRPC server with the double's services (over this double's data); not yet bound. */
  private newServer(): Server {
    const server = new Server();
    server.addService(streamsGrpc.StreamsService, {
      append: (call: ServerReadableStream<AppendReq, AppendResp>, callback: (error: null, response: AppendResp) => void) =>
        this.append(call, callback),
      read: (call: ServerWritableStream<ReadReq, ReadResp>) => this.read(call),
      batchAppend: (call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>) => this.batchAppend(call),
    });
    if (this.serverFeatures) {
      server.addService(serverFeaturesGrpc.ServerFeaturesService, {
        getSupportedMethods: (
          _call: unknown,
          callback: (error: null, response: InstanceType<typeof serverFeaturesPb.SupportedMethods>) => void,
        ) => {
          const methods = new serverFeaturesPb.SupportedMethods();
          const batchAppend = new serverFeaturesPb.SupportedMethod();
          // The client matches "/<service>/<method>" against the method's gRPC path.
          const [, service, method] = streamsGrpc.StreamsService.batchAppend.path.split('/');
          batchAppend.setServiceName(service);
          batchAppend.setMethodName(method);
          methods.addMethods(batchAppend);
          methods.setEventStoreServerVersion('24.10.0-test-double');
          callback(null, methods);
        },
      });
    }
    return server;
  }

  static async start(options: { serverFeatures?: boolean } = {}): Promise<EsdbDouble> {
    const double = new EsdbDouble(options.serverFeatures ?? true);
    double.port = await bind(double.server, 0);
    return double;
  }

  /**
   * A server restart as clients see it: the gRPC server stops (every connection and call is cut),
   * and a new one serves the same data on the same port.
   */
  async restart(): Promise<void> {
    this.server.forceShutdown();
    this.subscriptionCalls.clear();
    this.server = this.newServer();
    await bind(this.server, this.port);
  }

  get connectionString(): string {
    return `esdb://127.0.0.1:${this.port}?tls=false`;
  }

  /** Ends every open subscription with UNAVAILABLE, as a dropped connection would. */
  dropSubscriptions(): number {
    const dropped = this.subscriptionCalls.size;
    for (const call of this.subscriptionCalls)
      call.emit('error', { code: status.UNAVAILABLE, details: 'connection dropped by the test double' });
    this.subscriptionCalls.clear();
    return dropped;
  }

  async stop(): Promise<void> {
    for (const wake of this.subscribers) wake();
    this.server.forceShutdown();
  }

  private append(call: ServerReadableStream<AppendReq, AppendResp>, callback: (error: null, response: AppendResp) => void): void {
    this.calls.append++;
    let options: InstanceType<typeof streamsPb.AppendReq.Options> | undefined;
    const proposed: InstanceType<typeof streamsPb.AppendReq.ProposedMessage>[] = [];
    call.on('data', (request: AppendReq) => {
      if (request.hasOptions()) options = request.getOptions();
      else if (request.hasProposedMessage())
        proposed.push(request.getProposedMessage() as InstanceType<typeof streamsPb.AppendReq.ProposedMessage>);
    });
    call.on('end', () => {
      if (!options) return callback(null, new streamsPb.AppendResp());
      const Case = streamsPb.AppendReq.Options.ExpectedStreamRevisionCase;
      const expectedCase = options.getExpectedStreamRevisionCase();
      const outcome = this.decideAppend({
        streamName: streamNameOf(options.getStreamIdentifier()),
        expected:
          expectedCase === Case.REVISION
            ? Number(options.getRevision())
            : expectedCase === Case.NO_STREAM
              ? 'no_stream'
              : expectedCase === Case.STREAM_EXISTS
                ? 'stream_exists'
                : 'any',
        proposed: proposed.map(proposal),
      });
      if (outcome === 'corrupted')
        return callback(
          { code: status.FAILED_PRECONDITION, details: 'corrupted idempotency: some of these event ids were written, not all' } as never,
          undefined as never,
        );
      const response = new streamsPb.AppendResp();
      if ('ok' in outcome) {
        response.setSuccess(success(outcome.ok.revision, outcome.ok.position));
      } else {
        const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
        if (outcome.current >= 0) wrong.setCurrentRevision(String(outcome.current));
        else wrong.setCurrentNoStream(new sharedPb.Empty());
        if (expectedCase === Case.REVISION) wrong.setExpectedRevision(options.getRevision());
        else if (expectedCase === Case.NO_STREAM) wrong.setExpectedNoStream(new sharedPb.Empty());
        else wrong.setExpectedStreamExists(new sharedPb.Empty());
        response.setWrongExpectedVersion(wrong);
      }
      callback(null, response);
    });
  }

  /**
   * BatchAppend: one two-way stream carries many appends, each a series of
   * requests under one correlation id (options first), ending with is_final;
   * each is answered by one response with that correlation id. A wrong
   * expected version comes back as a google.rpc.Status whose details pack an
   * event_store.client.WrongExpectedVersion.
   */
  private batchAppend(call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void {
    const pending = new Map<
      string,
      { options?: InstanceType<typeof streamsPb.BatchAppendReq.Options>; proposed: AppendRequest['proposed'][number][] }
    >();
    call.on('data', (request: BatchAppendReq) => {
      const correlation = request.getCorrelationId() as InstanceType<typeof sharedPb.UUID>;
      const key = correlation.getString() || JSON.stringify(correlation.toObject());
      const entry = pending.get(key) ?? { proposed: [] };
      if (request.hasOptions()) entry.options = request.getOptions();
      entry.proposed.push(...request.getProposedMessagesList().map(proposal));
      pending.set(key, entry);
      if (!request.getIsFinal()) return;
      pending.delete(key);
      this.calls.batchAppend++;
      const options = entry.options as InstanceType<typeof streamsPb.BatchAppendReq.Options>;
      const Case = streamsPb.BatchAppendReq.Options.ExpectedStreamPositionCase;
      const expectedCase = options.getExpectedStreamPositionCase();
      const streamName = streamNameOf(options.getStreamIdentifier());
      const outcome = this.decideAppend({
        streamName,
        expected:
          expectedCase === Case.STREAM_POSITION
            ? Number(options.getStreamPosition())
            : expectedCase === Case.NO_STREAM
              ? 'no_stream'
              : expectedCase === Case.STREAM_EXISTS
                ? 'stream_exists'
                : 'any',
        proposed: entry.proposed,
      });
      const response = new streamsPb.BatchAppendResp();
      response.setCorrelationId(correlation);
      response.setStreamIdentifier(options.getStreamIdentifier());
      if (outcome !== 'corrupted' && 'ok' in outcome) {
        const result = new streamsPb.BatchAppendResp.Success();
        result.setCurrentRevision(String(outcome.ok.revision));
        const position = new sharedPb.AllStreamPosition();
        position.setCommitPosition(String(outcome.ok.position));
        position.setPreparePosition(String(outcome.ok.position));
        result.setPosition(position);
        response.setSuccess(result);
      } else {
        const error = new statusPb.Status();
        if (outcome === 'corrupted') {
          error.setCode(9); // google.rpc.Code FAILED_PRECONDITION
          error.setMessage('corrupted idempotency: some of these event ids were written, not all');
        } else {
          const wrong = new sharedPb.WrongExpectedVersion();
          if (outcome.current >= 0) wrong.setCurrentStreamRevision(String(outcome.current));
          else wrong.setCurrentNoStream(new emptyPb.Empty());
          if (expectedCase === Case.STREAM_POSITION) wrong.setExpectedStreamPosition(options.getStreamPosition());
          else if (expectedCase === Case.NO_STREAM) wrong.setExpectedNoStream(new emptyPb.Empty());
          else wrong.setExpectedStreamExists(new emptyPb.Empty());
          const details = new anyPb.Any();
          details.pack(wrong.serializeBinary(), 'event_store.client.WrongExpectedVersion');
          error.setCode(9); // google.rpc.Code FAILED_PRECONDITION
          error.setMessage('wrong expected version');
          error.setDetails(details);
        }
        response.setError(error);
      }
      call.write(response);
    });
    call.on('end', () => call.end());
  }

  /** The server's decision on an append: written, refused for the expected revision, or a corrupted retry. */
  private decideAppend(request: AppendRequest): AppendOutcome {
    const stream = this.streams.get(request.streamName) ?? [];
    const current = stream.length - 1;
    const { expected } = request;
    const retried = this.identicalAppend(
      stream,
      request.proposed,
      typeof expected === 'number' ? expected + 1 : expected === 'no_stream' ? 0 : null,
    );
    if (retried) return retried === 'corrupted' ? 'corrupted' : { ok: retried };
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && current === -1) ||
      (expected === 'stream_exists' && current >= 0) ||
      expected === current;
    return ok ? { ok: this.write(request.streamName, request.proposed) } : { current };
  }

  /**
   * EventStoreDB answers a re-append of event ids already written with the
   * original result: with an exact or no_stream expectation it compares the
   * ids at the revisions the append expected to write; with any it looks
   * them up wherever they are. Some ids written and some not is an error.
   */
  private identicalAppend(
    stream: StoredEvent[],
    proposed: AppendRequest['proposed'],
    expectedFirstRevision: number | null,
  ): StoredEvent | 'corrupted' | null {
    const idOf = (i: number) => proposed[i]?.id.getString();
    const first = expectedFirstRevision ?? stream.findIndex((event) => event.id.getString() === idOf(0));
    if (first < 0 || stream[first]?.id.getString() !== idOf(0)) return null;
    const matching = proposed.filter((_, i) => stream[first + i]?.id.getString() === idOf(i)).length;
    if (matching === proposed.length) return stream[first + proposed.length - 1];
    return 'corrupted';
  }

  private write(streamName: string, proposed: AppendRequest['proposed']): StoredEvent {
    const stream = this.streams.get(streamName) ?? [];
    this.streams.set(streamName, stream);
    let last: StoredEvent | undefined;
    for (const message of proposed) {
      // Positions are byte offsets in the log, as on a real server: increasing, never dense.
      this.logEnd += 128 + message.data.length + message.customMetadata.length;
      last = { ...message, streamName, revision: stream.length, position: this.logEnd, created: BigInt(Date.now()) * 10_000n };
      stream.push(last);
      this.events.push(last);
    }
    for (const wake of this.subscribers) wake();
    return last as StoredEvent;
  }

  private read(call: ServerWritableStream<ReadReq, ReadResp>): void {
    const options = call.request.getOptions();
    if (!options) {
      call.end();
      return;
    }
    const count = options.hasCount() ? Number(options.getCount()) : Number.MAX_SAFE_INTEGER;
    if (options.hasStream()) {
      const streamOptions = options.getStream() as InstanceType<typeof streamsPb.ReadReq.Options.StreamOptions>;
      const streamName = Buffer.from(streamOptions.getStreamIdentifier()?.getStreamName_asU8() ?? []).toString('utf8');
      const stream = this.streams.get(streamName);
      if (!stream) {
        const notFound = new streamsPb.ReadResp.StreamNotFound();
        notFound.setStreamIdentifier(streamOptions.getStreamIdentifier());
        const response = new streamsPb.ReadResp();
        response.setStreamNotFound(notFound);
        call.write(response);
        call.end();
        return;
      }
      const from = streamOptions.hasRevision() ? Number(streamOptions.getRevision()) : 0;
      for (const event of stream.slice(from, from + count)) call.write(eventResponse(event));
      call.end();
      return;
    }
    const all = options.getAll() as InstanceType<typeof streamsPb.ReadReq.Options.AllOptions>;
    const position = all.hasPosition() ? Number(all.getPosition()?.getCommitPosition()) : all.hasEnd() ? this.logEnd + 1 : 0;
    if (!options.hasSubscription() && options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.BACKWARDS) {
      const before = this.events.filter((event) => event.position < position).reverse();
      for (const event of before.slice(0, count)) call.write(eventResponse(event));
      call.end();
      return;
    }
    if (!options.hasSubscription()) {
      // Reading $all from a position includes the event at that position.
      const start = this.events.findIndex((event) => event.position >= position);
      if (start >= 0) for (const event of this.events.slice(start, start + count)) call.write(eventResponse(event));
      call.end();
      return;
    }
    // A subscription from a position starts after it.
    const after = all.hasPosition() ? position : all.hasEnd() ? this.logEnd : -1;
    this.subscriptionStarts.push(after);
    this.subscribe(call, after, filterOf(options));
  }

  private subscribe(call: ServerWritableStream<ReadReq, ReadResp>, after: number, accepts: (event: StoredEvent) => boolean): void {
    const confirmation = new streamsPb.ReadResp();
    const confirmed = new streamsPb.ReadResp.SubscriptionConfirmation();
    confirmed.setSubscriptionId(`double-${Math.random().toString(16).slice(2)}`);
    confirmation.setConfirmation(confirmed);
    call.write(confirmation);
    let cursor = after;
    const pump = (): void => {
      if (call.cancelled || call.destroyed || !this.subscriptionCalls.has(call)) return;
      for (const event of this.events) {
        if (event.position <= cursor) continue;
        cursor = event.position;
        if (accepts(event)) call.write(eventResponse(event));
      }
    };
    this.subscribers.add(pump);
    this.subscriptionCalls.add(call);
    const forget = (): void => {
      this.subscribers.delete(pump);
      this.subscriptionCalls.delete(call);
    };
    call.on('cancelled', forget);
    call.on('close', forget);
    call.on('error', forget);
    pump();
  }
}

/** Binds `server` to 127.0.0.1:`port` (0: any free port); resolves with the port. */
function bind(server: Server, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
}

function streamNameOf(identifier: InstanceType<typeof sharedPb.StreamIdentifier> | undefined): string {
  return Buffer.from(identifier?.getStreamName_asU8() ?? []).toString('utf8');
}

/** A proposed event from either RPC, as the double stores it. */
function proposal(message: {
  getId(): InstanceType<typeof sharedPb.UUID> | undefined;
  getMetadataMap(): { get(key: string): string | undefined };
  getData_asU8(): Uint8Array;
  getCustomMetadata_asU8(): Uint8Array;
}): AppendRequest['proposed'][number] {
  const metadata = message.getMetadataMap();
  return {
    id: message.getId() as InstanceType<typeof sharedPb.UUID>,
    type: metadata.get('type') ?? '',
    contentType: metadata.get('content-type') ?? 'application/octet-stream',
    data: message.getData_asU8(),
    customMetadata: message.getCustomMetadata_asU8(),
  };
}

function uuid(): InstanceType<typeof sharedPb.UUID> {
  const id = new sharedPb.UUID();
  id.setString(crypto.randomUUID());
  return id;
}

function success(revision: number, position: number): InstanceType<typeof streamsPb.AppendResp.Success> {
  const result = new streamsPb.AppendResp.Success();
  result.setCurrentRevision(String(revision));
  const at = new streamsPb.AppendResp.Position();
  at.setCommitPosition(String(position));
  at.setPreparePosition(String(position));
  result.setPosition(at);
  return result;
}

function eventResponse(event: StoredEvent): ReadResp {
  const recorded = new streamsPb.ReadResp.ReadEvent.RecordedEvent();
  recorded.setId(event.id);
  const identifier = new sharedPb.StreamIdentifier();
  identifier.setStreamName(Buffer.from(event.streamName, 'utf8'));
  recorded.setStreamIdentifier(identifier);
  recorded.setStreamRevision(String(event.revision));
  recorded.setCommitPosition(String(event.position));
  recorded.setPreparePosition(String(event.position));
  recorded.getMetadataMap().set('type', event.type).set('content-type', event.contentType).set('created', event.created.toString());
  recorded.setData(event.data);
  recorded.setCustomMetadata(event.customMetadata);
  const read = new streamsPb.ReadResp.ReadEvent();
  read.setEvent(recorded);
  read.setCommitPosition(String(event.position));
  const response = new streamsPb.ReadResp();
  response.setEvent(read);
  return response;
}

/** The server-side filter of a subscription: stream-name or event-type prefixes or regex. */
function filterOf(options: InstanceType<typeof streamsPb.ReadReq.Options>): (event: StoredEvent) => boolean {
  if (!options.hasFilter()) return () => true;
  const filter = options.getFilter() as InstanceType<typeof streamsPb.ReadReq.Options.FilterOptions>;
  const byStream = filter.hasStreamIdentifier();
  const expression = (byStream ? filter.getStreamIdentifier() : filter.getEventType()) as InstanceType<
    typeof streamsPb.ReadReq.Options.FilterOptions.Expression
  >;
  const prefixes = expression.getPrefixList();
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : null;
  return (event) => {
    const subject = byStream ? event.streamName : event.type;
    return (prefixes.length === 0 || prefixes.some((prefix) => subject.startsWith(prefix))) && (!regex || regex.test(subject));
  };
}
