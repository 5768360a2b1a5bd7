import { join } from 'node:path';
import { LedgerTransparency } from '#api/infrastructure/transparency.module';
import { generateLedger } from '#bench/generate-ledger';
import type { EventStore } from '#event-store';
import { HARNESS_AUTH, LedgerUnderTest, removeDataDirs, sqliteOnly, tempDataDir } from '../support/ledger-harness.js';

/**
 * Audit reads cannot starve the API: they run in slices that yield to the
 * event loop, a limited number of each kind at once (503 audit-busy beyond),
 * HEAD runs no export, and history comes in pages. On a generated ledger of
 * 30,000 events (written straight into the SQLite file). The API runs in this
 * process, so the order in which things happen is one timeline: a probe's
 * answer recorded between two pages the server read did come in between.
 */
const TOTAL = 30_000;
const PROJECTS = 1_000;

describe('audit reads on a 30,000-event ledger', () => {
  let api: LedgerUnderTest;
  let url: string;
  const timeline: string[] = [];
  let restore: () => void = () => undefined;

  beforeAll(async () => {
    const dir = tempDataDir();
    await generateLedger(join(dir, 'events.sqlite'), TOTAL, 50, PROJECTS);
    api = await LedgerUnderTest.start(dir, { EXPORT_MAX_CONCURRENT: '1', VERIFY_MAX_CONCURRENT: '1', IATI_MAX_CONCURRENT: '1' });
    url = api.url.replace('[::1]', '127.0.0.1');
    expect(await api.runner.waitFor(await api.head(), 120_000)).toBe(true);
    // The tree over the whole ledger and a head of it, so that a verify also checks the tree's heads (a second pass).
    expect(await api.app.get(LedgerTransparency).follower.waitFor(await api.head(), 120_000)).toBe(true);
    expect((await api.send('POST', '/audit/tree-heads')).body.treeSize).toBe(TOTAL);
    // Every page the store is asked for, in the timeline.
    const store: EventStore = api.events.stored;
    const readAll = store.readAll.bind(store);
    const readStream = store.readStream.bind(store);
    store.readAll = (options) => {
      if ((options?.maxCount ?? 0) > 1) timeline.push(`readAll ${options?.maxCount}`);
      return readAll(options);
    };
    store.readStream = (streamId, options) => {
      timeline.push(`readStream ${streamId}`);
      return readStream(streamId, options);
    };
    restore = () => {
      store.readAll = readAll;
      store.readStream = readStream;
    };
  }, 180_000);
  afterAll(async () => {
    restore();
    await api?.stop();
    await removeDataDirs();
  }, 60_000);
  beforeEach(() => timeline.splice(0));

  /** Polls /health/live one request after another until `done` settles; each answer goes into the timeline. */
  async function probeUntil(done: Promise<unknown>): Promise<number> {
    let settled = false;
    void done.finally(() => (settled = true));
    let answers = 0;
    while (!settled) {
      const reply = await fetch(`${url}/health/live`);
      await reply.arrayBuffer();
      expect(reply.status).toBe(200);
      timeline.push('probe');
      answers++;
    }
    return answers;
  }

  /** How many probe answers came in after the first page and before the last one of this kind. */
  function probesBetween(page: string): number {
    const first = timeline.indexOf(page);
    const last = timeline.lastIndexOf(page);
    return timeline.slice(first, last).filter((entry) => entry === 'probe').length;
  }

  sqliteOnly(
    'a liveness probe is answered between the pages of a full verify, and between those of an export',
    async () => {
      const verify = fetch(`${url}/audit/verify`, { headers: HARNESS_AUTH }).then(async (reply) => ({
        status: reply.status,
        body: (await reply.json()) as { events: number; treeHeads: unknown },
      }));
      await probeUntil(verify);
      expect(await verify).toMatchObject({ status: 200, body: { events: TOTAL } });
      expect(timeline.filter((entry) => entry === 'readAll 250').length).toBeGreaterThanOrEqual(2 * 120);
      // Interleaved: probes were answered while the verification was reading the log, not only before or after it: in
      // each of its two passes (the hash chains, then the signed tree heads recomputed from the events).
      const pages = timeline.flatMap((entry, index) => (entry === 'readAll 250' ? [index] : []));
      const secondPass = pages[Math.ceil(pages.length / 2)];
      expect(timeline.slice(pages[0], secondPass).filter((entry) => entry === 'probe').length).toBeGreaterThan(2);
      expect(timeline.slice(secondPass, pages[pages.length - 1]).filter((entry) => entry === 'probe').length).toBeGreaterThan(2);
      expect((await verify).body.treeHeads).toMatchObject({ ok: true, leaves: TOTAL });

      timeline.splice(0);
      const exported = fetch(`${url}/audit/events`, { headers: HARNESS_AUTH }).then(
        async (reply) => (await reply.text()).split('\n').length,
      );
      await probeUntil(exported);
      expect(await exported).toBe(TOTAL + 1);
      expect(probesBetween('readAll 250')).toBeGreaterThan(2);
    },
    120_000,
  );

  sqliteOnly(
    'a verify past VERIFY_MAX_CONCURRENT is refused at once (503, Retry-After), not queued',
    async () => {
      const send = () => fetch(`${url}/audit/verify`, { headers: HARNESS_AUTH });
      const [first, second] = await Promise.all([send(), send()]);
      const answers = await Promise.all([first, second].map(async (reply) => ({ status: reply.status, body: await reply.json() })));
      const refused = [first, second].find((reply) => reply.status === 503);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 503]);
      expect(refused?.headers.get('retry-after')).toBe('5');
      expect(answers.find((answer) => answer.status === 503)?.body).toMatchObject({ statusCode: 503, code: 'audit-busy' });
      // The slot is released when the read ends: a verify afterwards runs.
      expect((await send()).status).toBe(200);
    },
    120_000,
  );

  sqliteOnly(
    'an export held open by a reader that does not read keeps its slot: the next is 503 until it goes away',
    async () => {
      const held = new AbortController();
      const slow = await fetch(`${url}/audit/events`, { headers: HARNESS_AUTH, signal: held.signal });
      expect(slow.status).toBe(200);
      // Its body is never read: the export waits on backpressure, holding the one slot.
      const refused = await fetch(`${url}/audit/events?format=csv`, { headers: HARNESS_AUTH });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(await refused.json()).toMatchObject({ code: 'audit-busy' });
      // Other kinds have their own limits: a verify of one stream still runs.
      expect((await fetch(`${url}/audit/verify?streamId=project-project-1`, { headers: HARNESS_AUTH })).status).toBe(200);
      held.abort();
      let status = 0;
      for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
        const next = await fetch(`${url}/audit/events?projectId=project-1`, { headers: HARNESS_AUTH });
        status = next.status;
        await next.arrayBuffer();
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(200);
    },
    120_000,
  );

  sqliteOnly(
    'HEAD /audit/events and HEAD …/iati answer the headers without reading the export',
    async () => {
      const head = await fetch(`${url}/audit/events?format=csv`, { method: 'HEAD', headers: HARNESS_AUTH });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toContain('text/csv');
      expect(head.headers.get('content-disposition')).toContain('attachment');
      expect(Number(head.headers.get('x-ledger-until-position'))).toBe(TOTAL);
      const iati = await fetch(`${url}/partner-pairs/pair-1/iati`, { method: 'HEAD', headers: HARNESS_AUTH });
      expect(iati.status).toBe(200);
      expect(iati.headers.get('content-type')).toContain('application/xml');
      expect(timeline.filter((entry) => entry.startsWith('readAll') || entry.startsWith('readStream project-'))).toEqual([]);
      // HEAD still checks the request: an unknown project is a 404, a bad parameter a 400.
      expect((await fetch(`${url}/audit/events?projectId=nope`, { method: 'HEAD', headers: HARNESS_AUTH })).status).toBe(404);
      expect((await fetch(`${url}/audit/events?format=xml`, { method: 'HEAD', headers: HARNESS_AUTH })).status).toBe(400);
      // The GET reads the pages the HEAD did not.
      await (await fetch(`${url}/audit/events?format=csv`, { headers: HARNESS_AUTH })).text();
      expect(timeline.filter((entry) => entry === 'readAll 250').length).toBeGreaterThan(100);
    },
    120_000,
  );

  sqliteOnly(
    'history comes in pages that cover every revision exactly once, linked by nextAfterRevision and Link',
    async () => {
      const projectId = 'project-1';
      const all = await api.events.stored.readStream(`project-${projectId}`);
      expect(all.length).toBeGreaterThan(20);
      const whole = await api.get(`/projects/${projectId}/history`);
      expect(whole.body.events.map((event: { revision: number }) => event.revision)).toEqual(all.map((event) => event.revision));
      expect(whole.body.nextAfterRevision).toBeNull();
      expect(whole.headers.get('link')).toBeNull();

      const seen: number[] = [];
      let path: string | null = `/projects/${projectId}/history?limit=7`;
      let pages = 0;
      while (path !== null) {
        const page: { status: number; body: any; headers: Headers } = await api.get(path);
        expect(page.status).toBe(200);
        expect(page.body.events.length).toBeLessThanOrEqual(7);
        seen.push(...page.body.events.map((event: { revision: number }) => event.revision));
        const link = page.headers.get('link');
        const next: number | null = page.body.nextAfterRevision;
        expect(link).toBe(next === null ? null : `</projects/${projectId}/history?afterRevision=${next}&limit=7>; rel="next"`);
        path = next === null ? null : `/projects/${projectId}/history?afterRevision=${next}&limit=7`;
        pages++;
      }
      expect(seen).toEqual(all.map((event) => event.revision));
      expect(pages).toBe(Math.ceil(all.length / 7) + (all.length % 7 === 0 ? 1 : 0));
      // Past the end: an empty page of a known project; an unknown project is a 404 whatever the page.
      expect((await api.get(`/projects/${projectId}/history?afterRevision=100000`)).body).toMatchObject({
        events: [],
        nextAfterRevision: null,
      });
      expect((await api.get('/projects/nope/history?afterRevision=3')).status).toBe(404);
      for (const bad of ['limit=0', 'limit=10001', 'limit=x', 'afterRevision=-1']) {
        expect((await api.get(`/projects/${projectId}/history?${bad}`)).body).toMatchObject({ code: 'invalid-request' });
      }
    },
    120_000,
  );
});
