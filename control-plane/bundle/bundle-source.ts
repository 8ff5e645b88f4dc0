/**
 * A SourceConnector over a verified bundle, without decrypting it to disk: each entity's CSV is
 * streamed from its frames (re-authenticated as they are read) into the CSV connector.
 */
import { Readable } from 'node:stream';
import { CsvConnector } from '../../connectors/csv/index.ts';
import { CSV_FRAME_PREFIX } from '../../agent/bundle/format.ts';
import { readFrames } from './frames.ts';
import type { VerifiedBundle } from './verify.ts';

export async function bundleSource(v: VerifiedBundle): Promise<CsvConnector> {
  const fileToEntity = new Map(Object.entries(v.manifest.entities).map(([entity, m]) => [m.file, entity]));
  const open = (file: string): Readable => {
    const entity = fileToEntity.get(file.split(/[\\/]/).pop() ?? file);
    const wanted = `${CSV_FRAME_PREFIX}${entity}`;
    async function* text(): AsyncGenerator<string> {
      for await (const f of readFrames(v.file, v.header, v.dataKey, wanted)) {
        if (f.name === wanted) yield String(f.fields['data'] ?? '');
      }
    }
    return Readable.from(text(), { objectMode: false });
  };
  return new CsvConnector({ dir: '(bundle)', manifest: { sourceSystem: v.manifest.sourceSystem, entities: v.manifest.entities }, openFile: open }).open();
}
