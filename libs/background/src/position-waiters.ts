/**
 * Readers waiting for something that moves forward through the log (read models, the Merkle tree) to
 * reach a position: each resolves true once `advance` passes its position, false when its timeout ends.
 */
export class PositionWaiters {
  private readonly waiting = new Set<{ position: number; settle: (reached: boolean) => void }>();

  /** Called when the first reader starts waiting and when the last one stops (to watch a shared file only meanwhile). */
  constructor(private readonly onWaitingChange: (waiting: boolean) => void = () => undefined) {}

  get size(): number {
    return this.waiting.size;
  }

  wait(position: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const waiter = {
        position,
        settle: (reached: boolean) => {
          clearTimeout(timer);
          this.waiting.delete(waiter);
          if (this.waiting.size === 0) this.onWaitingChange(false);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => waiter.settle(false), timeoutMs);
      this.waiting.add(waiter);
      if (this.waiting.size === 1) this.onWaitingChange(true);
    });
  }

  /** Everything is now at `position`: the readers waiting for it or less get true. */
  advance(position: number): void {
    for (const waiter of this.waiting) if (position >= waiter.position) waiter.settle(true);
  }

  /** Answers every reader false (shutting down). */
  releaseAll(): void {
    for (const waiter of this.waiting) waiter.settle(false);
  }
}
