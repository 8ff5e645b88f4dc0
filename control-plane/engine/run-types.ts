/** The engine's run options, events and stop error, shared by run.ts, entity-load.ts and unit.ts. */
import type pg from 'pg';
import type { SourceConnector } from '../../shared/connector.ts';
import type { Logger } from '../../shared/log/logger.ts';
import type { BatchCounts } from './sql/runs.ts';

export interface ProgressEvent {
  runId: string;
  entity: string;
  extracted: number;
  created: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  skipped: number;
  recordsPerSecond: number;
}

export interface RunOptions {
  pool: pg.Pool;
  source: SourceConnector;
  mappingYaml: string;
  vars?: Record<string, string>;
  tenantId: string;
  targetSchema: string;
  controlSchema: string;
  mode: 'run' | 'dry-run';
  migrationId?: string;
  runKey?: string;
  batchSize?: number;
  /**
   * Start each entity from where the newest completed run into this target ended, so only records
   * changed (or deleted) since are read. Needs a connector whose checkpoints carry a cursor.
   */
  incremental?: boolean;
  /** 'auto' (default): direct COPY into empty targets, merge otherwise. 'merge': always COPY-then-merge (benchmarks compare the two). */
  loadPath?: 'auto' | 'merge';
  /**
   * Entities of one dependency level loaded at once (default 1). Each holds two connections, so the
   * pool needs 2 × parallelism + 1.
   */
  parallelism?: number;
  /** Abort with reason 'paused' to pause (resumable) or anything else to cancel. */
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  /** Each committed batch: its counts and the seconds from its read to its commit (metrics). */
  onBatch?: (b: { runId: string; mode: 'run' | 'dry-run'; entity: string; counts: BatchCounts & { notInMapping?: number }; seconds: number | null }) => void;
  logger?: Logger;
  /**
   * How a dry run works. 'shadow' (default): the real load into constraint-identical copies of the
   * target (see shadow.ts), so its counts are the next run's. 'compare': read-only comparison with
   * the target (faster on a huge target, blind to foreign keys, unique and CHECK constraints).
   */
  dryRun?: 'shadow' | 'compare';
  /**
   * Create the tenant and the mapping's franchise in the target when they are missing (the report
   * records it); without it a missing tenant or franchise stops the run in preflight. A dry run
   * creates them in its shadow copy only.
   */
  createTenant?: boolean;
  /** Internal (shadow dry run): the run row already exists with this id. */
  runId?: string;
  /** Internal (shadow dry run): where incremental runs look up the previous run's checkpoint. */
  baseline?: { controlSchema: string; targetSchema: string };
  /**
   * Spread the entities of a dependency level over workers as units (control-plane/jobs/units.ts):
   * with parallelism > 1, the run loads one entity itself and hands the others to units that any
   * worker runs. Absent: every entity loads in this process.
   */
  units?: UnitScheduler;
}

/** One dependency level handed to the unit scheduler. */
export interface UnitLevel {
  runId: string;
  entities: string[];
  /** Units of the level at once, this process's own included. */
  width: number;
  mode: 'run' | 'dry-run';
  targetSchema: string;
  controlSchema: string;
  runKey: string;
  baseline?: { controlSchema: string; targetSchema: string };
  signal?: AbortSignal;
  /** Load one entity in this process. */
  local(entity: string): Promise<void>;
}

export interface UnitScheduler {
  /** Resolves when every entity of the level is done; rejects with the first unit's failure. */
  runLevel(level: UnitLevel): Promise<void>;
}

/** The target_table of an entity the mapping does not use. */
export const NOT_IN_MAPPING = '(not in mapping)';

export class RunStopped extends Error {
  constructor(readonly status: 'paused' | 'cancelled') {
    super(`run ${status}`);
    this.name = 'RunStopped';
  }
}


/** A shadow dry run loads with mode 'run' into its copies: its batches are the dry run's. */
export function batchMode(o: RunOptions): 'run' | 'dry-run' {
  return o.baseline ? 'dry-run' : o.mode;
}
