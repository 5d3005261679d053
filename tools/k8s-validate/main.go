// k8s-validate checks ticketcache's Kubernetes manifests offline: every YAML document is decoded
// strictly into its typed Kubernetes object (an unknown or misspelt field is an error), then
// checked against the project's rules: probes on the daemon, a hardened securityContext and
// resources on every container, no Service links in the environment, secrets mounted as files,
// deadlines on jobs, and one shard count.
//
//	go run . ../../deploy/kubernetes/*.yaml
package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: k8s-validate FILE.yaml...")
		os.Exit(2)
	}
	failed := false
	objects := 0
	for _, path := range os.Args[1:] {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			failed = true
			continue
		}
		problems, count := ValidateFile(data)
		objects += count
		for _, problem := range problems {
			fmt.Fprintf(os.Stderr, "%s: %s\n", path, problem)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
	fmt.Printf("k8s-validate: %d objects in %d files valid\n", objects, len(os.Args)-1)
}

var documentSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// ValidateFile checks every document of one YAML file; it returns the problems found and how
// many objects it decoded.
func ValidateFile(data []byte) ([]string, int) {
	var problems []string
	count := 0
	var deployments []appsv1.Deployment
	var services []corev1.Service
	for i, document := range documentSeparator.Split(string(data), -1) {
		if len(bytes.TrimSpace(stripComments([]byte(document)))) == 0 {
			continue
		}
		count++
		for _, problem := range ValidateDocument([]byte(document)) {
			problems = append(problems, fmt.Sprintf("document %d: %s", i+1, problem))
		}
		// Loosely decoded again for the checks across documents (strict errors are reported above).
		var meta metav1.TypeMeta
		_ = yaml.Unmarshal([]byte(document), &meta)
		switch meta.Kind {
		case "Deployment":
			var deployment appsv1.Deployment
			if yaml.Unmarshal([]byte(document), &deployment) == nil {
				deployments = append(deployments, deployment)
			}
		case "Service":
			var service corev1.Service
			if yaml.Unmarshal([]byte(document), &service) == nil {
				services = append(services, service)
			}
		}
	}
	if count == 0 {
		problems = append(problems, "no Kubernetes object in the file")
	}
	for _, service := range services {
		problems = append(problems, checkServiceTargets(&service, deployments)...)
	}
	return problems, count
}

// A Service must select the pods of a Deployment in the same file, on ports those pods name.
func checkServiceTargets(service *corev1.Service, deployments []appsv1.Deployment) []string {
	for _, deployment := range deployments {
		labels := deployment.Spec.Template.Labels
		selected := len(service.Spec.Selector) > 0
		for key, value := range service.Spec.Selector {
			if labels[key] != value {
				selected = false
			}
		}
		if !selected {
			continue
		}
		var problems []string
		for _, port := range service.Spec.Ports {
			if port.TargetPort.StrVal == "" {
				continue
			}
			named := false
			for _, container := range deployment.Spec.Template.Spec.Containers {
				for _, containerPort := range container.Ports {
					named = named || containerPort.Name == port.TargetPort.StrVal
				}
			}
			if !named {
				problems = append(problems, fmt.Sprintf("Service %s: targetPort %q is not a port of Deployment %s",
					service.Name, port.TargetPort.StrVal, deployment.Name))
			}
		}
		return problems
	}
	return []string{"Service " + service.Name + ": its selector matches no Deployment's pods in this file"}
}

func stripComments(document []byte) []byte {
	var kept []string
	for _, line := range strings.Split(string(document), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			kept = append(kept, line)
		}
	}
	return []byte(strings.Join(kept, "\n"))
}

