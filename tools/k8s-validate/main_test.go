package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every manifest under deploy/kubernetes (base, overlays, the Secret example), each file on its
// own; scripts/check-deploy.sh validates each overlay as kustomize renders it.
func manifestPaths(t *testing.T) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir("../../deploy/kubernetes", func(path string, entry fs.DirEntry, err error) error {
		if err == nil && !entry.IsDir() && strings.HasSuffix(path, ".yaml") &&
			entry.Name() != "kustomization.yaml" {
			paths = append(paths, path)
		}
		return err
	})
	if err != nil || len(paths) < 6 {
		t.Fatalf("manifests not found (%d): %v", len(paths), err)
	}
	return paths
}

func TestTheShippedManifestsAreValid(t *testing.T) {
	for _, path := range manifestPaths(t) {
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
	var path string
	for _, candidate := range manifestPaths(t) {
		if filepath.Base(candidate) == name {
			path = candidate
		}
	}
	data, err := os.ReadFile(path)
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
		{"runbook relative to the repository", "prometheusrule.yaml",
			"runbook_url: https://git.example.com/ticketcache/-/blob/main/docs/operations.md#ticketcacherunsaborted",
			"runbook_url: docs/operations.md#ticketcacherunsaborted", "runbook_url must be an absolute URL"},
		{"runbook on another alert's section", "prometheusrule.yaml", "operations.md#ticketcacherunsaborted",
			"operations.md#ticketcacherunsdegraded", "runbook_url must end in #ticketcacherunsaborted"},
		{"alert without severity", "prometheusrule.yaml", "severity: critical", "team: tickets", "needs a severity label"},
		{"misspelt rule field", "prometheusrule.yaml", "for: 5m", "four: 5m", `unknown field "four"`},
		{"monitor on an unnamed port", "deployment.yaml", "    - port: http\n", "    - port: metrics\n", "endpoint port is not a port of Service"},
		{"monitor selecting nothing", "deployment.yaml",
			"  selector:\n    matchLabels: {app.kubernetes.io/name: ticketcache, app.kubernetes.io/component: serve}\n  endpoints:",
			"  selector:\n    matchLabels: {app.kubernetes.io/name: ticketcache, app.kubernetes.io/component: web}\n  endpoints:",
			"its selector matches no Service"},
		{"secret with another key", "secret.example.yaml", "store_password:", "mongo_password:", "unexpected key mongo_password"},
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

// The PrometheusRule of the kustomize base carries exactly the groups of the Prometheus rules file
// (alerts, expressions, durations, labels and annotations), so the two ways of deploying alert
// alike; and a copy that drifts is caught.
func TestPrometheusRuleMatchesTheRulesFile(t *testing.T) {
	rules, err := ReadRulesFile("../../deploy/prometheus/ticketcache.rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	manifest := readManifest(t, "prometheusrule.yaml")
	if problems := CheckRulesMatch([]byte(manifest), rules); len(problems) > 0 {
		t.Fatalf("%v", problems)
	}
	drifted := strings.Replace(manifest, "> 7200", "> 3600", 1)
	if drifted == manifest {
		t.Fatal("prometheusrule.yaml no longer contains > 7200: update the test")
	}
	if problems := CheckRulesMatch([]byte(drifted), rules); len(problems) == 0 {
		t.Fatal("a drifted expression was not reported")
	}
}
