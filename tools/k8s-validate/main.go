// k8s-validate checks ticketcache's Kubernetes manifests offline: every YAML document is decoded
// strictly into its typed Kubernetes object (an unknown or misspelt field is an error), then
// checked against the project's rules: probes on the daemon, a hardened securityContext and
// resources on every container, no Service links in the environment, secrets mounted as files,
// deadlines on jobs, and one shard count.
//
//	kustomize build ../../deploy/kubernetes/overlays/daemon > daemon.yaml
//	go run . [--rules ../../deploy/prometheus/ticketcache.rules.yml] daemon.yaml ...
//
// With --rules, every PrometheusRule must carry exactly the groups of that Prometheus rules file.
// `go run . --print-prometheus-rule RULES.yml` prints the PrometheusRule for a rules file.
package main

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

func main() {
	arguments := os.Args[1:]
	if len(arguments) == 2 && arguments[0] == "--print-prometheus-rule" {
		printPrometheusRule(arguments[1])
		return
	}
	var rules *monitoringv1.PrometheusRuleSpec
	if len(arguments) >= 2 && arguments[0] == "--rules" {
		spec, err := ReadRulesFile(arguments[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		rules = spec
		arguments = arguments[2:]
	}
	if len(arguments) < 1 {
		fmt.Fprintln(os.Stderr, "usage: k8s-validate [--rules RULES.yml] FILE.yaml...\n"+
			"       k8s-validate --print-prometheus-rule RULES.yml")
		os.Exit(2)
	}
	failed := false
	objects := 0
	for _, path := range arguments {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			failed = true
			continue
		}
		problems, count := ValidateFile(data)
		if rules != nil {
			problems = append(problems, CheckRulesMatch(data, rules)...)
		}
		objects += count
		for _, problem := range problems {
			fmt.Fprintf(os.Stderr, "%s: %s\n", path, problem)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
	fmt.Printf("k8s-validate: %d objects in %d files valid\n", objects, len(arguments))
}

// ReadRulesFile reads a Prometheus rules file strictly into the PrometheusRule's spec type (the
// same fields, the same names).
func ReadRulesFile(path string) (*monitoringv1.PrometheusRuleSpec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var spec monitoringv1.PrometheusRuleSpec
	if err := yaml.UnmarshalStrict(data, &spec); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(spec.Groups) == 0 {
		return nil, fmt.Errorf("%s: no rule groups", path)
	}
	return &spec, nil
}

// CheckRulesMatch reports every PrometheusRule among the documents whose groups differ from the
// rules file's, and a stream of documents that holds none.
func CheckRulesMatch(data []byte, rules *monitoringv1.PrometheusRuleSpec) []string {
	var problems []string
	found := false
	for _, document := range documentSeparator.Split(string(data), -1) {
		var meta metav1.TypeMeta
		if yaml.Unmarshal([]byte(document), &meta) != nil || meta.Kind != "PrometheusRule" {
			continue
		}
		found = true
		var rule monitoringv1.PrometheusRule
		if err := yaml.Unmarshal([]byte(document), &rule); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if !reflect.DeepEqual(rule.Spec, *rules) {
			problems = append(problems, "PrometheusRule "+rule.Name+
				": its groups differ from the Prometheus rules file (regenerate it with --print-prometheus-rule)")
		}
	}
	if !found {
		problems = append(problems, "no PrometheusRule to compare with the rules file")
	}
	return problems
}

func printPrometheusRule(path string) {
	spec, err := ReadRulesFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	rule := monitoringv1.PrometheusRule{
		TypeMeta: metav1.TypeMeta{APIVersion: "monitoring.coreos.com/v1", Kind: "PrometheusRule"},
		ObjectMeta: metav1.ObjectMeta{Name: "ticketcache",
			Labels: map[string]string{"app.kubernetes.io/name": "ticketcache"}},
		Spec: *spec,
	}
	data, err := yaml.Marshal(&rule)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The generated object has an empty creationTimestamp; drop it.
	text := strings.Replace(string(data), "  creationTimestamp: null\n", "", 1)
	fmt.Print("# The alert rules of deploy/prometheus/ticketcache.rules.yml as a PrometheusRule for the\n" +
		"# Prometheus Operator; tools/k8s-validate's test fails when the two differ. Regenerate with\n" +
		"#   go -C tools/k8s-validate run . --print-prometheus-rule ../../deploy/prometheus/ticketcache.rules.yml\n" +
		text)
}

var documentSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// ValidateFile checks every document of one YAML file; it returns the problems found and how
// many objects it decoded.
func ValidateFile(data []byte) ([]string, int) {
	var problems []string
	count := 0
	var deployments []appsv1.Deployment
	var services []corev1.Service
	var monitors []monitoringv1.ServiceMonitor
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
		case "ServiceMonitor":
			var monitor monitoringv1.ServiceMonitor
			if yaml.Unmarshal([]byte(document), &monitor) == nil {
				monitors = append(monitors, monitor)
			}
		}
	}
	if count == 0 {
		problems = append(problems, "no Kubernetes object in the file")
	}
	for _, service := range services {
		problems = append(problems, checkServiceTargets(&service, deployments)...)
	}
	for _, monitor := range monitors {
		problems = append(problems, checkMonitorTargets(&monitor, services)...)
	}
	return problems, count
}

// A ServiceMonitor must select a Service in the same file and scrape /metrics on a port it names.
func checkMonitorTargets(monitor *monitoringv1.ServiceMonitor, services []corev1.Service) []string {
	for _, service := range services {
		selected := true
		for key, value := range monitor.Spec.Selector.MatchLabels {
			if service.Labels[key] != value {
				selected = false
			}
		}
		if !selected {
			continue
		}
		var problems []string
		for _, endpoint := range monitor.Spec.Endpoints {
			named := false
			for _, port := range service.Spec.Ports {
				named = named || (endpoint.Port != "" && port.Name == endpoint.Port)
			}
			if !named {
				problems = append(problems, "ServiceMonitor "+monitor.Name+": endpoint port is not a port of Service "+service.Name)
			}
			if endpoint.Path != "" && endpoint.Path != "/metrics" {
				problems = append(problems, "ServiceMonitor "+monitor.Name+": endpoint path must be /metrics")
			}
		}
		return problems
	}
	return []string{"ServiceMonitor " + monitor.Name + ": its selector matches no Service in this file"}
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
	case "v1/Secret":
		var secret corev1.Secret
		if problems := decode(&secret); problems != nil {
			return problems
		}
		return checkSecret(&secret)
	case "monitoring.coreos.com/v1/PrometheusRule":
		var rule monitoringv1.PrometheusRule
		if problems := decode(&rule); problems != nil {
			return problems
		}
		return prefix("PrometheusRule "+rule.Name, checkRules(&rule.Spec))
	case "monitoring.coreos.com/v1/ServiceMonitor":
		var monitor monitoringv1.ServiceMonitor
		if problems := decode(&monitor); problems != nil {
			return problems
		}
		if len(monitor.Spec.Selector.MatchLabels) == 0 || len(monitor.Spec.Endpoints) == 0 {
			return []string{"ServiceMonitor " + monitor.Name + ": needs a selector and endpoints"}
		}
		return nil
	default:
		return []string{fmt.Sprintf("unexpected kind %q (apiVersion %q)", meta.Kind, meta.APIVersion)}
	}
}

