package flowcontrol

import (
	"strings"

	"k8s.io/apimachinery/pkg/types"
)

// LevelConfig describes a priority level, as a
// PriorityLevelConfiguration does upstream.
type LevelConfig struct {
	Name string
	UID  types.UID
	// Exempt requests are never queued nor counted.
	Exempt bool
	// Shares is the level's nominal concurrency shares: its seats are
	// ceil(total seats × Shares / sum of every level's Shares).
	Shares int
	// Queues, HandSize and QueueLength shape its fair queuing: a flow is
	// dealt HandSize of the Queues and waits in the shortest; a queue
	// holds at most QueueLength waiting requests. No queues means a
	// request finding every seat taken is refused at once.
	Queues, HandSize, QueueLength int
}

// Levels are evictd's priority levels. upstream's exempt, global-default
// and catch-all keep their queuing parameters (global-default: 128
// queues, hands of 6, 50 waiting per queue; catch-all rejects rather
// than queues); the levels evictd has no clients for (system,
// leader-election, node-high, workload-high, workload-low) are left out,
// and their shares with them, so global-default holds 95% of the seats
// instead of borrowing them (docs/flowcontrol.md).
var Levels = []LevelConfig{
	{Name: "exempt", UID: "bc654789-45eb-432d-91fd-a01846d7d053", Exempt: true},
	{Name: "global-default", UID: "50cbe5ae-5f14-4291-9671-5917f0174ee8", Shares: 95, Queues: 128, HandSize: 6, QueueLength: 50},
	{Name: "catch-all", UID: "66375068-4d63-42e2-99ef-bc87f818ded6", Shares: 5},
}

// ComponentsUser is who evictd's in-process components (controllers,
// scheduler, kubelets) authenticate as. Like kube-apiserver's own
// loopback client, they are exempt.
const ComponentsUser = "system:evictd:components"

// schema is a flow schema: which requests it matches, in order of
// precedence, and the level they go to.
type schema struct {
	name  string
	uid   types.UID
	level string
	// byUser distinguishes flows by user and connection (else the schema
	// is one flow).
	byUser  bool
	matches func(u User, path string) bool
}

// schemas are the flow schemas, in their matching precedence. Upstream's
// exempt schema (group system:masters) is replaced by one for the
// in-process components' user: evictd's one admin token is in
// system:masters, and every external client shares it.
var schemas = []schema{
	{name: "evictd-components", uid: "d98ea312-44c3-4716-8601-453538d8d33f", level: "exempt",
		matches: func(u User, _ string) bool { return u.Name == ComponentsUser }},
	{name: "probes", uid: "b9d7be6f-4902-4c80-91f0-5dddb19d863d", level: "exempt",
		matches: func(_ User, path string) bool { return isProbe(path) }},
	{name: "global-default", uid: "f100a79c-6111-4cab-98e3-d5c01d80156b", level: "global-default", byUser: true,
		matches: func(u User, _ string) bool { return u.InGroup(GroupAuthenticated) || u.InGroup(GroupUnauthenticated) }},
	{name: "catch-all", uid: "3f1f6f7e-2a8c-4a4e-9d0b-6f1c0e7b9a51", level: "catch-all", byUser: true,
		matches: func(User, string) bool { return true }},
}

// isProbe matches upstream's probes schema: /healthz, /livez, /readyz and
// their sub-paths.
func isProbe(path string) bool {
	for _, p := range []string{"/healthz", "/livez", "/readyz"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// Digest is what classification reads of a request.
type Digest struct {
	User User
	Path string
	// Connection identifies the client's connection (its remote
	// address): it tells apart the flows of clients sharing one user,
	// as every external client of evictd shares its one admin token.
	Connection string
}

// Classification is where a request goes.
type Classification struct {
	FlowSchema, PriorityLevel       string
	FlowSchemaUID, PriorityLevelUID types.UID
	// Flow names the request's flow within its level.
	Flow string
	// Exempt requests skip queuing.
	Exempt bool
	level  *level
}
