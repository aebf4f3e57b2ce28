/**
 * The documented exit codes of every command (docs/cli.md has the table): 1 the input is wrong, 2 the environment is
 * not ready (no hardware key source, the node cannot start or be reached, the store is unavailable), 3 licensing
 * refused (a license file rejected, a node's 409/422).
 */
export const EXIT = { BAD_INPUT: 1, ENVIRONMENT: 2, REFUSED: 3 } as const;

/** An expected CLI failure: printed as one readable line, exits with `exitCode` (default 1, bad input). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.BAD_INPUT,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