// The Secret the pods mount: the two password files, nothing else.
func checkSecret(secret *corev1.Secret) []string {
	var problems []string
	keys := map[string]bool{}
	for key := range secret.StringData {
		keys[key] = true
	}
	for key := range secret.Data {
		keys[key] = true
	}
	for key := range keys {
		if key != "tokens_password" && key != "store_password" {
			problems = append(problems, "Secret "+secret.Name+": unexpected key "+key+
				" (the pods read tokens_password and store_password)")
		}
	}
	if !keys["tokens_password"] || !keys["store_password"] {
		problems = append(problems, "Secret "+secret.Name+": needs keys tokens_password and store_password")
	}
	return problems
}

var absoluteURL = regexp.MustCompile(`^https?://[^/#]+/[^#]*#[a-z0-9-]+$`)

// Every alert names its severity, says what happened and links its runbook section absolutely
// (Alertmanager, e-mail and chat cannot resolve a path relative to the repository).
func checkRules(spec *monitoringv1.PrometheusRuleSpec) []string {
	var problems []string
	for _, group := range spec.Groups {
		for _, rule := range group.Rules {
			if rule.Alert == "" {
				continue
			}
			where := "alert " + rule.Alert + ": "
			if rule.Labels["severity"] == "" {
				problems = append(problems, where+"needs a severity label")
			}
			if rule.Annotations["summary"] == "" {
				problems = append(problems, where+"needs a summary")
			}
			url := rule.Annotations["runbook_url"]
			if !absoluteURL.MatchString(url) {
				problems = append(problems, where+"runbook_url must be an absolute URL with an anchor, got "+url)
			} else if !strings.HasSuffix(url, "#"+strings.ToLower(rule.Alert)) {
				problems = append(problems, where+"runbook_url must end in #"+strings.ToLower(rule.Alert))
			}
		}
	}
	return problems
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
