/** The run report: what the engine produced for one run. JSON is canonical; HTML and PDF render it. */

export interface EntityCounts {
  entity: string;
  target: string;
  /** Records read from the source for this entity in this run. */
  extracted: number;
  /** Rows inserted into the target. */
  created: number;
  /** Existing target rows changed by this run. */
  updated: number;
  /** Records whose target row was already identical (re-runs). */
  unchanged: number;
  /** Target rows removed because the source reported the record deleted. */
  deleted: number;
  quarantined: number;
  /** Records skipped by a mapping rule (skipWhen). */
  skipped: number;
  /** Records of a source entity the mapping does not use (read, counted, not loaded). */
  notInMapping?: number;
  /**
   * Records matched to rows a live tenant already had (mapping `match:`): counted once, inside updated
   * (the match wrote the row), unchanged (it already held the values, or onMatch: link) or skipped
   * (onMatch: skip); not a term of the equation.
   */
  matched?: number;
  /** extracted === created + updated + unchanged + deleted + quarantined + skipped + notInMapping */
  reconciles: boolean;
}

export interface PicklistWarning { entity: string; field: string; value: string; count: number; policy: string }
export interface OwnerWarning { sourceUserId: string; email: string | null; count: number; assignedTo: string | null }
export interface OrphanWarning { entity: string; field: string; count: number; policy: string; sample: string[] }
export interface UnmappedFieldsWarning { entity: string; fields: string[] }
export interface QuarantineSample { entity: string; sourceId: string | null; field: string | null; reason: string }

export interface RunReport {
  runId: string;
  migrationId: string | null;
  mode: 'run' | 'dry-run';
  status: 'completed' | 'failed' | 'cancelled' | 'running' | 'paused' | 'rolled_back';
  sourceSystem: string;
  tenantId: string;
  targetSchema: string;
  startedAt: string;
  finishedAt: string | null;
  durationSeconds: number;
  entities: EntityCounts[];
  totals: Omit<EntityCounts, 'entity' | 'target'>;
  warnings: {
    unmappedFields: UnmappedFieldsWarning[];
    unmappedPicklistValues: PicklistWarning[];
    unmatchedOwners: OwnerWarning[];
    orphans: OrphanWarning[];
    other: string[];
  };
  quarantineSample: QuarantineSample[];
  throughput: { recordsPerSecond: number };
  timings: Record<string, number>;
  error?: string;
  /** The outcome every surface shows (shared/outcome.ts), added when the run ends or is read. */
  outcome?: 'completed' | 'completed_with_issues' | 'failed';
  /** Why the outcome is not `completed` (null when it is). */
  outcomeReason?: string | null;
  /** The mapping's maxQuarantineShare the outcome was decided with (default 0.01). */
  maxQuarantineShare?: number;
  /** A follow-up run re-importing corrected quarantined records: the run it retries, and which entity. */
  retryOf?: { runId: string; entity: string | null } | null;
  /** Follow-up runs that re-imported this run's quarantined records. */
  retriedBy?: { runId: string; entity: string | null; outcome: string | null }[];
  /** What preflight created before the load (only with --create-tenant / createTenant). */
  preflight?: { tenantCreated: boolean; franchiseCreated: boolean; tenantId: string; franchiseId: string | null };
  /** An offline bundle import: the bundle and the enrolled agent whose signature it carried. */
  bundle?: { bundleId: string; agentId: string; agentName: string; snapshotAt: string };
}
