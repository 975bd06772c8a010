import { useEffect, useMemo, useRef, useState } from "react";
import { durationBetween } from "../format.js";
import { stripAnsi } from "../log/ansi.js";
import { lineLevel } from "../log/log-level.js";
import { type LogModel, type LogRow, visibleRows } from "../log/log-model.js";
import { AnsiLine } from "./AnsiLine.js";
import { StatusIcon } from "./StatusIcon.js";
import { type SilentStep, type StepListRow, withSilentSteps } from "./silent-steps.js";
import { VirtualList, type VirtualListHandle } from "./VirtualList.js";

const ROW = 20;

interface Props {
  model: LogModel;
  /** Bumped when the model changed. */
  version: number;
  /** Each step's state, by its index in the log. */
  stepState: (index: number) => string;
  /** The steps open at first (the failing one; the running one). */
  initiallyOpen: number[];
  live: boolean;
  now: number;
  /** A line to show at first (#L12). */
  initialLine: number | null;
  /** Whether the whole log is read. */
  complete: boolean;
  /** The job's steps the log does not hold (not started yet, skipped), listed in their place. */
  silent?: readonly SilentStep[];
  /** Shows each line's time. */
  timestamps?: boolean;
}

/** Opens what a row sits in: its step and its groups. */
function reveal(row: LogRow, steps: Set<number>, groups: Set<number>) {
  steps.add(row.step);
  for (const g of row.parents) groups.add(g);
}

