import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EVENTS_FILE, TREE_FILE } from '#api/infrastructure/data-files';
import { LedgerTransparency } from '#api/infrastructure/transparency.module';
import { chainEvents } from '#event-store';
import { LedgerUnderTest, ledgerPerSuite, removeDataDirs, sqliteOnly, tempDataDir } from '../support/ledger-harness.js';
import { runCliProcess } from '../support/processes.js';
import { pairBody } from '../support/fixtures.js';
import { scenario } from '../support/scenario.js';
import type { EventRow } from '#event-store/sqlite';

/**
 * The verifiable ledger, end to end: signed tree heads, inclusion and
 * consistency proofs over HTTP, and the attacks the issue lists, each on the
 * real files with the server stopped, caught by the offline verifier (a
 * separate process with no server, no DATA_DIR) and by GET /audit/verify.
 *
 * Every root, leaf and proof is checked here by an INDEPENDENT implementation
 * of RFC 9162 §2.1 and of the documented leaf form (docs/auditing.md), not the
 * production code: what an auditor would write from the documentation.
 */
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const canon = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canon).join(',')}]`
    : v !== null && typeof v === 'object'
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : JSON.stringify(v);
interface Line {
  eventId: string;
  streamId: string;
  revision: number;
  position: number;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: Record<string, unknown>;
}
const leafOf = (e: Line) =>
  sha(
    Buffer.from([0]),
    Buffer.from(
      canon({
        data: e.data,
        id: e.eventId,
        metadata: e.metadata,
        revision: e.revision,
        schemaVersion: e.schemaVersion,
        streamId: e.streamId,
        type: e.type,
      }),
    ),
  );
const node = (l: Buffer, r: Buffer) => sha(Buffer.from([1]), l, r);
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
const mth = (d: Buffer[]): Buffer =>
  d.length === 0 ? sha() : d.length === 1 ? d[0] : node(mth(d.slice(0, k(d.length))), mth(d.slice(k(d.length))));
/** The root an audit path leads to, walking the RFC's recursion back up (null if the path has the wrong length). */
function rootFromPath(m: number, n: number, leaf: Buffer, path: Buffer[]): Buffer | null {
  if (n === 1) return path.length === 0 ? leaf : null;
  if (path.length === 0) return null;
  const split = k(n);
  const [rest, sibling] = [path.slice(0, -1), path[path.length - 1]];
  if (m < split) {
    const left = rootFromPath(m, split, leaf, rest);
    return left && node(left, sibling);
  }
  const right = rootFromPath(m - split, n - split, leaf, rest);
  return right && node(sibling, right);
}
function subproof(m: number, d: Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const split = k(d.length);
  return m <= split
    ? [...subproof(m, d.slice(0, split), b), mth(d.slice(split))]
    : [...subproof(m - split, d.slice(split), false), mth(d.slice(0, split))];
}
const hex = (b: Buffer) => b.toString('hex');
const unhex = (s: string) => Buffer.from(s, 'hex');

interface Head {
  treeSize: number;
  rootHash: string;
  timestamp: string;
  keyId: string;
  signature: string;
}
/** The head's signature, checked as docs/auditing.md describes it. */
function signatureHolds(head: Head, pem: string): boolean {
  const fields = [`"keyId":${JSON.stringify(head.keyId)}`, `"rootHash":${JSON.stringify(head.rootHash)}`];
  const message = `{${fields.join(',')},"timestamp":${JSON.stringify(head.timestamp)},"treeSize":${head.treeSize}}`;
  return verify(null, Buffer.from(message), createPublicKey(pem), Buffer.from(head.signature, 'base64'));
}
const ledgerLines = (text: string): Line[] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Line)
    .filter((line) => line.streamId !== undefined && /^(partner-pair-|project-)/.test(line.streamId));

describe('the verifiable ledger over HTTP', () => {
  const ledger = ledgerPerSuite();
  let api: LedgerUnderTest;
  beforeAll(async () => {
    api = ledger();
    for (const command of scenario(2, 3)) await api.post(command.path, command.body);
  });

  const signNow = async (): Promise<Head> => {
    const reply = await api.send('POST', '/audit/tree-heads');
    expect(reply.status).toBe(201);
    return reply.body;
  };
  const exported = async (): Promise<Line[]> => ledgerLines((await api.get('/audit/events')).body as string);

  it('publishes its public key as PEM and JWK, under the key id heads name', async () => {
    const { body } = await api.get('/audit/public-key');
    const key = createPublicKey(body.pem);
    expect(body.keyId).toBe(hex(sha(key.export({ type: 'spki', format: 'der' }))));
    expect(body.jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: body.keyId, x: key.export({ format: 'jwk' }).x });
    expect(body.algorithm).toBe('Ed25519');
  });

  it('signs a head over every ledger event, whose root an independent implementation recomputes from the export', async () => {
    const head = await signNow();
    const { pem } = (await api.get('/audit/public-key')).body;
    const lines = await exported();
    expect(head.treeSize).toBe(lines.length);
    expect(head.rootHash).toBe(hex(mth(lines.map(leafOf))));
    expect(signatureHolds(head, pem)).toBe(true);
    expect(signatureHolds({ ...head, treeSize: head.treeSize - 1 }, pem)).toBe(false);
    expect((await api.get('/audit/tree-head')).body).toEqual(head);
    expect((await api.get(`/audit/tree-head?treeSize=${head.treeSize}`)).body).toEqual(head);
  });

  it('proves each event in the tree: the audit path leads to the signed root', async () => {
    const head = await signNow();
    const lines = await exported();
    for (const [index, line] of lines.entries()) {
      const { body, status } = await api.get(`/audit/proofs/inclusion?eventId=${line.eventId}&treeSize=${head.treeSize}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        eventId: line.eventId,
        leafIndex: index,
        treeSize: head.treeSize,
        rootHash: head.rootHash,
        treeHead: head,
      });
      expect(body.leafHash).toBe(hex(leafOf(line)));
      expect(rootFromPath(index, head.treeSize, leafOf(line), body.auditPath.map(unhex))).toEqual(unhex(head.rootHash));
      // A proof in a smaller tree leads to that tree's root.
      if (index < head.treeSize - 1) {
        const smaller = (await api.get(`/audit/proofs/inclusion?eventId=${line.eventId}&treeSize=${head.treeSize - 1}`)).body;
        expect(rootFromPath(index, head.treeSize - 1, leafOf(line), smaller.auditPath.map(unhex))).toEqual(
          mth(lines.slice(0, -1).map(leafOf)),
        );
      }
    }
  });

  it('proves that a later head extends an earlier one, and keeps the earlier head', async () => {
    const older = await signNow();
    // Two more pairs (registered under pairs that exist).
    for (const command of scenario(4, 1).slice(2, 4)) expect((await api.post(command.path, command.body)).status).toBe(201);
    const newer = await signNow();
    expect(newer.treeSize).toBeGreaterThan(older.treeSize);
    const leaves = (await exported()).map(leafOf).slice(0, newer.treeSize);
    const { body } = await api.get(`/audit/proofs/consistency?from=${older.treeSize}&to=${newer.treeSize}`);
    expect(body).toEqual({ from: older.treeSize, to: newer.treeSize, proof: subproof(older.treeSize, leaves, true).map(hex) });
    expect(hex(mth(leaves.slice(0, older.treeSize)))).toBe(older.rootHash);
    expect(hex(mth(leaves))).toBe(newer.rootHash);
    expect((await api.get(`/audit/tree-head?treeSize=${older.treeSize}`)).body).toEqual(older);
    // Without `to`: up to the latest head.
    expect((await api.get(`/audit/proofs/consistency?from=${older.treeSize}`)).body.to).toBe(newer.treeSize);
    expect((await api.get(`/audit/proofs/consistency?from=0&to=${newer.treeSize}`)).body.proof).toEqual([]);
  });

  it('ends a whole-ledger JSON Lines export with the signed head of exactly its events, on request', async () => {
    const { pem } = (await api.get('/audit/public-key')).body;
    const text = (await api.get('/audit/events?treeHead=true')).body as string;
    const last = JSON.parse(text.trimEnd().split('\n').pop()!);
    const lines = ledgerLines(text);
    expect(last.treeHead).toMatchObject({ treeSize: lines.length, rootHash: hex(mth(lines.map(leafOf))) });
    expect(signatureHolds(last.treeHead, pem)).toBe(true);
    for (const bad of ['treeHead=true&pairId=pair-0', 'treeHead=true&format=csv', 'treeHead=true&afterPosition=3', 'treeHead=yes']) {
      const refused = await api.get(`/audit/events?${bad}`);
      expect([bad, refused.status, refused.body.code]).toEqual([bad, 400, 'invalid-request']);
    }
  });

  it("signs on request while another process holds the tree file's write lock, once that process lets go", async () => {
    // Another process on the same DATA_DIR (a relay, a second API) adds its batches to the shared tree file and signs
    // its own heads; the request must wait its transaction out rather than answer 503.
    expect((await api.post('/partner-pairs', pairBody('pair-of-the-locked-file'))).status).toBe(201);
    const transparency = api.app.get(LedgerTransparency);
    const head = await api.events.stored.headPosition();
    expect(await transparency.follower.waitFor(head, 30_000)).toBe(true);
    const other = new Database(join(api.dataDir, TREE_FILE), { timeout: 0 });
    try {
      other.exec('BEGIN IMMEDIATE');
      const signing = api.send('POST', '/audit/tree-heads');
      await new Promise((resolve) => setTimeout(resolve, 300));
      other.exec('COMMIT');
      const reply = await signing;
      expect([reply.status, reply.body.treeSize]).toEqual([201, transparency.tree.size()]);
    } finally {
      other.close();
    }
  });

  it('refuses bad parameters with 400 and sizes or events it does not hold with 404, each with its code', async () => {
    const { treeSize } = await signNow();
    const cases: Array<[string, number, string]> = [
      ['/audit/tree-head?treeSize=-1', 400, 'invalid-request'],
      ['/audit/tree-head?treeSize=1.5', 400, 'invalid-request'],
      ['/audit/tree-head?treesize=3', 400, 'invalid-request'],
      [`/audit/tree-head?treeSize=${treeSize + 1000}`, 404, 'tree-head-not-found'],
      ['/audit/proofs/inclusion', 400, 'invalid-request'],
      ['/audit/proofs/inclusion?eventId=not-a-uuid', 400, 'invalid-request'],
      ['/audit/proofs/inclusion?eventId=00000000-0000-4000-8000-000000000000', 404, 'event-not-in-tree'],
      [`/audit/proofs/inclusion?eventId=00000000-0000-4000-8000-000000000000&treeSize=${treeSize + 1000}`, 404, 'tree-size-not-reached'],
      ['/audit/proofs/consistency', 400, 'invalid-request'],
      ['/audit/proofs/consistency?from=x', 400, 'invalid-request'],
      [`/audit/proofs/consistency?from=${treeSize}&to=1`, 400, 'invalid-request'],
      [`/audit/proofs/consistency?from=1&to=${treeSize + 1000}`, 404, 'tree-size-not-reached'],
      ['/audit/proofs/consistency?from=1&to=99999999999999999999', 400, 'invalid-request'],
    ];
    for (const [path, status, code] of cases) {
      const reply = await api.get(path);
      expect([path, reply.status, reply.body.code]).toEqual([path, status, code]);
    }
    const first = (await exported())[0];
    const late = await api.get(`/audit/proofs/inclusion?eventId=${first.eventId}&treeSize=0`);
    expect([late.status, late.body.code]).toEqual([404, 'event-not-in-tree']);
    for (const path of ['/audit/public-key', '/audit/tree-head', '/audit/proofs/consistency?from=0'])
      expect((await api.get(path, { authorization: '' })).status).toBe(401);
    expect((await api.send('POST', '/audit/tree-heads', undefined, { authorization: '' })).status).toBe(401);
  });
});

