import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '#application';
import type { RegisterPartnerPair } from '#domain';
import { LedgerRuntime } from '../../infrastructure/ledger-runtime.js';

export class RegisterPartnerPairCommand extends Command<CommandResult> {
  constructor(
    readonly command: RegisterPartnerPair,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RegisterPartnerPairCommand)
export class RegisterPartnerPairHandler implements ICommandHandler<RegisterPartnerPairCommand> {
  constructor(private readonly runtime: LedgerRuntime) {}

  execute({ command, context }: RegisterPartnerPairCommand): Promise<CommandResult> {
    return this.runtime.ledger.registerPartnerPair(command, context);
  }
}
