package validate

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// services are the targets of `ruche run`, one Deployment each.
var services = []string{"gateway", "ingest", "moderation", "analytics", "publishing", "scheduling", "drafting"}

// scalable services have a HorizontalPodAutoscaler and a PodDisruptionBudget.
var scalable = []string{"gateway", "ingest", "moderation", "analytics", "publishing", "scheduling", "drafting"}

// publicPorts are the HTTP ports of the services that serve one.
var publicPorts = map[string]int32{"gateway": 8080, "ingest": 8081}

const opsPort = 9464

// secretEnv tells the names of environment variables that hold secrets.
var secretEnv = regexp.MustCompile(`(SECRET|PASSWORD|PASSWD|API_KEY|TOKEN|CREDENTIAL|PRIVATE)`)

// isRuche tells the pods that run the ruche image (not the dev NATS and
// ClickHouse).
func isRuche(m metav1.ObjectMeta) bool { return m.Labels["app.kubernetes.io/name"] == "ruche" }

var overlays = []string{"k8s/base", "k8s/overlays/dev", "k8s/overlays/prod"}

// TestManifests renders every kustomization and checks the rules that hold
// in all of them.
func TestManifests(t *testing.T) {
	settings := knownSettings(t)
	for _, dir := range overlays {
		t.Run(strings.ReplaceAll(dir, "/", "_"), func(t *testing.T) {
			r := render(t, dir)
			checkServiceDeployments(t, r)
			for _, w := range r.workloads() {
				checkPodSecurity(t, w)
				checkResources(t, w)
				checkSecretEnv(t, r, w, settings)
			}
			checkRucheDeployments(t, r)
			checkMigrateJob(t, r)
			checkConfigMap(t, r, settings)
			checkServices(t, r)
			checkAutoscaling(t, r)
			checkOneImage(t, r)
		})
	}
}

func checkServiceDeployments(t *testing.T, r *rendered) {
	t.Helper()
	var got []string
	for _, d := range r.deployments {
		if isRuche(d.Spec.Template.ObjectMeta) {
			got = append(got, d.Name)
		}
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(services))
	if !slices.Equal(got, want) {
		t.Errorf("ruche Deployments = %v, want one per service %v", got, want)
	}
}

// checkPodSecurity: non-root, read-only root filesystem (ruche pods), no
// privilege escalation, no capabilities, RuntimeDefault seccomp.
func checkPodSecurity(t *testing.T, w workload) {
	t.Helper()
	ps := w.spec.SecurityContext
	if ps == nil {
		t.Errorf("%s: no pod securityContext", w)
		return
	}
	if ps.SeccompProfile == nil || ps.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: seccompProfile must be RuntimeDefault", w)
	}
	if w.spec.HostNetwork || w.spec.HostPID || w.spec.HostIPC {
		t.Errorf("%s: uses host namespaces", w)
	}
	if w.spec.AutomountServiceAccountToken == nil || *w.spec.AutomountServiceAccountToken {
		t.Errorf("%s: automountServiceAccountToken must be false (no pod talks to the API server)", w)
	}
	for _, c := range append(slices.Clone(w.spec.InitContainers), w.spec.Containers...) {
		cs := c.SecurityContext
		if cs == nil {
			t.Errorf("%s container %s: no securityContext", w, c.Name)
			continue
		}
		nonRoot := firstBool(cs.RunAsNonRoot, ps.RunAsNonRoot)
		uid := firstInt(cs.RunAsUser, ps.RunAsUser)
		if !nonRoot {
			t.Errorf("%s container %s: runAsNonRoot must be true", w, c.Name)
		}
		// The image names its user ("nonroot"): the kubelet can only check
		// runAsNonRoot against a numeric uid.
		if uid == nil || *uid == 0 {
			t.Errorf("%s container %s: runAsUser must be a non-zero uid", w, c.Name)
		}
		if cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation {
			t.Errorf("%s container %s: allowPrivilegeEscalation must be false", w, c.Name)
		}
		if cs.Privileged != nil && *cs.Privileged {
			t.Errorf("%s container %s: privileged", w, c.Name)
		}
		if cs.Capabilities == nil || !slices.Contains(cs.Capabilities.Drop, "ALL") || len(cs.Capabilities.Add) > 0 {
			t.Errorf("%s container %s: capabilities must drop ALL and add none", w, c.Name)
		}
		if isRuche(w.meta) && (cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem) {
			t.Errorf("%s container %s: readOnlyRootFilesystem must be true", w, c.Name)
		}
	}
}

