import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError } from '../api/api-client.js';
import type { FeedEvent } from '../api/types.js';
import { useSession } from './session-context.js';

/** Loaded data with its error and a reload. */
export interface ApiData<T> {
  data: T | null;
  error: ApiError | Error | null;
  loading: boolean;
  reload(): void;
}

/**
 * Loads `load()` (again whenever `key` changes) and loads it again whenever a live event `refreshOn` accepts arrives, at most every `throttleMs`,
 * so a burst of 1,000 acquisitions costs a handful of reloads, not 1,000.
 */
export function useApiData<T>(
  load: () => Promise<T>,
  key: string,
  refreshOn?: (e: FeedEvent) => boolean,
  throttleMs = 400,
): ApiData<T> {
  const { subscribe } = useSession();
  const [state, setState] = useState<{ data: T | null; error: ApiError | Error | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);

  const reload = useCallback(() => {
    const mine = ++generation.current;
    loadRef.current().then(
      (data) => {
        if (mine === generation.current) setState({ data, error: null, loading: false });
      },
      (error: Error) => {
        if (mine === generation.current) setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
  }, []);

  // A new key (another pool, another period) loads afresh.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key names what the loader reads
  useEffect(() => {
    setState((s) => ({ ...s, loading: true }));
    reload();
  }, [key, reload]);

  const refreshRef = useRef(refreshOn);
  refreshRef.current = refreshOn;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = 0;
    const unsubscribe = subscribe((e) => {
      if (!refreshRef.current?.(e) || timer) return;
      const wait = Math.max(0, last + throttleMs - Date.now());
      timer = setTimeout(() => {
        timer = null;
        last = Date.now();
        reload();
      }, wait);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [subscribe, reload, throttleMs]);

  return { ...state, reload };
}
