/**
 * One error type for the whole product. Thrown anywhere; one handler at the edge turns it into
 * an RFC 9457 problem+json body with a stable `type`, a human `detail` and the offending field.
 */
export class TrucelineError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    detail: string,
    readonly field?: string,
    readonly extra?: Record<string, unknown>,
  ) {
    super(detail);
    this.name = 'TrucelineError';
  }
}

export class InvalidInputError extends TrucelineError {
  constructor(field: string, message: string, extra?: Record<string, unknown>) {
    super(400, 'invalid-input', 'Invalid input', `${field} ${message}`, field, extra);
  }
}

export class NotFoundError extends TrucelineError {
  constructor(what: string, id: string) {
    super(404, 'not-found', 'Not found', `${what} ${id} does not exist`);
  }
}

export class ConflictError extends TrucelineError {
  constructor(detail: string, field?: string) {
    super(409, 'conflict', 'Conflict', detail, field);
  }
}

export interface FieldError {
  field: string;
  message: string;
}

/** Turns zod issues into field errors with dotted paths, naming the key itself for unknown keys. */
export function fieldErrors(
  issues: readonly { path: readonly PropertyKey[]; message: string; code: string }[],
  prefix: readonly (string | number)[] = [],
): FieldError[] {
  return issues.map((i) => {
    const path = [...prefix, ...i.path.map(String)];
    const keys = (i as { keys?: string[] }).keys;
    if (i.code === 'unrecognized_keys' && keys?.length) path.push(keys[0]!);
    return { field: path.join('.') || '(body)', message: i.message };
  });
}
