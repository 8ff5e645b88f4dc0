/** The one line an emulator process prints when it serves: `{"ready":true,"vendor",…}`. Clients wait for it. */
import type { EmulatorHandle } from '../emulator-types.ts';

export function readyLine(vendor: string, handle: Pick<EmulatorHandle, 'url' | 'tokenUrl' | 'credentials'>): string {
  // The credentials are the sandbox's own, printed on purpose so a client can connect.
  return JSON.stringify({ ready: true, vendor, url: handle.url, tokenUrl: handle.tokenUrl, credentials: handle.credentials }) + '\n';
}

/** Parse a ready line from process output (first line starting with `{"ready"`). */
export function parseReadyLine(output: string): ({ ready: true; vendor: string } & Pick<EmulatorHandle, 'url' | 'tokenUrl' | 'credentials'>) | undefined {
  const line = output.split('\n').find((l) => l.startsWith('{"ready"'));
  return line ? (JSON.parse(line) as { ready: true; vendor: string } & Pick<EmulatorHandle, 'url' | 'tokenUrl' | 'credentials'>) : undefined;
}
