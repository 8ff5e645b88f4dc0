/** The SQL platforms the sample databases and platform descriptions know (no imports: the CLI's help loads it). */
export const PLATFORMS = ['cargowise', 'sap-tm', 'oracle-tm'] as const;
export type PlatformName = (typeof PLATFORMS)[number];
