import type { BasicError, ValidationError } from './schemas.ts';

const DOCS = 'https://docs.github.com/rest';

// GitHub's error bodies also carry the status, as a string.
type ErrorBody = BasicError | (ValidationError & { status: string });

/** An error response in GitHub's JSON shape; route handlers throw it. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody;

  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.status = status;
    this.body = body;
  }
}

export function apiError(status: number, message: string): ApiError {
  return new ApiError(status, { message, documentation_url: DOCS, status: String(status) });
}

export const notFound = (message = 'Not Found') => apiError(404, message);

type FieldError = NonNullable<ValidationError['errors']>[number];

/** GitHub's 422: `code` is `missing_field`, `invalid`, `already_exists`, ... */
export function validationFailed(resource: string, field: string, code: string, value?: FieldError['value']): ApiError {
  const error: FieldError = { resource, field, code, ...(value === undefined ? {} : { value }) };
  return new ApiError(422, { message: 'Validation Failed', errors: [error], documentation_url: DOCS, status: '422' });
}
