import { Server, ServerCredentials, type ServerDuplexStream, type ServerReadableStream, type ServerWritableStream, status } from '@grpc/grpc-js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';

type ReadReq = InstanceType<typeof streamsPb.ReadReq>;
type ReadResp = InstanceType<typeof streamsPb.ReadResp>;
type AppendReq = InstanceType<typeof streamsPb.AppendReq>;
type AppendResp = InstanceType<typeof streamsPb.AppendResp>;

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
 * A TEST DOUBLE of an EventStoreDB server: the Streams service's Append and
 * Read (stream reads, $all reads, filtered $all subscriptions) on the gRPC
 * service definitions shipped in @eventstore/db-client, holding events in
 * memory. Other services (ServerFeatures included) answer UNIMPLEMENTED, as
 * an older server would, so the client falls back to Append.
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
  /** Where each $all subscription asked to start (-1: from the start), for tests of resubscription. */
  readonly subscriptionStarts: number[] = [];
  private logEnd = 0;
  private readonly server = new Server();
  private port = 0;

  private constructor() {
    this.server.addService(streamsGrpc.StreamsService, {
      append: (call: ServerReadableStream<AppendReq, AppendResp>, callback: (error: null, response: AppendResp) => void) => this.append(call, callback),
      read: (call: ServerWritableStream<ReadReq, ReadResp>) => this.read(call),
      batchAppend: (call: ServerDuplexStream<unknown, unknown>) => call.emit('error', { code: status.UNIMPLEMENTED, details: 'BatchAppend is not implemented by the double' }),
    });
    // A real server starts with system events in its log; readers must skip them.
    this.write('$settings', [{ id: uuid(), type: '$settings', contentType: 'application/json', data: Buffer.from('{}'), customMetadata: Buffer.alloc(0) }]);
  }

  static async start(): Promise<EsdbDouble> {
    const double = new EsdbDouble();
    double.port = await new Promise<number>((resolve, reject) =>
      double.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    return double;
  }

  get connectionString(): string {
    return `esdb://127.0.0.1:${this.port}?tls=false`;
  }

  /** Ends every open subscription with UNAVAILABLE, as a dropped connection would. */
  dropSubscriptions(): number {
    const dropped = this.subscriptionCalls.size;
    for (const call of this.subscriptionCalls) call.emit('error', { code: status.UNAVAILABLE, details: 'connection dropped by the test double' });
    this.subscriptionCalls.clear();
    return dropped;
  }

  async stop(): Promise<void> {
    for (const wake of this.subscribers) wake();
    this.server.forceShutdown();
  }

  private append(call: ServerReadableStream<AppendReq, AppendResp>, callback: (error: null, response: AppendResp) => void): void {
    let options: InstanceType<typeof streamsPb.AppendReq.Options> | undefined;
    const proposed: InstanceType<typeof streamsPb.AppendReq.ProposedMessage>[] = [];
    call.on('data', (request: AppendReq) => {
      if (request.hasOptions()) options = request.getOptions();
      else if (request.hasProposedMessage()) proposed.push(request.getProposedMessage() as InstanceType<typeof streamsPb.AppendReq.ProposedMessage>);
    });
    call.on('end', () => {
      if (!options) return callback(null, new streamsPb.AppendResp());
      const streamName = Buffer.from(options.getStreamIdentifier()?.getStreamName_asU8() ?? []).toString('utf8');
      const stream = this.streams.get(streamName) ?? [];
      const current = stream.length - 1;
      const response = new streamsPb.AppendResp();
      const Case = streamsPb.AppendReq.Options.ExpectedStreamRevisionCase;
      const expected = options.getExpectedStreamRevisionCase();
      const retried = this.identicalAppend(stream, proposed, expected === Case.REVISION ? Number(options.getRevision()) + 1 : expected === Case.NO_STREAM ? 0 : null);
      if (retried === 'corrupted') return callback({ code: status.FAILED_PRECONDITION, details: 'corrupted idempotency: some of these event ids were written, not all' } as never, undefined as never);
      if (retried) {
        response.setSuccess(success(retried.revision, retried.position));
        return callback(null, response);
      }
      const ok =
        expected === Case.ANY ||
        (expected === Case.NO_STREAM && current === -1) ||
        (expected === Case.STREAM_EXISTS && current >= 0) ||
        (expected === Case.REVISION && String(current) === options.getRevision());
      if (!ok) {
        const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
        if (current >= 0) wrong.setCurrentRevision(String(current));
        else wrong.setCurrentNoStream(new sharedPb.Empty());
        if (expected === Case.REVISION) wrong.setExpectedRevision(options.getRevision());
        else if (expected === Case.NO_STREAM) wrong.setExpectedNoStream(new sharedPb.Empty());
        else wrong.setExpectedStreamExists(new sharedPb.Empty());
        response.setWrongExpectedVersion(wrong);
        return callback(null, response);
      }
      const written = this.write(
        streamName,
        proposed.map((message) => {
          const metadata = message.getMetadataMap();
          return {
            id: message.getId() as InstanceType<typeof sharedPb.UUID>,
            type: metadata.get('type') ?? '',
            contentType: metadata.get('content-type') ?? 'application/octet-stream',
            data: message.getData_asU8(),
            customMetadata: message.getCustomMetadata_asU8(),
          };
        }),
      );
      response.setSuccess(success(written.revision, written.position));
      callback(null, response);
    });
  }

  /**
   * EventStoreDB answers a re-append of event ids already written with the
   * original result: with an exact or no_stream expectation it compares the
   * ids at the revisions the append expected to write; with any it looks
   * them up wherever they are. Some ids written and some not is an error.
   */
  private identicalAppend(
    stream: StoredEvent[],
    proposed: InstanceType<typeof streamsPb.AppendReq.ProposedMessage>[],
    expectedFirstRevision: number | null,
  ): StoredEvent | 'corrupted' | null {
    const idOf = (i: number) => proposed[i]?.getId()?.getString();
    const first = expectedFirstRevision ?? stream.findIndex((event) => event.id.getString() === idOf(0));
    if (first < 0 || stream[first]?.id.getString() !== idOf(0)) return null;
    const matching = proposed.filter((_, i) => stream[first + i]?.id.getString() === idOf(i)).length;
    if (matching === proposed.length) return stream[first + proposed.length - 1];
    return 'corrupted';
  }

  private write(streamName: string, proposed: Array<Pick<StoredEvent, 'id' | 'type' | 'contentType' | 'data' | 'customMetadata'>>): StoredEvent {
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
  const expression = (byStream ? filter.getStreamIdentifier() : filter.getEventType()) as InstanceType<typeof streamsPb.ReadReq.Options.FilterOptions.Expression>;
  const prefixes = expression.getPrefixList();
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : null;
  return (event) => {
    const subject = byStream ? event.streamName : event.type;
    return (prefixes.length === 0 || prefixes.some((prefix) => subject.startsWith(prefix))) && (!regex || regex.test(subject));
  };
}