// ValidateDocument decodes one object strictly and applies the rules of its kind.
func ValidateDocument(document []byte) []string {
	var meta metav1.TypeMeta
	if err := yaml.Unmarshal(document, &meta); err != nil {
		return []string{err.Error()}
	}
	decode := func(into interface{}) []string {
		if err := yaml.UnmarshalStrict(document, into); err != nil {
			return []string{fmt.Sprintf("%s/%s: %v", meta.APIVersion, meta.Kind, err)}
		}
		return nil
	}
	switch meta.APIVersion + "/" + meta.Kind {
	case "apps/v1/Deployment":
		var deployment appsv1.Deployment
		if problems := decode(&deployment); problems != nil {
			return problems
		}
		return checkDeployment(&deployment)
	case "batch/v1/CronJob":
		var cronJob batchv1.CronJob
		if problems := decode(&cronJob); problems != nil {
			return problems
		}
		return prefix("CronJob "+cronJob.Name, checkJob(&cronJob.Spec.JobTemplate.Spec))
	case "batch/v1/Job":
		var job batchv1.Job
		if problems := decode(&job); problems != nil {
			return problems
		}
		return prefix("Job "+job.Name, checkJob(&job.Spec))
	case "v1/Service":
		var service corev1.Service
		if problems := decode(&service); problems != nil {
			return problems
		}
		if len(service.Spec.Selector) == 0 || len(service.Spec.Ports) == 0 {
			return []string{"Service " + service.Name + ": needs a selector and ports"}
		}
		return nil
	case "networking.k8s.io/v1/NetworkPolicy":
		var policy networkingv1.NetworkPolicy
		if problems := decode(&policy); problems != nil {
			return problems
		}
		if len(policy.Spec.PodSelector.MatchLabels) == 0 {
			return []string{"NetworkPolicy " + policy.Name + ": needs a podSelector"}
		}
		return nil
	case "v1/ConfigMap":
		var configMap corev1.ConfigMap
		return decode(&configMap)
	default:
		return []string{fmt.Sprintf("unexpected kind %q (apiVersion %q)", meta.Kind, meta.APIVersion)}
	}
}

func prefix(what string, problems []string) []string {
	for i := range problems {
		problems[i] = what + ": " + problems[i]
	}
	return problems
}

func checkDeployment(deployment *appsv1.Deployment) []string {
	pod := &deployment.Spec.Template.Spec
	problems := checkPod(pod)
	for _, container := range pod.Containers {
		if !probesPath(container.LivenessProbe, "/healthz") {
			problems = append(problems, "container "+container.Name+": livenessProbe must GET /healthz")
		}
		if !probesPath(container.ReadinessProbe, "/readyz") {
			problems = append(problems, "container "+container.Name+": readinessProbe must GET /readyz")
		}
	}
	return prefix("Deployment "+deployment.Name, problems)
}

func probesPath(probe *corev1.Probe, path string) bool {
	return probe != nil && probe.HTTPGet != nil && probe.HTTPGet.Path == path
}

var shardArgument = regexp.MustCompile(`^\$\(JOB_COMPLETION_INDEX\)/\$\(SHARD_COUNT\)$`)

func checkJob(job *batchv1.JobSpec) []string {
	problems := checkPod(&job.Template.Spec)
	if job.ActiveDeadlineSeconds == nil || *job.ActiveDeadlineSeconds <= 0 {
		problems = append(problems, "activeDeadlineSeconds must be set")
	}
	if job.BackoffLimit == nil {
		problems = append(problems, "backoffLimit must be set")
	}
	if job.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		problems = append(problems, "restartPolicy must be Never (a failed run is retried by the next schedule)")
	}
	if job.CompletionMode != nil && *job.CompletionMode == batchv1.IndexedCompletion {
		problems = append(problems, checkShards(job)...)
	}
	return problems
}

