export type { RepoEvent } from "./repo-event.js";
