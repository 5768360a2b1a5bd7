import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, type CommandResult, PartnerPairLoader } from '#application';
import { registerPartnerPair } from '#domain';
import { RegisterPartnerPairCommand } from './register-partner-pair.command.js';

/** Registers a pair: loads it (and its parent, for a sub-pair), decides, appends. */
@CommandHandler(RegisterPartnerPairCommand)
export class RegisterPartnerPairHandler implements ICommandHandler<RegisterPartnerPairCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly pairs: PartnerPairLoader,
  ) {}

  execute({ command, context }: RegisterPartnerPairCommand): Promise<CommandResult> {
    const parentId = command.data.parentPairId;
    return this.executor.execute(
      command,
      this.pairs.stream(command.data.pairId),
      async (state) => {
        // Pairs are immutable once registered, so the parent read here cannot change before the append.
        const parent = parentId === null ? null : (await this.pairs.load(parentId)).state;
        return registerPartnerPair(command, state, parent);
      },
      context,
    );
  }
}
