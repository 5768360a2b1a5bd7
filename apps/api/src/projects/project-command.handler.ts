import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, type CommandResult, PartnerPairLoader, ProjectLoader } from '#application';
import { decideOnProject } from '#domain';
import { ProjectCommand } from './project.command.js';

/**
 * Every use case on a project: loads the project, decides the command on it
 * (signing also needs its pair), and appends what the decider returns.
 */
@CommandHandler(ProjectCommand)
export class ProjectCommandHandler implements ICommandHandler<ProjectCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly projects: ProjectLoader,
    private readonly pairs: PartnerPairLoader,
  ) {}

  execute({ command, context }: ProjectCommand): Promise<CommandResult> {
    // Pairs are immutable once registered, so a pair read here cannot change before the append.
    const pairOf = async (pairId: string) => (await this.pairs.load(pairId)).state;
    return this.executor.execute(
      command,
      this.projects.stream(command.data.projectId),
      (state) => decideOnProject(command, state, pairOf),
      context,
    );
  }
}
