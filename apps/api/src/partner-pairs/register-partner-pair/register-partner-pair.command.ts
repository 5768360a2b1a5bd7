import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '#application';
import type { RegisterPartnerPair } from '#domain';

export class RegisterPartnerPairCommand extends Command<CommandResult> {
  constructor(
    readonly command: RegisterPartnerPair,
    readonly context: CommandContext,
  ) {
    super();
  }
}
