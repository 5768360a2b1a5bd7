import { randomUUID } from 'node:crypto';
import { type CommandContext, KeyedMutex } from '#application';
import type { ImportLedger } from './import-ledger.js';
import type { PlannedRow } from './import-plan.js';

export interface ImportRun {
  readonly correlationId: string;
  readonly actor: string;
  /** Commands on different projects in flight at once (the store commits them together). */
  readonly concurrency?: number;
}

export interface AppliedImport {
  /** Rows whose events were appended by this run. */
  readonly appended: number;
  /** Rows the ledger recognised as already recorded (by an earlier run, or meanwhile by someone else). */
  readonly replayed: number;
}

/** The append stopped at a row the ledger refused (it changed since the plan); rows before it may be stored. */
export class ImportInterrupted extends Error {
  constructor(
    readonly line: number,
    override readonly cause: unknown,
    readonly applied: AppliedImport,
  ) {
    super(`line ${line}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * Appends the planned rows through the ledger's ordinary write path (load →
 * decide → append, with its expected-revision check), so every rule is
 * applied again on the state of the moment. Pairs are registered first, one
 * by one (a sub-pair needs its parent); then project commands run with up to
 * `concurrency` projects in flight, each project's rows strictly in file
 * order. On a refusal nothing more is started, and no later row of that
 * project runs.
 */
export async function applyImport(
  ledger: ImportLedger,
  planned: readonly PlannedRow[],
  run: ImportRun,
  onRow: () => void = () => undefined,
): Promise<AppliedImport> {
  let appended = 0;
  let replayed = 0;
  let failure: { line: number; error: unknown } | null = null;
  const context = (): CommandContext => ({ correlationId: run.correlationId, commandId: randomUUID(), actor: run.actor });
  const count = (outcome: 'created' | 'replayed') => {
    if (outcome === 'created') appended++;
    else replayed++;
    onRow();
  };

  for (const { row } of planned) {
    if (row.command.type !== 'RegisterPartnerPair') continue;
    try {
      count((await ledger.registerPartnerPair(row.command, context())).outcome);
    } catch (error) {
      throw new ImportInterrupted(row.line, error, { appended, replayed });
    }
  }

  const perProject = new KeyedMutex();
  const inFlight = new Set<Promise<void>>();
  const limit = run.concurrency ?? 32;
  for (const { row } of planned) {
    const command = row.command;
    if (command.type === 'RegisterPartnerPair') continue;
    if (failure) break;
    const task: Promise<void> = perProject
      .run(command.data.projectId, async () => {
        if (failure) return;
        try {
          count((await ledger.executeProjectCommand(command, context())).outcome);
        } catch (error) {
          failure ??= { line: row.line, error };
        }
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
    if (inFlight.size >= limit) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const applied = { appended, replayed };
  if (failure) throw new ImportInterrupted((failure as { line: number }).line, (failure as { error: unknown }).error, applied);
  return applied;
}
