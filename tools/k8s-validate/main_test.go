package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTheShippedManifestsAreValid(t *testing.T) {
	paths, err := filepath.Glob("../../deploy/kubernetes/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no manifests found: %v", err)
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if problems, _ := ValidateFile(data); len(problems) > 0 {
			t.Errorf("%s: %v", path, problems)
		}
	}
}

func readManifest(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../../deploy/kubernetes", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// Each broken copy of a shipped manifest must be reported with the expected problem.
func TestBrokenManifestsAreRejected(t *testing.T) {
	cases := []struct {
		name, file, from, to, want string
	}{
		{"misspelt field", "deployment.yaml", "readinessProbe:", "readinesProbe:", `unknown field "readinesProbe"`},
		{"wrong type", "deployment.yaml", "replicas: 1", "replicas: one", "cannot unmarshal"},
		{"liveness on the wrong path", "deployment.yaml", "path: /healthz", "path: /metrics", "livenessProbe must GET /healthz"},
		{"writable root", "deployment.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "readOnlyRootFilesystem must be true"},
		{"capabilities kept", "cronjob.yaml", `drop: ["ALL"]`, `drop: ["NET_RAW"]`, "capabilities must drop ALL"},
		{"no memory limit", "cronjob.yaml", "limits: {memory: 512Mi}", "limits: {}", "resources.limits needs memory"},
		{"no deadline", "cronjob.yaml", "activeDeadlineSeconds: 3300", "", "activeDeadlineSeconds must be set"},
		{"escalation allowed", "indexed-job.yaml", "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", "allowPrivilegeEscalation must be false"},
		{"shard count written twice, differently", "indexed-job.yaml", "completions: 4", "completions: 3", "completions must equal SHARD_COUNT (4)"},
		{"shard count typed into the args", "indexed-job.yaml", "$(JOB_COMPLETION_INDEX)/$(SHARD_COUNT)", "$(JOB_COMPLETION_INDEX)/4", "args need --shard"},
		{"secret in the environment", "cronjob.yaml",
			"value: /var/run/secrets/ticketcache/store_password",
			"valueFrom: {secretKeyRef: {name: ticketcache-secrets, key: store_password}}",
			"secrets are mounted as files"},
		{"service selecting nothing", "deployment.yaml", "selector: {app.kubernetes.io/name: ticketcache, app.kubernetes.io/component: serve}\n  ports:", "selector: {app.kubernetes.io/name: ticketcache, app.kubernetes.io/component: web}\n  ports:", "selector matches no Deployment's pods"},
		{"service on an unnamed port", "deployment.yaml", "targetPort: http", "targetPort: metrics", `targetPort "metrics" is not a port`},
		{"service links on in the daemon", "deployment.yaml", "enableServiceLinks: false", "enableServiceLinks: true", "enableServiceLinks must be false"},
		{"service links left to the default", "cronjob.yaml", "enableServiceLinks: false", "", "enableServiceLinks must be false"},
		{"service links left to the default in a sharded job", "indexed-job.yaml", "enableServiceLinks: false", "", "enableServiceLinks must be false"},
		{"unknown kind", "configmap.yaml", "kind: ConfigMap", "kind: ConfigMapp", "unexpected kind"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			original := readManifest(t, c.file)
			if !strings.Contains(original, c.from) {
				t.Fatalf("%s no longer contains %q: update the test", c.file, c.from)
			}
			broken := strings.Replace(original, c.from, c.to, 1)
			problems, _ := ValidateFile([]byte(broken))
			joined := strings.Join(problems, "\n")
			if !strings.Contains(joined, c.want) {
				t.Errorf("want a problem containing %q, got:\n%s", c.want, joined)
			}
		})
	}
}
