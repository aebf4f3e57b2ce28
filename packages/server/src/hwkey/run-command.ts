import { execFileSync } from 'node:child_process';

/** Runs a command and returns its standard output, or null when it cannot be run, fails or times out. */
export type CommandRunner = (command: string, args: string[]) => string | null;

/** The real runner: synchronous (a node reads its hardware key once, before it serves), bounded to 30 s. */
export const runCommand: CommandRunner = (command, args) => {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      timeout: 30_000,
      maxBuffer: 64 * 1024 * 1024,
      windowsHide: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch {
    return null;
  }
};
