/** Read a mapping: YAML text → ${VAR} interpolation → schema validation, with errors that name the path. */
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { ZodError, type ZodIssue } from 'zod';
import { MappingSchema, type Mapping } from '../../../shared/mapping/schema.ts';

export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

/** Replace ${NAME} from vars (then the environment). A missing variable is an error naming it. */
/** Where to find the variables every Logic Nexus mapping uses. */
const VARIABLE_HELP: Record<string, string> = {
  FRANCHISE_ID: "the franchise the records belong to: pass --franchise <uuid> or set FRANCHISE_ID; franchise ids are the id column of the target schema's franchises table (SELECT id, name FROM franchises WHERE tenant_id = …); create the franchise in Logic Nexus first if it is missing",
  TENANT_ID: "the Logic Nexus tenant: pass --tenant <uuid> or set TENANT_ID; tenant ids are the id column of the target schema's tenants table (SELECT id, name FROM tenants)",
};

export function interpolate(text: string, vars: Record<string, string | undefined> = {}): string {
  const missing = new Set<string>();
  const out = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = vars[name] ?? process.env[name];
    if (v === undefined) {
      missing.add(name);
      return '';
    }
    return v;
  });
  if (missing.size > 0) throw new MappingError(`mapping variable(s) not set: ${[...missing].map((n) => VARIABLE_HELP[n] ? `${n} (${VARIABLE_HELP[n]})` : `${n} (pass --vars ${n}=value or set the environment variable ${n})`).join(', ')}`);
  return out;
}

export function loadMapping(yamlText: string, vars: Record<string, string | undefined> = {}): Mapping {
  let raw: unknown;
  try {
    raw = parseYaml(interpolate(yamlText, vars));
  } catch (err) {
    if (err instanceof MappingError) throw err;
    throw new MappingError(`mapping is not valid YAML: ${(err as Error).message}`);
  }
  try {
    return MappingSchema.parse(raw);
  } catch (err) {
    if (err instanceof ZodError) {
      const issues = err.issues.flatMap(deepest).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new MappingError(`mapping is invalid:\n  ${issues.join('\n  ')}`);
    }
    throw err;
  }
}

/**
 * A union (a field rule is a column name or an object) fails as "Invalid input" unless we look inside:
 * report the branch that got furthest (`type: Invalid enum value. Expected 'text' | …`), not the union.
 */
function deepest(issue: ZodIssue): ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const branches = issue.unionErrors.map((e) => e.issues.flatMap(deepest));
  const depth = (list: ZodIssue[]) => Math.max(...list.map((i) => i.path.length));
  const best = branches.reduce((a, b) => (depth(b) > depth(a) ? b : a), branches[0] ?? []);
  return best.length > 0 && depth(best) > issue.path.length ? best : [issue];
}

export function mappingHash(yamlText: string): string {
  return createHash('sha256').update(yamlText).digest('hex').slice(0, 16);
}
