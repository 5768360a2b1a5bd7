import { InFlight } from './in-flight.js';

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('calls under way, for a closing to wait on', () => {
  it('waits for every call under way, resolved or rejected, and counts only those', async () => {
    const calls = new InFlight();
    const order: string[] = [];
    void calls.track(after(60, 'slow')).then((value) => order.push(value));
    calls.track(after(20, null).then(() => Promise.reject(new Error('refused')))).catch(() => order.push('refused'));
    expect(calls.size).toBe(2);
    await calls.settled(5000);
    order.push('settled');
    expect(order).toEqual(['refused', 'slow', 'settled']);
    expect(calls.size).toBe(0);
  });

  it('gives up after the time it was given, for a call that never settles', async () => {
    const calls = new InFlight();
    void calls.track(new Promise(() => undefined));
    const started = performance.now();
    await calls.settled(30);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(calls.size).toBe(1);
  });
});
