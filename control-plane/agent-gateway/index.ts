/** The control-plane side of the agent link: what the API server and the engine use. */
export { attachAgentGateway, type AgentGateway, type AgentGatewayDeps } from './gateway.ts';
export { openStagedSource, AgentJobEndedError, type StagedSourceOptions } from './staged-source.ts';
export { loadTransportKey, TransportKeyError } from './transport-key.ts';
export { GatewayStore } from './store.ts';
export { AgentNotConnectedError, AgentRpcError, StagedJobNotFoundError } from './errors.ts';
