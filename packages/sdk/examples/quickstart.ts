// Licenses one external device the Syrve way: take a slot, serve the device, release the slot.
// Run against `npm start` (the demo node): LICENSOR_TOKEN=<token> node --import tsx packages/sdk/examples/quickstart.ts
import { InsufficientLicenseError, LicensingClient } from '@licensor/sdk';

const client = new LicensingClient({
  url: process.env.LICENSOR_URL ?? 'http://127.0.0.1:7070',
  token: process.env.LICENSOR_TOKEN ?? '',
});
try {
  await using lease = await client.acquireSlot(10003, 'terminal-42'); // module ID, stable device ID
  lease.onLost((err) => console.error(`slot lost: ${err.detail}`));
  console.log(`slot ${lease.leaseId} held until ${new Date(lease.expiresAt).toISOString()}`);
  // … serve the device here: heartbeats run on their own, and the slot is released when this block ends.
} catch (err) {
  if (!(err instanceof InsufficientLicenseError)) throw err;
  console.error(`device declined: ${err.detail}`); // every slot is in use
} finally {
  await client.close();
}