/** A job's log: steps that open and close, folding groups, line links, search, the live tail. */
export function LogView({
  model,
  version,
  stepState,
  initiallyOpen,
  live,
  now,
  initialLine,
  complete,
  silent = [],
  timestamps = false,
}: Props) {
  const list = useRef<VirtualListHandle>(null);
  const [openSteps, setOpenSteps] = useState<Set<number>>(() => new Set(initiallyOpen));
  const [openGroups, setOpenGroups] = useState<Set<number>>(() => new Set());
  const [follow, setFollow] = useState(live);
  const [term, setTerm] = useState("");
  const [hit, setHit] = useState(0);
  const [target, setTarget] = useState<number | null>(initialLine);
  const [selected, setSelected] = useState<number | null>(initialLine);
  const opened = useRef(new Set(initiallyOpen));

  // Steps that should start open but appeared later (the live tail's newest step).
  useEffect(() => {
    const fresh = initiallyOpen.filter((i) => !opened.current.has(i));
    if (fresh.length === 0) return;
    for (const i of fresh) opened.current.add(i);
    setOpenSteps((s) => new Set([...s, ...fresh]));
  }, [initiallyOpen]);

  const rows = useMemo(
    () => withSilentSteps(visibleRows(model.steps, openSteps, openGroups), silent),
    [model, version, openSteps, openGroups, silent],
  );

  const needle = term.trim().toLowerCase();
  const hits = useMemo(
    () =>
      needle
        ? model.rows.filter((r) => stripAnsi(lineLevel(r.text).text).toLowerCase().includes(needle))
        : [],
    [model, version, needle],
  );

  // A line asked for (a link, a search hit): open what hides it, then scroll to it.
  useEffect(() => {
    if (target === null) return;
    const row = model.rows[target - 1];
    if (!row) return;
    const hidden = !openSteps.has(row.step) || row.parents.some((g) => !openGroups.has(g));
    if (hidden) {
      const s = new Set(openSteps);
      const g = new Set(openGroups);
      reveal(row, s, g);
      setOpenSteps(s);
      setOpenGroups(g);
      return;
    }
    const index = rows.findIndex((v) => v.kind === "line" && v.row.n === target);
    if (index >= 0) {
      list.current?.scrollToIndex(index, true);
      setTarget(null);
      setFollow(false);
    }
  }, [target, rows, model, openSteps, openGroups]);

  // The live tail: while following, the step and groups the newest line sits in are open, so
  // every new line shows; a group opened so closes again once the tail has left it (as GitHub's
  // live log folds a finished group), unless the reader toggled it.
  const autoOpened = useRef(new Set<number>());
  useEffect(() => {
    if (!follow || !live) return;
    const last = model.rows[model.rows.length - 1];
    if (!last) return;
    const wanted = new Set(last.parents);
    const close = [...autoOpened.current].filter((g) => !wanted.has(g));
    const open = last.parents.filter((g) => !openGroups.has(g));
    if (close.length === 0 && open.length === 0 && openSteps.has(last.step)) return;
    for (const g of close) autoOpened.current.delete(g);
    for (const g of open) autoOpened.current.add(g);
    setOpenGroups((s) => new Set([...[...s].filter((g) => !close.includes(g)), ...open]));
    if (!openSteps.has(last.step)) setOpenSteps((s) => new Set([...s, last.step]));
  }, [version, follow, live, model]);

  // The live tail: new lines scroll into view while following.
  useEffect(() => {
    if (follow && live) list.current?.scrollToEnd();
  }, [version, follow, live, rows.length]);

  const toggleStep = (i: number) =>
    setOpenSteps((s) => {
      const next = new Set(s);
      if (next.has(i)) next.delete(i);
      else next.add(i);
      return next;
    });
  const toggleGroup = (g: number) => {
    autoOpened.current.delete(g);
    setOpenGroups((s) => {
      const next = new Set(s);
      if (next.has(g)) next.delete(g);
      else next.add(g);
      return next;
    });
  };
  const goHit = (i: number) => {
    if (hits.length === 0) return;
    const k = ((i % hits.length) + hits.length) % hits.length;
    setHit(k);
    setTarget(hits[k].n);
    setSelected(hits[k].n);
  };
  const linkTo = (n: number) => {
    history.replaceState(null, "", `#L${n}`);
    setSelected(n);
  };

  const render = (v: StepListRow) => {
    if (v.kind === "silent") {
      // Not started (or skipped): nothing to open, as on GitHub.
      return (
        <div className={`step-head silent state-${v.step.state}`} data-step={v.step.name}>
          <span aria-hidden="true" className="caret" />
          <StatusIcon state={v.step.state} />
          <span className="step-name">{v.step.name}</span>
        </div>
      );
    }
    if (v.kind === "step") {
      const s = v.step;
      const open = openSteps.has(s.index);
      const state = stepState(s.index);
      const end = state === "in_progress" ? null : s.endedAt;
      return (
        <button
          type="button"
          className={`step-head state-${state}`}
          aria-expanded={open}
          onClick={() => toggleStep(s.index)}
          data-step={s.name}
        >
          <span aria-hidden="true" className="caret">
            {open ? "▾" : "▸"}
          </span>
          <StatusIcon state={state} />
          <span className="step-name">{s.name}</span>
          <span className="node-time">{durationBetween(s.startedAt, end, now)}</span>
        </button>
      );
    }
    const r = v.row;
    const group = r.group;
    const { level, text } = lineLevel(r.text);
    return (
      <div
        className={`log-line${selected === r.n ? " selected" : ""}${level ? ` log-${level}` : ""}`}
        style={{ paddingLeft: `${r.parents.length * 1.25}em` }}
        data-line={r.n}
      >
        <a
          className="ln"
          href={`#L${r.n}`}
          id={`L${r.n}`}
          onClick={(e) => {
            e.preventDefault();
            linkTo(r.n);
          }}
        >
          {r.n}
        </a>
        {timestamps && (
          <time className="ts" dateTime={r.time ?? undefined}>
            {r.time ?? ""}
          </time>
        )}
        {group !== undefined ? (
          <button
            type="button"
            className="group-toggle"
            aria-expanded={openGroups.has(group)}
            onClick={() => toggleGroup(group)}
          >
            <span aria-hidden="true">{openGroups.has(group) ? "▾ " : "▸ "}</span>
            <AnsiLine text={text} term={needle} />
          </button>
        ) : (
          <span className="text">
            <AnsiLine text={text} term={needle} />
          </span>
        )}
      </div>
    );
  };

  return (
    <div className="log-view" data-complete={complete} aria-busy={!complete}>
      <div className="log-toolbar">
        <form
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            goHit(hit + 1);
          }}
        >
          <label className="sr-only" htmlFor="log-search">
            Search the log
          </label>
          <input
            id="log-search"
            type="search"
            placeholder="Search the log"
            value={term}
            onChange={(e) => {
              setTerm(e.target.value);
              setHit(-1);
            }}
            onKeyDown={(e) => {
              if (e.key === "Enter" && e.shiftKey) {
                e.preventDefault();
                goHit(hit - 1);
              }
            }}
          />
          <span className="muted small" aria-live="polite">
            {needle ? `${hits.length ? hit + 1 : 0} of ${hits.length}` : ""}
          </span>
          <button
            type="button"
            onClick={() => goHit(hit - 1)}
            disabled={hits.length === 0}
            aria-label="Previous match"
          >
            ↑
          </button>
          <button type="submit" disabled={hits.length === 0} aria-label="Next match">
            ↓
          </button>
        </form>
        <button type="button" onClick={() => setOpenSteps(new Set(model.steps.map((s) => s.index)))}>
          Expand all
        </button>
        <button type="button" onClick={() => setOpenSteps(new Set())}>
          Collapse all
        </button>
        {live && (
          <label className="check">
            <input
              type="checkbox"
              checked={follow}
              onChange={(e) => {
                setFollow(e.target.checked);
                if (e.target.checked) list.current?.scrollToEnd();
              }}
            />
            Follow
          </label>
        )}
      </div>
      <VirtualList
        ref={list}
        items={rows}
        rowHeight={ROW}
        label="Job log"
        className="log"
        keyOf={(v) =>
          v.kind === "step" ? `s${v.step.index}` : v.kind === "silent" ? `q${v.step.number}` : v.row.n
        }
        render={render}
        onUserScroll={(atEnd) => {
          if (live) setFollow(atEnd);
        }}
      />
    </div>
  );
}
