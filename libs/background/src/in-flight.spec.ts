import { InFlight } from './in-flight.js';

describe('the calls a client has under way', () => {
  it('waits for every call under way to settle, resolved or rejected, and counts none after', async () => {
    const inFlight = new InFlight();
    const order: string[] = [];
    const slow = inFlight.track(new Promise((resolve) => setTimeout(() => resolve(order.push('slow')), 80)));
    const failing = inFlight.track(new Promise((_, reject) => setTimeout(() => reject(new Error('refused')), 40)));
    failing.catch(() => order.push('failed'));
    expect(inFlight.size).toBe(2);
    await inFlight.settled(5000);
    order.push('settled');
    expect(order).toEqual(['failed', 'slow', 'settled']);
    expect(inFlight.size).toBe(0);
    await expect(slow).resolves.toBe(2);
  });

  it('stops waiting after its timeout for a call that never answers', async () => {
    const inFlight = new InFlight();
    inFlight.track(new Promise(() => undefined));
    const started = performance.now();
    await inFlight.settled(100);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(inFlight.size).toBe(1);
  });
});
