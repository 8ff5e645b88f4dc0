/** Named errors of the batch crypto layer. Messages carry context (job, entity, seq), never key material. */

/** A sealed batch failed authentication: tampered, truncated, wrong key, or bound to another job/entity/seq. */
export class BatchIntegrityError extends Error {
  override readonly name = 'BatchIntegrityError';
  constructor(
    readonly jobId: string,
    readonly entity: string,
    readonly seq: number,
    reason: string,
  ) {
    super(`batch ${jobId}/${entity}#${seq} rejected: ${reason}`);
  }
}

/** A wrapped data key could not be unwrapped (wrong recipient key, tampered wrap, unknown algorithm). */
export class KeyUnwrapError extends Error {
  override readonly name = 'KeyUnwrapError';
  constructor(readonly jobId: string, reason: string) {
    super(`data key for job ${jobId} could not be unwrapped: ${reason}`);
  }
}

/** A key in the wrong format or of the wrong type was supplied. */
export class InvalidKeyError extends Error {
  override readonly name = 'InvalidKeyError';
}
