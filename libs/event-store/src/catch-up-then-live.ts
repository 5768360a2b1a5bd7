import type { ReadAllOptions, RecordedEvent, SubscribeOptions } from './event-store.port.js';

/**
 * Subscription built from paged reads: read pages until the head, then wait
 * for the store to say something new was appended, and read again. Because
 * every page is read by position, no event is skipped or reordered, whether
 * it was appended before or during the subscription.
 */
export async function* catchUpThenLive(
  readAll: (options: ReadAllOptions) => Promise<RecordedEvent[]>,
  waitForAppend: (after: number, signal?: AbortSignal) => Promise<void>,
  options: SubscribeOptions = {},
  isOpen: () => boolean = () => true,
): AsyncGenerator<RecordedEvent[]> {
  let cursor = options.after ?? 0;
  const maxCount = options.maxBatch ?? 1000;
  while (!options.signal?.aborted && isOpen()) {
    const batch = await readAll({ after: cursor, maxCount });
    if (batch.length > 0) {
      cursor = batch[batch.length - 1].position;
      yield batch;
      continue;
    }
    await waitForAppend(cursor, options.signal);
  }
}
