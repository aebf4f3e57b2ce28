import type { ReactNode } from 'react';
import { ApiError } from '../api/api-client.js';

/** A message box: info, warning or error. */
export function Notice({ tone = 'info', children }: { tone?: 'info' | 'warn' | 'bad'; children: ReactNode }) {
  return (
    <div className={`notice notice-${tone}`} role={tone === 'bad' ? 'alert' : undefined}>
      {children}
    </div>
  );
}

/** An API failure in words, with the node's code. */
export function ErrorNotice({ error }: { error: Error }) {
  return (
    <Notice tone="bad">
      {error instanceof ApiError ? (
        <>
          <strong>{error.code}</strong>: {error.detail}
        </>
      ) : (
        error.message
      )}
    </Notice>
  );
}
