import { parentPort, workerData } from 'node:worker_threads';
import { SqliteAppender } from './sqlite-appender.js';
import { openEventsFile } from './sqlite-events-file.js';
import { type WriterReply, type WriterRequest, toWriterError } from './sqlite-writer.protocol.js';

/**
 * The embedded store's writer thread: owns the write connection, so the fsync of each group commit
 * stops this thread, not the one serving requests. One batch at a time, in the order received.
 */
const port = parentPort;
if (!port) throw new Error('sqlite-writer.worker runs as a worker thread of SqliteEventStore');
const reply = (message: WriterReply): void => port.postMessage(message);

let appender: SqliteAppender | undefined;
let close = (): void => {};
try {
  const db = openEventsFile((workerData as { file: string }).file);
  appender = new SqliteAppender(db);
  close = () => db.close();
  reply({ kind: 'ready' });
} catch (error) {
  reply({ kind: 'open-failed', error: toWriterError(error) });
  port.close();
}

port.on('message', (request: WriterRequest) => {
  if (request.kind === 'close' || !appender) {
    close();
    port.close();
    return;
  }
  try {
    reply({ kind: 'appended', outcomes: appender.appendBatch(request.appends) });
  } catch (error) {
    reply({ kind: 'batch-failed', error: toWriterError(error) });
  }
});
