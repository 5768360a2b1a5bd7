import { loadConfig } from '#api/config';
import { LedgerTransparency } from '#api/infrastructure/transparency.module';
import { createLedgerApp } from '#api/ledger-app';

/**
 * The API as `npm start` runs it, with one difference: the Merkle tree's follower is stopped once the app has
 * started, so the tree takes no share of the machine. Test 1 runs the same command load against it, beside the
 * real server, to measure what keeping the tree costs the write path (target: ≤ 5%).
 */
const config = loadConfig(process.env);
const app = await createLedgerApp(config);
await app.get(LedgerTransparency).follower.stop();
await app.listen(config.port, config.host);
const address = app.getHttpServer().address();
console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
