import { ValidationError } from './errors/validation-error.js';

/** Refuses a module ID that is not a non-negative integer before anything is sent. */
export function checkModuleId(moduleId: number): void {
  if (!Number.isInteger(moduleId) || moduleId < 0)
    throw invalid('moduleId', `moduleId must be a non-negative integer, got ${String(moduleId)}`);
}

/** A ValidationError naming the argument at fault. */
export function invalid(field: string, detail: string): ValidationError {
  return new ValidationError({ code: 'VALIDATION_FAILED', detail, field });
}
