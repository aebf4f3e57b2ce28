import { createContext, type ReactNode, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { type Api, createApi } from '../api/api-client.js';
import { openEventStream, type StreamState } from '../api/event-stream.js';
import type { FeedEvent } from '../api/types.js';

/** What every page gets: the API caller, live events and the sign-out. */
export interface Session {
  api: Api;
  streamState: StreamState;
  /** Subscribes to live events; returns the unsubscribe function. */
  subscribe(listener: (e: FeedEvent) => void): () => void;
  signOut(): void;
}

const SessionContext = createContext<Session | null>(null);

/** The signed-in session of one admin token: API calls and one live event stream shared by every page. */
export function SessionProvider({
  token,
  onSignOut,
  onRefused,
  children,
}: {
  token: string;
  onSignOut: () => void;
  onRefused: () => void;
  children: ReactNode;
}) {
  const [streamState, setStreamState] = useState<StreamState>('connecting');
  const listeners = useRef(new Set<(e: FeedEvent) => void>());
  const api = useMemo(() => createApi(token, onRefused), [token, onRefused]);
  useEffect(
    () =>
      openEventStream(
        token,
        (e) => {
          for (const l of listeners.current) l(e);
        },
        setStreamState,
        onRefused,
      ),
    [token, onRefused],
  );
  const session = useMemo<Session>(
    () => ({
      api,
      streamState,
      subscribe(listener) {
        listeners.current.add(listener);
        return () => listeners.current.delete(listener);
      },
      signOut: onSignOut,
    }),
    [api, streamState, onSignOut],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

/** The current session (inside SessionProvider). */
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
