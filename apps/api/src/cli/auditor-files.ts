import { createReadStream, readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { createInterface } from 'node:readline';
import { type SignedTreeHead, readPublicKey, treeHeadShapeProblem } from '#transparency';
import { UsageError } from './cli.js';

/**
 * The files an auditor hands the offline verifiers: a signed head (the JSON
 * of GET /audit/tree-head), the public key (the PEM of GET
 * /audit/public-key), a proof (the JSON of GET /audit/proofs/consistency), an
 * export (JSON Lines). A file that cannot be read or is not what it should
 * be is a usage error (exit 2), never a verdict.
 */
function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the ${what} ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`the ${what} ${file} is not JSON`);
  }
}

export function readHeadFile(file: string, option: string): SignedTreeHead {
  const value = readJson(file, 'tree head');
  // A proof or an inclusion answer carries its head under `treeHead`: take that too.
  const head = value !== null && typeof value === 'object' && 'treeHead' in value ? (value as { treeHead: unknown }).treeHead : value;
  const problem = treeHeadShapeProblem(head);
  if (problem) throw new UsageError(`${option} ${file}: ${problem}`);
  return head as SignedTreeHead;
}

export function readKeyFile(file: string, option: string): KeyObject {
  try {
    return readPublicKey(file);
  } catch (error) {
    throw new UsageError(`${option} ${file}: ${(error as Error).message}`);
  }
}

export function readConsistencyProofFile(file: string, option: string): { from: number; to: number; proof: string[] } {
  const value = readJson(file, 'proof') as Record<string, unknown> | null;
  const ok =
    value !== null &&
    typeof value === 'object' &&
    Number.isSafeInteger(value.from) &&
    Number.isSafeInteger(value.to) &&
    Array.isArray(value.proof) &&
    value.proof.every((hash) => typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash));
  if (!ok) throw new UsageError(`${option} ${file}: a consistency proof is {"from": n, "to": n, "proof": ["<64 hex digits>", …]}`);
  return value as { from: number; to: number; proof: string[] };
}

/**
 * The lines of a file, read as they come (an export may be larger than memory). The iterator is taken at
 * once: readline drops the lines it reads before anyone iterates, and a baseline is only iterated later.
 */
export function linesOf(file: string): AsyncIterable<string> {
  const iterator = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })[Symbol.asyncIterator]();
  return { [Symbol.asyncIterator]: () => iterator };
}

export function requiredOption(values: Readonly<Record<string, string | boolean | undefined>>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} <file> is required`);
  return value;
}