/**
 * The attacks, on real files with the server stopped between steps. One honest
 * ledger is built and a head taken; each attack starts from a copy of its files.
 */
describe('an attacker with write access to the files', () => {
  // Each test spawns the CLI a few times and restarts the API: slow on a loaded machine, not a speed check.
  let pristine: string;
  let work: string;
  let head: Head;
  let honest: Line[];
  const files: Record<string, string> = {};

  beforeAll(async () => {
    pristine = tempDataDir();
    const api = await LedgerUnderTest.start(pristine);
    for (const command of scenario(3, 3)) await api.post(command.path, command.body);
    head = (await api.send('POST', '/audit/tree-heads')).body;
    const { pem } = (await api.get('/audit/public-key')).body;
    honest = ledgerLines((await api.get('/audit/events')).body as string);
    await api.stop();
    const outside = tempDataDir();
    files.head = join(outside, 'head.json');
    files.key = join(outside, 'ledger.pem');
    files.baseline = join(outside, 'baseline.jsonl');
    files.export = join(outside, 'export.jsonl');
    writeFileSync(files.head, JSON.stringify(head));
    writeFileSync(files.key, pem);
    writeFileSync(files.baseline, honest.map((line) => JSON.stringify(line)).join('\n') + '\n');
  });
  afterAll(() => removeDataDirs());

  beforeEach(() => {
    work = tempDataDir();
    cpSync(pristine, work, { recursive: true });
  });

  const events = () => new Database(join(work, EVENTS_FILE));
  const rowsOf = (db: Database.Database) => db.prepare('SELECT * FROM events ORDER BY position').all() as EventRow[];

  /** The offline verifier, as its own process with no DATA_DIR of the ledger: the export, then the check. */
  async function offline(extra: string[] = []) {
    const exportRun = await runCliProcess(work, ['export', '--tree-head', '-o', files.export]);
    expect(exportRun.code).toBe(0);
    const outsider = tempDataDir();
    return runCliProcess(outsider, ['verify-export', '--head', files.head, '--public-key', files.key, ...extra, files.export]);
  }
  /** GET /audit/verify on the tampered files, the server started on them and stopped again. */
  async function served() {
    const api = await LedgerUnderTest.start(work);
    try {
      return (await api.get('/audit/verify')).body;
    } finally {
      await api.stop();
    }
  }
  const indexOf = (eventId: string) => honest.findIndex((line) => line.eventId === eventId);

  sqliteOnly(
    'an honest ledger verifies offline and over HTTP',
    async () => {
      const run = await offline(['--baseline', files.baseline]);
      expect([run.code, run.stderr]).toEqual([0, expect.stringContaining('ok:')]);
      expect(JSON.parse(run.stdout)).toMatchObject({
        ok: true,
        leaves: honest.length,
        computedRoot: head.rootHash,
        // The export ends with the head of exactly its events (here the same size as the head kept).
        trailingHead: { treeSize: honest.length, ok: true, problem: null },
      });
      expect(await served()).toMatchObject({ ok: true, treeHeads: { ok: true } });
    },
    180_000,
  );

  sqliteOnly(
    '(a) one amount and actor rewritten, its chain recomputed: caught, naming that event',
    async () => {
      const db = events();
      const rows = rowsOf(db);
      const target = rows.find((r) => r.type === 'FundsDisbursed' && r.stream_id === 'project-proj-1-1')!;
      const stream = rows.filter((r) => r.stream_id === target.stream_id);
      // The attacker's own tool: re-hash the stream from the forged event on, as the writer would have.
      const forged = stream.map((r) => {
        const data = JSON.parse(r.data);
        const metadata = JSON.parse(r.metadata);
        if (r.position === target.position) {
          data.amount.amount = '999999999.00';
          metadata.actor = 'someone-else';
        }
        const { hash: _hash, recordedAt, ...rest } = metadata;
        return { id: r.event_id, type: r.type, schemaVersion: r.schema_version, data, metadata: rest, recordedAt };
      });
      const rechained = chainEvents(target.stream_id, 0, '0'.repeat(64), forged);
      for (const [i, r] of stream.entries()) {
        const metadata = { ...rechained[i].metadata, recordedAt: forged[i].recordedAt };
        db.prepare('UPDATE events SET data = ?, metadata = ? WHERE position = ?').run(
          JSON.stringify(rechained[i].data),
          JSON.stringify(metadata),
          r.position,
        );
      }
      db.close();

      const chainsOnly = await served();
      // The chains hold (that was the attack); the signed heads do not.
      expect(chainsOnly).toMatchObject({ firstBreak: null, ok: false });
      expect(chainsOnly.treeHeads.firstDifference).toMatchObject({
        leafIndex: indexOf(target.event_id),
        reason: 'leaf-mismatch',
        found: { eventId: target.event_id, position: target.position },
      });
      expect(chainsOnly.treeHeads.firstBadHead).toMatchObject({ reason: 'root-mismatch' });

      const run = await offline();
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`the head says ${head.rootHash}`);
      const named = await runCliProcess(tempDataDir(), [
        'verify-export',
        '--head',
        files.head,
        '--public-key',
        files.key,
        '--baseline',
        files.baseline,
        files.export,
      ]);
      expect(named.code).toBe(1);
      expect(JSON.parse(named.stdout).firstDifference).toMatchObject({
        leafIndex: indexOf(target.event_id),
        exported: { eventId: target.event_id },
      });
      expect(named.stderr).toContain(`leaf ${indexOf(target.event_id)}, event ${target.event_id}`);
    },
    180_000,
  );

  sqliteOnly(
    '(b) a whole project stream deleted: caught at its first event',
    async () => {
      const db = events();
      const first = rowsOf(db).find((r) => r.stream_id === 'project-proj-0-2')!;
      expect(db.prepare("DELETE FROM events WHERE stream_id = 'project-proj-0-2'").run().changes).toBeGreaterThan(1);
      db.close();
      const report = await served();
      expect(report.firstBreak).toBeNull();
      expect(report.treeHeads.firstDifference).toMatchObject({ leafIndex: indexOf(first.event_id), expected: { eventId: first.event_id } });
      const run = await offline(['--baseline', files.baseline]);
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout).firstDifference).toMatchObject({
        leafIndex: indexOf(first.event_id),
        baseline: { eventId: first.event_id },
      });
    },
    180_000,
  );

  sqliteOnly(
    '(c) the last events of the log deleted: caught at the first one missing',
    async () => {
      const db = events();
      const rows = rowsOf(db);
      const gone = rows.slice(-3);
      db.prepare('DELETE FROM events WHERE position >= ?').run(gone[0].position);
      db.close();
      const report = await served();
      expect(report.firstBreak).toBeNull();
      expect(report.treeHeads.firstDifference).toMatchObject({
        leafIndex: honest.length - 3,
        reason: 'leaf-missing',
        expected: { eventId: gone[0].event_id },
      });
      const run = await offline();
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `the export holds ${honest.length - 3} ledger events, the head covers ${honest.length}: leaf ${honest.length - 3}`,
      );
    },
    180_000,
  );

  sqliteOnly(
    '(d) two events of different streams swapped in the log: caught at the earlier',
    async () => {
      const db = events();
      const rows = rowsOf(db);
      // Two neighbours of different streams: each stream keeps its own order, so every hash chain still holds.
      const at = rows.findIndex((r, i) => i > rows.length / 2 && rows[i + 1] && rows[i + 1].stream_id !== r.stream_id);
      const [a, b] = [rows[at], rows[at + 1]];
      db.transaction(() => {
        db.prepare('UPDATE events SET position = -1 WHERE position = ?').run(a.position);
        db.prepare('UPDATE events SET position = ? WHERE position = ?').run(a.position, b.position);
        db.prepare('UPDATE events SET position = ? WHERE position = -1').run(b.position);
      })();
      db.close();
      const report = await served();
      expect(report.firstBreak).toBeNull();
      expect(report.treeHeads.firstDifference).toMatchObject({ leafIndex: indexOf(a.event_id), found: { eventId: b.event_id } });
      const run = await offline(['--baseline', files.baseline]);
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout).firstDifference).toMatchObject({ leafIndex: indexOf(a.event_id), exported: { eventId: b.event_id } });
    },
    180_000,
  );

  sqliteOnly(
    '(e) the signing key replaced: the old heads no longer verify, and a head under the new key is refused offline',
    async () => {
      const { privateKey } = generateKeyPairSync('ed25519');
      writeFileSync(join(work, 'tree-signing-key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const api = await LedgerUnderTest.start(work);
      const [command] = scenario(4, 1).slice(3, 4);
      expect((await api.post(command.path, command.body)).status).toBe(201);
      const forged: Head = (await api.send('POST', '/audit/tree-heads')).body;
      const report = (await api.get('/audit/verify')).body;
      const proof = (await api.get(`/audit/proofs/consistency?from=${head.treeSize}&to=${forged.treeSize}`)).body;
      await api.stop();
      expect(forged.keyId).not.toBe(head.keyId);
      expect(report).toMatchObject({ ok: false, treeHeads: { firstBadHead: { reason: 'signature-invalid', keyId: head.keyId } } });
      const forgedFile = join(work, 'forged-head.json');
      writeFileSync(forgedFile, JSON.stringify(forged));
      writeFileSync(join(work, 'proof.json'), JSON.stringify(proof));
      const exportRun = await runCliProcess(work, ['export', '-o', files.export]);
      expect(exportRun.code).toBe(0);
      const run = await runCliProcess(tempDataDir(), ['verify-export', '--head', forgedFile, '--public-key', files.key, files.export]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`the head names key ${forged.keyId}`);
      const consistency = await runCliProcess(tempDataDir(), [
        'verify-consistency',
        '--old',
        files.head,
        '--new',
        forgedFile,
        '--proof',
        join(work, 'proof.json'),
        '--public-key',
        files.key,
      ]);
      expect(consistency.code).toBe(1);
    },
    180_000,
  );

  sqliteOnly(
    'a consistency proof between two honest heads verifies offline; one across a rewritten history does not',
    async () => {
      const grow = async (): Promise<{ newer: Head; proofFile: string; newerFile: string }> => {
        const api = await LedgerUnderTest.start(work);
        for (const command of scenario(5, 1).slice(3, 5)) expect((await api.post(command.path, command.body)).status).toBe(201);
        const newer: Head = (await api.send('POST', '/audit/tree-heads')).body;
        const proof = (await api.get(`/audit/proofs/consistency?from=${head.treeSize}&to=${newer.treeSize}`)).body;
        await api.stop();
        const proofFile = join(work, 'proof.json');
        const newerFile = join(work, 'newer.json');
        writeFileSync(proofFile, JSON.stringify(proof));
        writeFileSync(newerFile, JSON.stringify(newer));
        return { newer, proofFile, newerFile };
      };
      const check = (newerFile: string, proofFile: string) =>
        runCliProcess(tempDataDir(), [
          'verify-consistency',
          '--old',
          files.head,
          '--new',
          newerFile,
          '--proof',
          proofFile,
          '--public-key',
          files.key,
        ]);

      const honestGrowth = await grow();
      const ok = await check(honestGrowth.newerFile, honestGrowth.proofFile);
      expect([ok.code, ok.stderr]).toEqual([0, expect.stringContaining(`extends the head of ${head.treeSize}`)]);
      // The grown export still holds the old head's events first: it verifies against the old head.
      expect((await offline()).code).toBe(0);

      // Rewrite history under the same key and let the server rebuild its tree from the forged log.
      cpSync(pristine, work, { recursive: true });
      const db = events();
      const target = rowsOf(db).find((r) => r.stream_id === 'partner-pair-pair-1')!;
      const metadata = JSON.parse(target.metadata);
      metadata.actor = 'forger';
      const [rehashed] = chainEvents(target.stream_id, 0, '0'.repeat(64), [
        {
          id: target.event_id,
          type: target.type,
          schemaVersion: target.schema_version,
          data: JSON.parse(target.data),
          metadata: { ...metadata, hash: undefined, recordedAt: undefined },
        },
      ]);
      db.prepare('UPDATE events SET metadata = ? WHERE position = ?').run(
        JSON.stringify({ ...rehashed.metadata, recordedAt: metadata.recordedAt }),
        target.position,
      );
      db.close();
      rmSync(join(work, TREE_FILE));
      const rewritten = await grow();
      const refused = await check(rewritten.newerFile, rewritten.proofFile);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/NOT CONSISTENT: the proof gives the old root [0-9a-f]{64}, the old head says/);
    },
    180_000,
  );
});
