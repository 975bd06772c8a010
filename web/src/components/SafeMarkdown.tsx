import Markdown from "react-markdown";
import remarkGfm from "remark-gfm";
import { safeUrl } from "../safe-url.js";
import { remarkEmoji, remarkSummaryHtml } from "./summary-html.js";

/**
 * Markdown as GitHub renders a job summary, safely: GFM tables, task lists and strikethrough,
 * emoji shortcodes, `<details>`/`<summary>` and simple inline tags (without attributes, but
 * `open`); all other raw HTML dropped (react-markdown never renders it as markup), links checked.
 * Loaded on demand (its parser is most of the UI's code), so pages without summaries never fetch it.
 */
export default function SafeMarkdown({ children }: { children: string }) {
  return (
    <Markdown remarkPlugins={[remarkGfm, remarkSummaryHtml, remarkEmoji]} skipHtml urlTransform={safeUrl}>
      {children}
    </Markdown>
  );
}
