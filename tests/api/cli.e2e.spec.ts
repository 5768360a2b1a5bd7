import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { EVENTS_FILE, READ_MODELS_FILE } from '#api/infrastructure/data-files';
import { LedgerUnderTest, removeDataDirs, sqliteOnly, storeEnv, tempDataDir } from '../support/ledger-harness.js';
import { BUILT_CLI, runCliProcess } from '../support/processes.js';

/**
 * The operator CLI as its own process (the built dist/, as `npm run cli`
 * runs it), on a temporary DATA_DIR, beside the real API on the same store.
 */
const DEMO_CSV = fileURLToPath(new URL('../../demo/report-figures.csv', import.meta.url));
const DEMO_JSON = JSON.parse(readFileSync(new URL('../../demo/paired-assistance.json', import.meta.url), 'utf8')) as {
  commands: Array<{ path: string; body: unknown }>;
};
/** Each demo command (a row of the CSV) appends one event. */
const DEMO_EVENTS = DEMO_JSON.commands.length;

const running: LedgerUnderTest[] = [];
async function startApi(dataDir = tempDataDir()): Promise<LedgerUnderTest> {
  const api = await LedgerUnderTest.start(dataDir);
  running.push(api);
  return api;
}
afterAll(async () => {
  await Promise.all(running.map((api) => api.stop()));
  await removeDataDirs();
});

