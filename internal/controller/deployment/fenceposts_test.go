package deployment

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// TestResolveFenceposts: surge rounds up, unavailable rounds down, both
// zero makes unavailable 1 (rows after upstream's TestResolveFenceposts and
// the documented defaults).
func TestResolveFenceposts(t *testing.T) {
	t.Parallel()
	pct := func(s string) *intstr.IntOrString { return ptr.To(intstr.FromString(s)) }
	num := func(n int32) *intstr.IntOrString { return ptr.To(intstr.FromInt32(n)) }
	for _, tc := range []struct {
		name                   string
		surge, unavailable     *intstr.IntOrString
		desired                int32
		wantSurge, wantUnavail int32
		wantErr                bool
	}{
		{name: "defaults of 10", surge: pct("25%"), unavailable: pct("25%"), desired: 10, wantSurge: 3, wantUnavail: 2},
		{name: "defaults of 3", surge: pct("25%"), unavailable: pct("25%"), desired: 3, wantSurge: 1, wantUnavail: 0},
		{name: "defaults of 1", surge: pct("25%"), unavailable: pct("25%"), desired: 1, wantSurge: 1, wantUnavail: 0},
		{name: "39% of 10", surge: pct("39%"), unavailable: pct("39%"), desired: 10, wantSurge: 4, wantUnavail: 3},
		{name: "both zero ints", surge: num(0), unavailable: num(0), desired: 10, wantSurge: 0, wantUnavail: 1},
		{name: "both nil", desired: 0, wantSurge: 0, wantUnavail: 1},
		{name: "unavailable rounds to zero", surge: pct("0%"), unavailable: pct("1%"), desired: 10, wantSurge: 0, wantUnavail: 1},
		{name: "surge rounds up from 1%", surge: pct("1%"), unavailable: pct("0%"), desired: 10, wantSurge: 1, wantUnavail: 0},
		{name: "ints", surge: num(5), unavailable: num(1), desired: 3, wantSurge: 5, wantUnavail: 1},
		{name: "half of 3", surge: pct("50%"), unavailable: pct("50%"), desired: 3, wantSurge: 2, wantUnavail: 1},
		{name: "bad surge", surge: pct("oops"), unavailable: pct("1%"), desired: 10, wantErr: true},
		{name: "bad unavailable", surge: pct("55%"), unavailable: pct("urg"), desired: 10, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			surge, unavailable, err := ResolveFenceposts(tc.surge, tc.unavailable, tc.desired)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if !tc.wantErr && (surge != tc.wantSurge || unavailable != tc.wantUnavail) {
				t.Errorf("got surge %d unavailable %d, want %d %d", surge, unavailable, tc.wantSurge, tc.wantUnavail)
			}
		})
	}
}

func TestMaxUnavailable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		d    *appsv1.Deployment
		want int32
	}{
		{name: "capped at replicas", d: newDeployment("d", 2, withFenceposts(intstr.FromInt32(0), intstr.FromInt32(5))), want: 2},
		{name: "zero replicas", d: newDeployment("d", 0), want: 0},
		{name: "recreate", d: newDeployment("d", 10, recreate), want: 0},
		{name: "percent", d: newDeployment("d", 10), want: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := maxUnavailable(tc.d); got != tc.want {
				t.Errorf("maxUnavailable = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestNewRSNewReplicas: the new ReplicaSet grows within maxSurge and never
// past spec.replicas (rows after upstream's TestNewRSNewReplicas).
func TestNewRSNewReplicas(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		d            *appsv1.Deployment
		newRS, oldRS int32
		want         int32
	}{
		{name: "surge 1 of 1", d: newDeployment("d", 1, withFenceposts(intstr.FromInt32(1), intstr.FromInt32(0))), newRS: 0, oldRS: 1, want: 1},
		{name: "surge capped by replicas", d: newDeployment("d", 1, withFenceposts(intstr.FromInt32(3), intstr.FromInt32(0))), newRS: 0, oldRS: 1, want: 1},
		{name: "no room", d: newDeployment("d", 3, withFenceposts(intstr.FromInt32(1), intstr.FromInt32(0))), newRS: 1, oldRS: 3, want: 1},
		{name: "room for two", d: newDeployment("d", 10, withFenceposts(intstr.FromInt32(2), intstr.FromInt32(0))), newRS: 2, oldRS: 8, want: 4},
		{name: "recreate", d: newDeployment("d", 5, recreate), newRS: 0, oldRS: 5, want: 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			newRS := &appsv1.ReplicaSet{Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To(tc.newRS)}}
			oldRS := &appsv1.ReplicaSet{Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To(tc.oldRS)}}
			got, err := newRSNewReplicas(tc.d, []*appsv1.ReplicaSet{oldRS, newRS}, newRS)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("newRSNewReplicas = %d, want %d", got, tc.want)
			}
		})
	}
}
