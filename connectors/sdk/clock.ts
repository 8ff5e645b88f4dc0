/** Time as a dependency, so rate limiting and backoff are testable without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export class AbortedError extends Error {
  override readonly name = 'AbortedError';
  constructor(what = 'operation') {
    super(`${what} aborted`);
  }
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortedError('sleep'));
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = (): void => {
        clearTimeout(t);
        reject(new AbortedError('sleep'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
