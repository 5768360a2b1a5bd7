import { ClosingGate } from './closing-gate.js';

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('a gate for calls that run together and closings that run alone', () => {
  it('lets calls run together, and a closing waits for every one of them, resolved or rejected', async () => {
    const gate = new ClosingGate();
    const order: string[] = [];
    const slow = gate.run(() => after(80, 'slow').then((value) => (order.push(value), value)));
    const failing = gate.run(() => after(40, null).then(() => Promise.reject(new Error('refused'))));
    failing.catch(() => order.push('failed'));
    expect(gate.underWay).toBe(2);
    await gate.close(async () => {
      order.push('closed');
    }, 5000);
    expect(order).toEqual(['failed', 'slow', 'closed']);
    await expect(slow).resolves.toBe('slow');
    expect(gate.underWay).toBe(0);
  });

  it('holds a call asked for while a closing runs until the closing is done', async () => {
    const gate = new ClosingGate();
    const order: string[] = [];
    const closing = gate.close(async () => {
      await after(60, null);
      order.push('closed');
    }, 5000);
    const call = gate.run(async () => {
      order.push('call');
    });
    await Promise.all([closing, call]);
    expect(order).toEqual(['closed', 'call']);
  });

  it('runs closings one at a time', async () => {
    const gate = new ClosingGate();
    let running = 0;
    let most = 0;
    const close = () =>
      gate.close(async () => {
        most = Math.max(most, ++running);
        await after(20, null);
        running--;
      }, 5000);
    await Promise.all([close(), close(), close()]);
    expect(most).toBe(1);
  });

  it('stops waiting for a call that never answers after its timeout', async () => {
    const gate = new ClosingGate();
    void gate.run(() => new Promise(() => undefined));
    const started = performance.now();
    let closed = false;
    await gate.close(async () => {
      closed = true;
    }, 100);
    expect(closed).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });
});
