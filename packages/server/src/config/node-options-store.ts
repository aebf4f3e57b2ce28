import { fail } from '@licensor/protocol';
import { defaultCatalogFiles } from '../catalog/load-catalog-file.js';
import { choice, int, optionalPath, optionalText, path, pathList, text } from './option-kinds.js';
import type { NodeOptionTable } from './node-option.js';

/** Where the node keeps its data, which catalogs and license it reads. */
export const STORE_AND_LICENSE_OPTIONS = {
  dataDir: {
    ...path('./.licensor/node'),
    env: 'LICENSOR_DATA_DIR',
    arg: 'dir',
    help: 'data directory (store, state)',
    doc: 'where the SQLite store lives',
  },
  host: {
    ...text('127.0.0.1'),
    env: 'LICENSOR_HOST',
    arg: 'host',
    help: 'interface to listen on',
    doc: 'interface to listen on (`0.0.0.0` for all)',
  },
  port: {
    ...int(0, 65535, 7070),
    env: 'LICENSOR_PORT',
    arg: 'port',
    help: 'TCP port, 0 = any free port',
    doc: 'TCP port; 0 picks a free one',
  },
  store: {
    ...text('sqlite', (value, name) =>
      value === 'sqlite' || /^postgres(ql)?:\/\//.test(value)
        ? null
        : fail(
            'VALIDATION_FAILED',
            `${name.flag} must be "sqlite" or a postgres:// URL, got ${JSON.stringify(value)}`,
            { field: name.field },
          ),
    ),
    env: 'LICENSOR_STORE',
    arg: 'store',
    help: '"sqlite" (file in the data dir) or a postgres:// URL',
    doc: '`sqlite`, or a `postgres://` URL (`?schema=NAME` to use a schema other than `public`): many processes on one database, see [deployment.md](deployment.md)',
  },
  advertiseUrl: {
    ...optionalText((value, name) =>
      /^https?:\/\/[^/?#]+\/?$/.test(value)
        ? null
        : fail(
            'VALIDATION_FAILED',
            `${name.flag} must be an http:// or https:// base URL, got ${JSON.stringify(value)}`,
            {
              field: name.field,
            },
          ),
    ),
    env: 'LICENSOR_ADVERTISE_URL',
    arg: 'url',
    help: 'URL other processes on the same PostgreSQL store reach this one at',
    doc: 'with a `postgres://` store: the base URL the other processes of the deployment send the operations of pools this process owns to; default: the address it listens on (`127.0.0.1` for `0.0.0.0`), which serves processes on one machine only. See [deployment.md](deployment.md)',
    shownDefault: 'the listening address',
  },
  sqliteSynchronous: {
    ...choice(['normal', 'full'], 'normal'),
    env: 'LICENSOR_SQLITE_SYNCHRONOUS',
    arg: 'mode',
    help: 'normal survives a process crash, full also power loss',
    doc: '`normal` survives a process crash (SIGKILL); `full` also power loss, ~25 % slower',
  },
  catalogs: {
    ...pathList(defaultCatalogFiles),
    env: 'LICENSOR_CATALOGS',
    flag: '--catalog',
    arg: 'file',
    help: 'module catalog files',
    doc: 'module catalogs',
    shownDefault: 'the shipped `catalogs/openservice.json`, `catalogs/syrve-plugins.json`',
  },
  licenseFile: {
    ...optionalPath(),
    env: 'LICENSOR_LICENSE_FILE',
    flag: '--license',
    arg: 'file',
    help: 'license file to install at start',
    doc: 'install this license at start (verified; refused at start if it does not verify)',
  },
  issuerPublicKey: {
    ...optionalText(),
    env: 'LICENSOR_ISSUER_PUBLIC_KEY',
    arg: 'key',
    help: "vendor's Ed25519 public key, ed25519:<base64url>",
    doc: "the vendor's key that licenses must be signed with",
  },
  issuerDir: {
    ...optionalText(),
    env: 'LICENSOR_ISSUER_DIR',
    arg: 'dir',
    help: 'read the issuer public key from <dir>/issuer.pub',
    doc: 'read the issuer key from `DIR/issuer.pub` instead',
  },
} satisfies Partial<NodeOptionTable>;
