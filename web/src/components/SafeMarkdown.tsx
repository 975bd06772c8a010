import Markdown from "react-markdown";
import remarkGfm from "remark-gfm";
import { safeUrl } from "../safe-url.js";

/**
 * Markdown as GitHub renders a job summary, safely: GFM tables, task lists and strikethrough;
 * raw HTML dropped (react-markdown never renders it as markup), links checked. Loaded on demand
 * (its parser is most of the UI's code), so pages without summaries never fetch it.
 */
export default function SafeMarkdown({ children }: { children: string }) {
  return (
    <Markdown remarkPlugins={[remarkGfm]} skipHtml urlTransform={safeUrl}>
      {children}
    </Markdown>
  );
}
