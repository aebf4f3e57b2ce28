import { resolve } from 'node:path';
import { fail, ok, type Outcome } from '@licensor/protocol';
import type { NodeConfig } from './node-config.js';

/** What a default may depend on: another option's text (flag, else environment) or value. */
export interface OptionContext {
  raw(key: keyof NodeConfig): string | undefined;
  value<K extends keyof NodeConfig>(key: K): NodeConfig[K];
}

/** The option a parser reads, for its messages: `--port` and the config field `port`. */
export interface OptionName {
  flag: string;
  field: string;
}

/** How one option's text becomes its value: the parsing half of an option definition. */
export interface OptionKind<T> {
  /** An empty text counts as not given, so the default applies (else it is parsed like any other). */
  emptyIsUnset: boolean;
  /** The value when the option is not given (also what the loader carries on with after a bad value). */
  fallback(c: OptionContext): T;
  parse(raw: string, name: OptionName, c: OptionContext): Outcome<T>;
  /** The default as shown in `--help` and docs/cli.md, when it is a plain value. */
  defaultText?: string;
  /** The accepted values as shown in `--help` and docs/cli.md: a range or the choices. */
  values?: { min: number; max: number } | { choices: readonly string[] };
  /** Takes several values: repeated flag words, comma-separated in the environment. */
  list?: boolean;
}

function intParser(min: number, max: number) {
  return (raw: string, name: OptionName): Outcome<number> => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      return fail(
        'VALIDATION_FAILED',
        `${name.flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`,
        { field: name.field },
      );
    return ok(n);
  };
}

/** An integer from min to max; empty counts as not given. */
export function int(min: number, max: number, dflt: number | ((c: OptionContext) => number)): OptionKind<number> {
  return {
    emptyIsUnset: true,
    fallback: (c) => (typeof dflt === 'number' ? dflt : dflt(c)),
    parse: intParser(min, max),
    ...(typeof dflt === 'number' ? { defaultText: String(dflt) } : {}),
    values: { min, max },
  };
}

/** An integer from min to max, or null when not given. */
export function optionalInt(min: number, max: number): OptionKind<number | null> {
  return { emptyIsUnset: true, fallback: () => null, parse: intParser(min, max), values: { min, max } };
}

function choiceParser<const T extends string>(choices: readonly T[]) {
  return (raw: string, name: OptionName): Outcome<T> => {
    const chosen = choices.find((choice) => choice === raw);
    if (chosen === undefined)
      return fail(
        'VALIDATION_FAILED',
        `${name.flag} must be one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`,
        { field: name.field },
      );
    return ok(chosen);
  };
}

/** One of a fixed list of words. */
export function choice<const T extends string>(
  choices: readonly T[],
  dflt: T | ((c: OptionContext) => T),
): OptionKind<T> {
  return {
    emptyIsUnset: false,
    fallback: (c) => (typeof dflt === 'string' ? dflt : dflt(c)),
    parse: choiceParser(choices),
    ...(typeof dflt === 'string' ? { defaultText: dflt } : {}),
    values: { choices },
  };
}

/** One of a fixed list of words, or null when not given (or empty). */
export function optionalChoice<const T extends string>(choices: readonly T[]): OptionKind<T | null> {
  return { emptyIsUnset: true, fallback: () => null, parse: choiceParser(choices), values: { choices } };
}

/** A check of a text value: a failure, or null when it is fine. */
export type TextCheck = (value: string, name: OptionName) => Outcome<string> | null;

/** Free text with a default; `check` may refuse it or normalise it. */
export function text(dflt: string | (() => string), check?: TextCheck): OptionKind<string> {
  return {
    emptyIsUnset: false,
    fallback: () => (typeof dflt === 'string' ? dflt : dflt()),
    parse: (raw, name) => check?.(raw, name) ?? ok(raw),
    ...(typeof dflt === 'string' ? { defaultText: dflt } : {}),
  };
}

/** Free text, or null when not given; `check` may refuse it or normalise it. */
export function optionalText(check?: TextCheck): OptionKind<string | null> {
  return { emptyIsUnset: false, fallback: () => null, parse: (raw, name) => check?.(raw, name) ?? ok(raw) };
}

/** A path, made absolute against the working directory. */
export function path(dflt: string): OptionKind<string> {
  return { emptyIsUnset: false, fallback: () => resolve(dflt), parse: (raw) => ok(resolve(raw)), defaultText: dflt };
}

/** A path made absolute, or null when not given (or empty). */
export function optionalPath(): OptionKind<string | null> {
  return { emptyIsUnset: true, fallback: () => null, parse: (raw) => ok(resolve(raw)) };
}

/** Comma-separated paths, each made absolute; the defaults when not given (or empty). */
export function pathList(dflt: () => string[]): OptionKind<string[]> {
  return {
    emptyIsUnset: true,
    fallback: dflt,
    parse: (raw) => ok(raw.split(',').map((p) => resolve(p.trim()))),
    list: true,
  };
}
