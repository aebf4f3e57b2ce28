/** SQLSTATE classes and codes meaning "the database is not reachable right now", not "the request is wrong". */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const UNAVAILABLE_SYSCALL_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'SQLITE_BUSY',
  'ENOSPC',
  'EROFS',
  'EIO',
  'EDQUOT',
]);
/** SQLite result codes (and their extended forms) meaning the disk is full or the file cannot be written now. */
const UNAVAILABLE_SQLITE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY|LOCKED|PROTOCOL)/;
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|the store is unavailable/i;

/** True when an error means the store cannot be reached (answer 503 STORE_UNAVAILABLE with Retry-After, retry later). */
export function isStoreUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown };
  if (
    typeof e.code === 'string' &&
    (UNAVAILABLE_SQLSTATES.has(e.code) || UNAVAILABLE_SYSCALL_CODES.has(e.code) || UNAVAILABLE_SQLITE.test(e.code))
  )
    return true;
  return typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message);
}

const STORE_ERROR_TEXT: [RegExp, string][] = [
  [/^(ENOSPC|SQLITE_FULL)/, 'the disk is full'],
  [/^(EROFS|SQLITE_READONLY)/, 'the file system or the database file is read-only'],
  [/^(EACCES|EPERM)/, 'permission denied'],
  [/^SQLITE_CANTOPEN/, 'the database file cannot be opened (missing directory or no permission)'],
  [/^SQLITE_IOERR|^EIO/, 'a disk I/O error'],
  [/^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|08\d{3}|57P0\d)/, 'the database server cannot be reached'],
  [/^28/, 'the database refused the credentials'],
  [/^3D000/, 'the database does not exist'],
];

/** One readable phrase for why a store could not be opened or written, with the underlying code. */
export function describeStoreError(err: unknown): string {
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const text = STORE_ERROR_TEXT.find(([re]) => re.test(code))?.[1];
  const message = typeof e.message === 'string' ? (e.message.split('\n')[0] as string) : String(err);
  return text ? `${text} (${code}: ${message})` : code ? `${code}: ${message}` : message;
}
