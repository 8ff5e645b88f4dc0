/** Batch crypto shared by the agent, the control plane and offline bundles. */
export { sealBatch, openBatch, authenticateBatch, batchAad, SEAL_VERSION, MAX_BATCH_BYTES, type BatchBinding } from './batch-seal.ts';
export { createDataKey, wrapDataKey, unwrapDataKey, WrappedKeySchema, WRAP_ALG, type WrappedKey } from './data-key.ts';
export { generateTransportKeyPair, generateIdentityKeyPair, importPublicKey, importPrivateKey, keyId, type EncodedKeyPair } from './keys.ts';
export { signChallenge, verifyChallenge, signBundleManifest, verifyBundleManifest } from './identity.ts';
export { BatchIntegrityError, KeyUnwrapError, InvalidKeyError } from './errors.ts';
