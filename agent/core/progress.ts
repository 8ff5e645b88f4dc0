/** Job progress as the UI and the control plane see it. */
import type { JobProgress, JobState } from '../ui/agent-api.ts';
import type { AgentJobState, AgentState } from './state.ts';

const UI_STATE: Record<AgentJobState, JobState> = { running: 'running', paused: 'paused', cancelled: 'failed', completed: 'done', failed: 'failed' };

export function jobProgress(state: AgentState): (JobProgress & { agentState: AgentJobState; error: string | null })[] {
  return state.jobs().map((job) => {
    const pending = new Map(state.spoolPending(job.id).map((p) => [p.entity, p.records]));
    return {
      jobId: job.id,
      state: UI_STATE[job.state],
      agentState: job.state,
      error: job.error,
      updatedAt: job.updatedAt,
      entities: state.jobEntities(job.id).map((e) => ({
        entity: e.entity,
        extracted: e.extracted,
        // Records, like `extracted`: every extracted record is spooled for sending; acked = spooled minus still pending.
        sent: e.extracted,
        acked: e.extracted - (pending.get(e.entity) ?? 0),
      })),
    };
  });
}
