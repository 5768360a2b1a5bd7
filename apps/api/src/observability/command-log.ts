import { Logger } from '@nestjs/common';
import type { AppendReport, CommandObserver, CommandReport } from '#application';

/**
 * Writes a line per command at debug level: its type, outcome, refusal code
 * and duration. (An unexpected failure is also logged with its stack, at
 * error level, by the error filter.) Runs inside the request, so each line
 * carries the request's correlation id.
 */
export class CommandLog implements CommandObserver {
  private readonly logger = new Logger('Commands');

  commandHandled({ command, outcome, code, durationSeconds }: CommandReport): void {
    const line = {
      message: `${command} ${outcome}${code ? ` (${code})` : ''}`,
      command,
      outcome,
      code,
      durationMs: Math.round(durationSeconds * 1e6) / 1000,
    };
    this.logger.debug(line);
  }

  eventsAppended(_report: AppendReport): void {
    // Appends are measured, not logged: the command's line says what came of it.
  }
}
