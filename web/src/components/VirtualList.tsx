import {
  type ReactNode,
  type Ref,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useRef,
  useState,
} from "react";
import { scrollToShow, windowOf } from "./virtual-window.js";

export interface VirtualListHandle {
  /** Brings row `index` into view (centred when asked). */
  scrollToIndex(index: number, centre?: boolean): void;
  scrollToEnd(): void;
  /** Whether the list is scrolled to its end (the live tail follows only then). */
  atEnd(): boolean;
}

interface Props<T> {
  items: readonly T[];
  rowHeight: number;
  render: (item: T, index: number) => ReactNode;
  keyOf: (item: T, index: number) => string | number;
  className?: string;
  label: string;
  ref?: Ref<VirtualListHandle>;
  /** Called when the user scrolls (not when the list scrolls itself). */
  onUserScroll?: (atEnd: boolean) => void;
}

/**
 * A list that renders only the rows in view (fixed row height): 50,000 log lines open and scroll
 * like 50. The rows are absolutely placed inside a spacer as tall as the whole list.
 */
export function VirtualList<T>({
  items,
  rowHeight,
  render,
  keyOf,
  className,
  label,
  ref,
  onUserScroll,
}: Props<T>) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const self = useRef(false);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const atEnd = () => {
    const el = box.current;
    return !el || el.scrollTop + el.clientHeight >= el.scrollHeight - rowHeight;
  };

  useImperativeHandle(ref, () => ({
    scrollToIndex(index, centre = false) {
      const el = box.current;
      if (!el) return;
      self.current = true;
      el.scrollTop = scrollToShow(index, el.scrollTop, el.clientHeight, rowHeight, centre);
      setScrollTop(el.scrollTop);
    },
    scrollToEnd() {
      const el = box.current;
      if (!el) return;
      self.current = true;
      el.scrollTop = el.scrollHeight;
      setScrollTop(el.scrollTop);
    },
    atEnd,
  }));

  useEffect(() => {
    const el = box.current;
    if (el && el.scrollTop !== scrollTop) setScrollTop(el.scrollTop);
  });

  const w = windowOf(scrollTop, height, rowHeight, items.length);
  const rows: ReactNode[] = [];
  for (let i = w.start; i < w.end; i++) {
    rows.push(
      <div key={keyOf(items[i], i)} className="vrow" style={{ top: i * rowHeight, height: rowHeight }}>
        {render(items[i], i)}
      </div>,
    );
  }
  return (
    // A scrollable region: focusable so the keyboard scrolls it.
    <div
      ref={box}
      className={`vlist ${className ?? ""}`}
      tabIndex={0}
      role="region"
      aria-label={label}
      onScroll={(e) => {
        setScrollTop(e.currentTarget.scrollTop);
        if (self.current) self.current = false;
        else onUserScroll?.(atEnd());
      }}
    >
      <div className="vspacer" style={{ height: w.total }}>
        {rows}
      </div>
    </div>
  );
}
