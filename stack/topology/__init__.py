"""A local multi-node topology: app nodes over two sites, HAProxy, a Redis Cluster (docs/topology.md)."""