func firstBool(vs ...*bool) bool {
	for _, v := range vs {
		if v != nil {
			return *v
		}
	}
	return false
}

func firstInt(vs ...*int64) *int64 {
	for _, v := range vs {
		if v != nil {
			return v
		}
	}
	return nil
}

// checkResources: requests and limits of cpu and memory, requests <= limits.
func checkResources(t *testing.T, w workload) {
	t.Helper()
	for _, c := range w.spec.Containers {
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, hasReq := c.Resources.Requests[name]
			lim, hasLim := c.Resources.Limits[name]
			switch {
			case !hasLim || lim.IsZero():
				t.Errorf("%s container %s: no %s limit", w, c.Name, name)
			case !hasReq || req.IsZero():
				t.Errorf("%s container %s: no %s request", w, c.Name, name)
			case req.Cmp(lim) > 0:
				t.Errorf("%s container %s: %s request %s above limit %s", w, c.Name, name, req.String(), lim.String())
			}
		}
	}
}

// checkSecretEnv: a secret reaches a container only through a secretKeyRef,
// never as a literal value or a whole Secret in envFrom; a referenced Secret
// that the render carries has the key; every RUCHE_* variable is a setting
// the loader knows (it refuses unknown ones).
func checkSecretEnv(t *testing.T, r *rendered, w workload, settings map[string]bool) {
	t.Helper()
	for _, c := range w.spec.Containers {
		for _, ef := range c.EnvFrom {
			if ef.SecretRef != nil {
				t.Errorf("%s container %s: envFrom secretRef %s: name each secret variable with a secretKeyRef", w, c.Name, ef.SecretRef.Name)
			}
		}
		for _, e := range c.Env {
			if isRuche(w.meta) && strings.HasPrefix(e.Name, "RUCHE_") && !settings[e.Name] {
				t.Errorf("%s container %s: %s is not a setting of deploy/config/ruche.example.yaml", w, c.Name, e.Name)
			}
			ref := (*corev1.SecretKeySelector)(nil)
			if e.ValueFrom != nil {
				ref = e.ValueFrom.SecretKeyRef
			}
			if secretEnv.MatchString(e.Name) {
				if e.Value != "" || ref == nil {
					t.Errorf("%s container %s: secret %s must come from a secretKeyRef, not a value", w, c.Name, e.Name)
				}
			}
			if ref == nil {
				continue
			}
			if ref.Optional != nil && *ref.Optional {
				t.Errorf("%s container %s: secret %s is optional: a missing secret must stop the pod", w, c.Name, e.Name)
			}
			if len(r.secrets) == 0 {
				continue // referenced only: created outside these manifests
			}
			s := r.secret(ref.Name)
			if s == nil {
				t.Errorf("%s container %s: %s refers to Secret %s, not in the render", w, c.Name, e.Name, ref.Name)
			} else if _, ok := s.Data[ref.Key]; !ok {
				if _, ok := s.StringData[ref.Key]; !ok {
					t.Errorf("%s container %s: %s refers to key %s, not in Secret %s", w, c.Name, e.Name, ref.Key, s.Name)
				}
			}
		}
	}
}

