package explain

import (
	"fmt"
	"strings"
	"testing"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	clocktesting "k8s.io/utils/clock/testing"
)

// TestPodDecisions runs each decision explain knows against a live evictd
// and checks both evictd's reading of the objects and the server's
// dry-run answer, the reasons and the fix.
func TestPodDecisions(t *testing.T) {
	t.Parallel()
	later := Options{Clock: clocktesting.NewFakePassiveClock(time.Now().Add(time.Minute))}
	tests := []struct {
		name        string
		controllers []string
		setup       func(c *cluster)
		opts        Options
		pod         string
		decision    Decision
		code        int32
		why, fix    string
		alwaysAllow string
		finding     string
	}{{
		name: "no budget", controllers: []string{"disruption"},
		setup: func(c *cluster) { c.pod("p") },
		pod:   "p", decision: NoBudget, code: 201, why: "No PodDisruptionBudget selects the pod",
	}, {
		name: "pending pod bypasses budgets", controllers: []string{"disruption"},
		setup: func(c *cluster) { c.pod("p", pending); c.pdb("web", maxUnavailable(intstr.FromInt32(0))) },
		pod:   "p", decision: Bypass, code: 201, why: "The pod is Pending",
	}, {
		name: "two budgets", controllers: []string{"disruption"},
		setup: func(c *cluster) {
			c.pod("p")
			c.pdb("a", minAvailable(intstr.FromInt32(1)))
			c.pdb("b", maxUnavailable(intstr.FromInt32(1)))
		},
		pod: "p", decision: MultipleBudgets, code: 500,
		why: "a (selector app=web) and b (selector app=web)", fix: "Fix the overlapping selector: change budget a or b",
	}, {
		name:  "stale budget, no controller",
		setup: func(c *cluster) { c.pod("p"); c.pdb("web", minAvailable(intstr.FromInt32(1))) },
		opts:  later, pod: "p", decision: StaleBudget, code: 429,
		why: "status is for generation 0 but its spec is at generation 1", fix: "Start the disruption controller",
		finding: FindingNoController,
	}, {
		name:  "stale budget, just changed",
		setup: func(c *cluster) { c.pod("p"); c.pdb("web", minAvailable(intstr.FromInt32(1))) },
		pod:   "p", decision: StaleBudget, code: 429, fix: "Wait a few seconds", finding: FindingStale,
	}, {
		name: "too many disrupted pods",
		setup: func(c *cluster) {
			c.pod("p")
			c.writeStatus(c.pdb("web", minAvailable(intstr.FromInt32(0))), func(st *policyv1.PodDisruptionBudgetStatus) {
				st.DisruptionsAllowed, st.CurrentHealthy, st.ExpectedPods = 1, 1, 1
				st.DisruptedPods = map[string]metav1.Time{}
				for i := range maxDisruptedPods + 1 {
					st.DisruptedPods[fmt.Sprintf("gone-%d", i)] = metav1.Now()
				}
			})
		},
		pod: "p", decision: TooManyDisrupted, code: 403, why: "lists 2001 disrupted pods (more than 2000)",
		fix: "Run the disruption controller",
	}, {
		name: "allowed", controllers: []string{"disruption"},
		setup: func(c *cluster) {
			c.pod("p")
			c.pod("q")
			c.pdb("web", minAvailable(intstr.FromInt32(1)))
			c.settled("web", 2)
		},
		pod: "p", decision: Allowed, code: 201, why: "allows 1 more disruption",
		alwaysAllow: "None: the pod is Ready",
	}, {
		name: "replicas equal minAvailable", controllers: []string{"disruption"},
		setup: func(c *cluster) {
			rs := c.deployment("web", 2)
			c.pod("p", ownedBy(rs))
			c.pod("q", ownedBy(rs))
			c.pdb("web", minAvailable(intstr.FromInt32(2)))
			c.settled("web", 2)
		},
		pod: "p", decision: BudgetExhausted, code: 429, why: "keeps 2 of 2 pods available (minAvailable 2), and deployment/web has 2 replicas",
		fix: "Scale deployment/web to 3 (from 2)", finding: FindingReplicasEqualMin,
	}, {
		name: "maxUnavailable 0", controllers: []string{"disruption"},
		setup: func(c *cluster) {
			rs := c.deployment("web", 2)
			c.pod("p", ownedBy(rs))
			c.pod("q", ownedBy(rs))
			c.pdb("web", maxUnavailable(intstr.FromInt32(0)))
			c.settled("web", 2)
		},
		pod: "p", decision: BudgetExhausted, code: 429, why: "maxUnavailable 0: it allows no voluntary disruption",
		fix: "Set maxUnavailable on budget web to 1", finding: FindingMaxUnavailableZero,
	}, {
		name: "percentage over pods without a scalable owner", controllers: []string{"disruption"},
		setup: func(c *cluster) {
			c.pod("p")
			c.pod("q")
			c.pdb("web", minAvailable(intstr.FromString("50%")))
			c.settled("web", 2)
		},
		pod: "p", decision: BudgetExhausted, code: 429, why: "pods p, q have no owner with a scale",
		fix: "integer minAvailable", finding: FindingNoScalableOwner,
	}, {
		name: "unready pod exhausts the budget", controllers: []string{"disruption"},
		setup: func(c *cluster) {
			c.pod("p")
			c.pod("q")
			c.pod("r", notReady)
			c.pdb("web", minAvailable(intstr.FromInt32(2)))
			c.settled("web", 2)
		},
		pod: "p", decision: BudgetExhausted, code: 429, why: "r (not Ready since",
		fix: "Wait for pod r to be Ready", finding: FindingUnreadyPods,
	}, {
		name: "unready pod goes while the budget is met", controllers: []string{"disruption"},
		setup: func(c *cluster) {
			c.pod("p")
			c.pod("q")
			c.pod("r", notReady)
			c.pdb("web", minAvailable(intstr.FromInt32(2)))
			c.settled("web", 2)
		},
		pod: "r", decision: UnhealthyAllowed, code: 201, why: "is met (healthy 2 >= desired 2)",
		alwaysAllow: "None now: the budget is met",
	}, {
		name: "AlwaysAllow would let the unready pod go", controllers: []string{"disruption"},
		setup: func(c *cluster) {
			c.pod("p")
			c.pod("q")
			c.pod("r", notReady)
			c.pdb("web", minAvailable(intstr.FromInt32(3)))
			c.settled("web", 2)
		},
		pod: "r", decision: BudgetExhausted, code: 429,
		alwaysAllow: "With AlwaysAllow this unready pod would be evicted now",
		fix:         "Wait for pod r to be Ready and add 1 more Ready pod(s) that budget web selects, or lower budget web's minAvailable to 1.",
	}, {
		name: "AlwaysAllow set", controllers: []string{"disruption"},
		setup: func(c *cluster) {
			c.pod("p")
			c.pod("r", notReady)
			c.pdb("web", minAvailable(intstr.FromInt32(2)), policy(policyv1.AlwaysAllow))
			c.settled("web", 1)
		},
		pod: "r", decision: UnhealthyAllowed, code: 201, why: "has unhealthyPodEvictionPolicy AlwaysAllow",
		alwaysAllow: "Already AlwaysAllow",
	}, {
		name: "crash loop", controllers: []string{"disruption"},
		setup: func(c *cluster) {
			c.pod("p")
			c.pod("q", crashLooping)
			c.pdb("web", minAvailable(intstr.FromInt32(1)))
			c.settled("web", 1)
		},
		pod: "p", decision: BudgetExhausted, code: 429, why: "q (4 restarts)",
		fix: "Fix pod q (crash-looping or never Ready: waiting will not help)", finding: FindingCrashLoop,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCluster(t, tt.controllers...)
			tt.setup(c)
			v := c.explainPod(tt.pod, tt.opts)
			r, err := New(c.client, tt.opts).Pod(t.Context(), ns, tt.pod)
			if err != nil {
				t.Fatal(err)
			}
			if v.Decision != tt.decision {
				t.Errorf("decision %s, want %s (why %q)", v.Decision, tt.decision, v.Why)
			}
			if v.DryRun == nil || v.DryRun.Code != tt.code || v.DryRun.Disagrees {
				t.Errorf("dry run %+v, want code %d agreeing", v.DryRun, tt.code)
			}
			if want := tt.code == 201; v.Evictable != want {
				t.Errorf("evictable %v, want %v", v.Evictable, want)
			}
			if tt.decision == StaleBudget && v.DryRun != nil && v.DryRun.RetryAfterSeconds != 10 {
				t.Errorf("stale budget dry run retryAfterSeconds %d, want 10", v.DryRun.RetryAfterSeconds)
			}
			if why := strings.Join(v.Why, "\n"); !strings.Contains(why, tt.why) {
				t.Errorf("why %q does not contain %q", why, tt.why)
			}
			if !strings.Contains(v.Fix, tt.fix) || tt.fix == "" && v.Fix != "" {
				t.Errorf("fix %q, want it to contain %q", v.Fix, tt.fix)
			}
			if !strings.Contains(v.AlwaysAllow, tt.alwaysAllow) {
				t.Errorf("alwaysAllow %q does not contain %q", v.AlwaysAllow, tt.alwaysAllow)
			}
			if tt.finding != "" && !hasFinding(r.Budgets, tt.finding) {
				t.Errorf("no %s finding in %+v", tt.finding, r.Budgets)
			}
			if !v.Evictable && len(r.Remedies) != len(remedies) {
				t.Errorf("refused pod, remedies %q", r.Remedies)
			}
		})
	}
}
