package pod

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

const (
	dnsLabelMsg     = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
	dnsSubdomainMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)

func TestValidateCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*corev1.Pod) // applied after defaulting
		want   []string
	}{{
		name: "valid pod",
	}, {
		name:   "no containers",
		mutate: func(p *corev1.Pod) { p.Spec.Containers = nil },
		want:   []string{"spec.containers: Required value"},
	}, {
		name:   "container without name",
		mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Name = "" },
		want:   []string{"spec.containers[0].name: Required value"},
	}, {
		name:   "container name not a DNS label",
		mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Name = "App_1" },
		want:   []string{`spec.containers[0].name: Invalid value: "App_1": ` + dnsLabelMsg},
	}, {
		name: "duplicate container names",
		mutate: func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, p.Spec.Containers[0])
		},
		want: []string{`spec.containers[1].name: Duplicate value: "app"`},
	}, {
		name:   "container without image",
		mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Image = "" },
		want:   []string{"spec.containers[0].image: Required value"},
	}, {
		name:   "image with surrounding whitespace",
		mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Image = " nginx" },
		want:   []string{`spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace`},
	}, {
		name:   "unknown restart policy",
		mutate: func(p *corev1.Pod) { p.Spec.RestartPolicy = "Sometimes" },
		want:   []string{`spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"`},
	}, {
		name:   "unknown DNS policy",
		mutate: func(p *corev1.Pod) { p.Spec.DNSPolicy = "Google" },
		want:   []string{`spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"`},
	}, {
		name:   "DNS policy None without config",
		mutate: func(p *corev1.Pod) { p.Spec.DNSPolicy = corev1.DNSNone },
		want:   []string{"spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"},
	}, {
		name:   "unknown image pull policy",
		mutate: func(p *corev1.Pod) { p.Spec.Containers[0].ImagePullPolicy = "Sometimes" },
		want:   []string{`spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"`},
	}, {
		name:   "empty termination message policy",
		mutate: func(p *corev1.Pod) { p.Spec.Containers[0].TerminationMessagePolicy = "" },
		want:   []string{"spec.containers[0].terminationMessagePolicy: Required value"},
	}, {
		name: "port numbers out of range",
		mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 70000, HostPort: -1, Protocol: corev1.ProtocolTCP}}
		},
		want: []string{
			"spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
			"spec.containers[0].ports[0].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive",
		},
	}, {
		name: "port without number",
		mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Protocol: corev1.ProtocolTCP}}
		},
		want: []string{"spec.containers[0].ports[0].containerPort: Required value"},
	}, {
		name: "unknown port protocol",
		mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, Protocol: "HTTP"}}
		},
		want: []string{`spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"`},
	}, {
		name: "host port used twice",
		mutate: func(p *corev1.Pod) {
			port := corev1.ContainerPort{ContainerPort: 80, HostPort: 8080, Protocol: corev1.ProtocolTCP}
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{port, port}
		},
		want: []string{`spec.containers[0].ports[1].hostPort: Duplicate value: "TCP//8080"`},
	}, {
		name: "host port differs from container port under hostNetwork",
		mutate: func(p *corev1.Pod) {
			p.Spec.HostNetwork = true
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 81, Protocol: corev1.ProtocolTCP}}
		},
		want: []string{"spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true"},
	}, {
		name:   "no termination grace period",
		mutate: func(p *corev1.Pod) { p.Spec.TerminationGracePeriodSeconds = nil },
		want:   []string{"spec.terminationGracePeriodSeconds: Required value"},
	}, {
		name:   "negative termination grace period is accepted (deleted with grace 1)",
		mutate: func(p *corev1.Pod) { p.Spec.TerminationGracePeriodSeconds = ptr.To(int64(-5)) },
	}, {
		name:   "active deadline not positive",
		mutate: func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr.To(int64(0)) },
		want:   []string{"spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"},
	}, {
		name:   "node name not a DNS subdomain",
		mutate: func(p *corev1.Pod) { p.Spec.NodeName = "Node_1" },
		want:   []string{`spec.nodeName: Invalid value: "Node_1": ` + dnsSubdomainMsg},
	}, {
		name:   "negative request",
		mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Resources.Requests = quantities("cpu", "-1") },
		want:   []string{`spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0`},
	}, {
		name: "request above limit",
		mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Limits = quantities("cpu", "1")
			p.Spec.Containers[0].Resources.Requests = quantities("cpu", "2")
		},
		want: []string{`spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1`},
	}, {
		name:   "unknown unprefixed resource",
		mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Resources.Limits = quantities("gpu", "1") },
		want: []string{
			`spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified`,
			`spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers`,
		},
	}, {
		name:   "extended resource request without limit",
		mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Resources.Requests = quantities("example.com/gpu", "1") },
		want:   []string{"spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources"},
	}, {
		name: "fractional extended resource",
		mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Limits = quantities("example.com/gpu", "500m")
			p.Spec.Containers[0].Resources.Requests = quantities("example.com/gpu", "500m")
		},
		want: []string{
			`spec.containers[0].resources.limits[example.com/gpu]: Invalid value: "500m": must be an integer`,
			`spec.containers[0].resources.requests[example.com/gpu]: Invalid value: "500m": must be an integer`,
		},
	}, {
		name: "init container named like a container",
		mutate: func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{initContainer("app")}
		},
		want: []string{`spec.initContainers[0].name: Duplicate value: "app"`},
	}, {
		name: "probe on a plain init container",
		mutate: func(p *corev1.Pod) {
			c := initContainer("setup")
			c.ReadinessProbe = &corev1.Probe{}
			p.Spec.InitContainers = []corev1.Container{c}
		},
		want: []string{"spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"},
	}, {
		name: "probe on a sidecar",
		mutate: func(p *corev1.Pod) {
			c := initContainer("proxy")
			c.RestartPolicy = ptr.To(corev1.ContainerRestartPolicyAlways)
			c.ReadinessProbe = &corev1.Probe{}
			p.Spec.InitContainers = []corev1.Container{c}
		},
	}, {
		name: "mount of an unknown volume",
		mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
		},
		want: []string{`spec.containers[0].volumeMounts[0].name: Not found: "data"`},
	}, {
		name:   "duplicate volume names",
		mutate: func(p *corev1.Pod) { p.Spec.Volumes = []corev1.Volume{emptyDir("v"), emptyDir("v")} },
		want:   []string{`spec.volumes[1].name: Duplicate value: "v"`},
	}, {
		name: "toleration without key must use Exists",
		mutate: func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpEqual, Value: "x"}}
		},
		want: []string{"spec.tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\""},
	}, {
		name: "tolerationSeconds needs NoExecute",
		mutate: func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule, TolerationSeconds: ptr.To(int64(5))}}
		},
		want: []string{"spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"},
	}, {
		name:   "invalid readiness gate",
		mutate: func(p *corev1.Pod) { p.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "bad type!"}} },
		want:   []string{`spec.readinessGates[0].conditionType: Invalid value: "bad type!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`},
	}, {
		name:   "unknown preemption policy",
		mutate: func(p *corev1.Pod) { p.Spec.PreemptionPolicy = ptr.To(corev1.PreemptionPolicy("Always")) },
		want:   []string{`spec.preemptionPolicy: Unsupported value: "Always": supported values: "PreemptLowerPriority", "Never"`},
	}, {
		name: "ephemeral containers on create",
		mutate: func(p *corev1.Pod) {
			p.Spec.EphemeralContainers = []corev1.EphemeralContainer{{}}
		},
		want: []string{"spec.ephemeralContainers: Forbidden: cannot be set on create"},
	}, {
		name: "node name while scheduling gates remain",
		mutate: func(p *corev1.Pod) {
			p.Spec.NodeName = "node-1"
			p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/quota"}}
		},
		want: []string{"spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pod := defaultedPod(nil)
			if tt.mutate != nil {
				tt.mutate(pod)
			}
			assertMessages(t, validateCreate(pod), tt.want)
		})
	}
}

func TestValidatePodSpecTemplateHostPort(t *testing.T) {
	t.Parallel()
	spec := defaultedPod(func(p *corev1.Pod) {
		p.Spec.HostNetwork = true
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80}}
	}).Spec
	spec.Containers[0].Ports[0].HostPort = 0 // a template leaves it to pod defaulting
	path := field.NewPath("spec", "template", "spec")
	assertMessages(t, ValidatePodSpec(&spec, path), nil)
	spec.Containers[0].Ports[0].HostPort = 81
	assertMessages(t, ValidatePodSpec(&spec, path), []string{
		"spec.template.spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true",
	})
}

func initContainer(name string) corev1.Container {
	return corev1.Container{
		Name: name, Image: "busybox", ImagePullPolicy: corev1.PullAlways,
		TerminationMessagePath: corev1.TerminationMessagePathDefault, TerminationMessagePolicy: corev1.TerminationMessageReadFile,
	}
}

func emptyDir(name string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
}