// An Indexed Job takes its shard count from one env var, SHARD_COUNT, which completions and
// parallelism must equal, and its index from JOB_COMPLETION_INDEX.
func checkShards(job *batchv1.JobSpec) []string {
	var problems []string
	for _, container := range job.Template.Spec.Containers {
		shards := ""
		for _, variable := range container.Env {
			if variable.Name == "SHARD_COUNT" {
				shards = variable.Value
			}
		}
		if shards == "" {
			problems = append(problems, "container "+container.Name+": an Indexed Job needs env SHARD_COUNT")
			continue
		}
		for name, value := range map[string]*int32{"completions": job.Completions, "parallelism": job.Parallelism} {
			if value == nil || fmt.Sprint(*value) != shards {
				problems = append(problems, fmt.Sprintf("%s must equal SHARD_COUNT (%s)", name, shards))
			}
		}
		found := false
		for i, arg := range container.Args {
			if arg == "--shard" && i+1 < len(container.Args) && shardArgument.MatchString(container.Args[i+1]) {
				found = true
			}
		}
		if !found {
			problems = append(problems, "container "+container.Name+": args need --shard $(JOB_COMPLETION_INDEX)/$(SHARD_COUNT)")
		}
	}
	return problems
}

func checkPod(pod *corev1.PodSpec) []string {
	var problems []string
	podSecurity := pod.SecurityContext
	if podSecurity == nil {
		podSecurity = &corev1.PodSecurityContext{}
	}
	if len(pod.Containers) == 0 {
		problems = append(problems, "no containers")
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		problems = append(problems, "automountServiceAccountToken must be false (ticketcache never calls the API server)")
	}
	if pod.EnableServiceLinks == nil || *pod.EnableServiceLinks {
		problems = append(problems, "enableServiceLinks must be false (a Service's injected TICKETCACHE_* variables are not settings)")
	}
	for _, container := range append(append([]corev1.Container{}, pod.InitContainers...), pod.Containers...) {
		where := "container " + container.Name + ": "
		security := container.SecurityContext
		if security == nil {
			problems = append(problems, where+"securityContext must be set")
			continue
		}
		if !isTrue(security.RunAsNonRoot) && !isTrue(podSecurity.RunAsNonRoot) {
			problems = append(problems, where+"runAsNonRoot must be true")
		}
		if !isTrue(security.ReadOnlyRootFilesystem) {
			problems = append(problems, where+"readOnlyRootFilesystem must be true")
		}
		if security.AllowPrivilegeEscalation == nil || *security.AllowPrivilegeEscalation {
			problems = append(problems, where+"allowPrivilegeEscalation must be false")
		}
		if security.Capabilities == nil || !contains(security.Capabilities.Drop, "ALL") ||
			len(security.Capabilities.Add) > 0 {
			problems = append(problems, where+"capabilities must drop ALL and add none")
		}
		if !runtimeDefault(security.SeccompProfile) && !runtimeDefault(podSecurity.SeccompProfile) {
			problems = append(problems, where+"seccompProfile must be RuntimeDefault")
		}
		requests := container.Resources.Requests
		if requests.Cpu().IsZero() || requests.Memory().IsZero() {
			problems = append(problems, where+"resources.requests needs cpu and memory")
		}
		if container.Resources.Limits.Memory().IsZero() {
			problems = append(problems, where+"resources.limits needs memory")
		}
		for _, variable := range container.Env {
			if variable.ValueFrom != nil && variable.ValueFrom.SecretKeyRef != nil {
				problems = append(problems, where+"env "+variable.Name+
					": secrets are mounted as files (TICKETCACHE_*_PASSWORD_FILE), not put in the environment")
			}
		}
		for _, source := range container.EnvFrom {
			if source.SecretRef != nil {
				problems = append(problems, where+"envFrom a Secret: mount secrets as files instead")
			}
		}
	}
	return problems
}

func isTrue(value *bool) bool { return value != nil && *value }

func contains(capabilities []corev1.Capability, wanted corev1.Capability) bool {
	for _, capability := range capabilities {
		if capability == wanted {
			return true
		}
	}
	return false
}

func runtimeDefault(profile *corev1.SeccompProfile) bool {
	return profile != nil && profile.Type == corev1.SeccompProfileTypeRuntimeDefault
}
