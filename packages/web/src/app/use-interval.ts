import { useEffect, useRef } from 'react';

/** Runs `fn` every `ms` while the component is mounted (always the latest `fn`). */
export function useInterval(fn: () => void, ms: number): void {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    const t = setInterval(() => saved.current(), ms);
    return () => clearInterval(t);
  }, [ms]);
}
