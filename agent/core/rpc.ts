/**
 * Remote control: the control plane's requests, arriving down the agent's own outbound socket.
 * Every request names a connection, never a secret; every answer is redacted.
 */
import { z } from 'zod';
import { redact } from '../../shared/log/redact.ts';
import type { RpcMethod } from '../../shared/protocol/messages.ts';
import type { Agent } from './agent.ts';
import { openConnection } from './sources.ts';
import { jobProgress } from './progress.ts';

const Conn = z.object({ connection: z.string().min(1).max(200) });
const Job = z.object({ jobId: z.string().min(1).max(128) });

async function withSource<T>(agent: Agent, connection: string, fn: (s: Awaited<ReturnType<typeof openConnection>>) => Promise<T>): Promise<T> {
  const source = await openConnection(agent.state, agent.secrets, agent.sourceFactory, connection);
  try {
    return await fn(source);
  } finally {
    await source.close();
  }
}

export async function handleRpc(agent: Agent, method: RpcMethod, params: Record<string, unknown>): Promise<unknown> {
  const result = await dispatch(agent, method, params);
  return redact(result);
}

async function dispatch(agent: Agent, method: RpcMethod, params: Record<string, unknown>): Promise<unknown> {
  switch (method) {
    case 'status': {
      const id = agent.state.identity();
      const mem = process.memoryUsage();
      const mb = (n: number): number => Math.round(n / 1048576);
      return {
        agentId: id?.agentId ?? null,
        connected: agent.connected,
        spool: { bytes: agent.spool.used, limit: agent.spool.limit },
        disk: { freeBytes: agent.disk.freeBytes(), reserveBytes: agent.disk.reserveBytes, waiting: agent.disk.wait?.reason ?? null, jobs: agent.diskWaits() },
        memoryMb: { rss: mb(mem.rss), heapUsed: mb(mem.heapUsed), heapTotal: mb(mem.heapTotal), external: mb(mem.external), arrayBuffers: mb(mem.arrayBuffers) },
        jobs: jobProgress(agent.state),
      };
    }
    case 'test_connection': {
      const p = Conn.parse(params);
      return withSource(agent, p.connection, (s) => s.check());
    }
    case 'discover': {
      const p = Conn.parse(params);
      return withSource(agent, p.connection, (s) => s.discover());
    }
    case 'preview': {
      const p = Conn.extend({ entity: z.string().min(1), limit: z.number().int().min(1).max(100).default(10) }).parse(params);
      return withSource(agent, p.connection, async (s) => {
        if (s.sample) return (await s.sample(p.entity, p.limit)).records;
        for await (const b of s.read(p.entity, { batchSize: p.limit })) return b.records.slice(0, p.limit);
        return [];
      });
    }
    case 'start_job': {
      const p = Conn.extend({ entities: z.array(z.string().min(1)).optional(), batchSize: z.number().int().min(1).max(50_000).optional(), jobId: z.string().min(1).max(128).optional() }).parse(params);
      return agent.startJob(p);
    }
    case 'pause_job':
      agent.pauseJob(Job.parse(params).jobId);
      return { ok: true };
    case 'resume_job':
      await agent.resumeJob(Job.parse(params).jobId);
      return { ok: true };
    case 'cancel_job':
      await agent.cancelJob(Job.parse(params).jobId);
      return { ok: true };
    case 'update_job': {
      const p = Job.extend({ batchSize: z.number().int().min(1).max(50_000).optional() }).parse(params);
      agent.updateJob(p.jobId, p);
      return { ok: true };
    }
    case 'list_jobs':
      return jobProgress(agent.state);
    case 'list_connections':
      // Names and where they point; the password stays in the keychain and is never listed.
      return agent.state.connections().map((c) => ({
        name: c.name, type: c.settings.type, host: c.settings.host, port: c.settings.port, database: c.settings.database,
        user: c.settings.user, schema: c.settings.schema ?? null, platform: c.settings.platform ?? null, updatedAt: c.updatedAt,
      }));
    case 'get_logs': {
      const p = z.object({ limit: z.number().int().min(1).max(500).default(100) }).parse(params);
      return agent.logs.recent(p.limit);
    }
  }
}
