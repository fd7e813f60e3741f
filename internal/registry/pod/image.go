package pod

import (
	"regexp"

	corev1 "k8s.io/api/core/v1"
)

// imageReference is the grammar of a container image reference (the
// distribution/reference grammar upstream parses with): an optional
// registry host and port, lowercase path components, then an optional tag
// (group 1) and an optional digest (group 2).
var imageReference = regexp.MustCompile(`^` +
	`(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?/)?` +
	`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*` +
	`(?::([\w][\w.-]{0,127}))?` +
	`(@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`)

// pullPolicyFor is upstream's default imagePullPolicy: Always for the
// latest tag, which is also what an image without tag or digest means, and
// IfNotPresent otherwise, including for references that do not parse (they
// fail validation or the pull anyway).
func pullPolicyFor(image string) corev1.PullPolicy {
	if imageTag(image) == "latest" {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}

// imageTag returns the tag an image reference pulls: its explicit tag,
// "latest" when it names neither tag nor digest, "" for a digest only or a
// reference that does not parse.
func imageTag(image string) string {
	m := imageReference.FindStringSubmatch(image)
	switch {
	case m == nil:
		return ""
	case m[1] != "":
		return m[1]
	case m[2] != "":
		return ""
	}
	return "latest"
}
