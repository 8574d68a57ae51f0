/**
 * Domain errors with stable codes. The HTTP layer maps codes to statuses in
 * one place (http/errors.ts); domain code never sees HTTP types.
 */
export type ErrorCode =
  | 'not_found'
  | 'invalid_input'
  | 'conflict'
  /** A save based on a revision the article has moved past; details say who moved it and when. */
  | 'stale_revision'
  | 'unauthorized'
  | 'forbidden'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const invalidInput = (message: string, details?: unknown) => new AppError('invalid_input', message, details);
export const conflict = (message: string) => new AppError('conflict', message);
/** Over an attempt limit; the HTTP layer sends the wait as Retry-After. */
export const tooManyAttempts = (seconds: number) =>
  new AppError('rate_limited', `too many attempts; try again in ${Math.ceil(seconds / 60)} minute${seconds > 60 ? 's' : ''}`, { retryAfterSeconds: seconds });

/** Thrown by config loading; the CLI prints its message as one line and exits 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A start-up failure (unwritable data dir, unreachable database): one line, non-zero exit. */
export class StartupError extends Error {
  override name = 'StartupError';
}
