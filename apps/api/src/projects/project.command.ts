import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '#application';
import type { AnyProjectCommand } from '#domain';
import { LedgerRuntime } from '../infrastructure/ledger-runtime.js';

/** Any command on a project stream; the domain's decider tells them apart. */
export class ProjectCommandMessage extends Command<CommandResult> {
  constructor(
    readonly command: AnyProjectCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ProjectCommandMessage)
export class ProjectCommandHandler implements ICommandHandler<ProjectCommandMessage> {
  constructor(private readonly runtime: LedgerRuntime) {}

  execute({ command, context }: ProjectCommandMessage): Promise<CommandResult> {
    return this.runtime.ledger.executeProjectCommand(command, context);
  }
}
