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

/**
 * A command body must be one JSON object: class-transformer would otherwise
 * turn an array into an array of DTOs that validation waves through.
 */
export class JsonObjectBodyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body') return value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        code: 'invalid-body',
        message: 'the request body must be a JSON object sent with Content-Type: application/json',
      });
    }
    return value;
  }
}