func (r *rendered) secret(name string) *corev1.Secret {
	for _, s := range r.secrets {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// checkRucheDeployments: `run <service>`, ops port and probes on 9464,
// Prometheus annotations, a writable /tmp, time to drain on SIGTERM.
func checkRucheDeployments(t *testing.T, r *rendered) {
	t.Helper()
	for _, d := range r.deployments {
		w := workload{"Deployment", d.Name, d.Spec.Template.ObjectMeta, &d.Spec.Template.Spec}
		if !isRuche(w.meta) {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("%s: selector %v does not match its pod template (err %v)", w, d.Spec.Selector, err)
		}
		if len(w.spec.Containers) != 1 {
			t.Errorf("%s: %d containers, want 1", w, len(w.spec.Containers))
			continue
		}
		c := w.spec.Containers[0]
		if len(c.Command) > 0 {
			t.Errorf("%s: command %v overrides the image's ENTRYPOINT /ruche", w, c.Command)
		}
		if len(c.Args) != 2 || c.Args[0] != "run" || !slices.Contains(services, c.Args[1]) {
			t.Errorf("%s: args %q, want [run <service>] with a service of %v", w, c.Args, services)
		} else if c.Args[1] != d.Name || d.Spec.Template.Labels["app.kubernetes.io/component"] != d.Name {
			t.Errorf("%s: runs %q, labelled %q: name, component and service must agree", w, c.Args[1], d.Spec.Template.Labels["app.kubernetes.io/component"])
		}
		if p := containerPort(c, "ops"); p != opsPort {
			t.Errorf("%s: container port ops = %d, want %d", w, p, opsPort)
		}
		if want, ok := publicPorts[d.Name]; ok {
			if p := containerPort(c, "http"); p != want {
				t.Errorf("%s: container port http = %d, want %d", w, p, want)
			}
		}
		checkProbe(t, w, c, "liveness", c.LivenessProbe, "/healthz")
		checkProbe(t, w, c, "readiness", c.ReadinessProbe, "/readyz")
		if c.StartupProbe != nil {
			checkProbe(t, w, c, "startup", c.StartupProbe, "/healthz")
		}
		a := d.Spec.Template.Annotations
		if a["prometheus.io/scrape"] != "true" || a["prometheus.io/port"] != fmt.Sprint(opsPort) || a["prometheus.io/path"] != "/metrics" {
			t.Errorf("%s: Prometheus annotations = %v, want scrape true, port %d, path /metrics", w, a, opsPort)
		}
		if g := w.spec.TerminationGracePeriodSeconds; g == nil || *g < 30 || *g > 120 {
			t.Errorf("%s: terminationGracePeriodSeconds must be 30 to 120 (readiness flips, then the process drains)", w)
		}
		if !mountsEmptyDir(w.spec, c, "/tmp") {
			t.Errorf("%s: /tmp must be an emptyDir (the root filesystem is read-only)", w)
		}
		if len(c.EnvFrom) != 1 || c.EnvFrom[0].ConfigMapRef == nil || !strings.HasPrefix(c.EnvFrom[0].ConfigMapRef.Name, "ruche-config") {
			t.Errorf("%s: envFrom must be the shared ConfigMap ruche-config", w)
		} else if r.configMap(t, "ruche-config").Name != c.EnvFrom[0].ConfigMapRef.Name {
			t.Errorf("%s: envFrom %s is not the rendered ConfigMap", w, c.EnvFrom[0].ConfigMapRef.Name)
		}
		if w.spec.ServiceAccountName != "" && !r.hasAccount(w.spec.ServiceAccountName) {
			t.Errorf("%s: service account %s not in the render", w, w.spec.ServiceAccountName)
		}
	}
}

func (r *rendered) hasAccount(name string) bool {
	for _, a := range r.accounts {
		if a.Name == name {
			return true
		}
	}
	return false
}

func checkProbe(t *testing.T, w workload, c corev1.Container, kind string, p *corev1.Probe, path string) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("%s: no HTTP %s probe", w, kind)
		return
	}
	if p.HTTPGet.Path != path {
		t.Errorf("%s: %s probe path %s, want %s", w, kind, p.HTTPGet.Path, path)
	}
	if port := resolvePort(c, p.HTTPGet.Port); port != opsPort {
		t.Errorf("%s: %s probe on port %s (%d), want %d", w, kind, p.HTTPGet.Port.String(), port, opsPort)
	}
}

func resolvePort(c corev1.Container, p intstr.IntOrString) int32 {
	if p.Type == intstr.Int {
		return p.IntVal
	}
	return containerPort(c, p.StrVal)
}

