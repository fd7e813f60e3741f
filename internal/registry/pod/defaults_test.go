package pod

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestDefaultMinimalPod(t *testing.T) {
	t.Parallel()
	pod := defaultedPod(nil)
	want := corev1.PodSpec{
		Containers: []corev1.Container{{
			Name:                     "app",
			Image:                    "nginx:1.27",
			ImagePullPolicy:          corev1.PullIfNotPresent,
			TerminationMessagePath:   "/dev/termination-log",
			TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		}},
		RestartPolicy:                 corev1.RestartPolicyAlways,
		TerminationGracePeriodSeconds: ptr.To(int64(30)),
		DNSPolicy:                     corev1.DNSClusterFirst,
		SecurityContext:               &corev1.PodSecurityContext{},
		SchedulerName:                 "default-scheduler",
		EnableServiceLinks:            ptr.To(true),
	}
	assertSemanticEqual(t, pod.Spec, want)
	// Priority and preemptionPolicy come from admission on create, not defaults.
	if pod.Spec.Priority != nil || pod.Spec.PreemptionPolicy != nil {
		t.Errorf("priority %v, preemptionPolicy %v: want unset by defaulting", pod.Spec.Priority, pod.Spec.PreemptionPolicy)
	}
}

func TestDefaultKeepsSetValues(t *testing.T) {
	t.Parallel()
	pod := defaultedPod(func(p *corev1.Pod) {
		p.Spec.RestartPolicy = corev1.RestartPolicyNever
		p.Spec.TerminationGracePeriodSeconds = ptr.To(int64(5))
		p.Spec.DNSPolicy = corev1.DNSDefault
		p.Spec.SchedulerName = "other"
		p.Spec.EnableServiceLinks = ptr.To(false)
		p.Spec.Containers[0].ImagePullPolicy = corev1.PullNever
	})
	s := pod.Spec
	if s.RestartPolicy != corev1.RestartPolicyNever || *s.TerminationGracePeriodSeconds != 5 || s.DNSPolicy != corev1.DNSDefault ||
		s.SchedulerName != "other" || *s.EnableServiceLinks || s.Containers[0].ImagePullPolicy != corev1.PullNever {
		t.Errorf("defaults overwrote values the client set: %+v", s)
	}
}

func TestDefaultContainers(t *testing.T) {
	t.Parallel()
	pod := defaultedPod(func(p *corev1.Pod) {
		c := &p.Spec.Containers[0]
		c.Ports = []corev1.ContainerPort{{ContainerPort: 80}, {ContainerPort: 53, Protocol: corev1.ProtocolUDP}}
		c.Resources.Limits = quantities("cpu", "500m", "memory", "128Mi")
		c.Resources.Requests = quantities("cpu", "100m")
		c.Env = []corev1.EnvVar{{Name: "NODE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}}}
		c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80)}}}
		p.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "busybox", Resources: corev1.ResourceRequirements{Limits: quantities("memory", "64Mi")}}}
	})
	c := pod.Spec.Containers[0]
	if got := []corev1.Protocol{c.Ports[0].Protocol, c.Ports[1].Protocol}; got[0] != corev1.ProtocolTCP || got[1] != corev1.ProtocolUDP {
		t.Errorf("port protocols %v, want [TCP UDP]", got)
	}
	// A request the client set stays; a missing one is copied from the limit.
	assertSemanticEqual(t, c.Resources.Requests, quantities("cpu", "100m", "memory", "128Mi"))
	if got := c.Env[0].ValueFrom.FieldRef.APIVersion; got != "v1" {
		t.Errorf("fieldRef apiVersion %q, want v1", got)
	}
	assertSemanticEqual(t, c.ReadinessProbe, &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(80), Scheme: corev1.URISchemeHTTP}},
		TimeoutSeconds:   1,
		PeriodSeconds:    10,
		SuccessThreshold: 1,
		FailureThreshold: 3,
	})
	init := pod.Spec.InitContainers[0]
	if init.ImagePullPolicy != corev1.PullAlways || init.TerminationMessagePath != corev1.TerminationMessagePathDefault {
		t.Errorf("init container not defaulted: %+v", init)
	}
	assertSemanticEqual(t, init.Resources.Requests, quantities("memory", "64Mi"))
}

func TestDefaultHostNetworkPorts(t *testing.T) {
	t.Parallel()
	pod := defaultedPod(func(p *corev1.Pod) {
		p.Spec.HostNetwork = true
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080}}
	})
	if got := pod.Spec.Containers[0].Ports[0].HostPort; got != 8080 {
		t.Errorf("hostPort %d, want 8080", got)
	}
}

func TestDefaultVolumes(t *testing.T) {
	t.Parallel()
	pod := defaultedPod(func(p *corev1.Pod) {
		p.Spec.Volumes = []corev1.Volume{
			{Name: "scratch"},
			{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}},
			{Name: "token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
				Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}}},
			}}},
		}
	})
	v := pod.Spec.Volumes
	if v[0].EmptyDir == nil {
		t.Errorf("volume without source: want emptyDir, got %+v", v[0].VolumeSource)
	}
	if got := *v[1].ConfigMap.DefaultMode; got != 0o644 {
		t.Errorf("configMap defaultMode %o, want 644", got)
	}
	if got := *v[2].Projected.DefaultMode; got != 0o644 {
		t.Errorf("projected defaultMode %o, want 644", got)
	}
	if got := *v[2].Projected.Sources[0].ServiceAccountToken.ExpirationSeconds; got != 3600 {
		t.Errorf("token expiration %d, want 3600", got)
	}
}

