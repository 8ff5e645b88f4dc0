/** Seconds without a heartbeat after which a run's or a unit's holder counts as gone (NEXUS_RUN_STALE_S). */
export const STALE_SECONDS = Number(process.env.NEXUS_RUN_STALE_S ?? 20);
