import { verifyHeadsConsistency } from '#transparency';
import { readConsistencyProofFile, readHeadFile, readKeyFile, requiredOption } from '../auditor-files.js';
import { EXIT_FAILED, defineCommand } from '../cli.js';

/** `npm run cli -- verify-consistency`: that a later head only extends an earlier one, offline. */
export default defineCommand({
  name: 'verify-consistency',
  summary: 'check that a newer signed tree head only extends an older one, offline',
  description: `
Checks both heads' Ed25519 signatures with the public key, then the consistency proof between them
(RFC 9162 §2.1.4.2; the proof is the JSON of GET /audit/proofs/consistency?from=<old size>&to=<new size>).
When it holds, every event the old head covered is still there, unchanged and in the same order.
Needs no server, no database and no network. Exits 0 when it holds and ${EXIT_FAILED} naming what does
not (a signature, or the root the proof leads to).`,
  options: {
    old: { type: 'string', valueName: 'head.json', description: 'the earlier signed tree head' },
    new: { type: 'string', valueName: 'head.json', description: 'the later signed tree head' },
    proof: { type: 'string', valueName: 'proof.json', description: 'the consistency proof between them' },
    'public-key': { type: 'string', valueName: 'key.pem', description: 'the public key (the pem of GET /audit/public-key)' },
  },
  examples: [
    'npm run -s cli -- verify-consistency --old head-2026-06.json --new head-2026-07.json --proof proof.json --public-key ledger.pem',
  ],
  async run(context) {
    const older = readHeadFile(requiredOption(context.values, 'old'), '--old');
    const newer = readHeadFile(requiredOption(context.values, 'new'), '--new');
    const proof = readConsistencyProofFile(requiredOption(context.values, 'proof'), '--proof');
    const key = readKeyFile(requiredOption(context.values, 'public-key'), '--public-key');
    const result = verifyHeadsConsistency(older, newer, proof, key);
    context.out(JSON.stringify({ ...result, from: older.treeSize, to: newer.treeSize }, null, 2));
    context.err(
      result.ok
        ? `ok: the head of ${newer.treeSize} events extends the head of ${older.treeSize} (key ${older.keyId})`
        : `NOT CONSISTENT: ${result.problem}`,
    );
    return result.ok ? undefined : EXIT_FAILED;
  },
});
