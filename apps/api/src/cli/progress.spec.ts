import { startProgress } from './progress.js';

class Capture {
  text = '';
  constructor(readonly isTTY: boolean) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  // What cli-progress asks of a terminal stream.
  cursorTo(): boolean {
    return true;
  }
  clearLine(): boolean {
    return true;
  }
  moveCursor(): boolean {
    return true;
  }
  get columns(): number {
    return 120;
  }
}

describe('progress', () => {
  it('draws a bar on a terminal', () => {
    const stream = new Capture(true);
    const progress = startProgress('appending', 4, stream);
    for (let i = 0; i < 4; i++) progress.increment();
    progress.stop();
    expect(stream.text).toContain('appending');
    expect(stream.text).toContain('100% | 4/4');
    expect(stream.text).toContain('█');
  });

  it('writes plain lines elsewhere: the first update at once, then at most once per interval, and always a last one', () => {
    const stream = new Capture(false);
    const progress = startProgress('checking', 1000, stream, 60_000);
    for (let i = 0; i < 1000; i++) progress.increment();
    progress.stop();
    progress.stop();
    expect(stream.text).toBe('checking: 1/1000 (0%)\nchecking: 1000/1000 (100%)\n');

    const eager = new Capture(false);
    const every = startProgress('rebuilding', 10, eager, 0);
    every.update(5);
    every.update(12, 20);
    every.stop();
    expect(eager.text.split('\n').filter(Boolean)).toEqual([
      'rebuilding: 5/10 (50%)',
      'rebuilding: 12/20 (60%)',
      'rebuilding: 12/20 (60%)',
    ]);
  });
});
