/**
 * The body of a first `POST /v1/nodes/sync` from a site that is not a running node (the test plays it): it registers
 * the site under `hardwareKey` and reports nothing in use.
 */
export function siteSyncBody(hardwareKey: string, name = 'site 1') {
  return {
    hardwareKey,
    name,
    countedAs: null,
    publicKey: 'ed25519:site',
    allocationSeq: null,
    licenseState: 'valid',
    usage: [],
    children: [],
  };
}
