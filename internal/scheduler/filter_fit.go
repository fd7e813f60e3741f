package scheduler

// filterPorts is NodePorts: a host port (protocol, port and address, the
// wildcard address colliding with every other) is used once per node.
func filterPorts(c *cycle, n *nodeInfo) *status {
	for _, hp := range c.info.ports {
		if n.ports.conflicts(hp) {
			return &status{plugin: pluginPorts, reasons: []string{reasonPorts}, resolvable: true}
		}
	}
	return nil
}

// filterResources is NodeResourcesFit: the pod count and every requested
// resource must fit in the node's allocatable beside the requests of the
// pods already there (terminating ones included). Every shortfall is a
// reason of its own, so "Insufficient cpu" and "Insufficient memory" are
// both counted in the summary.
func filterResources(c *cycle, n *nodeInfo) *status {
	var reasons []string
	if int64(len(n.pods))+1 > n.allowedPods {
		reasons = append(reasons, reasonTooManyPods)
	}
	req := c.info.req
	if !req.zero() {
		if n.allocatable.milliCPU < req.milliCPU+n.requested.milliCPU {
			reasons = append(reasons, reasonInsufficient+"cpu")
		}
		if n.allocatable.memory < req.memory+n.requested.memory {
			reasons = append(reasons, reasonInsufficient+"memory")
		}
		if n.allocatable.ephemeral < req.ephemeral+n.requested.ephemeral {
			reasons = append(reasons, reasonInsufficient+"ephemeral-storage")
		}
		for _, name := range sortedScalars(req) {
			if n.allocatable.scalar[name] < req.scalar[name]+n.requested.scalar[name] {
				reasons = append(reasons, reasonInsufficient+string(name))
			}
		}
	}
	if len(reasons) == 0 {
		return nil
	}
	return &status{plugin: pluginResources, reasons: reasons, resolvable: true}
}
