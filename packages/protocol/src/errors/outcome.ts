import type { ErrorCode } from './error-codes.js';

/** An expected failure as a value: a code, a readable message, optional facts. */
export interface Failure {
  ok: false;
  code: ErrorCode;
  message: string;
  field?: string;
  data?: Record<string, unknown>;
}

/** A success carrying a value. */
export interface Success<T> {
  ok: true;
  value: T;
}

/** Either a value or an expected failure. */
export type Outcome<T> = Success<T> | Failure;

/** Builds a success. */
export function ok<T>(value: T): Success<T> {
  return { ok: true, value };
}

/** Builds a failure. */
export function fail(
  code: ErrorCode,
  message: string,
  extra: { field?: string; data?: Record<string, unknown> } = {},
): Failure {
  return { ok: false, code, message, ...extra };
}
