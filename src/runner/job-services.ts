import type { Json } from "../expressions/index.js";

/**
 * Services a job's steps reach over HTTP (the Actions cache and artifact services): opened as a
 * job starts, for the variables its steps get, and closed when it ends (its token dies with it).
 */
export interface JobServices {
  /**
   * `workflowFile`: the file of the workflow the job is in (a called workflow's, for its jobs);
   * `environment`: the deployment environment the job entered (its gate passed), if any.
   */
  open(job: {
    runId: string;
    github: Record<string, Json>;
    workflowFile?: string;
    environment?: string;
  }): Promise<JobServiceLease>;
}

export interface JobServiceLease {
  /** Variables every step of the job gets (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL, …). */
  env: Record<string, string>;
  /** Values masked in the job's logs (the token). */
  secrets: string[];
  close(): Promise<void>;
}
