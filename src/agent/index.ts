export { HostwardAgent, AGENT_VERSION, type AgentOptions, type Firewall } from "./agent.ts";
