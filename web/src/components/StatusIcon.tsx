const GLYPHS: Record<string, string> = {
  success: "✓",
  failure: "✕",
  cancelled: "⊘",
  skipped: "⤼",
  action_required: "⏸",
  in_progress: "◐",
  queued: "○",
  waiting: "◷",
  pending: "○",
};

const LABELS: Record<string, string> = {
  success: "Succeeded",
  failure: "Failed",
  cancelled: "Cancelled",
  skipped: "Skipped",
  action_required: "Awaiting approval",
  in_progress: "In progress",
  queued: "Queued",
  waiting: "Waiting",
  pending: "Pending",
};

export function stateLabel(state: string): string {
  return LABELS[state] ?? state;
}

/** A run's, job's or step's state as a coloured glyph, named for screen readers. */
export function StatusIcon({ state }: { state: string }) {
  return (
    <span
      className={`status status-${state}`}
      role="img"
      aria-label={stateLabel(state)}
      title={stateLabel(state)}
    >
      {GLYPHS[state] ?? "•"}
    </span>
  );
}
