import type { WriteSide } from '#application';
import {
  type Decision,
  DomainError,
  type DomainErrorCode,
  InvalidInput,
  NotFound,
  type PartnerPairState,
  type ProjectState,
  decideOnProject,
  evolvePartnerPair,
  evolveProject,
  registerPartnerPair,
} from '#domain';
import { type Column, type ImportRow, ROW_KINDS, type RowProblem } from './report-rows.js';

/** Where the planner finds what the ledger already holds: the write side's own loaders. */
export type LedgerStates = Pick<WriteSide, 'pairs' | 'projects'>;

export interface PlannedRow {
  readonly row: ImportRow;
  /** `append`: the row records something new; `replay`: the ledger (or an earlier row) already holds exactly it. */
  readonly outcome: 'append' | 'replay';
}

export interface ImportPlan {
  readonly planned: PlannedRow[];
  readonly problems: RowProblem[];
}

/** The column a refusal is about, so the message points at the cell to fix. */
const COLUMN_OF_CODE: Readonly<Partial<Record<DomainErrorCode, Column>>> = {
  'pair-not-found': 'pairId',
  'parent-pair-not-found': 'parentPairId',
  'project-not-found': 'projectId',
  'donor-is-recipient': 'recipient',
  'signed-before-pair-established': 'date',
  'dated-before-signing': 'date',
  'exceeds-remaining-pledge': 'amount',
  'currency-mismatch': 'currency',
  'pledge-unchanged': 'amount',
  'pledge-below-delivered': 'amount',
  'jobs-not-positive-integer': 'jobs',
  'disbursement-id-reused': 'id',
  'report-id-reused': 'id',
  'revision-id-reused': 'id',
  'milestone-already-reached': 'date',
  'disbursement-not-found': 'corrects',
  'report-not-found': 'corrects',
  'correction-id-reused': 'id',
  'dated-before-original': 'date',
  'jobs-out-of-range': 'jobs',
};

/** The column a DTO field (`donor.name`) is read from in a row of this kind. */
function columnOf(row: ImportRow, field: string): Column | undefined {
  return (ROW_KINDS[row.kind].fields as Readonly<Record<string, Column>>)[field];
}

type Simulated<S> = { state: S; revision: number };

/**
 * Decides every row, in file order, against the ledger's current state with
 * the domain's own deciders, evolving an in-memory copy with each row's
 * events, so a row sees the rows above it as if they were recorded. Nothing
 * is written. Every refused row is listed; rows after a refused one are
 * still decided (as if it had not been there) so one run reports them all.
 */
export async function planImport(
  rows: readonly ImportRow[],
  states: LedgerStates,
  refusedCreations: ReadonlyMap<string, number> = new Map(),
  onRow: () => void = () => undefined,
): Promise<ImportPlan> {
  const pairs = new Map<string, Simulated<PartnerPairState>>();
  const projects = new Map<string, Simulated<ProjectState>>();
  const refused = new Map(refusedCreations);
  const planned: PlannedRow[] = [];
  const problems: RowProblem[] = [];

  const pair = async (pairId: string) => {
    let simulated = pairs.get(pairId);
    if (!simulated) pairs.set(pairId, (simulated = { ...(await states.pairs.load(pairId)) }));
    return simulated;
  };
  const project = async (projectId: string) => {
    let simulated = projects.get(projectId);
    if (!simulated) projects.set(projectId, (simulated = { ...(await states.projects.load(projectId)) }));
    return simulated;
  };

  for (const row of rows) {
    const command = row.command;
    try {
      if (command.type === 'RegisterPartnerPair') {
        const target = await pair(command.data.pairId);
        const parentId = command.data.parentPairId;
        const parent = parentId === null ? null : (await pair(parentId)).state;
        const decision = registerPartnerPair(command, target.state, parent);
        record(row, decision, target, evolvePartnerPair);
      } else {
        const target = await project(command.data.projectId);
        const decision = await decideOnProject(command, target.state, async (pairId) => (await pair(pairId)).state);
        record(row, decision, target, evolveProject);
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const creates =
        command.type === 'RegisterPartnerPair'
          ? `pair:${command.data.pairId}`
          : command.type === 'SignProject'
            ? `project:${command.data.projectId}`
            : null;
      if (creates && !refused.has(creates)) refused.set(creates, row.line);
      problems.push({
        line: row.line,
        column: (error instanceof InvalidInput ? columnOf(row, error.field) : COLUMN_OF_CODE[error.code]) ?? null,
        message: `${error.message}${hint(error, command, refused)} (${error.code})`,
      });
    }
    onRow();
  }
  return { planned, problems };

  function record<S, E>(
    row: ImportRow,
    decision: Decision<E>,
    target: Simulated<S>,
    evolve: (state: S, event: E, at: { revision: number; position: number }) => S,
  ): void {
    if (decision.kind === 'replay') {
      planned.push({ row, outcome: 'replay' });
      return;
    }
    for (const event of decision.events) {
      target.revision += 1;
      // Not stored yet, so it has no global position.
      target.state = evolve(target.state, event, { revision: target.revision, position: 0 });
    }
    planned.push({ row, outcome: 'append' });
  }
}

/** Why a row names a pair or project that does not exist: its own row above was refused. */
function hint(error: DomainError, command: ImportRow['command'], refused: ReadonlyMap<string, number>): string {
  if (!(error instanceof NotFound)) return '';
  const key =
    error.code === 'project-not-found' && command.type !== 'RegisterPartnerPair'
      ? `project:${command.data.projectId}`
      : error.code === 'parent-pair-not-found' && command.type === 'RegisterPartnerPair'
        ? `pair:${command.data.parentPairId}`
        : error.code === 'pair-not-found' && command.type === 'SignProject'
          ? `pair:${command.data.pairId}`
          : null;
  const line = key === null ? undefined : refused.get(key);
  return line === undefined ? '' : ` (its ${key?.startsWith('pair:') ? 'registration' : 'signing'} on line ${line} is refused)`;
}