function writeCsv(dataDir: string, name: string, lines: string[]): string {
  const file = join(dataDir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** How many events the store holds (positions are not counts on EventStoreDB). */
async function eventCount(api: LedgerUnderTest): Promise<number> {
  let count = 0;
  for (let after = 0; ;) {
    const page = await api.events.readAll({ after, maxCount: 1000 });
    if (page.length === 0) return count;
    count += page.length;
    after = page[page.length - 1].position;
  }
}

/** Every pair's summary and every project, as the API answers once it has caught up with `head`. */
async function figures(api: LedgerUnderTest): Promise<Record<string, unknown>> {
  const head = await api.head();
  const pairs = (await api.get(`/partner-pairs?minPosition=${head}`)).body.pairs as Array<{ pairId: string }>;
  const result: Record<string, unknown> = {};
  for (const { pairId } of pairs) {
    result[`pair ${pairId}`] = (await api.get(`/partner-pairs/${pairId}/summary`)).body;
    for (const project of (await api.get(`/partner-pairs/${pairId}/projects`)).body.projects) {
      const { revision: _r, position: _p, ...figures } = project;
      result[`project ${project.projectId}`] = figures;
    }
  }
  return result;
}

describe('npm run cli', () => {
  it('shows help for the CLI and for each command', async () => {
    const dir = tempDataDir();
    const general = await runCliProcess(dir, ['--help']);
    expect(general.code).toBe(0);
    expect(general.stdout).toContain('Usage: npm run cli -- <command> [options]');
    expect(general.stdout).toMatch(/^ {2}import {3}import a CSV of report figures/m);
    expect(general.stdout).toMatch(/^ {2}rebuild {2}rebuild every read model/m);
    expect(general.stdout).toContain('Exit codes: 0 done; 1 the work failed');

    const help = await runCliProcess(dir, ['import', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: npm run cli -- import <file> [options]');
    expect(help.stdout).toContain('238.05亿 (23,805,000,000.00)');
    expect(help.stdout).toContain('--dry-run');
    expect((await runCliProcess(dir, ['help', 'rebuild'])).stdout).toContain('Usage: npm run cli -- rebuild');
  });

  it.each([
    [[], 'Usage: npm run cli -- <command>'],
    [['transmogrify'], 'unknown command "transmogrify"; the commands are: export, import, rebuild, verify'],
    [['import'], 'import: expected <file>, got none'],
    [['import', 'a.csv', 'b.csv'], 'import: expected <file>, got "a.csv" "b.csv"'],
    [['import', '--force', 'a.csv'], "import: Unknown option '--force'"],
    [['import', '--currency', 'yuan', DEMO_CSV], 'import: --currency must be a supported ISO 4217 code'],
    [['import', 'no-such-file.csv'], 'import: cannot read no-such-file.csv: no such file'],
  ])('exits 2 on the command line %j, saying what is wrong', async (args, message) => {
    const run = await runCliProcess(tempDataDir(), args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
  });

  it('exits 2 on a bad configuration, read by the same loader as the API', async () => {
    const run = await runCliProcess(tempDataDir(), ['import', DEMO_CSV], { EVENT_STORE: 'postgres' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('configuration error: EVENT_STORE must be "sqlite" or "esdb", got "postgres"');
  });
});

describe('npm run cli -- import', () => {
  it('imports the demo report figures while the API runs; the API then answers exactly what the demo loaded over HTTP gives', async () => {
    const api = await startApi();
    const run = await runCliProcess(api.dataDir, ['import', DEMO_CSV]);
    expect(run.stderr).not.toMatch(/^line /m);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `report-figures\\.csv: ${DEMO_EVENTS} row\\(s\\): ${DEMO_EVENTS} appended, 0 already recorded ` +
          `\\(correlation id [0-9a-f-]{36}\\)\n$`,
      ),
    );
    // Progress goes to stderr as plain lines when it is not a terminal.
    expect(run.stderr).toContain(`appending: ${DEMO_EVENTS}/${DEMO_EVENTS} (100%)`);

    const overHttp = await startApi();
    for (const command of DEMO_JSON.commands) expect((await overHttp.post(command.path, command.body)).status).toBe(201);
    const imported = await figures(api);
    expect(imported).toEqual(await figures(overHttp));
    // 340.33亿: the Shanghai–Sanming pair's signings by 2024-05-07.
    expect((imported['pair shanghai-sanming'] as { total: { pledged: unknown } }).total.pledged).toEqual({ CNY: '34033000000.00' });

    const history = (await api.get('/projects/sm-2024-graphite-anode/history')).body.events;
    const correlationId = /correlation id ([0-9a-f-]{36})/.exec(run.stdout)?.[1];
    expect(
      history.map((e: { metadata: { actor: string; correlationId: string } }) => [e.metadata.actor, e.metadata.correlationId]),
    ).toEqual([['cli-import', correlationId]]);
  });

  it('imports every kind of row with report amounts exactly; importing the file again appends nothing', async () => {
    const dir = tempDataDir();
    const file = writeCsv(dir, 'figures.csv', [
      '# illustrative figures',
      'kind,pairId,parentPairId,projectId,id,corrects,date,amount,currency,jobs,milestone,title,sector,capitalKind,' +
        'donor,donorLevel,recipient,recipientLevel,programme,reason',
      'pair,fujian-changji,,,,,1999-01-01,,,,,,,,Fujian Province,province,Changji Prefecture,prefecture,paired-assistance,',
      'pair,xiamen-jimsar,fujian-changji,,,,,,,,,,,,Xiamen City,city,Jimsar County,county,paired-assistance,',
      'signing,xiamen-jimsar,,jm-cotton,,,2024-03-01,238.05亿,,,,Cotton spinning park,textiles,investment,,,,,,',
      'disbursement,,,jm-cotton,,,2024-06-30,1510万,,,,,,,,,,,,',
      'disbursement,,,jm-cotton,t2,,2024-09-30,"1,234.56",CNY,,,,,,,,,,,',
      'jobs,,,jm-cotton,q4,,2024-12-31,,,"1,200",,,,,,,,,,',
      'milestone,,,jm-cotton,,,2024-04-01,,,,landed,,,,,,,,,',
      'pledge-revision,,,jm-cotton,,,2024-10-01,240亿,,,,,,,,,,,,second phase added',
      'disbursement-correction,,,jm-cotton,,t2,2024-10-15,1000元,,,,,,,,,,,,the bank statement shows 1000',
      'jobs-correction,,,jm-cotton,,q4,2025-01-20,,,"1,150",,,,,,,,,,seasonal workers counted twice',
      'signing,fujian-changji,,fj-aid,,,2024-01-15,5000万元,,,,Aid-funded school,education,aid,,,,,,',
      'cancellation,,,fj-aid,,,2024-02-01,,,,,,,,,,,,,site moved',
    ]);
    const api = await startApi(dir);
    const first = await runCliProcess(dir, ['import', file]);
    expect(first.stderr).not.toMatch(/^line /m);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('figures.csv: 12 row(s): 12 appended, 0 already recorded');
    const head = await api.head();
    expect(await eventCount(api)).toBe(12);

    const jimsar = (await api.get(`/partner-pairs/xiamen-jimsar/summary?minPosition=${head}`)).body;
    expect(jimsar.own).toEqual({
      pledged: { CNY: '24000000000.00' },
      // 1510万 + 1,234.56 corrected to 1000元
      delivered: { CNY: '15101000.00' },
      jobsCreated: 1150,
      projects: { active: 1, completed: 0, cancelled: 0 },
    });
    const fujian = (await api.get('/partner-pairs/fujian-changji/summary')).body;
    expect(fujian.own.projects).toEqual({ active: 0, completed: 0, cancelled: 1 });
    expect(fujian.total.pledged).toEqual({ CNY: '24000000000.00' });
    const project = (await api.get('/projects/jm-cotton')).body;
    expect(project).toMatchObject({
      pledged: { amount: '24000000000.00', currency: 'CNY' },
      remaining: { amount: '23984899000.00', currency: 'CNY' },
      milestones: [expect.objectContaining({ milestone: 'landed' })],
    });

    const again = await runCliProcess(dir, ['import', file]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('figures.csv: 12 row(s): 0 appended, 12 already recorded');
    expect(await api.head()).toBe(head);

    const dry = await runCliProcess(dir, ['import', '--dry-run', file]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('0 to append, 12 already recorded (dry run: nothing appended)');
  });

  it('imports nothing from a file with bad rows, and reports each bad row with its line and column', async () => {
    const dir = tempDataDir();
    const api = await startApi(dir);
    const good = writeCsv(dir, 'good.csv', [
      'kind,pairId,projectId,title,sector,capitalKind,amount,date,donor,donorLevel,recipient,recipientLevel,programme',
      'pair,sh-sm,,,,,,,Shanghai Municipality,province,Sanming City,city,paired-cooperation',
      'signing,sh-sm,graphite,Graphite anode,new-materials,investment,30亿,2024-05-07,,,,,',
    ]);
    expect((await runCliProcess(dir, ['import', good])).code).toBe(0);
    const head = await api.head();

    const bad = writeCsv(dir, 'bad.csv', [
      'kind,pairId,projectId,id,title,sector,capitalKind,amount,currency,date,jobs',
      'signing,sh-sm,anode-2,,Anode phase 2,new-materials,investment,12.5亿,,2024-06-01,',
      'disbursement,,graphite,t1,,,,29亿,,2024-06-01,',
      'disbursement,,graphite,t2,,,,1.5亿,,2024-06-02,',
      'disbursement,,graphite,t3,,,,-5万,,2024-06-03,',
      'disbursement,,graphite,t4,,,,1.234,,2024-06-03,',
      'disbursement,,graphite,t5,,,,lots,,2024-06-03,',
      'disbursement,,graphite,t6,,,,,,2024-06-03,',
      'disbursement,,graphite,t7,,,,5,USD,2024-06-03,',
      'jobs,,graphite,q1,,,,,,2024-13-01,12',
      'disbursement,,unknown,t8,,,,5,,2024-06-03,',
      'disbursement,,anode-2,t9,,,,5,,2024-06-03,',
    ]);
    const run = await runCliProcess(dir, ['import', bad]);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').filter((line) => line.startsWith('line '))).toEqual([
      'line 4, column amount: disbursing 150000000.00 CNY would exceed the remaining pledge of 100000000.00 CNY (exceeds-remaining-pledge)',
      'line 5, column amount: "-5万" must not be negative',
      'line 6, column amount: "1.234" has 3 decimal places; CNY amounts have at most 2',
      'line 7, column amount: "lots" is not an amount: write digits with an optional fraction and thousands commas, ' +
        'optionally followed by 万, 亿 or 万亿 and 元 (such as 1,234.56, 1510万 or 238.05亿)',
      'line 8, column amount: is required for disbursement rows',
      'line 9, column currency: the disbursement is in USD but the pledge is in CNY; currencies are never mixed (currency-mismatch)',
      'line 10, column date: date must be a real calendar date written YYYY-MM-DD',
      'line 11, column projectId: project unknown has not been signed (project-not-found)',
    ]);
    expect(run.stdout).toContain('bad.csv: nothing imported: 8 of 11 row(s) refused');
    // The good rows (a new signing, a tranche that fits) were not imported either.
    expect(await api.head()).toBe(head);
    expect((await api.get('/projects/anode-2')).status).toBe(404);
  });

  it('finishes an import killed midway when the same file is run again, appending each row once', async () => {
    const dir = tempDataDir();
    const api = await startApi(dir);
    const tranches = 1500;
    const file = writeCsv(dir, 'many.csv', [
      'kind,pairId,projectId,id,title,sector,capitalKind,amount,date,donor,donorLevel,recipient,recipientLevel,programme',
      'pair,sh-sm,,,,,,,,Shanghai Municipality,province,Sanming City,city,paired-cooperation',
      ...Array.from({ length: 10 }, (_, p) => `signing,sh-sm,p${p},,Project ${p},new-materials,investment,1亿,2024-01-01,,,,,`),
      ...Array.from({ length: tranches }, (_, i) => `disbursement,,p${i % 10},t${i},,,,1.01万,2024-06-01,,,,,`),
    ]);
    const rows = 1 + 10 + tranches;

    const child: ChildProcess = spawn(process.execPath, [BUILT_CLI, 'import', file], {
      env: { ...process.env, DATA_DIR: dir, ...(await storeEnv(dir)) },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Count the events as they land; kill the import once 100 are stored.
    let seen = 0;
    let after = 0;
    let killedAt = 0;
    while (child.exitCode === null) {
      const page = await api.events.readAll({ after });
      seen += page.length;
      after = page.at(-1)?.position ?? after;
      if (seen >= 100) {
        child.kill('SIGKILL');
        killedAt = seen;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await exited;
    const stored = await eventCount(api);
    // Killed partway: some rows stored, not all.
    expect(killedAt).toBeGreaterThanOrEqual(100);
    expect(stored).toBeLessThan(rows);

    const resumed = await runCliProcess(dir, ['import', file]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`many.csv: ${rows} row(s): ${rows - stored} appended, ${stored} already recorded`);
    expect(await eventCount(api)).toBe(rows);
    // Appended through the ledger's write path, so the hash chains hold across the two runs.
    expect((await api.get('/audit/verify')).body).toMatchObject({ ok: true, events: rows, firstBreak: null });

    const summary = (await api.get(`/partner-pairs/sh-sm/summary?minPosition=${await api.head()}`)).body;
    // 1500 tranches of 1.01万, each stored once.
    expect(summary.own.delivered).toEqual({ CNY: '15150000.00' });

    const last = await runCliProcess(dir, ['import', file]);
    expect(last.stdout).toContain(`${rows} row(s): 0 appended, ${rows} already recorded`);
    expect(await eventCount(api)).toBe(rows);
  });
});

describe('npm run cli -- rebuild', () => {
  it('rebuilds the read models from the event store to the same figures', async () => {
    const dir = tempDataDir();
    const api = await startApi(dir);
    expect((await runCliProcess(dir, ['import', DEMO_CSV])).code).toBe(0);
    const before = await figures(api);
    await running.pop()?.stop();
    const run = await runCliProcess(dir, ['rebuild']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^rebuilt read models from ${DEMO_EVENTS} events up to position \\d+ in [0-9.]+ s\n$`));
    expect(run.stderr).toMatch(/^rebuilding: (\d+)\/\1 \(100%\)$/m);
    expect(await figures(await startApi(dir))).toEqual(before);
  });

  it('exits 3 while another rebuild is running', async () => {
    const dir = tempDataDir();
    expect((await runCliProcess(dir, ['import', DEMO_CSV])).code).toBe(0);
    expect((await runCliProcess(dir, ['rebuild'])).code).toBe(0);
    // What a rebuild in another process (or the API's) records while it runs.
    const db = new Database(join(dir, READ_MODELS_FILE));
    const now = new Date().toISOString();
    db.prepare(
      `INSERT OR REPLACE INTO projection_rebuilds (projection, rebuild_id, state, started_at, updated_at, finished_at, head, position,
         events, parked, error)
       VALUES ('ledger-read-models', 'other', 'running', ?, ?, NULL, 11, 5, 5, 0, NULL)`,
    ).run(now, now);
    db.close();
    const run = await runCliProcess(dir, ['rebuild']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('a rebuild of the read models is running');
    expect(run.stdout).toBe('');
  });
});

describe('npm run cli -- verify', () => {
  it('reports every chain intact after an import, per stream too, and refuses a bad --stream', async () => {
    const dir = tempDataDir();
    expect((await runCliProcess(dir, ['import', DEMO_CSV])).code).toBe(0);
    const run = await runCliProcess(dir, ['verify']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, events: DEMO_EVENTS, legacy: 0, firstBreak: null });
    expect(run.stderr).toMatch(new RegExp(`^ok: ${DEMO_EVENTS} events in \\d+ streams, every chain holds$`, 'm'));
    const one = await runCliProcess(dir, ['verify', '--stream', 'partner-pair-shanghai-sanming']);
    expect({ code: one.code, result: JSON.parse(one.stdout) }).toMatchObject({ code: 0, result: { ok: true, streams: 1, events: 1 } });
    const unknown = await runCliProcess(dir, ['verify', '--stream', 'project-no-such-project']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('holds no events');
    const bad = await runCliProcess(dir, ['verify', '--stream', 'not a stream']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--stream must be a ledger stream id');
  });

  // Tampering edits events.sqlite itself: there is no EventStoreDB file to edit.
  sqliteOnly('exits 1 and names the event when one stored event was edited in the database', async () => {
    const dir = tempDataDir();
    expect((await runCliProcess(dir, ['import', DEMO_CSV])).code).toBe(0);
    const db = new Database(join(dir, EVENTS_FILE));
    const target = db
      .prepare("SELECT position, stream_id, revision, data FROM events WHERE type = 'ProjectSigned' ORDER BY position LIMIT 1")
      .get() as {
      position: number;
      stream_id: string;
      revision: number;
      data: string;
    };
    const data = JSON.parse(target.data);
    data.pledged.amount = '1.00';
    expect(db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(data), target.position).changes).toBe(1);
    db.close();
    const run = await runCliProcess(dir, ['verify']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      brokenStreams: 1,
      firstBreak: { streamId: target.stream_id, revision: target.revision, position: target.position, reason: 'hash-mismatch' },
    });
    expect(run.stderr).toContain(`BROKEN: first break at ${target.stream_id} revision ${target.revision}`);
  });
});

describe('npm run cli -- export', () => {
  it('writes exactly what GET /audit/events exports, to stdout or a file, and refuses bad options', async () => {
    const dir = tempDataDir();
    const api = await startApi(dir);
    expect((await runCliProcess(dir, ['import', DEMO_CSV])).code).toBe(0);

    const jsonl = await runCliProcess(dir, ['export']);
    expect(jsonl.code).toBe(0);
    expect(jsonl.stdout.trim().split('\n')).toHaveLength(DEMO_EVENTS);
    expect(jsonl.stdout).toBe((await api.send('GET', '/audit/events')).body);
    expect(jsonl.stderr).toMatch(new RegExp(`^exported ${DEMO_EVENTS} events up to position \\d+$`, 'm'));

    const file = join(dir, 'sanming.csv');
    const csv = await runCliProcess(dir, ['export', '--format', 'csv', '--pair', 'shanghai-sanming', '--include-sub-pairs', '-o', file]);
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe('');
    const viaHttp = await api.send('GET', '/audit/events?format=csv&pairId=shanghai-sanming&includeSubPairs=true');
    expect(readFileSync(file, 'utf8')).toBe(viaHttp.body);
    expect(readFileSync(file, 'utf8').split('\r\n').length).toBeGreaterThan(2);

    const bad = await runCliProcess(dir, ['export', '--format', 'xml', '--from', '2024-02-30']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format must be one of jsonl, csv');
    expect(bad.stderr).toContain('--from must be a real calendar date');
    const unknown = await runCliProcess(dir, ['export', '--pair', 'no-such-pair']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('partner pair no-such-pair is not registered');
  });
});