func containerPort(c corev1.Container, name string) int32 {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return 0
}

func mountsEmptyDir(spec *corev1.PodSpec, c corev1.Container, path string) bool {
	for _, m := range c.VolumeMounts {
		if m.MountPath != path {
			continue
		}
		for _, v := range spec.Volumes {
			if v.Name == m.Name && v.EmptyDir != nil {
				return true
			}
		}
	}
	return false
}

// checkMigrateJob: one Job runs `ruche migrate` and stops retrying.
func checkMigrateJob(t *testing.T, r *rendered) {
	t.Helper()
	var found int
	for _, j := range r.jobs {
		if !isRuche(j.Spec.Template.ObjectMeta) {
			continue
		}
		found++
		spec := j.Spec.Template.Spec
		if len(spec.Containers) != 1 || !slices.Equal(spec.Containers[0].Args, []string{"migrate"}) {
			t.Errorf("Job/%s: want one container with args [migrate]", j.Name)
		}
		if spec.RestartPolicy != corev1.RestartPolicyNever && spec.RestartPolicy != corev1.RestartPolicyOnFailure {
			t.Errorf("Job/%s: restartPolicy %q", j.Name, spec.RestartPolicy)
		}
		if j.Spec.BackoffLimit == nil || j.Spec.ActiveDeadlineSeconds == nil {
			t.Errorf("Job/%s: needs backoffLimit and activeDeadlineSeconds", j.Name)
		}
	}
	if found != 1 {
		t.Errorf("%d ruche Jobs, want 1 (ruche migrate)", found)
	}
}

// checkConfigMap: the shared settings are known, non-secret, and name a NATS
// cluster (there is no embedded server in Kubernetes).
func checkConfigMap(t *testing.T, r *rendered, settings map[string]bool) {
	t.Helper()
	cm := r.configMap(t, "ruche-config")
	for _, k := range sortedKeys(cm.Data) {
		if !settings[k] {
			t.Errorf("ConfigMap %s: %s is not a setting of deploy/config/ruche.example.yaml (the loader refuses unknown RUCHE_ variables)", cm.Name, k)
		}
		if secretEnv.MatchString(k) {
			t.Errorf("ConfigMap %s: %s is a secret: use the Secret ruche-secrets", cm.Name, k)
		}
	}
	if !strings.HasPrefix(cm.Data["RUCHE_NATS_URL"], "nats://") {
		t.Errorf("ConfigMap %s: RUCHE_NATS_URL = %q, want nats://host:4222", cm.Name, cm.Data["RUCHE_NATS_URL"])
	}
	if cm.Data["RUCHE_OPS_ADDR"] != fmt.Sprintf(":%d", opsPort) {
		t.Errorf("ConfigMap %s: RUCHE_OPS_ADDR = %q, want :%d", cm.Name, cm.Data["RUCHE_OPS_ADDR"], opsPort)
	}
	// Readiness off, then this delay, then the drain: all within the grace
	// period of the pods (30s).
	if d, err := time.ParseDuration(cm.Data["RUCHE_OPS_SHUTDOWN_DELAY"]); err != nil || d <= 0 || d > 15*time.Second {
		t.Errorf("ConfigMap %s: RUCHE_OPS_SHUTDOWN_DELAY = %q, want a delay of 1s to 15s (err %v)", cm.Name, cm.Data["RUCHE_OPS_SHUTDOWN_DELAY"], err)
	}
	for _, k := range []string{"RUCHE_CLICKHOUSE_ADDR", "RUCHE_CLICKHOUSE_DATABASE", "RUCHE_LOG_FORMAT", "RUCHE_LOG_LEVEL", "RUCHE_NATS_REPLICAS"} {
		if cm.Data[k] == "" {
			t.Errorf("ConfigMap %s: %s is empty", cm.Name, k)
		}
	}
}

