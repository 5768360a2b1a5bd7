import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '#application';
import type { AnyProjectCommand } from '#domain';

/** Any command on a project's stream (sign, disburse, record jobs, …); the domain's decider tells them apart. */
export class ProjectCommand extends Command<CommandResult> {
  constructor(
    readonly command: AnyProjectCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}
