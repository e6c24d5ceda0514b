// Package validate checks Ruche's deployment files offline, with no cluster
// and no Docker engine: its tests render every kustomize overlay in-process,
// decode each object strictly into its Kubernetes API type and assert the
// project's rules (probes, limits, non-root, secrets from Secrets, ...), and
// they parse deploy/Dockerfile and run tilt/Tiltfile against stub builtins.
//
//	cd k8s/validate && go test ./...
package validate
