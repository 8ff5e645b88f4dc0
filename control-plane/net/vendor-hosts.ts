/** The vendors' documented hosts live in shared/net (connectors check them too); re-exported here. */
export * from '../../shared/net/vendor-hosts.ts';