// checkServices: every Service selects pods and targets ports they have;
// gateway and ingest publish their HTTP port, every ruche Service the ops port.
func checkServices(t *testing.T, r *rendered) {
	t.Helper()
	byName := map[string]*corev1.Service{}
	for _, s := range r.services {
		byName[s.Name] = s
		var pods []workload
		for _, w := range r.workloads() {
			if w.kind != "Job" && len(s.Spec.Selector) > 0 && labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(w.meta.Labels)) {
				pods = append(pods, w)
			}
		}
		if len(pods) == 0 {
			t.Errorf("Service/%s: selector %v matches no workload", s.Name, s.Spec.Selector)
			continue
		}
		for _, p := range s.Spec.Ports {
			for _, w := range pods {
				if port := resolvePort(w.spec.Containers[0], p.TargetPort); port == 0 {
					t.Errorf("Service/%s port %s: target %s is not a port of %s", s.Name, p.Name, p.TargetPort.String(), w)
				}
			}
		}
	}
	for _, svc := range services {
		s := byName[svc]
		if s == nil {
			t.Errorf("no Service %s", svc)
			continue
		}
		if !hasServicePort(s, opsPort) {
			t.Errorf("Service/%s: no ops port %d", svc, opsPort)
		}
		if p, ok := publicPorts[svc]; ok && !hasServicePort(s, p) {
			t.Errorf("Service/%s: no port %d", svc, p)
		}
	}
}

func hasServicePort(s *corev1.Service, port int32) bool {
	for _, p := range s.Spec.Ports {
		if p.Port == port {
			return true
		}
	}
	return false
}

// checkAutoscaling: HPAs and PDBs point at Deployments of the render; the
// scalable services have both (unless the overlay removed autoscaling), and a
// Deployment under an HPA leaves replicas to it.
func checkAutoscaling(t *testing.T, r *rendered) {
	t.Helper()
	deps := map[string]*appsv1.Deployment{}
	for _, d := range r.deployments {
		deps[d.Name] = d
	}
	var hpaTargets []string
	for _, h := range r.hpas {
		ref := h.Spec.ScaleTargetRef
		d := deps[ref.Name]
		if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || d == nil {
			t.Errorf("HPA/%s: target %s %s/%s not in the render", h.Name, ref.APIVersion, ref.Kind, ref.Name)
			continue
		}
		hpaTargets = append(hpaTargets, ref.Name)
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
			t.Errorf("HPA/%s: want 2 <= minReplicas <= maxReplicas", h.Name)
		}
		if len(h.Spec.Metrics) == 0 {
			t.Errorf("HPA/%s: no metric", h.Name)
		}
		if d.Spec.Replicas != nil {
			t.Errorf("Deployment/%s: sets replicas although HPA/%s owns them", d.Name, h.Name)
		}
		// Utilization targets are a share of the requests.
		if c := d.Spec.Template.Spec.Containers; len(c) > 0 && c[0].Resources.Requests.Cpu().IsZero() {
			t.Errorf("Deployment/%s: HPA on CPU without a CPU request", d.Name)
		}
	}
	slices.Sort(hpaTargets)
	if len(r.hpas) > 0 && !slices.Equal(hpaTargets, slices.Sorted(slices.Values(scalable))) {
		t.Errorf("HPAs target %v, want %v", hpaTargets, slices.Sorted(slices.Values(scalable)))
	}
	var pdbTargets []string
	for _, p := range r.pdbs {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err != nil || sel.Empty() {
			t.Errorf("PDB/%s: bad or empty selector", p.Name)
			continue
		}
		var matched []string
		for _, d := range r.deployments {
			if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				matched = append(matched, d.Name)
			}
		}
		if len(matched) != 1 {
			t.Errorf("PDB/%s: selects Deployments %v, want exactly one", p.Name, matched)
			continue
		}
		pdbTargets = append(pdbTargets, matched[0])
		if p.Spec.MinAvailable == nil && p.Spec.MaxUnavailable == nil {
			t.Errorf("PDB/%s: neither minAvailable nor maxUnavailable", p.Name)
		}
	}
	slices.Sort(pdbTargets)
	if !slices.Equal(pdbTargets, slices.Sorted(slices.Values(scalable))) {
		t.Errorf("PDBs protect %v, want %v", pdbTargets, slices.Sorted(slices.Values(scalable)))
	}
}

