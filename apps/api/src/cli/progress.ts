import cliProgress from 'cli-progress';

/** Progress of one long step: a bar on a terminal, plain periodic lines otherwise (logs, CI, pipes). */
export interface Progress {
  /** Sets how far the step is; `total` may grow (a rebuild's head moves while it runs). */
  update(value: number, total?: number): void;
  increment(by?: number): void;
  /** Ends the step: the bar shows its final state, or one last line is written. */
  stop(): void;
}

export interface ProgressStream {
  readonly isTTY?: boolean;
  write(chunk: string): boolean;
}

/**
 * A progress reporter on `stream` (stderr by default, so stdout keeps only
 * results): cli-progress's bar when the stream is a terminal, else a line
 * `label: value/total (pct%)` at most every `intervalMs`, and a last one at the end.
 */
export function startProgress(label: string, total: number, stream: ProgressStream = process.stderr, intervalMs = 1000): Progress {
  return stream.isTTY ? new BarProgress(label, total, stream) : new LineProgress(label, total, stream, intervalMs);
}

class BarProgress implements Progress {
  private readonly bar: cliProgress.SingleBar;
  private value = 0;

  constructor(
    label: string,
    private total: number,
    stream: ProgressStream,
  ) {
    this.bar = new cliProgress.SingleBar(
      {
        stream: stream as NodeJS.WritableStream,
        format: `${label.padEnd(10)} [{bar}] {percentage}% | {value}/{total} | {duration_formatted} (eta {eta_formatted})`,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(Math.max(total, 0), 0);
  }

  update(value: number, total?: number): void {
    this.value = value;
    if (total !== undefined && total !== this.total) {
      this.total = total;
      this.bar.setTotal(total);
    }
    this.bar.update(value);
  }

  increment(by = 1): void {
    this.update(this.value + by);
  }

  stop(): void {
    this.bar.stop();
  }
}

class LineProgress implements Progress {
  private value = 0;
  /** The first update is written at once: a log then says when the work began (a short job's only other line is its last). */
  private lastWrite = -Infinity;
  private stopped = false;

  constructor(
    private readonly label: string,
    private total: number,
    private readonly stream: ProgressStream,
    private readonly intervalMs: number,
  ) {}

  update(value: number, total?: number): void {
    this.value = value;
    if (total !== undefined) this.total = total;
    if (Date.now() - this.lastWrite >= this.intervalMs) this.write();
  }

  increment(by = 1): void {
    this.update(this.value + by);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.write();
  }

  private write(): void {
    this.lastWrite = Date.now();
    const percent = this.total > 0 ? Math.floor((100 * this.value) / this.total) : 100;
    this.stream.write(`${this.label}: ${this.value}/${this.total} (${percent}%)\n`);
  }
}
