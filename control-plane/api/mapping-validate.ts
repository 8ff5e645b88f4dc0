/** Validate mapping YAML for the API: interpolate ${VAR}s, parse, check against MappingSchema; field errors on failure. */
import { parse as parseYaml } from 'yaml';
import { MappingSchema } from '../../shared/mapping/schema.ts';
import { ApiError } from './http.ts';

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function validateMappingYaml(yamlText: string, vars: Record<string, string>, where = 'body.mappingYaml'): void {
  const missing = new Set<string>();
  // Unknown variables are filled with a placeholder: the run supplies them; only the structure is checked here.
  const text = yamlText.replace(VAR, (_m, name: string) => vars[name] ?? (missing.add(name), 'placeholder'));
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ApiError(400, 'validation_failed', 'mapping is not valid YAML', { [where]: (err as Error).message.split('\n')[0]! });
  }
  const r = MappingSchema.safeParse(raw);
  if (!r.success) {
    const fields: Record<string, string> = {};
    for (const i of r.error.issues) fields[[where, ...i.path.map(String)].join('.')] ??= i.message;
    throw new ApiError(400, 'validation_failed', 'mapping is invalid', fields);
  }
}
