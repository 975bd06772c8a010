import { useCallback, useEffect, useRef, useState } from "react";

export interface Data<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  /** Loads again, keeping what is shown until the answer comes (live updates, no flicker). */
  reload: () => void;
}

/** Loads `load()` when `key` changes; an older answer arriving late is dropped. */
export function useData<T>(load: () => Promise<T>, key: string): Data<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: Error; loading: boolean }>({
    key,
    loading: true,
  });
  const seq = useRef(0);
  const loader = useRef(load);
  loader.current = load;
  const run = useCallback(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    loader.current().then(
      (data) => {
        if (mine === seq.current) setState({ key, data, loading: false });
      },
      (error: Error) => {
        if (mine === seq.current)
          setState((s) => ({ key, data: s.key === key ? s.data : undefined, error, loading: false }));
      },
    );
  }, [key]);
  useEffect(run, [run]);
  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: !current || state.loading,
    reload: run,
  };
}
