import { type ProjectCommand, decideProject } from '../projects/project.decider.js';
import type { ProjectEvent } from '../projects/project.events.js';
import { type ProjectState, evolveProject, initialProjectState } from '../projects/project.state.js';
import type { DomainError, DomainErrorCode } from '../shared/errors.js';

/**
 * The project decider's specs, read as given / when / then:
 * `thenEvents(given(...past), command)` is what the command records after
 * those events; `thenRefused(given(...past), command, RuleViolation, code)`
 * that it is refused, with that class and code.
 */

/** Folds events as if they were the stream's first ones, at positions 10, 11, … */
export function given(...events: ProjectEvent[]): ProjectState {
  return events.reduce<ProjectState>(
    (state, event, revision) => evolveProject(state, event, { revision, position: 10 + revision }),
    initialProjectState,
  );
}

/** The events the command records in that state; throws if it is refused or answered as a retry. */
export function thenEvents(state: ProjectState, command: ProjectCommand): readonly ProjectEvent[] {
  const decision = decideProject(command, state);
  if (decision.kind !== 'append') throw new Error(`expected events, got ${JSON.stringify(decision)}`);
  return decision.events;
}

/** Expects the command to be refused in that state with this class of error and this code. */
export function thenRefused(
  state: ProjectState,
  command: ProjectCommand,
  type: abstract new (...args: never[]) => DomainError,
  code: DomainErrorCode,
): void {
  let error: unknown;
  try {
    decideProject(command, state);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(type);
  expect((error as DomainError).code).toBe(code);
}
