import { jest } from '@jest/globals';
import { TIMED_OUT, within } from './within.js';

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('a promise, or give up after a while', () => {
  afterEach(() => jest.useRealTimers());

  it("answers the promise's value when it comes first, and leaves no timer behind", async () => {
    jest.useFakeTimers();
    const answer = within(1000, Promise.resolve('answered'));
    await expect(answer).resolves.toBe('answered');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('answers TIMED_OUT when the time runs out first, and does not wait for the promise', async () => {
    const started = performance.now();
    await expect(within(20, new Promise(() => undefined))).resolves.toBe(TIMED_OUT);
    expect(performance.now() - started).toBeLessThan(4000);
  });

  it('rejects when the promise rejects first, and ignores a rejection that comes after the time ran out', async () => {
    await expect(within(1000, Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    const late = after(30, null).then(() => Promise.reject(new Error('too late')));
    await expect(within(5, late)).resolves.toBe(TIMED_OUT);
    // The late rejection is handled by within's race: waiting past it raises nothing.
    await after(50, null);
  });

  it('tells an answer of undefined from running out of time', async () => {
    await expect(within(1000, Promise.resolve(undefined))).resolves.toBeUndefined();
  });
});
