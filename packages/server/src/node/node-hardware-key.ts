import { fail, type LicensePayload, ok, type Outcome } from '@licensor/protocol';

/** Where a node's hardware key came from. */
export type HardwareKeySourceName = 'usb' | 'machine-id' | 'explicit';

/**
 * A node's hardware key and how it was read. `trusted` is false when it was read from a sysfs tree other than the
 * machine's own (`--sysfs-root`): such a key is as good as typed in, since anyone can write that tree.
 */
export interface NodeHardwareKey {
  key: string;
  source: HardwareKeySourceName;
  trusted: boolean;
}

/** What a license demands of the key source, and what the node reads, as people say it. */
const SAYS = { usb: 'a USB drive', 'machine-id': 'the machine id', any: 'any source' } as const;

/**
 * Whether a license may run on a node whose key was read this way: the vendor signed the key source (`usb`,
 * `machine-id`, `any`), and only `any` — or a developer license, for a test instance — takes a key given by hand.
 */
export function keySourceAccepts(
  license: Pick<LicensePayload, 'id' | 'keySource' | 'developer'>,
  hw: NodeHardwareKey,
): Outcome<true> {
  if (license.keySource === 'any' || license.developer) return ok(true);
  if (hw.trusted && hw.source === license.keySource) return ok(true);
  const read =
    hw.source === 'explicit'
      ? 'a key given with --hardware-key'
      : hw.trusted
        ? SAYS[hw.source]
        : `${SAYS[hw.source]} under --sysfs-root (not this machine's own)`;
  return fail(
    'KEY_SOURCE_MISMATCH',
    `license ${license.id} is bound to the hardware key of ${SAYS[license.keySource]} (key source ${license.keySource}); this node read its key from ${read}. Start it with --hardware-key-source ${license.keySource}, or ask the vendor for a license issued with --key-source any`,
    { field: 'hardwareKeySource' },
  );
}
