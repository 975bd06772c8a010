import { type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from "react";
import { api, type RefJson, repoPath } from "../api.js";
import { useData } from "../use-data.js";

type Kind = "branches" | "tags";

/** Every branch or tag of a repository, a page of 100 at a time (GitHub's most). */
async function allRefs(owner: string, repo: string, kind: Kind): Promise<string[]> {
  const names: string[] = [];
  for (let page = 1; ; page++) {
    const list = await api<RefJson[]>(`${repoPath(owner, repo)}/${kind}?per_page=100&page=${page}`);
    names.push(...list.map((r) => r.name));
    if (list.length < 100) return names;
  }
}

interface Props {
  owner: string;
  repo: string;
  value: string;
  onChange: (ref: string) => void;
  /** The id of an error to describe the button with. */
  describedBy?: string;
}

/**
 * The branch or tag to use, chosen from the repository's own (as GitHub's ref picker): a button
 * that opens a searchable list of branches, or of tags.
 */
export function RefPicker({ owner, repo, value, onChange, describedBy }: Props) {
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<Kind>("branches");
  const [term, setTerm] = useState("");
  const [active, setActive] = useState(0);
  const id = useId();
  const search = useRef<HTMLInputElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const refs = useData(
    () =>
      Promise.all([allRefs(owner, repo, "branches"), allRefs(owner, repo, "tags")]).then(
        ([branches, tags]) => ({
          branches,
          tags,
        }),
      ),
    `refs:${owner}/${repo}`,
  );
  const shown = useMemo(() => {
    const list = refs.data?.[kind] ?? [];
    const needle = term.trim().toLowerCase();
    return needle ? list.filter((n) => n.toLowerCase().includes(needle)) : list;
  }, [refs.data, kind, term]);

  useEffect(() => {
    if (open) search.current?.focus();
  }, [open]);
  // A click outside closes the list.
  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => {
      if (!box.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", away);
    return () => document.removeEventListener("mousedown", away);
  }, [open]);

  const choose = (name: string) => {
    onChange(name);
    setOpen(false);
    setTerm("");
    button.current?.focus();
  };
  const keys = (e: KeyboardEvent) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      setActive((a) => Math.min(Math.max(a + step, 0), Math.max(shown.length - 1, 0)));
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (shown[active]) choose(shown[active]);
    } else if (e.key === "Escape") {
      e.preventDefault();
      setOpen(false);
      button.current?.focus();
    }
  };
  const isTag = refs.data?.tags.includes(value) && !refs.data?.branches.includes(value);

  return (
    <div className="ref-picker" ref={box}>
      <button
        type="button"
        ref={button}
        id="ref"
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-describedby={describedBy}
        onClick={() => {
          setOpen((o) => !o);
          setKind(isTag ? "tags" : "branches");
          setActive(0);
        }}
      >
        <span className="muted">{isTag ? "Tag:" : "Branch:"}</span> <strong>{value || "—"}</strong>
        <span aria-hidden="true"> ▾</span>
      </button>
      {open && (
        <div className="ref-menu card">
          <label className="sr-only" htmlFor={`${id}-search`}>
            Find a branch or tag
          </label>
          <input
            id={`${id}-search`}
            ref={search}
            type="search"
            placeholder={kind === "branches" ? "Find a branch…" : "Find a tag…"}
            value={term}
            role="combobox"
            aria-expanded="true"
            aria-controls={`${id}-list`}
            aria-activedescendant={shown[active] ? `${id}-opt-${active}` : undefined}
            onChange={(e) => {
              setTerm(e.target.value);
              setActive(0);
            }}
            onKeyDown={keys}
          />
          <div className="ref-tabs" role="tablist">
            {(["branches", "tags"] as const).map((k) => (
              <button
                key={k}
                type="button"
                role="tab"
                aria-selected={kind === k}
                onClick={() => {
                  setKind(k);
                  setActive(0);
                  search.current?.focus();
                }}
              >
                {k === "branches" ? "Branches" : "Tags"}
              </button>
            ))}
          </div>
          <ul id={`${id}-list`} role="listbox" aria-label={kind === "branches" ? "Branches" : "Tags"}>
            {refs.error && <li className="problem small">{refs.error.message}</li>}
            {refs.data && shown.length === 0 && (
              <li className="muted small">Nothing to show{term.trim() ? ` for “${term.trim()}”` : ""}.</li>
            )}
            {shown.map((name, i) => (
              <li
                key={name}
                id={`${id}-opt-${i}`}
                role="option"
                aria-selected={name === value}
                className={i === active ? "active" : undefined}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => choose(name)}
                onMouseEnter={() => setActive(i)}
              >
                <span aria-hidden="true" className="check-mark">
                  {name === value ? "✓" : ""}
                </span>
                {name}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
