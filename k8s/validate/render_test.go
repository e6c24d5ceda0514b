package validate

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// repoRoot is the repository root: this module lives in k8s/validate.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.work")); err != nil {
		t.Fatalf("repository root not found from %s: %v", root, err)
	}
	return root
}

// kinds lists every API type the manifests may hold. A kind missing here is
// an error, so a new kind is added here, with its checks, on purpose.
var kinds = map[string]func() any{
	"v1/ConfigMap":                           func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                              func() any { return &corev1.Secret{} },
	"v1/Service":                             func() any { return &corev1.Service{} },
	"v1/ServiceAccount":                      func() any { return &corev1.ServiceAccount{} },
	"v1/Namespace":                           func() any { return &corev1.Namespace{} },
	"apps/v1/Deployment":                     func() any { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet":                    func() any { return &appsv1.StatefulSet{} },
	"batch/v1/Job":                           func() any { return &batchv1.Job{} },
	"policy/v1/PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
}

// decodeStrict decodes one YAML document into its typed API object. Unknown
// fields, fields in the wrong case and duplicate fields are errors, as they
// are for `kubectl apply --validate=strict`.
func decodeStrict(doc []byte) (any, error) {
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return nil, err
	}
	var tm metav1.TypeMeta
	if err := kjson.UnmarshalCaseSensitivePreserveInts(js, &tm); err != nil {
		return nil, err
	}
	newObj, ok := kinds[tm.APIVersion+"/"+tm.Kind]
	if !ok {
		return nil, fmt.Errorf("unexpected kind %s/%s (add it to kinds, with its checks)", tm.APIVersion, tm.Kind)
	}
	obj := newObj()
	strict, err := kjson.UnmarshalStrict(js, obj, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil {
		return nil, err
	}
	if len(strict) > 0 {
		msgs := make([]string, len(strict))
		for i, e := range strict {
			msgs[i] = e.Error()
		}
		return nil, fmt.Errorf("%s: %s", tm.Kind, strings.Join(msgs, "; "))
	}
	return obj, nil
}

// rendered is one kustomization built, every object typed.
type rendered struct {
	dir          string
	configMaps   []*corev1.ConfigMap
	secrets      []*corev1.Secret
	services     []*corev1.Service
	accounts     []*corev1.ServiceAccount
	namespaces   []*corev1.Namespace
	deployments  []*appsv1.Deployment
	statefulSets []*appsv1.StatefulSet
	jobs         []*batchv1.Job
	pdbs         []*policyv1.PodDisruptionBudget
	hpas         []*autoscalingv2.HorizontalPodAutoscaler
}

// renderYAML builds the kustomization in dir (relative to the repository
// root) in-process, as `kustomize build` would.
func renderYAML(t testing.TB, dir string) []byte {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(repoRoot(t), dir))
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	out, err := m.AsYaml()
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	return out
}

// render builds dir and decodes every document strictly.
func render(t testing.TB, dir string) *rendered {
	t.Helper()
	r := &rendered{dir: dir}
	for i, doc := range splitDocuments(renderYAML(t, dir)) {
		obj, err := decodeStrict(doc)
		if err != nil {
			t.Fatalf("%s: document %d: %v\n%s", dir, i, err, doc)
		}
		r.add(obj)
	}
	return r
}

// add files a decoded object under its kind.
func (r *rendered) add(obj any) {
	switch o := obj.(type) {
	case *corev1.ConfigMap:
		r.configMaps = append(r.configMaps, o)
	case *corev1.Secret:
		r.secrets = append(r.secrets, o)
	case *corev1.Service:
		r.services = append(r.services, o)
	case *corev1.ServiceAccount:
		r.accounts = append(r.accounts, o)
	case *corev1.Namespace:
		r.namespaces = append(r.namespaces, o)
	case *appsv1.Deployment:
		r.deployments = append(r.deployments, o)
	case *appsv1.StatefulSet:
		r.statefulSets = append(r.statefulSets, o)
	case *batchv1.Job:
		r.jobs = append(r.jobs, o)
	case *policyv1.PodDisruptionBudget:
		r.pdbs = append(r.pdbs, o)
	case *autoscalingv2.HorizontalPodAutoscaler:
		r.hpas = append(r.hpas, o)
	}
}

// splitDocuments splits a YAML stream on its "---" lines.
func splitDocuments(b []byte) [][]byte {
	var docs [][]byte
	var cur []byte
	flush := func() {
		if len(bytes.TrimSpace(cur)) > 0 {
			docs = append(docs, cur)
		}
		cur = nil
	}
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		if bytes.Equal(bytes.TrimRight(line, " \r\n"), []byte("---")) {
			flush()
			continue
		}
		cur = append(cur, line...)
	}
	flush()
	return docs
}

// workload is any object with a pod template.
type workload struct {
	kind, name string
	meta       metav1.ObjectMeta // the template's
	spec       *corev1.PodSpec
}

func (r *rendered) workloads() []workload {
	var ws []workload
	for _, d := range r.deployments {
		ws = append(ws, workload{"Deployment", d.Name, d.Spec.Template.ObjectMeta, &d.Spec.Template.Spec})
	}
	for _, s := range r.statefulSets {
		ws = append(ws, workload{"StatefulSet", s.Name, s.Spec.Template.ObjectMeta, &s.Spec.Template.Spec})
	}
	for _, j := range r.jobs {
		ws = append(ws, workload{"Job", j.Name, j.Spec.Template.ObjectMeta, &j.Spec.Template.Spec})
	}
	return ws
}

func (w workload) String() string { return w.kind + "/" + w.name }

// configMap returns the ConfigMap generated as name (kustomize appends a hash).
func (r *rendered) configMap(t testing.TB, name string) *corev1.ConfigMap {
	t.Helper()
	for _, c := range r.configMaps {
		if c.Name == name || strings.HasPrefix(c.Name, name+"-") {
			return c
		}
	}
	t.Fatalf("%s: no ConfigMap %s", r.dir, name)
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestDecodeStrict(t *testing.T) {
	tests := []struct {
		name, doc string
		ok        bool
	}{
		{"accepts_a_valid_object", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n", true},
		{"rejects_an_unknown_field", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndatas: {k: v}\n", false},
		{"rejects_a_field_in_the_wrong_case", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nData: {k: v}\n", false},
		{"rejects_a_duplicate_field", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\ndata: {k: w}\n", false},
		{"rejects_a_nested_unknown_field", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: i, readinesProbe: {}}]\n", false},
		{"rejects_a_wrong_type", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {replicas: two}\n", false},
		{"rejects_an_unknown_kind", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeStrict([]byte(tt.doc))
			if (err == nil) != tt.ok {
				t.Fatalf("decodeStrict: err = %v, want ok = %v", err, tt.ok)
			}
		})
	}
}
