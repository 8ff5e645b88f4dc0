/** In-process pub/sub of live events, per tenant: the runner publishes, SSE subscribers receive. */
import { EventEmitter } from 'node:events';

export type LiveEvent =
  | { type: 'progress'; migrationId: string; runId: string; mode: 'run' | 'dry-run'; entity: string; extracted: number; loaded: number;
      created: number; updated: number; unchanged: number; quarantined: number; skipped: number; recordsPerSecond: number; etaSeconds: number | null }
  | { type: 'status'; migrationId: string; status: string; runId?: string | null; error?: string | null; waitingFor?: string | null }
  | { type: 'agent'; agentId: string; online: boolean; version?: string | null };

export class EventBus {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(0);
  }
  publish(tenantId: string, event: LiveEvent): void {
    this.emitter.emit(tenantId, event);
  }
  subscribe(tenantId: string, listener: (e: LiveEvent) => void): () => void {
    this.emitter.on(tenantId, listener);
    return () => this.emitter.off(tenantId, listener);
  }
}
