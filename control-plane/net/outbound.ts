/** The outbound dispatcher lives in shared/net so connectors use the same one; re-exported here for the control plane. */
export * from '../../shared/net/outbound.ts';
