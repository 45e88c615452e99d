// Loads data for a component: {data, error, loading, reload}. Stale answers (an older request finishing after
// a newer one) are dropped, so typing in a search box never shows the results of an earlier term.
import { useCallback, useEffect, useRef, useState } from 'react';

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
}

export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const sequence = useRef(0);
  // The caller lists what `load` depends on, as with useEffect; a new `load` closure alone does not refetch.
  const run = useCallback(load, deps);

  const reload = useCallback(async () => {
    const mine = ++sequence.current;
    setLoading(true);
    try {
      const result = await run();
      if (mine !== sequence.current) return;
      setData(result);
      setError(null);
    } catch (caught) {
      if (mine !== sequence.current) return;
      setError(caught);
    } finally {
      if (mine === sequence.current) setLoading(false);
    }
  }, [run]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { data, error, loading, reload };
}

/** A value that follows `value` after it has been still for `delayMs` (search-as-you-type). */
export function useDebounced<T>(value: T, delayMs = 250): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}
