/** Request and response shapes of API v1 (zod v4: validated in, stripped out, converted for /docs). */
import { z } from 'zod/v4';
import { ROLES } from './auth/roles.ts';

export const Uuid = z.uuid();
export const IdParams = z.object({ id: Uuid });
export const ErrorBody = z.object({ error: z.string(), message: z.string(), fields: z.record(z.string(), z.string()).optional() });

const SecretMap = z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/), z.string().min(1).max(8192)).refine((o) => Object.keys(o).length <= 32, 'at most 32 credentials');

export const MigrationConfig = z.object({
  baseUrl: z.url().optional(),
  tokenUrl: z.url().optional(),
  entities: z.array(z.string().min(1).max(128)).max(500).optional(),
  batchSize: z.int().min(1).max(50_000).optional(),
  /** Entities of one dependency level loaded at once, spread over every worker as units (default 1). */
  parallelism: z.int().min(1).max(16).optional(),
  franchiseId: Uuid.optional(),
  /** With agentConnection: the migration is sourced from that connection on that enrolled agent. */
  agentId: Uuid.optional(),
  agentConnection: z.string().min(1).max(200).optional(),
  estimatedCounts: z.record(z.string(), z.number().nonnegative()).optional(),
}).strict().refine((c) => (c.agentId === undefined) === (c.agentConnection === undefined), { message: 'agentId and agentConnection go together (an agent and the name of its connection)', path: ['agentConnection'] });

export const CreateMigration = z.object({
  name: z.string().trim().min(1).max(200),
  sourceSystem: z.string().regex(/^[a-z][a-z0-9-]{1,63}$/, 'lowercase connector name'),
  credentials: SecretMap.optional(),
  config: MigrationConfig.default({}),
  mappingYaml: z.string().max(512_000).optional(),
  mappingTemplateId: z.string().max(200).optional(),
});

export const UpdateMigration = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  config: MigrationConfig.optional(),
  mappingYaml: z.string().max(512_000).optional(),
  credentials: SecretMap.optional(),
});

export const OutcomeValue = z.enum(['completed', 'completed_with_issues', 'failed']);

export const RunSummary = z.object({
  id: z.string(), mode: z.string(), status: z.string(), startedAt: z.string(), finishedAt: z.string().nullable(), error: z.string().nullable(),
  /** shared/outcome.ts; null while the run has not ended (or was paused/cancelled). */
  outcome: OutcomeValue.nullable(), outcomeReason: z.string().nullable(),
  /** A follow-up run: the run whose quarantined records of retryEntity it re-imported. */
  retryOf: z.string().nullable(), retryEntity: z.string().nullable(),
});

export const Migration = z.object({
  id: z.string(),
  name: z.string(),
  sourceSystem: z.string(),
  status: z.string(),
  config: z.record(z.string(), z.unknown()),
  mappingYaml: z.string().nullable(),
  credentialNames: z.array(z.string()),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  active: z.boolean(),
  /** What a queued or retrying run waits for ("the target database …; retry 3 in 8 s"); null while a worker runs it. */
  waitingFor: z.string().nullable(),
  /** The outcome of the latest finished run (a dry run's is its prediction) and why, when not completed. */
  outcome: OutcomeValue.nullable(),
  outcomeReason: z.string().nullable(),
  outcomeRunId: z.string().nullable(),
  outcomeMode: z.string().nullable(),
  runs: z.array(RunSummary),
  entities: z.array(z.object({
    runId: z.string(), entity: z.string(), status: z.string(), extracted: z.number(), created: z.number(), updated: z.number(),
    unchanged: z.number(), quarantined: z.number(), skipped: z.number(),
    /** ok | issues (quarantined above maxQuarantineShare) | failed (had records, loaded none; or does not reconcile) | running */
    state: z.enum(['ok', 'issues', 'failed', 'running']),
  })),
});

export const MigrationList = z.object({ items: z.array(Migration.omit({ mappingYaml: true, runs: true, entities: true })) });
export const StatusResponse = z.object({ id: z.string(), status: z.string() });

export const LogsQuery = z.object({
  level: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.coerce.number().int().min(0).optional(),
  runId: Uuid.optional(),
});
export const LogsResponse = z.object({
  items: z.array(z.object({ id: z.number(), ts: z.string(), level: z.string(), message: z.string(), runId: z.string().nullable(), fields: z.record(z.string(), z.unknown()) })),
  nextAfter: z.number().nullable(),
});

export const ReportQuery = z.object({ format: z.enum(['json', 'pdf']).default('json'), runId: Uuid.optional(), mode: z.enum(['run', 'dry-run']).optional() });

export const PreviewBody = z.object({ entity: z.string().min(1).max(128), limit: z.int().min(1).max(50).default(5), mappingYaml: z.string().max(512_000).optional() });

export const Role = z.enum(ROLES);
export const LoginBody = z.object({ tenant: z.string().trim().min(1).max(63), email: z.email().max(320), password: z.string().min(1).max(1024) });
export const Me = z.object({ tenantId: z.string(), role: z.string(), actor: z.string(), via: z.string() });
export const CreateApiKey = z.object({ name: z.string().trim().min(1).max(100), role: Role });
export const CreateUser = z.object({ email: z.email().max(320), password: z.string().min(12).max(1024), role: Role, displayName: z.string().max(200).optional() });

export const CreateWebhook = z.object({
  url: z.url({ protocol: /^https?$/ }).max(2000),
  events: z.array(z.enum(['migration.completed', 'migration.completed_with_issues', 'migration.failed', 'migration.critical', 'dry_run.completed'])).min(1)
    .default(['migration.completed', 'migration.completed_with_issues', 'migration.failed', 'migration.critical']),
});
export const Webhook = z.object({ id: z.string(), url: z.string(), events: z.array(z.string()), enabled: z.boolean(), createdAt: z.string() });

export const MappingTemplate = z.object({ id: z.string(), name: z.string(), sourceSystem: z.string(), builtin: z.boolean(), basedOn: z.string().nullable() });
export const MappingTemplateFull = MappingTemplate.extend({ yaml: z.string() });
export const CloneTemplate = z.object({ from: z.string().min(1).max(200), name: z.string().trim().min(1).max(200) });
export const EditTemplate = z.object({ yaml: z.string().min(1).max(512_000) });
