import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, type CommandResult, PartnerPairLoader, ProjectLoader } from '#application';
import { decideProject, signProject } from '#domain';
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
    const project = this.projects.stream(command.data.projectId);
    return this.executor.execute(
      command,
      project,
      async (state) => {
        if (command.type !== 'SignProject') return decideProject(command, state);
        // Pairs are immutable once registered, so the pair read here cannot change before the append.
        return signProject(command, state, (await this.pairs.load(command.data.pairId)).state);
      },
      context,
    );
  }
}
