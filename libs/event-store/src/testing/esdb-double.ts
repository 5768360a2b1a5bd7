import {
  Metadata,
  Server,
  type ServerUnaryCall,
  type sendUnaryData,
  ServerCredentials,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerWritableStream,
  status,
} from '@grpc/grpc-js';
import serverFeaturesGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_grpc_pb.js';
import serverFeaturesPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_pb.js';
import sharedPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb.js';
import statusPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/status_pb.js';
import anyPb from 'google-protobuf/google/protobuf/any_pb.js';
import emptyPb from 'google-protobuf/google/protobuf/empty_pb.js';
import streamsGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_grpc_pb.js';
import streamsPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb.js';

type ReadReq = InstanceType<typeof streamsPb.ReadReq>;
type ReadResp = InstanceType<typeof streamsPb.ReadResp>;
type AppendReq = InstanceType<typeof streamsPb.AppendReq>;
type AppendResp = InstanceType<typeof streamsPb.AppendResp>;
type BatchAppendReq = InstanceType<typeof streamsPb.BatchAppendReq>;
type BatchAppendResp = InstanceType<typeof streamsPb.BatchAppendResp>;
type DeleteReq = InstanceType<typeof streamsPb.DeleteReq>;
type TombstoneReq = InstanceType<typeof streamsPb.TombstoneReq>;

/** What an append asks for, whichever RPC carried it. */
interface AppendRequest {
  readonly streamName: string;
  /** 'any' | 'no_stream' | 'stream_exists' | an exact revision. */
  readonly expected: 'any' | 'no_stream' | 'stream_exists' | number;
  readonly proposed: ReadonlyArray<Pick<StoredEvent, 'id' | 'type' | 'contentType' | 'data' | 'customMetadata'>>;
}

type AppendOutcome = { readonly ok: StoredEvent } | { readonly current: number } | 'deleted';

/** The revision of a tombstone's $streamDeleted event: EventNumber.DeletedStream, long.MaxValue. */
const DELETED_STREAM_REVISION = '9223372036854775807';

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
 * BatchAppend, Read (stream and $all reads, either direction; $all and
 * stream subscriptions, filtered or not), Delete and Tombstone on the gRPC
 * service definitions shipped in @kurrent/kurrentdb-client (its v1 protocol), holding events in
 * memory. By default it answers ServerFeatures as a current server does,
 * advertising BatchAppend, so the client appends through BatchAppend; with
 * `{ serverFeatures: false }` it answers UNIMPLEMENTED, as an older server
 * would, and the client falls back to Append. Other services answer
 * UNIMPLEMENTED, the v2 protocol's too (multi-stream appends, which the
 * client only uses when asked and after ServerFeatures advertises them).
 * The client's reads go through its Rust bridge, a gRPC client of its own:
 * the double answers both.
 *
 * It answers as KurrentDB 24.10 does (its source is the reference) where the
 * adapter relies on it: 0-based stream revisions; expected revision any /
 * no_stream / stream_exists / exact, failing with WrongExpectedVersion and
 * the current revision; repeated appends decided as IndexWriter.CheckCommit
 * decides them; MaxAppendSize (1 MiB unless `maxAppendSize` says otherwise);
 * BatchAppend deadlines; subscriptions that catch up, say CaughtUp, then stay
 * live, filtered ones reaching checkpoints; soft-deleted streams that read
 * as not found, tombstoned ones that answer StreamDeleted; stream reads
 * that keep to the $maxCount of the stream's metadata; $all positions
 * that grow with the log's byte size (not dense, like real log positions),
 * with system events ($-prefixed) at the start of the log; reads past the end
 * are empty; stream_not_found for unknown streams.
 */
export class EsdbDouble {
  private readonly events: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  /** Hard-deleted streams: their tombstone ($streamDeleted) is in the log, and they can never be written again. */
  private readonly tombstoned = new Set<string>();
  /** Soft-deleted streams: the $tb of their metadata, below which events are no longer read. */
  private readonly truncatedBefore = new Map<string, number>();
  private readonly subscribers = new Set<() => void>();
  private readonly subscriptionCalls = new Set<ServerWritableStream<ReadReq, ReadResp>>();
  /** Which append RPCs the client used, for tests of both client paths. */
  readonly calls = { append: 0, batchAppend: 0 };
  /** Where each $all subscription asked to start (-1: from the start), for tests of resubscription. */
  readonly subscriptionStarts: number[] = [];
  private logEnd = 0;
  private server: Server;
  private port = 0;

