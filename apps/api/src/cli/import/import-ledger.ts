import { type CommandContext, type CommandResult, type PartnerPairLoader, type ProjectLoader, openWriteSide } from '#application';
import type { AnyProjectCommand, RegisterPartnerPair } from '#domain';
import type { UpcastingEventStore } from '#event-store';
import { RegisterPartnerPairCommand } from '../../partner-pairs/register-partner-pair/register-partner-pair.command.js';
import { RegisterPartnerPairHandler } from '../../partner-pairs/register-partner-pair/register-partner-pair.handler.js';
import { ProjectCommandHandler } from '../../projects/project-command.handler.js';
import { ProjectCommand } from '../../projects/project.command.js';

/**
 * The ledger as an import sees it, outside the API: the write side's loaders
 * to plan against, and the API's own command handlers to append through. One
 * write side for both, so the states the plan loaded stay cached for the
 * appends.
 */
export class ImportLedger {
  readonly pairs: PartnerPairLoader;
  readonly projects: ProjectLoader;
  private readonly pairHandler: RegisterPartnerPairHandler;
  private readonly projectHandler: ProjectCommandHandler;

  constructor(events: UpcastingEventStore) {
    const { executor, pairs, projects } = openWriteSide(events);
    this.pairs = pairs;
    this.projects = projects;
    this.pairHandler = new RegisterPartnerPairHandler(executor, pairs);
    this.projectHandler = new ProjectCommandHandler(executor, projects, pairs);
  }

  registerPartnerPair(command: RegisterPartnerPair, context: CommandContext): Promise<CommandResult> {
    return this.pairHandler.execute(new RegisterPartnerPairCommand(command, context));
  }

  executeProjectCommand(command: AnyProjectCommand, context: CommandContext): Promise<CommandResult> {
    return this.projectHandler.execute(new ProjectCommand(command, context));
  }
}
