/**
 * AgentApi (agent/ui/agent-api.ts) over the agent core: what the local UI and the Electron
 * shell call. The UI's single source connection is the connection named "default".
 */
import { registerSecret } from '../../shared/log/redact.ts';
import { AgentInputError, type AgentApi, type AgentStatus, type OfflineBundle } from '../ui/agent-api.ts';
import { Agent, AGENT_VERSION, EnrollmentError } from './agent.ts';
import { exportOfflineBundle } from './offline-export.ts';
import { jobProgress } from './progress.ts';

export const UI_CONNECTION = 'default';

/** Accept https://cp.example.com as well as wss://cp.example.com/agent/ws. */
export function agentSocketUrl(input: string): string {
  let u: URL;
  try {
    u = new URL(input);
  } catch {
    throw new AgentInputError(`not a URL: ${JSON.stringify(input.slice(0, 200))}`);
  }
  if (u.protocol === 'https:') u.protocol = 'wss:';
  else if (u.protocol === 'http:') u.protocol = 'ws:';
  if (u.protocol !== 'wss:' && u.protocol !== 'ws:') throw new AgentInputError(`unsupported control plane URL scheme ${u.protocol}`);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/agent/ws';
  return u.toString();
}

/** `exportOfflineBundle` defaults to writing the UI connection's bundle into the agent's data dir. */
export function createAgentApi(agent: Agent, opts: { exportOfflineBundle?: () => Promise<OfflineBundle> } = {}): AgentApi {
  const exportBundle = opts.exportOfflineBundle ?? (() => exportOfflineBundle(agent, { connection: UI_CONNECTION }));
  const status = async (): Promise<AgentStatus> => {
    const id = agent.state.identity();
    return { enrolled: id !== null, connected: agent.connected, agentId: id?.agentId ?? null, controlPlaneUrl: id?.serverUrl ?? null, version: AGENT_VERSION };
  };
  return {
    status,
    async enroll(controlPlaneUrl, token) {
      registerSecret(token);
      try {
        await agent.enroll(agentSocketUrl(controlPlaneUrl), token);
      } catch (err) {
        if (err instanceof EnrollmentError) throw new AgentInputError(err.message);
        throw err;
      }
      return status();
    },
    async sourceSettings() {
      return agent.state.connection(UI_CONNECTION);
    },
    async saveSourceSettings(settings) {
      agent.state.saveConnection(UI_CONNECTION, settings);
    },
    async jobProgress() {
      return jobProgress(agent.state).map(({ jobId, state, entities, updatedAt }) => ({ jobId, state, entities, updatedAt }));
    },
    async spoolLevel() {
      return { bytes: agent.spool.used, limit: agent.spool.limit };
    },
    async exportOfflineBundle() {
      return exportBundle();
    },
  };
}