func TestDefaultPodSpecLeavesPodOnlyFields(t *testing.T) {
	t.Parallel()
	spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx", Resources: corev1.ResourceRequirements{Limits: quantities("cpu", "1")}}}}
	DefaultPodSpec(&spec)
	if spec.EnableServiceLinks != nil {
		t.Errorf("template got enableServiceLinks %v; upstream sets it on pods only", *spec.EnableServiceLinks)
	}
	if spec.Containers[0].Resources.Requests != nil {
		t.Errorf("template got requests %v; upstream copies limits on pods only", spec.Containers[0].Resources.Requests)
	}
	if spec.RestartPolicy != corev1.RestartPolicyAlways || spec.Containers[0].ImagePullPolicy != corev1.PullAlways {
		t.Errorf("template spec not defaulted: %+v", spec)
	}
}

func TestDefaultRoundsUpQuantities(t *testing.T) {
	t.Parallel()
	pod := defaultedPod(func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources.Requests = quantities("cpu", "0.0001")
	})
	if got := pod.Spec.Containers[0].Resources.Requests.Cpu().String(); got != "1m" {
		t.Errorf("cpu request %s, want 1m", got)
	}
}

func TestDefaultIsIdempotent(t *testing.T) {
	t.Parallel()
	once := defaultedPod(func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources.Limits = quantities("cpu", "1")
		p.Spec.Volumes = []corev1.Volume{{Name: "v"}}
	})
	twice := once.DeepCopy()
	Default(twice)
	assertSemanticEqual(t, twice, once)
}

func TestDefaultResolvesAliases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		mutate          func(*corev1.Pod)
		wantSA          string
		wantPodIP       string
		wantPodIPs      []corev1.PodIP
		wantHostIP      string
		wantHostIPCount int
	}{{
		name:   "deprecated serviceAccount fills serviceAccountName",
		mutate: func(p *corev1.Pod) { p.Spec.DeprecatedServiceAccount = "builder" },
		wantSA: "builder",
	}, {
		name: "serviceAccountName wins over the deprecated field",
		mutate: func(p *corev1.Pod) {
			p.Spec.DeprecatedServiceAccount = "old"
			p.Spec.ServiceAccountName = "new"
		},
		wantSA: "new",
	}, {
		name:       "podIP alone fills podIPs",
		mutate:     func(p *corev1.Pod) { p.Status.PodIP = "10.0.0.5" },
		wantPodIP:  "10.0.0.5",
		wantPodIPs: []corev1.PodIP{{IP: "10.0.0.5"}},
	}, {
		name:       "podIPs alone fills podIP",
		mutate:     func(p *corev1.Pod) { p.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.5"}, {IP: "fd00::5"}} },
		wantPodIP:  "10.0.0.5",
		wantPodIPs: []corev1.PodIP{{IP: "10.0.0.5"}, {IP: "fd00::5"}},
	}, {
		name: "a differing podIP wins",
		mutate: func(p *corev1.Pod) {
			p.Status.PodIP = "10.0.0.9"
			p.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.5"}, {IP: "fd00::5"}}
		},
		wantPodIP:  "10.0.0.9",
		wantPodIPs: []corev1.PodIP{{IP: "10.0.0.9"}},
	}, {
		name:            "hostIP alone fills hostIPs",
		mutate:          func(p *corev1.Pod) { p.Status.HostIP = "192.168.1.2" },
		wantHostIP:      "192.168.1.2",
		wantHostIPCount: 1,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pod := defaultedPod(tt.mutate)
			if pod.Spec.ServiceAccountName != tt.wantSA || pod.Spec.DeprecatedServiceAccount != tt.wantSA {
				t.Errorf("serviceAccountName %q, serviceAccount %q, want both %q", pod.Spec.ServiceAccountName, pod.Spec.DeprecatedServiceAccount, tt.wantSA)
			}
			if pod.Status.PodIP != tt.wantPodIP {
				t.Errorf("podIP %q, want %q", pod.Status.PodIP, tt.wantPodIP)
			}
			assertSemanticEqual(t, pod.Status.PodIPs, tt.wantPodIPs)
			if pod.Status.HostIP != tt.wantHostIP || len(pod.Status.HostIPs) != tt.wantHostIPCount {
				t.Errorf("hostIP %q hostIPs %v, want %q and %d entries", pod.Status.HostIP, pod.Status.HostIPs, tt.wantHostIP, tt.wantHostIPCount)
			}
		})
	}
}

func TestPullPolicyFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, image string
		want        corev1.PullPolicy
	}{
		{"no tag means latest", "nginx", corev1.PullAlways},
		{"latest tag", "nginx:latest", corev1.PullAlways},
		{"version tag", "nginx:1.27", corev1.PullIfNotPresent},
		{"digest only", "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", corev1.PullIfNotPresent},
		{"latest tag and digest", "nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", corev1.PullAlways},
		{"registry port is not a tag", "localhost:5000/team/app", corev1.PullAlways},
		{"registry port and tag", "localhost:5000/team/app:v2", corev1.PullIfNotPresent},
		{"empty image", "", corev1.PullIfNotPresent},
		{"unparsable image", "Nginx", corev1.PullIfNotPresent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := pullPolicyFor(tt.image); got != tt.want {
				t.Errorf("pullPolicyFor(%q) = %s, want %s", tt.image, got, tt.want)
			}
		})
	}
}
