/**
 * The local UI's "Export offline bundle": read a saved source connection through the same source
 * factory the agent uses for jobs and write an offline bundle (agent/bundle/writer.ts) sealed for
 * the control plane's transport public key, which the agent stored at enrollment. The bundle goes
 * to <data dir>/bundles/ (0700 folder, 0600 file).
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeBundle } from '../bundle/writer.ts';
import { AgentInputError, type OfflineBundle } from '../ui/agent-api.ts';
import type { Agent } from './agent.ts';
import { openConnection } from './sources.ts';

export interface ExportOfflineOptions {
  /** Name of the saved source connection to export. */
  connection: string;
  /** Folder for the bundle (default <data dir>/bundles). */
  outDir?: string;
  entities?: string[];
  signal?: AbortSignal;
}

export async function exportOfflineBundle(agent: Agent, opts: ExportOfflineOptions): Promise<OfflineBundle> {
  const id = agent.state.identity();
  if (!id) throw new AgentInputError('enroll this agent first: an offline bundle is sealed for the control plane this agent is enrolled with');
  if (!id.transportPublicKey) throw new AgentInputError('this agent has not received the control plane transport key yet; connect it to the control plane once, then export again');
  if (!agent.state.connection(opts.connection)) throw new AgentInputError(`save the source connection ("${opts.connection}") before exporting an offline bundle`);
  const dir = opts.outDir ?? path.join(agent.dataDir, 'bundles');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = path.join(dir, `bundle-${stamp}-${randomBytes(3).toString('hex')}.nxbundle`);
  const source = await openConnection(agent.state, agent.secrets, agent.sourceFactory, opts.connection);
  try {
    const res = await writeBundle({
      source, entities: opts.entities, tenantId: id.tenantId, recipientPublicKey: id.transportPublicKey, out, signer: await agent.bundleSigner(),
      batchSize: agent.config.batchSize, signal: opts.signal, logger: agent.logger,
    });
    agent.logger.info('offline bundle exported', { file: res.file, bundleId: res.bundleId, bytes: res.bytes, rows: res.manifest.totalRows });
    return { path: res.file, bytes: res.bytes };
  } finally {
    await source.close();
  }
}
