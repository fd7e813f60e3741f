// Package e2e drives the real, installed kubectl against `evictd serve`
// started in-process, the way a user would: kubectl reads the kubeconfig
// serve wrote, discovers the API, downloads OpenAPI and talks HTTPS to the
// server.
//
// The tests live in _test.go files named after what they exercise
// (crud_test.go, apply_test.go, watch_test.go, …) and give kubectl the
// manifests in testdata/. The harness is e2e_test.go (servers and kubectl
// runs), background_test.go (kubectl left running, as `get -w`) and
// assert_test.go (reading tables and state back). Every scenario runs once
// per storage backend, as subtests named memory and etcd (serve's default
// store, and --storage=etcd-embedded); the older kubectls run on memory
// only (see backendsFor). Every test skips, naming the binary, when
// kubectl, kubectl.1.27 or kubectl.1.33 is not installed.
package e2e