  private constructor(
    private readonly serverFeatures: boolean,
    private readonly maxAppendSize: number,
  ) {
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
      delete: (call: ServerUnaryCall<DeleteReq, unknown>, callback: sendUnaryData<unknown>) =>
        this.deleteStream(call.request.getOptions(), false, callback),
      tombstone: (call: ServerUnaryCall<TombstoneReq, unknown>, callback: sendUnaryData<unknown>) =>
        this.deleteStream(call.request.getOptions(), true, callback),
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

  /** `maxAppendSize`: the server's MaxAppendSize setting, 1 MiB by default. */
  static async start(options: { serverFeatures?: boolean; maxAppendSize?: number } = {}): Promise<EsdbDouble> {
    const double = new EsdbDouble(options.serverFeatures ?? true, options.maxAppendSize ?? 1024 * 1024);
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
    return `kurrentdb://127.0.0.1:${this.port}?tls=false`;
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
      if (appendSize(proposed.map(proposal)) > this.maxAppendSize) {
        // RpcExceptions.MaxAppendSizeExceeded: the client reads the exception and the limit from the trailers.
        const metadata = new Metadata();
        metadata.set('exception', 'maximum-append-size-exceeded');
        metadata.set('maximum-append-size', String(this.maxAppendSize));
        const error = { code: status.INVALID_ARGUMENT, details: `Maximum Append Size of ${this.maxAppendSize} Exceeded.`, metadata };
        return callback(error as never, undefined as never);
      }
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
      if (outcome === 'deleted')
        return callback(streamDeletedError(streamNameOf(options.getStreamIdentifier())) as never, undefined as never);
      const response = new streamsPb.AppendResp();
      if ('ok' in outcome) {
        response.setSuccess(success(outcome.ok.revision, outcome.ok.position));
      } else {
        const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
        if (outcome.current >= 0) wrong.setCurrentRevision(String(outcome.current));
        else wrong.setCurrentNoStream(new sharedPb.Empty());
        if (expectedCase === Case.REVISION) wrong.setExpectedRevision(options.getRevision());
        else if (expectedCase === Case.NO_STREAM) wrong.setExpectedNoStream(new sharedPb.Empty());
        else if (expectedCase === Case.STREAM_EXISTS) wrong.setExpectedStreamExists(new sharedPb.Empty());
        else wrong.setExpectedAny(new sharedPb.Empty());
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
   * event_store.client.WrongExpectedVersion. As on the server, an append
   * over MaxAppendSize is refused as soon as its events pass the limit, and
   * one whose deadline passes before it is complete is answered with Timeout
   * (at once if the deadline has already passed); the rest of a refused
   * append's requests are ignored.
   */
  private batchAppend(call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void {
    const pending = new Map<
      string,
      {
        options: InstanceType<typeof streamsPb.BatchAppendReq.Options>;
        proposed: AppendRequest['proposed'][number][];
        timer: NodeJS.Timeout;
      }
    >();
    const refuse = (correlation: InstanceType<typeof sharedPb.UUID>, identifier: unknown, error: InstanceType<typeof statusPb.Status>) => {
      const response = new streamsPb.BatchAppendResp();
      response.setCorrelationId(correlation);
      response.setStreamIdentifier(identifier as InstanceType<typeof sharedPb.StreamIdentifier>);
      response.setError(error);
      call.write(response);
    };
    call.on('data', (request: BatchAppendReq) => {
      const correlation = request.getCorrelationId() as InstanceType<typeof sharedPb.UUID>;
      const key = correlation.getString() || JSON.stringify(correlation.toObject());
      if (request.hasOptions() && !pending.has(key)) {
        const requested = request.getOptions() as InstanceType<typeof streamsPb.BatchAppendReq.Options>;
        const deadline = deadlineOf(requested);
        const timedOut = () => refuse(correlation, requested.getStreamIdentifier(), timeoutStatus());
        if (deadline <= Date.now()) return timedOut();
        const timer = setTimeout(() => pending.delete(key) && timedOut(), Math.min(deadline - Date.now(), 2 ** 31 - 1));
        timer.unref();
        pending.set(key, { options: requested, proposed: [], timer });
      }
      const entry = pending.get(key);
      if (!entry) return;
      entry.proposed.push(...request.getProposedMessagesList().map(proposal));
      if (appendSize(entry.proposed) > this.maxAppendSize) {
        clearTimeout(entry.timer);
        pending.delete(key);
        const exceeded = new sharedPb.MaximumAppendSizeExceeded();
        exceeded.setMaxappendsize(this.maxAppendSize);
        const error = rpcStatus(
          GRPC_CODE.INVALID_ARGUMENT,
          'MaximumAppendSizeExceeded',
          'event_store.client.MaximumAppendSizeExceeded',
          exceeded,
        );
        return refuse(correlation, entry.options.getStreamIdentifier(), error);
      }
      if (!request.getIsFinal()) return;
      clearTimeout(entry.timer);
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
      if (outcome === 'deleted') {
        const deleted = new sharedPb.StreamDeleted();
        deleted.setStreamIdentifier(options.getStreamIdentifier());
        response.setError(rpcStatus(GRPC_CODE.NOT_FOUND, 'StreamDeleted', 'event_store.client.StreamDeleted', deleted));
      } else if ('ok' in outcome) {
        const result = new streamsPb.BatchAppendResp.Success();
        result.setCurrentRevision(String(outcome.ok.revision));
        const position = new sharedPb.AllStreamPosition();
        position.setCommitPosition(String(outcome.ok.position));
        position.setPreparePosition(String(outcome.ok.position));
        result.setPosition(position);
        response.setSuccess(result);
      } else {
        const wrong = new sharedPb.WrongExpectedVersion();
        if (outcome.current >= 0) wrong.setCurrentStreamRevision(String(outcome.current));
        else wrong.setCurrentNoStream(new emptyPb.Empty());
        if (expectedCase === Case.STREAM_POSITION) wrong.setExpectedStreamPosition(options.getStreamPosition());
        else if (expectedCase === Case.NO_STREAM) wrong.setExpectedNoStream(new emptyPb.Empty());
        else if (expectedCase === Case.STREAM_EXISTS) wrong.setExpectedStreamExists(new emptyPb.Empty());
        else wrong.setExpectedAny(new emptyPb.Empty());
        response.setError(rpcStatus(GRPC_CODE.ALREADY_EXISTS, 'WrongExpectedVersion', 'event_store.client.WrongExpectedVersion', wrong));
      }
      call.write(response);
    });
    call.on('end', () => {
      for (const entry of pending.values()) clearTimeout(entry.timer);
      call.end();
    });
  }

  /**
   * The server's decision on an append (IndexWriter.CheckCommit): written,
   * answered with the original result of a repeat, or refused with the
   * current revision. Under any (and stream_exists) a repeat is every id
   * already in the stream, wherever it is; with an exact revision (no_stream
   * is -1) the ids must sit at the revisions after it. A first id not found
   * means a new append (any) or a wrong expected version; a later one not
   * found is CorruptedIdempotency, which the server also answers as
   * WrongExpectedVersion.
   */
  private decideAppend(request: AppendRequest): AppendOutcome {
    if (this.tombstoned.has(request.streamName)) return 'deleted';
    const stream = this.streams.get(request.streamName) ?? [];
    const current = stream.length - 1;
    const softDeleted = this.isSoftDeleted(request.streamName);
    const { expected } = request;
    const ids = request.proposed.map((event) => event.id.getString());
    if (expected === 'any' || expected === 'stream_exists') {
      if (expected === 'stream_exists' && softDeleted) return 'deleted';
      if (expected === 'stream_exists' && current < 0) return { current };
      const found = ids.map((id) => stream.findIndex((event) => event.id.getString() === id));
      if (found[0] < 0) return { ok: this.write(request.streamName, request.proposed) };
      if (found.some((revision) => revision < 0)) return { current };
      return { ok: stream[found[found.length - 1]] };
    }
    const after = expected === 'no_stream' ? -1 : expected;
    if (after < current) {
      const repeated = ids.every((id, i) => stream[after + 1 + i]?.id.getString() === id);
      if (repeated) return { ok: stream[after + ids.length] };
      // no_stream on a soft-deleted stream recreates it, its revisions going on.
      const recreates = expected === 'no_stream' && softDeleted && stream[0]?.id.getString() !== ids[0];
      return recreates ? { ok: this.write(request.streamName, request.proposed) } : { current };
    }
    return after === current ? { ok: this.write(request.streamName, request.proposed) } : { current };
  }

  /**
   * The $maxCount of a stream's metadata (the last $metadata event of its $$ stream, as setStreamMetadata writes it):
   * reads show only that many of its latest events, as a server does before and after scavenging. Unlimited when unset.
   */
  private maxCountOf(streamName: string): number {
    const metadata = this.streams.get(`$$${streamName}`)?.at(-1);
    if (!metadata || metadata.type !== '$metadata') return Number.POSITIVE_INFINITY;
    try {
      const maxCount = (JSON.parse(Buffer.from(metadata.data).toString('utf8')) as { $maxCount?: unknown }).$maxCount;
      return typeof maxCount === 'number' && maxCount > 0 ? maxCount : Number.POSITIVE_INFINITY;
    } catch {
      return Number.POSITIVE_INFINITY;
    }
  }

  /** A stream whose every event lies below the $tb a soft delete set. */
  private isSoftDeleted(streamName: string): boolean {
    const before = this.truncatedBefore.get(streamName);
    return before !== undefined && before >= (this.streams.get(streamName)?.length ?? 0);
  }

  /**
   * Delete (soft: the stream's metadata gets $tb past its last event, so it
   * reads as not found and a later append recreates it) and Tombstone (hard:
   * a $streamDeleted event, after which the stream can be neither read nor
   * written). Either on a tombstoned stream is StreamDeleted; an expected
   * revision not met is WrongExpectedVersion, in trailers (RpcExceptions).
   */
  private deleteStream(
    options: InstanceType<typeof streamsPb.DeleteReq.Options> | InstanceType<typeof streamsPb.TombstoneReq.Options> | undefined,
    hard: boolean,
    callback: sendUnaryData<unknown>,
  ): void {
    if (!options) return callback({ code: status.INVALID_ARGUMENT, details: 'options required' });
    const streamName = streamNameOf(options.getStreamIdentifier());
    if (this.tombstoned.has(streamName)) return callback(streamDeletedError(streamName));
    const stream = this.streams.get(streamName) ?? [];
    const current = stream.length - 1;
    const Case = streamsPb.DeleteReq.Options.ExpectedStreamRevisionCase;
    const expectedCase = options.getExpectedStreamRevisionCase() as number;
    const met =
      expectedCase === Case.REVISION
        ? Number(options.getRevision()) === current
        : expectedCase === Case.NO_STREAM
          ? current < 0
          : expectedCase === Case.STREAM_EXISTS
            ? current >= 0
            : true;
    if (!met) {
      const metadata = new Metadata();
      const expected = expectedCase === Case.REVISION ? options.getRevision() : expectedCase === Case.NO_STREAM ? '-1' : '-4';
      metadata.set('exception', 'wrong-expected-version');
      metadata.set('stream-name', streamName);
      metadata.set('expected-version', expected);
      if (current >= 0) metadata.set('actual-version', String(current));
      const operation = hard ? 'Tombstone' : 'Delete';
      return callback({ code: status.FAILED_PRECONDITION, details: `${operation} failed due to WrongExpectedVersion.`, metadata });
    }
    let written: StoredEvent;
    if (hard) {
      this.tombstoned.add(streamName);
      this.logEnd += 128;
      written = {
        id: uuid(),
        streamName,
        revision: Number.MAX_SAFE_INTEGER,
        position: this.logEnd,
        type: '$streamDeleted',
        contentType: 'application/octet-stream',
        created: BigInt(Date.now()) * 10_000n,
        data: new Uint8Array(),
        customMetadata: new Uint8Array(),
      };
      this.events.push(written);
      for (const wake of this.subscribers) wake();
    } else {
      this.truncatedBefore.set(streamName, stream.length);
      const data = Buffer.from(JSON.stringify({ $tb: stream.length }));
      written = this.write(`$$${streamName}`, [
        { id: uuid(), type: '$metadata', contentType: 'application/json', data, customMetadata: new Uint8Array() },
      ]);
    }
    const response = hard ? new streamsPb.TombstoneResp() : new streamsPb.DeleteResp();
    const position = hard ? new streamsPb.TombstoneResp.Position() : new streamsPb.DeleteResp.Position();
    position.setCommitPosition(String(written.position));
    position.setPreparePosition(String(written.position));
    (response as InstanceType<typeof streamsPb.DeleteResp>).setPosition(position);
    callback(null, response);
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
      const streamName = streamNameOf(
        (options.getStream() as InstanceType<typeof streamsPb.ReadReq.Options.StreamOptions>).getStreamIdentifier(),
      );
      if (this.tombstoned.has(streamName)) {
        call.emit('error', streamDeletedError(streamName));
        return;
      }
    }
    if (options.hasStream() && options.hasSubscription()) {
      const streamOptions = options.getStream() as InstanceType<typeof streamsPb.ReadReq.Options.StreamOptions>;
      const streamName = streamNameOf(streamOptions.getStreamIdentifier());
      const stream = this.streams.get(streamName) ?? [];
      // From a revision: the events after it; from END: only those still to come.
      const after = streamOptions.hasRevision() ? Number(streamOptions.getRevision()) : streamOptions.hasEnd() ? stream.length - 1 : -1;
      const truncated = (event: StoredEvent) => event.revision < (this.truncatedBefore.get(streamName) ?? 0);
      this.subscribe(call, -1, (event) => event.streamName === streamName && event.revision > after && !truncated(event), null);
      return;
    }
    if (options.hasStream()) {
      const streamOptions = options.getStream() as InstanceType<typeof streamsPb.ReadReq.Options.StreamOptions>;
      const streamName = Buffer.from(streamOptions.getStreamIdentifier()?.getStreamName_asU8() ?? []).toString('utf8');
      const stream = this.streams.get(streamName) ?? [];
      // Events below a soft delete's $tb, or older than the metadata's $maxCount keeps, are no longer read;
      // none left reads as not found.
      const truncatedBefore = Math.max(this.truncatedBefore.get(streamName) ?? 0, stream.length - this.maxCountOf(streamName));
      if (stream.length <= truncatedBefore) {
        const notFound = new streamsPb.ReadResp.StreamNotFound();
        notFound.setStreamIdentifier(streamOptions.getStreamIdentifier());
        const response = new streamsPb.ReadResp();
        response.setStreamNotFound(notFound);
        call.write(response);
        call.end();
        return;
      }
      // Forwards from a revision includes it; backwards from one includes it and goes down; END is past the last event.
      const backwards = options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.BACKWARDS;
      const from = streamOptions.hasRevision() ? Number(streamOptions.getRevision()) : streamOptions.hasEnd() ? stream.length : 0;
      const selected = backwards ? stream.slice(0, Math.min(from + 1, stream.length)).reverse() : stream.slice(from);
      const shown = selected.filter((event) => event.revision >= truncatedBefore);
      for (const event of shown.slice(0, count)) call.write(eventResponse(event));
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
    const filter = options.hasFilter() ? (options.getFilter() as InstanceType<typeof streamsPb.ReadReq.Options.FilterOptions>) : null;
    // Enumerator.AllSubscriptionFiltered: a checkpoint every (multiplier × max search window, 32 unless set) events considered.
    const checkpointInterval = filter ? filter.getCheckpointintervalmultiplier() * (filter.hasMax() ? filter.getMax() : 32) : null;
    this.subscribe(call, after, filterOf(options), checkpointInterval);
  }

  /**
   * A subscription as the server's enumerators run one: confirmation, the
   * events already written (catch-up), CaughtUp, then live events. A
   * filtered $all subscription also reaches checkpoints: every
   * `checkpointInterval` events considered, and one when it catches up, at
   * the last event it sent (or where it started).
   */
  private subscribe(
    call: ServerWritableStream<ReadReq, ReadResp>,
    after: number,
    accepts: (event: StoredEvent) => boolean,
    checkpointInterval: number | null,
  ): void {
    const confirmation = new streamsPb.ReadResp();
    const confirmed = new streamsPb.ReadResp.SubscriptionConfirmation();
    confirmed.setSubscriptionId(`double-${Math.random().toString(16).slice(2)}`);
    confirmation.setConfirmation(confirmed);
    call.write(confirmation);
    let cursor = after;
    let considered = 0;
    let caughtUp = false;
    /** The last event or checkpoint sent: where the catch-up checkpoint stands. */
    let sentUpTo = Math.max(after, 0);
    const pump = (): void => {
      if (call.cancelled || call.destroyed || !this.subscriptionCalls.has(call)) return;
      for (const event of this.events) {
        if (event.position <= cursor) continue;
        cursor = event.position;
        if (accepts(event) && event.type === '$streamDeleted' && checkpointInterval === null && event.streamName === streamOf(call)) {
          call.emit('error', streamDeletedError(event.streamName));
          return;
        }
        if (accepts(event)) {
          call.write(eventResponse(event));
          sentUpTo = cursor;
        }
        if (checkpointInterval !== null && ++considered >= checkpointInterval) {
          considered = 0;
          sentUpTo = cursor;
          call.write(checkpointResponse(cursor));
        }
      }
      if (caughtUp) return;
      caughtUp = true;
      if (checkpointInterval !== null) call.write(checkpointResponse(sentUpTo));
      const response = new streamsPb.ReadResp();
      response.setCaughtUp(new streamsPb.ReadResp.CaughtUp());
      call.write(response);
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

/** google.rpc.Code values, as BatchAppend's statuses carry them. */
const GRPC_CODE = { NOT_FOUND: 5, ALREADY_EXISTS: 6, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4 } as const;

/** A google.rpc.Status as the server builds one (Status.cs): a code, the detail's name as message, the detail packed. */
function rpcStatus(
  code: number,
  message: string,
  typeName: string,
  detail: { serializeBinary(): Uint8Array },
): InstanceType<typeof statusPb.Status> {
  const error = new statusPb.Status();
  const details = new anyPb.Any();
  details.pack(detail.serializeBinary(), typeName);
  error.setCode(code);
  error.setMessage(message);
  error.setDetails(details);
  return error;
}

/** The stream a stream subscription follows, '' for $all. */
function streamOf(call: ServerWritableStream<ReadReq, ReadResp>): string {
  const options = call.request.getOptions();
  return options?.hasStream() ? streamNameOf(options.getStream()?.getStreamIdentifier()) : '';
}

/** RpcExceptions.StreamDeleted: the client reads the exception and the stream from the trailers. */
function streamDeletedError(streamName: string): { code: status; details: string; metadata: Metadata } {
  const metadata = new Metadata();
  metadata.set('exception', 'stream-deleted');
  metadata.set('stream-name', streamName);
  return { code: status.FAILED_PRECONDITION, details: `Event stream '${streamName}' is deleted.`, metadata };
}

function timeoutStatus(): InstanceType<typeof statusPb.Status> {
  return rpcStatus(GRPC_CODE.DEADLINE_EXCEEDED, 'Timeout', 'event_store.client.Timeout', new sharedPb.Timeout());
}

/**
 * An append's size as the server counts it against MaxAppendSize: the sum of
 * Event.SizeOnDisk, whose expression (`data?.Length ?? 0 + metadata?.Length
 * ?? 0 + eventType.Length * 2`) binds as `data?.Length ?? (…)`, so only the
 * data counts.
 */
function appendSize(proposed: AppendRequest['proposed']): number {
  return proposed.reduce((size, event) => size + event.data.length, 0);
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

function checkpointResponse(position: number): ReadResp {
  const checkpoint = new streamsPb.ReadResp.Checkpoint();
  checkpoint.setCommitPosition(String(position));
  checkpoint.setPreparePosition(String(position));
  const response = new streamsPb.ReadResp();
  response.setCheckpoint(checkpoint);
  return response;
}

function eventResponse(event: StoredEvent): ReadResp {
  const recorded = new streamsPb.ReadResp.ReadEvent.RecordedEvent();
  recorded.setId(event.id);
  const identifier = new sharedPb.StreamIdentifier();
  identifier.setStreamName(Buffer.from(event.streamName, 'utf8'));
  recorded.setStreamIdentifier(identifier);
  recorded.setStreamRevision(event.type === '$streamDeleted' ? DELETED_STREAM_REVISION : String(event.revision));
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

/**
 * When a BatchAppend's options say it times out: the server takes an absolute time (deadline_21_10_0, a Timestamp: what
 * the client sends) or a time from now (deadline, a Duration); neither means never.
 */
function deadlineOf(options: InstanceType<typeof streamsPb.BatchAppendReq.Options>): number {
  if (options.hasDeadline21100()) return options.getDeadline21100()!.toDate().getTime();
  const duration = options.getDeadline();
  if (duration) return Date.now() + duration.getSeconds() * 1000 + Math.floor(duration.getNanos() / 1e6);
  return Number.POSITIVE_INFINITY;
}
