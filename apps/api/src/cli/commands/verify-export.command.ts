import { existsSync } from 'node:fs';
import { ExportFormatError, verifyExport } from '#transparency';
import { LEDGER_LEAVES } from '../../infrastructure/ledger-leaves.js';
import { linesOf, readHeadFile, readKeyFile, requiredOption } from '../auditor-files.js';
import { EXIT_FAILED, UsageError, defineCommand } from '../cli.js';

/**
 * `npm run cli -- verify-export`: the auditor's offline check. Trusts only
 * the head and the public key given; needs no server, no database, no network.
 */
export default defineCommand({
  name: 'verify-export',
  summary: 'check a JSON Lines export against a signed tree head, offline',
  description: `
Recomputes the Merkle root of the export's first treeSize ledger events (RFC 9162; the leaf of each
event is its canonical JSON, docs/auditing.md) and compares it with the head's, after checking the
head's Ed25519 signature with the public key. Also checks every stream's hash chain in the file, and
the signed head the export ends with, if any. With --baseline (an earlier export this same head
verified), names the first event that differs between the two. Needs no server, no database and no
network. Prints the result as JSON on stdout and a verdict on stderr; exits 0 when it holds and
${EXIT_FAILED} naming the first event (or root) that does not.`,
  arguments: [
    { name: 'export.jsonl', description: 'an unfiltered JSON Lines export (GET /audit/events, npm run cli -- export)', required: true },
  ],
  options: {
    head: { type: 'string', valueName: 'head.json', description: 'a signed tree head you kept (GET /audit/tree-head)' },
    'public-key': { type: 'string', valueName: 'key.pem', description: 'the public key (the pem of GET /audit/public-key)' },
    baseline: {
      type: 'string',
      valueName: 'earlier.jsonl',
      description: 'an earlier export this head verified: names the first differing event',
    },
  },
  examples: ['npm run -s cli -- verify-export --head head-2026-06.json --public-key ledger.pem ledger-events.jsonl'],
  async run(context) {
    const head = readHeadFile(requiredOption(context.values, 'head'), '--head');
    const key = readKeyFile(requiredOption(context.values, 'public-key'), '--public-key');
    const [file] = context.positionals;
    const baseline = context.values.baseline as string | undefined;
    for (const path of [file, baseline]) if (path !== undefined && !existsSync(path)) throw new UsageError(`no such file ${path}`);
    let result;
    try {
      result = await verifyExport(linesOf(file), head, key, LEDGER_LEAVES, baseline === undefined ? undefined : linesOf(baseline));
    } catch (error) {
      if (!(error instanceof ExportFormatError)) throw error;
      context.out(JSON.stringify({ ok: false, problem: error.message }, null, 2));
      context.err(`NOT VERIFIED: ${error.message}`);
      return EXIT_FAILED;
    }
    context.out(JSON.stringify(result, null, 2));
    context.err(
      result.ok
        ? `ok: the export's first ${head.treeSize} ledger events give the root the head signs (key ${head.keyId}); ` +
            `${result.leaves} events in all, every chain holds` +
            (result.trailingHead ? `, and its own head of ${result.trailingHead.treeSize} holds` : '')
        : `NOT VERIFIED: ${result.problem}`,
    );
    return result.ok ? undefined : EXIT_FAILED;
  },
});