// checkOneImage: every ruche pod runs the same image (one binary).
func checkOneImage(t *testing.T, r *rendered) {
	t.Helper()
	images := map[string]bool{}
	for _, w := range r.workloads() {
		if isRuche(w.meta) {
			for _, c := range w.spec.Containers {
				images[c.Image] = true
			}
		}
	}
	if len(images) != 1 {
		t.Errorf("ruche pods run images %v, want one", sortedKeys(images))
	}
}

func rucheImage(r *rendered) string {
	for _, d := range r.deployments {
		if isRuche(d.Spec.Template.ObjectMeta) {
			return d.Spec.Template.Spec.Containers[0].Image
		}
	}
	return ""
}

// TestDevOverlay: one replica each, text logs, a single-node NATS with
// JetStream and a ClickHouse in the cluster, a complete dev Secret.
func TestDevOverlay(t *testing.T) {
	r := render(t, "k8s/overlays/dev")
	for _, d := range r.deployments {
		if isRuche(d.Spec.Template.ObjectMeta) && (d.Spec.Replicas == nil || *d.Spec.Replicas != 1) {
			t.Errorf("Deployment/%s: replicas must be 1 in dev", d.Name)
		}
	}
	if len(r.hpas) != 0 {
		t.Errorf("dev has %d HPAs, want none", len(r.hpas))
	}
	cm := r.configMap(t, "ruche-config")
	if cm.Data["RUCHE_LOG_FORMAT"] != "text" {
		t.Errorf("RUCHE_LOG_FORMAT = %q, want text", cm.Data["RUCHE_LOG_FORMAT"])
	}
	if cm.Data["RUCHE_NATS_URL"] != "nats://nats:4222" || cm.Data["RUCHE_CLICKHOUSE_ADDR"] != "clickhouse:9000" {
		t.Errorf("dev addresses = %q, %q, want the in-cluster nats and clickhouse", cm.Data["RUCHE_NATS_URL"], cm.Data["RUCHE_CLICKHOUSE_ADDR"])
	}
	if img := rucheImage(r); img != "ruche" {
		t.Errorf("dev image %q, want ruche (the name tilt/Tiltfile builds)", img)
	}
	sts := map[string]*appsv1.StatefulSet{}
	for _, s := range r.statefulSets {
		sts[s.Name] = s
		if s.Spec.Replicas == nil || *s.Spec.Replicas != 1 {
			t.Errorf("StatefulSet/%s: want a single node in dev", s.Name)
		}
	}
	if n := sts["nats"]; n == nil {
		t.Error("no StatefulSet nats")
	} else if c := n.Spec.Template.Spec.Containers; len(c) != 1 || !slices.Contains(c[0].Args, "-js") {
		t.Errorf("StatefulSet/nats: JetStream must be on (-js)")
	}
	if sts["clickhouse"] == nil {
		t.Error("no StatefulSet clickhouse")
	}
	s := r.secret("ruche-secrets")
	if s == nil {
		for _, x := range r.secrets {
			if strings.HasPrefix(x.Name, "ruche-secrets-") {
				s = x
			}
		}
	}
	if s == nil {
		t.Fatal("dev has no Secret ruche-secrets")
	}
	key, err := base64.StdEncoding.DecodeString(string(s.Data["secret-key"]))
	if err != nil || len(key) != 32 {
		t.Errorf("dev secret-key must be base64 of 32 bytes: %d bytes, %v", len(key), err)
	}
	// The format gateway.ParseAPIKeys accepts.
	keys := strings.Fields(string(s.Data["gateway-api-keys"]))
	if len(keys) == 0 {
		t.Error("dev gateway-api-keys is empty")
	}
	for _, entry := range keys {
		if k, brands, ok := strings.Cut(entry, ":"); !ok || brands == "" || len(k) < 24 {
			t.Errorf("dev gateway-api-keys entry %q: want <key of 24+ characters>:<brand>[,<brand>...]", entry)
		}
	}
}

