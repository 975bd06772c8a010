/**
 * Gathers what a live listener hears into bursts of `ms`: `fn` gets every event of the burst in
 * order, or undefined when the stream (re)connected in it (what came before was missed: anything
 * may have changed). A page reloads once a burst, and still sees each event (a run that started
 * and a step that started in one burst are both there).
 */
export function bursts<E>(
  fn: (events: E[] | undefined) => void,
  ms: number,
): { hear: (e: E | undefined) => void; stop: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let burst: E[] | undefined = [];
  return {
    hear(e) {
      if (e === undefined) burst = undefined;
      else burst?.push(e);
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        const passed = burst;
        burst = [];
        fn(passed);
      }, ms);
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
