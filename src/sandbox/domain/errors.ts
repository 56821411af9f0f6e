export type Details = Record<string, unknown>;

/** SPEC §6 codes, plus [rec] strings for the statuses whose names sit in the truncated part of the docs. */
const ERROR_NAMES: Record<number, string> = {
  400: 'invalid_input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  422: 'validation_failed',
  429: 'rate_limited',
  500: 'internal_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

const DEFAULT_MESSAGES: Record<number, string> = {
  500: 'An internal error occurred. Please try again.',
  502: 'A temporary upstream problem occurred. Please try again.',
  503: 'The service is temporarily unavailable. Please try again later.',
  504: 'The request timed out upstream. Please try again.',
};

export function errorName(status: number): string {
  return ERROR_NAMES[status] ?? (status >= 500 ? 'internal_error' : 'error');
}

/** Thrown by handlers; the server turns it into the SPEC §3.8 error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Details,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function statusError(status: number, message?: string): ApiError {
  const retryAfter = status === 429 ? 60 : undefined;
  const text =
    message ??
    DEFAULT_MESSAGES[status] ??
    (status === 429
      ? 'Rate limit exceeded. Retry after 60 seconds.'
      : `Request failed with status ${status}`);
  return new ApiError(status, errorName(status), text, undefined, retryAfter);
}

export function invalidInput(
  field: string,
  reason: string,
  received: unknown,
  expected: string,
  message = `Invalid value for ${field}: ${reason}`,
): ApiError {
  return new ApiError(400, 'invalid_input', message, { field, reason, received: received ?? null, expected });
}

export function notFound(resource: string, identifier: string): ApiError {
  const label = resource.charAt(0).toUpperCase() + resource.slice(1);
  return new ApiError(404, 'not_found', `${label} not found: ${identifier}`, { resource, identifier });
}

export function duplicateContact(existingContactId: string, field: 'phone' | 'email'): ApiError {
  const what = field === 'phone' ? 'phone number' : 'email address';
  return new ApiError(409, 'duplicate_contact', `A contact with this ${what} already exists`, {
    existing_contact_id: existingContactId,
  });
}

export function validationFailed(message: string, details: Details): ApiError {
  return new ApiError(422, 'validation_failed', message, details);
}

export function unauthorized(message = 'Invalid API key'): ApiError {
  return new ApiError(401, 'unauthorized', message);
}

export function forbidden(required: string, keyPermissions: readonly string[]): ApiError {
  return new ApiError(403, 'forbidden', `API key does not have permission for ${required}`, {
    required_permission: required,
    key_permissions: [...keyPermissions],
  });
}

export function rateLimited(retryAfter: number): ApiError {
  return new ApiError(
    429,
    'rate_limited',
    `Rate limit exceeded. Retry after ${retryAfter} seconds.`,
    undefined,
    retryAfter,
  );
}
