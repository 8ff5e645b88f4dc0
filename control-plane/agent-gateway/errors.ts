/** Named errors of the control-plane side of the agent link. */
export class AgentNotConnectedError extends Error {
  override readonly name = 'AgentNotConnectedError';
  constructor(readonly agentId: string) {
    super(`agent ${agentId} is not connected`);
  }
}

export class AgentRpcError extends Error {
  override readonly name = 'AgentRpcError';
  constructor(readonly agentId: string, readonly method: string, reason: string) {
    super(`agent ${agentId} ${method} failed: ${reason}`);
  }
}

export class StagedJobNotFoundError extends Error {
  override readonly name = 'StagedJobNotFoundError';
  constructor(readonly jobId: string) {
    super(`no agent job ${jobId} in the control schema`);
  }
}
