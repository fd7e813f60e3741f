// Package flowcontrol is evictd's small version of kube-apiserver's API
// Priority and Fairness (APF): every request that is not long-running is
// classified by a fixed list of flow schemas into a priority level; the
// exempt level runs at once, the others hold a share of the server's
// seats (its total concurrency) and queue what they cannot seat at once
// in shuffle-sharded fair queues, so that one flow (a user, or a user on
// one connection) cannot crowd out another. A request that finds its
// queues full, or waits longer than the queue wait, is refused; the HTTP
// filter (internal/apiserver) answers it 429 with Retry-After.
//
// docs/flowcontrol.md describes the levels and how they differ from
// upstream.
package flowcontrol
