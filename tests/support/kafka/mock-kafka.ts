import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import { projectRoot } from '#api/project-root';

// From the project root, so the benchmark (which runs from dist/) finds the source too.
const SOURCE = join(projectRoot(), 'tests/support/kafka/mock-broker.c');
const BINARY = join(projectRoot(), 'node_modules/.cache/ledger-kafka-mock/mock-broker');

/** Compiles the mock broker once (it needs Debian's librdkafka-dev and gcc, which .ci/run installs). */
function compile(): void {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return;
  mkdirSync(join(BINARY, '..'), { recursive: true });
  try {
    execFileSync('gcc', ['-O1', '-o', BINARY, SOURCE, '-lrdkafka'], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(
      'could not build the Kafka mock broker (apt-get install librdkafka-dev gcc): ' +
        `${(error as { stderr?: Buffer }).stderr?.toString() ?? error}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * A real Kafka-protocol broker on 127.0.0.1 (librdkafka's mock cluster), in
 * memory, that tests can take down and bring back.
 */
export class MockKafka {
  private readonly replies: string[] = [];
  private waiting: ((line: string) => void) | null = null;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly brokers: string[],
    lines: AsyncIterable<string>,
  ) {
    void (async () => {
      for await (const line of lines) {
        if (this.waiting) {
          this.waiting(line);
          this.waiting = null;
        } else this.replies.push(line);
      }
    })();
  }

  static async start(): Promise<MockKafka> {
    compile();
    const child = spawn(BINARY, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    const match = /^bootstraps (\S+)/.exec(String(first.value ?? ''));
    if (!match) throw new Error(`the mock broker did not start: ${first.value}`);
    return new MockKafka(child, match[1].split(','), { [Symbol.asyncIterator]: () => lines });
  }

  down(): Promise<void> {
    return this.command('down');
  }

  up(): Promise<void> {
    return this.command('up');
  }

  async stop(): Promise<void> {
    this.child.stdin.end();
    if (this.child.exitCode === null) await new Promise((resolve) => this.child.once('exit', resolve));
  }

  /** How many messages the topics hold, from their offsets: catches extra copies a consumer stopping early would miss. */
  async messageCount(topics: string[]): Promise<number> {
    let count = 0;
    for (const { high, low } of await this.offsets(topics)) count += high - low;
    return count;
  }

  /**
   * The partitions of `topics` whose oldest messages the broker has dropped ("topic/partition from offset N"):
   * librdkafka's mock keeps at most 5 MiB (or 100,000 message sets) per partition and drops the oldest past that,
   * so a test that writes more can never read its first messages back. Empty while nothing was dropped.
   */
  async trimmed(topics: string[]): Promise<string[]> {
    return (await this.offsets(topics))
      .filter(({ low }) => low > 0)
      .map(({ topic, partition, low }) => `${topic}/${partition} from offset ${low}`);
  }

  private async offsets(topics: string[]): Promise<Array<{ topic: string; partition: number; high: number; low: number }>> {
    const admin = new Kafka({ clientId: 'test-admin', brokers: this.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const all = [];
      for (const topic of topics) {
        for (const { partition, high, low } of await admin.fetchTopicOffsets(topic))
          all.push({ topic, partition, high: Number(high), low: Number(low) });
      }
      return all;
    } finally {
      await admin.disconnect();
    }
  }

  /** Sends raw messages, as a misbehaving producer would. */
  async produce(topic: string, values: string[]): Promise<void> {
    const producer = new Kafka({ clientId: 'test-producer', brokers: this.brokers, logLevel: logLevel.NOTHING }).producer({
      allowAutoTopicCreation: true,
    });
    await producer.connect();
    await producer.send({ topic, messages: values.map((value) => ({ key: 'poison', value })) });
    await producer.disconnect();
  }

  /**
   * Reads every message of `topics` from the beginning until each of `eventIds` has arrived (or the time runs
   * out, saying how many had and which had not): `done` is checked in constant time per message, as a relay
   * test's topics hold thousands.
   */
  async consumeEvents(topics: string[], eventIds: readonly string[], timeoutMs = 30_000): Promise<ConsumedMessage[]> {
    const missing = new Set(eventIds);
    let checked = 0;
    return this.consume(
      topics,
      (messages) => {
        for (; checked < messages.length; checked++) missing.delete(messages[checked].value.eventId);
        return missing.size === 0;
      },
      timeoutMs,
      () => `${eventIds.length - missing.size} of ${eventIds.length} events arrived; missing: ${[...missing].slice(0, 5).join(', ')}`,
    );
  }

  /** Reads every message of `topics` from the beginning until `done` says so (or the time runs out). */
  async consume(
    topics: string[],
    done: (messages: ConsumedMessage[]) => boolean,
    timeoutMs = 30_000,
    progress: (messages: ConsumedMessage[]) => string = () => '',
  ): Promise<ConsumedMessage[]> {
    const kafka = new Kafka({ clientId: 'test-consumer', brokers: this.brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({
      groupId: `test-${Math.random().toString(16).slice(2)}`,
      sessionTimeout: 6000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 100,
    });
    const messages: ConsumedMessage[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        let lastAt = performance.now();
        const timer = setTimeout(() => {
          const idle = Math.round(performance.now() - lastAt);
          const said = `consumed ${messages.length} messages before the time ran out (the last ${idle} ms before); ${progress(messages)}`;
          // Whether the broker still holds the first messages (a test that wrote past the mock's limit cannot read them).
          void this.trimmed(topics).then(
            (trimmed) =>
              reject(
                new Error(
                  `${said}; ${trimmed.length ? `the broker dropped the oldest of ${trimmed.join(', ')}` : 'the broker dropped none'}`,
                ),
              ),
            () => reject(new Error(said)),
          );
        }, timeoutMs);
        void consumer.run({
          eachMessage: async ({ topic, partition, message }) => {
            lastAt = performance.now();
            messages.push({
              topic,
              partition,
              key: message.key?.toString() ?? '',
              value: JSON.parse(message.value?.toString() ?? 'null'),
              headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, value?.toString() ?? ''])),
            });
            if (done(messages)) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    return messages;
  }

  private command(line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onReply = (reply: string): void => (reply.startsWith('ok') ? resolve() : reject(new Error(reply)));
      const queued = this.replies.shift();
      if (queued) onReply(queued);
      else this.waiting = onReply;
      this.child.stdin.write(`${line}\n`);
    });
  }
}

export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  readonly value: { eventId: string; type: string; streamId: string; revision: number; position: number; [field: string]: unknown };
  readonly headers: Record<string, string>;
}
