/**
 * The CSV folder layout: one file per entity with a header row. An optional manifest
 * (manifest.yaml or manifest.json in the folder) names files, id columns and the cell encoding;
 * without one, every *.csv file is an entity named after the file, keyed by an `Id` column.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const CsvEntitySchema = z
  .object({
    /** File name relative to the folder. Default: <entity>.csv */
    file: z.string().optional(),
    /** Column holding the source id. Default: Id */
    idColumn: z.string().default('Id'),
    /** Column holding 'upsert' | 'delete' (bundle files); absent means every row is an upsert. */
    opColumn: z.string().optional(),
    /** Column holding a JSON object of fields that were not in the header (bundle files). */
    extraColumn: z.string().optional(),
    /**
     * 'text': cells are strings, an empty unquoted cell is null (manual exports).
     * 'json': every cell is JSON text, an empty unquoted cell means the field was absent (bundles: lossless).
     */
    encoding: z.enum(['text', 'json']).default('text'),
    delimiter: z.string().length(1).default(','),
  })
  .passthrough();

export const CsvManifestSchema = z
  .object({
    /** Source system stamped on batches (a bundle replays its original source's name). Default: csv */
    sourceSystem: z.string().min(1).max(64).default('csv'),
    entities: z.record(CsvEntitySchema),
  })
  .passthrough();

export type CsvEntityConfig = z.output<typeof CsvEntitySchema> & { file: string };
export interface CsvFolder {
  dir: string;
  sourceSystem: string;
  entities: Map<string, CsvEntityConfig>;
}

export class CsvManifestError extends Error {
  override readonly name = 'CsvManifestError';
  constructor(readonly file: string, detail: string) {
    super(`CSV manifest ${file}: ${detail}`);
  }
}

const MANIFEST_NAMES = ['manifest.yaml', 'manifest.yml', 'manifest.json'];

/** Load the folder's manifest, or derive one from the *.csv files present. */
export async function loadCsvFolder(dir: string, override?: z.input<typeof CsvManifestSchema>): Promise<CsvFolder> {
  const names = override === undefined ? await readdir(dir) : [];
  let raw: unknown = override;
  let manifestFile = '(options)';
  if (raw === undefined) {
    const found = MANIFEST_NAMES.find((n) => names.includes(n));
    if (found) {
      manifestFile = path.join(dir, found);
      try {
        raw = parseYaml(await readFile(manifestFile, 'utf8'));
      } catch (err) {
        throw new CsvManifestError(manifestFile, `not valid YAML/JSON: ${(err as Error).message}`);
      }
    }
  }
  if (raw === undefined) {
    const entities: Record<string, object> = {};
    for (const n of names.filter((f) => f.toLowerCase().endsWith('.csv')).sort()) entities[n.slice(0, -4)] = { file: n };
    raw = { entities };
  }
  const parsed = CsvManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CsvManifestError(manifestFile, `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const entities = new Map<string, CsvEntityConfig>();
  for (const [entity, cfg] of Object.entries(parsed.data.entities)) {
    const file = cfg.file ?? `${entity}.csv`;
    if (path.isAbsolute(file) || file.split(/[\\/]/).includes('..')) {
      throw new CsvManifestError(manifestFile, `entities.${entity}.file must stay inside the folder: ${file}`);
    }
    entities.set(entity, { ...cfg, file });
  }
  return { dir, sourceSystem: parsed.data.sourceSystem, entities };
}
