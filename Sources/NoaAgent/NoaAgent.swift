// The agent: config, topology, HTTP listeners and lifecycle.