// TestProdOverlay: pinned image, replicated streams, no secret values, a
// restricted namespace, more capacity than the base.
func TestProdOverlay(t *testing.T) {
	base, prod := render(t, "k8s/base"), render(t, "k8s/overlays/prod")
	if len(base.secrets) != 0 || len(prod.secrets) != 0 {
		t.Errorf("base and prod must only refer to secrets: %d and %d Secret objects", len(base.secrets), len(prod.secrets))
	}
	img := rucheImage(prod)
	name, tag, hasTag := strings.Cut(img[strings.LastIndex(img, "/")+1:], ":")
	if !strings.Contains(img, "@sha256:") && (!hasTag || tag == "" || tag == "latest") {
		t.Errorf("prod image %q: pin a tag or a digest", img)
	}
	if !strings.Contains(img, "/") || name == "" {
		t.Errorf("prod image %q: want a registry path", img)
	}
	for _, w := range prod.workloads() {
		if c := w.spec.Containers; isRuche(w.meta) && c[0].ImagePullPolicy == corev1.PullAlways {
			t.Errorf("%s: imagePullPolicy Always with a pinned image", w)
		}
	}
	if got := prod.configMap(t, "ruche-config").Data["RUCHE_NATS_REPLICAS"]; got != "3" {
		t.Errorf("prod RUCHE_NATS_REPLICAS = %q, want 3", got)
	}
	if got := prod.configMap(t, "ruche-config").Data["RUCHE_LOG_FORMAT"]; got != "json" {
		t.Errorf("prod RUCHE_LOG_FORMAT = %q, want json", got)
	}
	if len(prod.statefulSets) != 0 {
		t.Errorf("prod must not bring NATS or ClickHouse servers: %d StatefulSets", len(prod.statefulSets))
	}
	if len(prod.namespaces) != 1 || prod.namespaces[0].Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("prod wants one Namespace enforcing Pod Security restricted")
	} else {
		ns := prod.namespaces[0].Name
		for _, m := range prod.namespaced() {
			if m.Namespace != ns {
				t.Errorf("%s in namespace %q, want %q", m.Name, m.Namespace, ns)
			}
		}
	}
	baseLimits := map[string]resource.Quantity{}
	for _, d := range base.deployments {
		baseLimits[d.Name] = *d.Spec.Template.Spec.Containers[0].Resources.Limits.Memory()
	}
	for _, d := range prod.deployments {
		lim := d.Spec.Template.Spec.Containers[0].Resources.Limits.Memory()
		if b, ok := baseLimits[d.Name]; ok && lim.Cmp(b) <= 0 {
			t.Errorf("Deployment/%s: prod memory limit %s not above base %s", d.Name, lim, &b)
		}
		autoscaled := slices.Contains(scalable, d.Name)
		if !autoscaled && (d.Spec.Replicas == nil || *d.Spec.Replicas < 2) {
			t.Errorf("Deployment/%s: want at least 2 replicas in prod", d.Name)
		}
	}
	if len(prod.hpas) != len(scalable) {
		t.Errorf("prod has %d HPAs, want %d", len(prod.hpas), len(scalable))
	}
}

// namespaced returns the metadata of every namespaced object.
func (r *rendered) namespaced() []metav1.ObjectMeta {
	var ms []metav1.ObjectMeta
	for _, o := range r.configMaps {
		ms = append(ms, o.ObjectMeta)
	}
	for _, o := range r.secrets {
		ms = append(ms, o.ObjectMeta)
	}
	for _, o := range r.services {
		ms = append(ms, o.ObjectMeta)
	}
	for _, o := range r.accounts {
		ms = append(ms, o.ObjectMeta)
	}
	for _, o := range r.deployments {
		ms = append(ms, o.ObjectMeta)
	}
	for _, o := range r.statefulSets {
		ms = append(ms, o.ObjectMeta)
	}
	for _, o := range r.jobs {
		ms = append(ms, o.ObjectMeta)
	}
	for _, o := range r.pdbs {
		ms = append(ms, o.ObjectMeta)
	}
	for _, o := range r.hpas {
		ms = append(ms, o.ObjectMeta)
	}
	return ms
}
