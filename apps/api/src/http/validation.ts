import { BadRequestException, type ArgumentMetadata, type PipeTransform, ValidationPipe, type ValidationError } from '@nestjs/common';

export interface FieldProblem {
  readonly field: string;
  readonly problems: readonly string[];
}

/** Flattens class-validator's error tree into dotted field paths: `donor.level`. */
export function fieldProblems(errors: readonly ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = prefix + error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...fieldProblems(error.children ?? [], `${field}.`)];
  });
}

export function invalidRequest(fields: FieldProblem[]): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    code: 'invalid-request',
    message: `invalid field(s): ${fields.map((f) => f.field).join(', ')}`,
    fields,
  });
}

/** The global validation: unknown fields are refused, not dropped, and every problem is listed by field. */
export function ledgerValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => invalidRequest(fieldProblems(errors)),
  });
}

const MAX_DEPTH = 32;

/** Whether a parsed JSON value nests deeper than `max` levels (checked without recursion). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

function invalidBody(message: string): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', code: 'invalid-body', message });
}

/**
 * A command body must be one JSON object: class-transformer would otherwise
 * turn an array into an array of DTOs that validation waves through.
 */
export class JsonObjectBodyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body') return value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalidBody('the request body must be a JSON object sent with Content-Type: application/json');
    }
    // class-transformer recurses without a limit: a deeply nested body would overflow its stack.
    if (nestsDeeperThan(value, MAX_DEPTH)) throw invalidBody(`the request body nests deeper than ${MAX_DEPTH} levels`);
    return value;
  }
}
