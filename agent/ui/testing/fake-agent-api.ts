/**
 * Test double of the agent core for the UI tests only (the real core implements AgentApi in
 * agent/core). Enrollment accepts one expected token; progress and spool are set by the test.
 */
import { AgentInputError, type AgentApi, type AgentStatus, type JobProgress, type OfflineBundle, type SourceSettings, type SpoolLevel } from '../agent-api.ts';

export class FakeAgentApi implements AgentApi {
  current: AgentStatus = { enrolled: false, connected: false, agentId: null, controlPlaneUrl: null, version: '0.1.0-test' };
  saved: SourceSettings | null = null;
  jobs: JobProgress[] = [];
  spool: SpoolLevel = { bytes: 0, limit: 1024 * 1024 * 1024 };
  /** Every argument any method received, to prove what did (not) reach the core. */
  readonly calls: { method: string; args: unknown[] }[] = [];

  constructor(private readonly expectedToken: string, private readonly bundlePath = '/var/lib/nexus-migrate/bundles/offline-1.nmb') {}

  async status(): Promise<AgentStatus> {
    return this.current;
  }

  async enroll(controlPlaneUrl: string, token: string): Promise<AgentStatus> {
    this.calls.push({ method: 'enroll', args: [controlPlaneUrl] });
    if (token !== this.expectedToken) throw new AgentInputError(`control plane ${controlPlaneUrl} rejected the enrollment token`);
    this.current = { ...this.current, enrolled: true, connected: true, agentId: 'agt_7f3a9c', controlPlaneUrl };
    return this.current;
  }

  async sourceSettings(): Promise<SourceSettings | null> {
    return this.saved;
  }

  async saveSourceSettings(settings: SourceSettings): Promise<void> {
    this.calls.push({ method: 'saveSourceSettings', args: [settings] });
    this.saved = settings;
  }

  async jobProgress(): Promise<JobProgress[]> {
    return this.jobs;
  }

  async spoolLevel(): Promise<SpoolLevel> {
    return this.spool;
  }

  async exportOfflineBundle(): Promise<OfflineBundle> {
    this.calls.push({ method: 'exportOfflineBundle', args: [] });
    return { path: this.bundlePath, bytes: 48_213 };
  }
}
