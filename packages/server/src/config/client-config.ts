/** Where CLI commands that talk to a running node find it: flags first, then LICENSOR_URL / LICENSOR_TOKEN. */
export function nodeClientConfig(flags: { url?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): { url: string; token: string | undefined } {
  return { url: (flags.url ?? env.LICENSOR_URL ?? 'http://127.0.0.1:7070').replace(/\/+$/, ''), token: flags.token ?? env.LICENSOR_TOKEN };
}
