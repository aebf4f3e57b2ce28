/** Where CLI commands that talk to a running node find it: flags first, then LICENSOR_URL / LICENSOR_TOKEN. */
export function nodeClientConfig(
  flags: { url?: string; token?: string },
  env: NodeJS.ProcessEnv = process.env,
): { url: string; token: string | undefined } {
  return {
    url: (flags.url ?? env.LICENSOR_URL ?? 'http://127.0.0.1:7070').replace(/\/+$/, ''),
    token: flags.token ?? env.LICENSOR_TOKEN,
  };
}

/** True when a node to talk to is named, by flag or by LICENSOR_URL / LICENSOR_TOKEN. */
export function nodeClientNamed(
  flags: { url?: string; token?: string },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return (
    flags.url !== undefined ||
    flags.token !== undefined ||
    env.LICENSOR_URL !== undefined ||
    env.LICENSOR_TOKEN !== undefined
  );
}
